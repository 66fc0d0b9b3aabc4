#!/usr/bin/env python3
"""Drives the page at `/` in real headless Chromium against a running nanovlm server.

Run through `scripts/test-browser`, which builds the release binary, starts it on
127.0.0.1 and sets:

  NANOVLM_URL      the server, e.g. http://127.0.0.1:40123 (already ready)
  NANOVLM_DATASET  a folder written by `nanovlm dataset --out` (PNGs + captions.tsv)
  SCREENSHOTS      where each state's screenshot goes (git-ignored)

The checks share one browser and run in order, each building on the page state the one
before left. Prints one line per check and closes with `N passed, M failed`.
"""

import base64
import csv
import json
import os
import shutil
import sys
import time
import traceback
import urllib.request
from pathlib import Path

# Never let Selenium look for a driver on the network: the Debian one is used.
os.environ.setdefault("SE_OFFLINE", "true")

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

BASE = os.environ.get("NANOVLM_URL", "http://127.0.0.1:8080").rstrip("/")
DATASET = Path(os.environ.get("NANOVLM_DATASET", "artifacts/browser/dataset"))
SHOTS = Path(os.environ.get("SCREENSHOTS", "artifacts/screenshots"))
DESKTOP = (1280, 900)
PHONE_WIDTH = 390
WAIT = 20


def api(path):
    with urllib.request.urlopen(BASE + path, timeout=30) as response:
        return json.load(response)


def load_dataset():
    """The 243 pairs by id, from the `captions.tsv` that `nanovlm dataset` writes."""
    with open(DATASET / "captions.tsv", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return {int(r["id"]): dict(r, id=int(r["id"])) for r in rows}


def training_pair(data, start):
    """The first pair from id `start` on that the model trained on, so its canonical
    render is certain to find its own caption first (held-out ones almost always do)."""
    return next(data[i] for i in list(range(start, 243)) + list(range(start)) if data[i]["split"] == "train")


def start_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--hide-scrollbars", "--force-device-scale-factor=1",
                     f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(service=service, options=options)


class Page:
    """The browser plus what the checks need from it: waits, reads, screenshots, console."""

    def __init__(self, driver):
        self.driver = driver
        self.console = []  # every console entry seen so far (get_log drains the buffer)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def until(self, condition, message, timeout=WAIT):
        """Waits until `condition()` is truthy and returns it; fails with `message` and the
        page's visible error, if any."""
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(lambda _: condition())
        except Exception as error:
            shown = self.js("var e = document.getElementById('error');"
                            "return e && e.classList.contains('show') ? e.textContent.trim() : '';")
            raise AssertionError(f"{message}" + (f" (page shows error: {shown})" if shown else "")) from error

    def el(self, element_id):
        return self.driver.find_element(By.ID, element_id)

    def type_query(self, text, enter=False):
        box = self.el("query")
        box.clear()
        box.send_keys(text)
        if enter:
            box.send_keys(Keys.ENTER)

    def results(self):
        return self.js("""
            return Array.from(document.querySelectorAll('#results .result')).map(function (r) {
              var img = r.querySelector('img');
              return { id: r.getAttribute('data-id'), caption: r.querySelector('.caption').textContent,
                       rank: r.querySelector('.rank').textContent, score: r.querySelector('.score').textContent,
                       probability: r.querySelector('.probability').textContent,
                       src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth,
                       explanation: r.querySelectorAll('.explanation .bar-row').length };
            });""")

    def first_result(self, wanted):
        """The first result card, when there is one and `wanted(card)` holds."""
        results = self.results()
        return results[0] if results and wanted(results[0]) else None

    def captions(self):
        return self.js("""
            return Array.from(document.querySelectorAll('#captions .caption-result')).map(function (r) {
              return { caption: r.querySelector('.caption').textContent,
                       probability: r.querySelector('.probability').textContent };
            });""")

    def written(self):
        """The decoder's captions as the page shows them, best first."""
        return self.js("""
            return Array.from(document.querySelectorAll('#written .written-caption .caption')).map(function (c) {
              return c.textContent;
            });""")

    def classification(self):
        return self.js("""
            var out = {};
            ['colour', 'shape', 'position'].forEach(function (a) {
              var box = document.getElementById('class-' + a);
              out[a] = box ? box.querySelector('.label').textContent : null;
            });
            return out;""")

    def error(self):
        return self.js("""
            var e = document.getElementById('error');
            return { shown: e.classList.contains('show'),
                     message: document.getElementById('error-message').textContent };""")

    def drain_console(self):
        self.console.extend(self.driver.get_log("browser"))
        return self.console

    def screenshot(self, name, full_page=False):
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        if full_page:
            size = self.js("return [document.documentElement.clientWidth, document.documentElement.scrollHeight];")
            shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1}})
            path.write_bytes(base64.b64decode(shot["data"]))
        else:
            self.driver.save_screenshot(str(path))
        return path

    def scroll_to(self, element_id):
        self.js("document.getElementById(arguments[0]).scrollIntoView({block: 'start'}); window.scrollBy(0, -12);",
                element_id)


