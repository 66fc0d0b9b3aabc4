#!/usr/bin/env python3
"""Writes scikit-learn's handwritten digits as nanovlm datasets, in every file layout.

Usage: digits.py OUTDIR [--jpeg] [--size N] [--limit N]

The 1,797 8x8 digits of `sklearn.datasets.load_digits()` (shipped with scikit-learn, no
download) are scaled to N x N (default 32, the model's input side) and written, white ink on
black, as grey PNGs (or JPEGs with --jpeg) named 0000.png, 0001.png, ... in the order
scikit-learn gives them, into four datasets that must read as the same items:

  OUTDIR/folder-txt/     NNNN.png with NNNN.txt beside it, one caption a line
  OUTDIR/folder-tsv/     NNNN.png and captions.tsv (header, then path<TAB>caption lines)
  OUTDIR/coco/           captions.json (images[] + annotations[]) and images/NNNN.png
  OUTDIR/tsv/            digits.tsv (path<TAB>caption, paths relative to it) and images/NNNN.png

Every image of a digit carries the same captions, in the same order: image->text counts a
hit only when the first-ranked caption is one of the image's own, so an image of a seven
must own every caption of "seven" that search may rank first. The captions still vary in
wording, word order, length and in naming the digit by word ("seven") or by numeral ("7"),
and the wordings differ between digits, so a model cannot match a caption by its template.

OUTDIR/manifest.json records what was written: the layouts and their data.source, the
image count, and every image's file name, digit and captions, for the tests to compare
against what nanovlm reads.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from sklearn.datasets import load_digits

WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

# Caption templates; digit d takes templates d, d+1 and d+2 (mod the count) and a fourth,
# shared one for d in 0-4, so digits 0-4 have four captions and 5-9 three.
TEMPLATES = [
    "a handwritten {word}",
    "the digit {numeral}",
    "number {word} written by hand",
    "a scanned {numeral}",
    "{word} in pen",
    "the numeral {numeral} drawn by hand",
    "an ink {word}",
]
SHARED = "digit {numeral}, handwritten"


def captions(digit):
    chosen = [TEMPLATES[(digit + k) % len(TEMPLATES)] for k in range(3)]
    if digit < 5:
        chosen.append(SHARED)
    return [t.format(word=WORDS[digit], numeral=digit) for t in chosen]


def image(pixels, size):
    """An 8x8 array of 0..16 (ink) as a size x size grey image, white ink on black."""
    grey = np.clip(pixels * (255.0 / 16.0), 0, 255).round().astype(np.uint8)
    return Image.fromarray(grey, mode="L").resize((size, size), Image.Resampling.BICUBIC)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("outdir")
    parser.add_argument("--jpeg", action="store_true", help="write JPEG images (.jpg) instead of PNG")
    parser.add_argument("--size", type=int, default=32, help="side of the written images (default 32)")
    parser.add_argument("--limit", type=int, default=0, help="write only the first N digits (0: all)")
    args = parser.parse_args()
    if args.size < 8:
        sys.exit("--size must be at least 8")

    digits = load_digits()
    count = len(digits.target) if args.limit <= 0 else min(args.limit, len(digits.target))
    extension = "jpg" if args.jpeg else "png"
    out = Path(args.outdir)
    folder_txt, folder_tsv = out / "folder-txt", out / "folder-tsv"
    coco_images, tsv_images = out / "coco" / "images", out / "tsv" / "images"
    for folder in (folder_txt, folder_tsv, coco_images, tsv_images):
        folder.mkdir(parents=True, exist_ok=True)

    items = []
    table = ["path\tcaption"]
    tsv = []
    coco = {"images": [], "annotations": []}
    for index in range(count):
        digit = int(digits.target[index])
        name = f"{index:04d}.{extension}"
        picture = image(digits.images[index], args.size)
        # One encoding, copied byte for byte into every layout: the four datasets then hash
        # their images alike and train alike.
        first = folder_txt / name
        if args.jpeg:
            picture.save(first, format="JPEG", quality=95)
        else:
            picture.save(first, format="PNG", optimize=False)
        data = first.read_bytes()
        for copy in (folder_tsv / name, coco_images / name, tsv_images / name):
            copy.write_bytes(data)
        texts = captions(digit)
        (folder_txt / f"{index:04d}.txt").write_text("".join(t + "\n" for t in texts), encoding="utf-8")
        table += [f"{name}\t{t}" for t in texts]
        tsv += [f"images/{name}\t{t}" for t in texts]
        coco["images"].append({"id": index, "file_name": f"images/{name}", "width": args.size, "height": args.size})
        for t in texts:
            coco["annotations"].append({"id": len(coco["annotations"]), "image_id": index, "caption": t})
        items.append({"file": name, "digit": digit, "captions": texts})

    (folder_tsv / "captions.tsv").write_text("\n".join(table) + "\n", encoding="utf-8")
    (out / "tsv" / "digits.tsv").write_text("\n".join(tsv) + "\n", encoding="utf-8")
    (out / "coco" / "captions.json").write_text(json.dumps(coco, indent=1) + "\n", encoding="utf-8")
    manifest = {
        "count": count,
        "size": args.size,
        "format": "JPEG" if args.jpeg else "PNG",
        "layouts": {
            "folder-txt": f"folder:{folder_txt}",
            "folder-tsv": f"folder:{folder_tsv}",
            "coco": f"coco:{out / 'coco' / 'captions.json'}",
            "tsv": f"tsv:{out / 'tsv' / 'digits.tsv'}",
        },
        "captions": {str(d): captions(d) for d in range(10)},
        "items": items,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({"count": count, "layouts": manifest["layouts"]}))


if __name__ == "__main__":
    main()
