#!/usr/bin/env python3
"""Drives the page at `/` in headless Chromium against a server of a dataset read from files.

Run through `scripts/test-browser` after `test_page.py`: it writes a folder of 300 PNGs
(the 243 shapes renders, the first 57 twice) with two captions each, trains on it for a few
epochs and serves it, then sets:

  NANOVLM_URL      the server (already ready)
  NANOVLM_FOLDER   the folder it serves
  SCREENSHOTS      where the screenshots go

The page must size itself from /v1/model and /v1/images: page through the 300, hide what
only the shapes set has (classify, the sketch pad), list the query words the vocabulary
does not know, and map an even sample of 243 rather than every image. Prints one line per
check and closes with `N passed, M failed`.
"""

import os
import sys
import time
from pathlib import Path

from test_page import api, run_checks  # the shapes page test's browser, helpers and runner

BASE = os.environ.get("NANOVLM_URL", "http://127.0.0.1:8080").rstrip("/")
FOLDER = Path(os.environ.get("NANOVLM_FOLDER", "artifacts/browser/folder"))
WAIT = 30


def check_sized_by_the_dataset(page, model):
    page.driver.get(BASE + "/")
    page.until(lambda: page.el("status").text == "ready", "the status pill never said ready")
    dataset = model["dataset"]
    summary = page.until(lambda: page.el("dataset-summary").text or None, "no dataset summary")
    assert dataset["source"] in summary and "300 images" in summary, summary
    assert page.el("k").get_attribute("max") == "300", page.el("k").get_attribute("max")
    assert page.el("caption-k").get_attribute("max") == str(dataset["captions"])
    hidden = page.js("return [document.getElementById('classify-panel').hidden,"
                     " document.getElementById('sketch-panel').hidden];")
    assert hidden == [True, True], f"classify and the sketch pad shown for a folder: {hidden}"
    page.screenshot("folder-01-ready")


def check_pages_through_the_gallery(page, model):
    status = page.until(lambda: page.el("gallery-status").text if "of 300" in page.el("gallery-status").text
                        else None, "the gallery never loaded")
    assert status.startswith("images 1–24"), status
    first = page.js("return Array.from(document.querySelectorAll('#gallery-items .thumb-card'))"
                    ".map(function (c) { return c.getAttribute('data-id'); });")
    assert first == [str(i) for i in range(24)], first
    for _ in range(12):
        page.el("gallery-next").click()
        time.sleep(0.05)
    last = page.until(lambda: page.el("gallery-status").text if page.el("gallery-status").text.startswith("images 289")
                      else None, "paging forward never reached the last page")
    assert last == "images 289–300 of 300", last
    assert page.el("gallery-next").get_attribute("disabled"), "next enabled on the last page"
    page.el("gallery-prev").click()
    page.until(lambda: page.el("gallery-status").text.startswith("images 265"), "paging back failed")
    loaded = page.until(lambda: page.js(
        "var imgs = document.querySelectorAll('#gallery-items img');"
        "return imgs.length && Array.from(imgs).every(function (i) { return i.complete && i.naturalWidth > 0; })"
        " ? imgs.length : 0;"), "the thumbnails never loaded")
    assert loaded == 24, loaded
    page.screenshot("folder-02-gallery")


def check_unknown_words(page, model):
    page.js("window.scrollTo(0, 0);")
    page.type_query("red giraffe circle", enter=True)
    line = page.until(lambda: page.el("unknown-words").text or None, "no line for the unknown word")
    assert line.endswith("ignored: giraffe"), line
    results = page.until(lambda: page.results() or None, "no results for a query with an unknown word")
    assert len(results) == 5 and "red" in results[0]["caption"], results[0]
    page.type_query("blue square", enter=True)
    page.until(lambda: page.el("unknown-words").get_attribute("hidden") is not None,
               "the unknown-word line stayed after a query without one")
    page.type_query("giraffe", enter=True)
    error = page.until(lambda: page.error() if page.error()["shown"] else None, "no error for a query with no known word")
    assert "giraffe" in error["message"], error
    page.type_query("red", enter=True)
    page.until(lambda: not page.error()["shown"], "the error did not clear")


def check_image_search_without_classify(page, model):
    page.driver.find_element("css selector", "#gallery-items .thumb-card").click()
    first = page.until(lambda: page.captions()[0] if page.captions() else None, "clicking a thumbnail searched nothing")
    assert first["probability"].endswith("%"), first
    info = page.el("upload-info").text
    assert info.startswith("gallery image "), info
    assert page.js("return document.getElementById('classification').textContent.trim();") == "–", \
        "classify was asked for a dataset without attributes"
    page.screenshot("folder-03-image-search")


def check_maps_a_sample(page, model):
    page.scroll_to("pca")
    status = page.until(lambda: page.el("space-status").text if "dimensions" in page.el("space-status").text else None,
                        "the joint-space map never finished", timeout=120)
    assert status.startswith("243 of the 300 images (an even sample)"), status
    assert page.js("return document.getElementById('heatmap').width;") == 243
    rows = page.js("return Array.from(document.querySelectorAll('#metrics tbody th'))"
                   ".map(function (th) { return th.textContent; });")
    assert rows == ["validation, among its own", "validation, among all 300"], rows
    page.screenshot("folder-04-map", full_page=True)


def check_console(page, model):
    entries = page.drain_console()

    def intended(entry):  # the 400 of the query with no known word
        return entry.get("source") == "network" and "/v1/search/images?" in entry.get("message", "") \
            and "status of 400" in entry.get("message", "")
    errors = [e for e in entries if e.get("level") == "SEVERE" and not intended(e)]
    assert not errors, "console errors:\n" + "\n".join(e["message"] for e in errors)


CHECKS = [
    check_sized_by_the_dataset,
    check_pages_through_the_gallery,
    check_unknown_words,
    check_image_search_without_classify,
    check_maps_a_sample,
    check_console,
]


def main():
    model = api("/v1/model")
    assert model["dataset"]["images"] == 300, model["dataset"]
    return run_checks(CHECKS, model, prefix="folder_")


if __name__ == "__main__":
    sys.exit(main())