# ---- the checks -------------------------------------------------------------------------

def check_page_ready(page, data):
    page.driver.get(BASE + "/")
    page.until(lambda: page.el("status").text == "ready", "the status pill never said ready")
    assert page.driver.title.startswith("nanovlm"), page.driver.title
    page.screenshot("01-ready")


def check_controls_have_labels(page, data):
    unlabelled = page.js("""
        return Array.from(document.querySelectorAll('input, select, button, canvas, textarea')).filter(function (el) {
          if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')) return false;
          if (el.id && document.querySelector('label[for="' + el.id + '"]')) return false;
          if (el.closest('label')) return false;
          if (el.tagName === 'BUTTON' && el.textContent.trim()) return false;
          return true;
        }).map(function (el) { return el.tagName.toLowerCase() + '#' + el.id; });""")
    assert not unlabelled, f"controls without an accessible name: {unlabelled}"


def check_text_search(page, data):
    target = next(p for p in data.values() if p["caption"] == "pink circle top")
    page.type_query(target["caption"])  # the debounced search, no Enter
    first = page.until(lambda: page.first_result(lambda r: r["caption"] == target["caption"] and r["loaded"]),
                       "typing the caption never put its image first")
    assert first["id"] == str(target["id"]), f"first result is image {first['id']}, expected {target['id']}"
    assert first["src"] == f"/v1/images/{target['id']}.png", first["src"]
    assert first["loaded"] == 32, f"the first image is {first['loaded']} px wide, expected the 32 px PNG"
    assert first["rank"] == "#1", first["rank"]
    results = page.results()
    assert len(results) == 5, f"{len(results)} results for the default k = 5"
    assert [r["rank"] for r in results] == [f"#{i}" for i in range(1, 6)]
    assert first["score"].startswith("score ") and first["probability"].startswith("p "), first
    assert not page.error()["shown"], page.error()
    page.screenshot("02-text-search")


def check_k_and_explain(page, data):
    k = page.el("k")
    k.clear()
    k.send_keys("8")
    page.el("explain").click()
    page.type_query("red square bottom-right", enter=True)
    rows = page.until(lambda: page.results() if len(page.results()) == 8 and page.results()[0]["explanation"] else None,
                      "k = 8 with explain never showed 8 explained results")
    assert rows[0]["caption"] == "red square bottom-right", rows[0]
    # One bar per query word plus the bias.
    assert all(r["explanation"] == 4 for r in rows), [r["explanation"] for r in rows]
    page.screenshot("03-explain")
    page.el("explain").click()
    k.clear()
    k.send_keys("5")


