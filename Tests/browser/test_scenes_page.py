#!/usr/bin/env python3
"""Drives the page at `/` in headless Chromium against a server of the scenes set.

Run through `scripts/test-browser` after the other pages: it trains a scenes model of a
200-scene gallery for a few epochs and serves it, then sets NANOVLM_URL and SCREENSHOTS.

The page must show what the scenes set has: a relational query ranks scenes, the sketch pad
stamps two objects into one drawing, and classify reads back two objects and their
relation with the best captions. Prints one line per check and closes with
`N passed, M failed`.
"""

import os
import sys

from test_page import api, run_checks  # the shapes page test's browser, helpers and runner

BASE = os.environ.get("NANOVLM_URL", "http://127.0.0.1:8080").rstrip("/")


def check_shows_the_scene_tools(page, model):
    page.driver.get(BASE + "/")
    page.until(lambda: page.el("status").text == "ready", "the status pill never said ready")
    summary = page.until(lambda: page.el("dataset-summary").text or None, "no dataset summary")
    assert "scenes" in summary and "200 images" in summary, summary
    hidden = page.js("return [document.getElementById('classify-panel').hidden,"
                     " document.getElementById('sketch-panel').hidden];")
    assert hidden == [False, False], f"classify or the sketch pad hidden for scenes: {hidden}"
    page.screenshot("scenes-01-ready")


def check_relational_query(page, model):
    page.type_query("the red circle is to the left of a blue square", enter=True)
    results = page.until(lambda: page.results() or None, "a relational query found nothing")
    assert len(results) == 5, results
    assert all(" of " in r["caption"] or " above " in r["caption"] or " below " in r["caption"] for r in results), results
    assert not page.error()["shown"], page.error()
    page.type_query("red circle beside blue square", enter=True)
    error = page.until(lambda: page.error() if page.error()["shown"] else None, "no error for an unknown word")
    assert "beside" in error["message"], error
    page.type_query("red circle", enter=True)
    page.until(lambda: not page.error()["shown"], "the error did not clear")


def check_draws_two_shapes_and_reads_them_back(page, model):
    page.scroll_to("sketch-panel")
    page.el("clear-drawing").click()
    page.js("document.getElementById('colour-red').click();")
    page.js("document.getElementById('shape').value = 'circle'; document.getElementById('position').value = 'top-left';")
    page.el("stamp").click()
    page.js("document.getElementById('colour-blue').click();")
    page.js("document.getElementById('shape').value = 'square'; document.getElementById('position').value = 'bottom-right';")
    page.el("stamp").click()
    info = page.until(lambda: page.el("upload-info").text if "+" in page.el("upload-info").text else None,
                      "the drawing was not searched with both objects")
    assert "red circle top-left + blue square bottom-right" in info, info
    # Both objects are on the canvas: red in the top-left cell, blue in the bottom-right.
    pixels = page.js("var c = document.getElementById('draw').getContext('2d');"
                     "return [Array.from(c.getImageData(6, 6, 1, 1).data), Array.from(c.getImageData(25, 25, 1, 1).data)];")
    assert pixels[0][:3] == [255, 0, 0] and pixels[1][:3] == [0, 0, 255], pixels
    captions = page.until(lambda: page.captions() or None, "the drawing ranked no captions")
    assert len(captions) >= 1, captions
    scene = page.until(lambda: page.js(
        "var b = document.getElementById('class-scene');"
        "return b ? {objects: b.querySelector('.label').textContent, relation: b.querySelector('.probability').textContent,"
        " rows: b.querySelectorAll('.bar-row').length} : null;"), "classify was not shown for the drawing")
    assert scene["objects"].count("(") == 2, scene
    assert scene["relation"] in ("left of", "right of", "above", "below"), scene
    assert scene["rows"] == 5, scene
    page.screenshot("scenes-02-drawing")


def check_console(page, model):
    entries = page.drain_console()

    def intended(entry):  # the 400 of the query with an unknown word
        return entry.get("source") == "network" and "/v1/search/images?" in entry.get("message", "") \
            and "status of 400" in entry.get("message", "")
    errors = [e for e in entries if e.get("level") == "SEVERE" and not intended(e)]
    assert not errors, "console errors:\n" + "\n".join(e["message"] for e in errors)


CHECKS = [check_shows_the_scene_tools, check_relational_query, check_draws_two_shapes_and_reads_them_back, check_console]


def main():
    model = api("/v1/model")
    assert model["dataset"]["source"] == "scenes", model["dataset"]
    return run_checks(CHECKS, model, prefix="scenes_")


if __name__ == "__main__":
    sys.exit(main())