def check_unknown_word(page, data):
    page.type_query("pink blob top", enter=True)
    error = page.until(lambda: page.error() if page.error()["shown"] and "blob" in page.error()["message"] else None,
                       "an unknown word never showed an error naming it")
    message = error["message"]
    for word in ("known words", "pink", "circle", "triangle", "top-left", "centre"):
        assert word in message, f"the message does not list {word!r}: {message}"
    assert page.results() == [], "results still shown after the unknown word"
    page.screenshot("04-unknown-word")
    # A valid query clears it again.
    page.type_query("blue triangle left", enter=True)
    page.until(lambda: not page.error()["shown"] and page.results() and page.results()[0]["caption"] == "blue triangle left",
               "the error did not clear after a valid query")


def check_upload(page, data):
    target = training_pair(data, 200)
    page.scroll_to("image-search")
    page.el("file").send_keys(str((DATASET / f"{target['id']}.png").resolve()))
    first = page.until(lambda: page.captions()[0] if page.captions() and
                       page.captions()[0]["caption"] == target["caption"] else None,
                       f"uploading {target['id']}.png never put \"{target['caption']}\" first")
    assert first["probability"].endswith("%"), first
    labels = page.until(lambda: page.classification() if page.classification()["colour"] else None,
                        "no classification shown")
    assert labels == {a: target[a] for a in ("colour", "shape", "position")}, labels
    written = page.until(lambda: page.written() or None, "no written caption shown")
    assert written[0] == target["caption"] and len(written) == 3, f"the decoder wrote {written}"
    preview = page.js("var p = document.getElementById('upload-preview');"
                      "return p.classList.contains('show') && p.naturalWidth;")
    assert preview == 32, f"the preview is not the uploaded 32 px image ({preview})"
    page.screenshot("05-upload")


def check_drop(page, data):
    target = training_pair(data, 17)
    encoded = base64.b64encode((DATASET / f"{target['id']}.png").read_bytes()).decode()
    page.js("""
        var bytes = Uint8Array.from(atob(arguments[0]), function (c) { return c.charCodeAt(0); });
        var file = new File([bytes], arguments[1], { type: 'image/png' });
        var transfer = new DataTransfer();
        transfer.items.add(file);
        var drop = document.getElementById('drop');
        ['dragenter', 'dragover', 'drop'].forEach(function (type) {
          drop.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
        });""", encoded, f"{target['id']}.png")
    page.until(lambda: page.captions() and page.captions()[0]["caption"] == target["caption"],
               f"dropping {target['id']}.png never put \"{target['caption']}\" first")
    page.until(lambda: page.written() and page.written()[0] == target["caption"],
               f"dropping {target['id']}.png never wrote \"{target['caption']}\" ({page.written()})")


def check_drawing(page, data):
    page.el("colour-green").click()
    Select(page.el("shape")).select_by_visible_text("square")
    Select(page.el("position")).select_by_value("bottom-left")
    page.el("stamp").click()
    page.until(lambda: page.captions() and page.captions()[0]["caption"] == "green square bottom-left",
               "stamping a green square bottom-left never put its caption first")
    page.until(lambda: page.classification() == {"colour": "green", "shape": "square", "position": "bottom-left"},
               f"the drawing was classified as {page.classification()}")
    page.until(lambda: page.written() and page.written()[0] == "green square bottom-left",
               f"the drawing's written caption is {page.written()}")
    page.screenshot("06-drawing")


def check_look_inside(page, data):
    model = api("/v1/model")
    history = (model.get("training") or {}).get("history") or []
    expected_lines = sum(1 for key in ("loss", "val_r1_image_to_text", "val_r1_text_to_image")
                         if any(isinstance(e.get(key), (int, float)) for e in history))
    page.scroll_to("inside")
    facts = page.until(lambda: page.el("model-info").text if "sha-256" in page.el("model-info").text else None,
                       "the model facts never loaded")
    assert model["weights"]["source"] in facts, facts
    if history:
        lines = page.until(lambda: page.js("return document.querySelectorAll('#training-plot svg polyline').length;")
                           or None, "the training plot never drew")
        assert lines == expected_lines, f"{lines} lines in the training plot, expected {expected_lines}"
        # The loss line has one point per recorded epoch.
        points = page.js("var p = document.querySelector('#training-plot svg polyline');"
                         "return p ? p.getAttribute('points').trim().split(/\\s+/).length : 0;")
        assert points == len(history), f"loss line has {points} points, history has {len(history)} epochs"
    page.until(lambda: "%" in page.el("metrics").text, "the live metrics never loaded")
    page.scroll_to("pca")
    status = page.until(lambda: page.el("space-status").text if "243 images" in page.el("space-status").text else None,
                        "the joint-space map never finished", timeout=90)
    assert "dimensions" in status, status
    assert page.js("return document.getElementById('heatmap').width;") == 243
    painted = page.js("""
        var c = document.getElementById('pca'), g = c.getContext('2d');
        var d = g.getImageData(0, 0, c.width, c.height).data, lit = 0;
        for (var i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 120) lit++;
        return lit;""")
    assert painted > 500, f"the PCA map looks empty ({painted} bright pixels)"
    page.screenshot("07-look-inside")
    page.screenshot("08-full-page", full_page=True)


def check_phone_width(page, data):
    page.driver.set_window_size(PHONE_WIDTH, 844)
    page.js("window.scrollTo(0, 0);")
    page.type_query("purple triangle centre", enter=True)
    page.until(lambda: page.results() and page.results()[0]["caption"] == "purple triangle centre",
               "search at phone width failed")
    width = page.js("return window.innerWidth;")
    overflow = page.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
    assert width == PHONE_WIDTH, f"the window is {width} px wide, expected {PHONE_WIDTH}"
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px at {PHONE_WIDTH} px"
    page.screenshot("09-phone")
    page.screenshot("10-phone-full-page", full_page=True)
    page.driver.set_window_size(*DESKTOP)


def check_console(page, data):
    entries = page.drain_console()
    # The intended 400s (the unknown word, half-typed words) are logged by Chromium as
    # SEVERE `network` entries; anything else at SEVERE — a script error, a failed image,
    # any other status — is a real error on the page.
    def intended(entry):
        return entry.get("source") == "network" and "/v1/search/images?" in entry.get("message", "") \
            and "status of 400" in entry.get("message", "")
    errors = [e for e in entries if e.get("level") == "SEVERE" and not intended(e)]
    assert not errors, "console errors:\n" + "\n".join(e["message"] for e in errors)
    # The log is really being read: the unknown word's 400 is in it.
    assert any(intended(e) and "blob" in e["message"] for e in entries), \
        f"the console log holds no entry for the unknown word's 400 ({len(entries)} entries read)"


CHECKS = [
    check_page_ready,
    check_controls_have_labels,
    check_text_search,
    check_k_and_explain,
    check_unknown_word,
    check_upload,
    check_drop,
    check_drawing,
    check_look_inside,
    check_phone_width,
    check_console,
]


def run_checks(checks, argument, prefix=""):
    """Runs each check in one browser, printing PASS or FAIL a line (a screenshot on
    failure), and closes with `N passed, M failed`; returns the exit status."""
    passed = failed = 0
    driver = start_browser()
    page = Page(driver)
    try:
        for check in checks:
            name = prefix + check.__name__.removeprefix("check_")
            started = time.monotonic()
            try:
                check(page, argument)
                passed += 1
                print(f"PASS {name} ({time.monotonic() - started:.1f} s)", flush=True)
            except Exception as error:
                failed += 1
                print(f"FAIL {name}: {error}", flush=True)
                if not isinstance(error, AssertionError):
                    traceback.print_exc()
                try:
                    page.screenshot(f"failed-{name}")
                except Exception:
                    pass
            page.drain_console()
    finally:
        driver.quit()
    print(f"screenshots in {SHOTS}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def main():
    data = load_dataset()
    assert len(data) == 243, f"{len(data)} rows in {DATASET / 'captions.tsv'}"
    gallery = api("/v1/images")
    assert [g["caption"] for g in gallery] == [data[i]["caption"] for i in range(243)], "dataset and gallery differ"
    return run_checks(CHECKS, data)

if __name__ == "__main__":
    sys.exit(main())
