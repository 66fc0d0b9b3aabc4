#!/usr/bin/env python3
"""Writes JPEG test fixtures with Pillow, and what they must decode to.

Usage: jpeg_fixtures.py OUTDIR

For each fixture NAME in OUTDIR/manifest.txt ("NAME WIDTH HEIGHT FULL SIDE..." per line):
  NAME.jpg                 the file;
  NAME.f32                 (when FULL is 1) Pillow's decode as RGB, little-endian float32,
                           (H, W, 3), each sample / 255; CMYK is converted here, with
                           R = (1 - C)(1 - K) and so on, from the ink amounts Pillow reads;
  NAME.SIDE.CROP.f32       for each SIDE and CROP (centre, none): the exact area average
                           of that decode over the crop (the central min(w, h) square,
                           starting floor((w - side) / 2) in; or the whole image), to
                           SIDE×SIDE, computed here in float64 from overlaps;
  NAME.SIDE.CROP.scaled.f32  the same average over Pillow's DCT-scaled decode (draft) at
                           the scale the decoder under test must choose: the smallest k/8
                           at which the short side still covers SIDE pixels. The sides are
                           picked so that k is 1, 2, 4 or 8, the scales Pillow offers.
OUTDIR/broken.txt lists "NAME KIND" for files that must be refused or read otherwise
(KIND: truncated, corrupt, empty, png). The expectations come from Pillow and NumPy, not
from the decoder under test.
"""
import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image


def picture(width, height, seed):
    """Smooth gradients, a disc and a little noise: what photographs and renders hold."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    u, v = x / max(width - 1, 1), y / max(height - 1, 1)
    r = 40 + 180 * u
    g = 30 + 200 * v
    b = 128 + 100 * np.sin(6.0 * u + 3.0 * v)
    disc = (x - width * 0.6) ** 2 + (y - height * 0.4) ** 2 < (min(width, height) * 0.25) ** 2
    r = np.where(disc, 230, r)
    g = np.where(disc, 60, g)
    rgb = np.stack([r, g, b], axis=-1) + rng.normal(0, 3, (height, width, 3))
    return np.clip(rgb, 0, 255).astype(np.uint8)


def area_weights(start, length, size, out):
    """(out, size) matrix: row o holds the overlap of [start + o*s, start + (o+1)*s) with each pixel, / s."""
    s = length / out
    weights = np.zeros((out, size))
    for o in range(out):
        low, high = start + o * s, start + (o + 1) * s
        for i in range(int(np.floor(low)), int(np.ceil(high))):
            if 0 <= i < size:
                weights[o, i] = max(0.0, min(high, i + 1) - max(low, i)) / s
    return weights


def eighths(width, height, side):
    """The smallest k (of k/8) at which the short side covers `side` pixels."""
    return next(k for k in range(1, 9) if min(width, height) * k >= side * 8 or k == 8)


def model_input(rgb, side, crop, width, height, k=8):
    """`rgb` is the decode of a width×height image at scale k/8."""
    if crop == "centre":
        square = min(width, height)
        x0, y0, w, h = (width - square) // 2, (height - square) // 2, square, square
    else:
        x0, y0, w, h = 0, 0, width, height
    f = k / 8
    wy = area_weights(y0 * f, h * f, rgb.shape[0], side)
    wx = area_weights(x0 * f, w * f, rgb.shape[1], side)
    # Row blocks at a time: the 8192×8192 fixture would need 1.6 GB as one float64 array.
    rows = np.zeros((side, rgb.shape[1], 3))
    for start in range(0, rgb.shape[0], 512):
        block = np.asarray(rgb[start:start + 512], dtype=np.float64)
        rows += np.tensordot(wy[:, start:start + 512], block, axes=(1, 0))
    return np.einsum("oxc,px->opc", rows, wx)


def decoded_rgb(data, plain_cmyk=False, k=8):
    """Pillow's decode in [0, 1] (float64, or float32 for very large images). Pillow reads
    every CMYK JPEG with Adobe's inverted convention; a file without the Adobe segment
    stores ink amounts directly."""
    image = Image.open(io.BytesIO(data))
    width, height = image.size
    if k < 8:
        image.draft(image.mode, (width * k // 8, height * k // 8))
        assert image.size == (-(-width * k // 8), -(-height * k // 8)), (image.size, width, height, k)
    image.load()
    if image.mode == "CMYK":
        ink = np.asarray(image, dtype=np.float64) / 255
        if plain_cmyk:
            ink = 1 - ink
        return (1 - ink[..., :3]) * (1 - ink[..., 3:4])
    pixels = np.asarray(image.convert("RGB"))
    kind = np.float64 if pixels.size < 1 << 24 else np.float32
    return pixels.astype(kind) / kind(255)


def without_adobe_segment(data):
    """The JPEG with its APP14 "Adobe" segment removed."""
    at = data.find(b"\xff\xee")
    assert at > 0 and data[at + 4:at + 9] == b"Adobe"
    length = int.from_bytes(data[at + 2:at + 4], "big")
    return data[:at] + data[at + 2 + length:]


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    manifest, broken = [], []

    def add(name, data, sides, full=True, plain_cmyk=False):
        (out / (name + ".jpg")).write_bytes(data)
        rgb = decoded_rgb(data, plain_cmyk)
        height, width = rgb.shape[:2]
        if full:
            (out / (name + ".f32")).write_bytes(rgb.astype("<f4").tobytes())
        for side in sides:
            k = eighths(width, height, side)
            assert k in (1, 2, 4, 8), (name, side, k)
            scaled = decoded_rgb(data, plain_cmyk, k) if k < 8 else rgb
            for crop in ("centre", "none"):
                expected = model_input(rgb, side, crop, width, height)
                (out / ("%s.%d.%s.f32" % (name, side, crop))).write_bytes(expected.astype("<f4").tobytes())
                expected = model_input(scaled, side, crop, width, height, k)
                (out / ("%s.%d.%s.scaled.f32" % (name, side, crop))).write_bytes(expected.astype("<f4").tobytes())
        manifest.append(" ".join([name, str(width), str(height), "1" if full else "0"] + [str(s) for s in sides]))

    def encode(image, **options):
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=options.pop("quality", 92), **options)
        return buffer.getvalue()

    def rgb_image(width, height, seed):
        return Image.fromarray(picture(width, height, seed), "RGB")

    # Sides: one just under the short side (decoded at full scale: the crop arithmetic
    # alone) and smaller ones (decoded at 1/2, 1/4 or 1/8).
    add("rgb444", encode(rgb_image(48, 40, 1), subsampling=0), [39, 20, 10, 5])
    add("rgb420", encode(rgb_image(50, 30, 2), subsampling=2), [29, 15, 7])
    add("rgb422", encode(rgb_image(40, 56, 3), subsampling=1), [39, 10, 5])
    add("rgb420_odd", encode(rgb_image(33, 17, 4), subsampling=2), [16, 3, 2])
    add("grey", encode(Image.fromarray(picture(37, 23, 5)[..., 1], "L")), [22, 4])
    add("progressive", encode(rgb_image(64, 48, 6), subsampling=2, progressive=True), [47, 24, 12])
    add("restarts", encode(rgb_image(64, 64, 7), subsampling=2, restart_marker_blocks=1), [63, 16, 8])
    cmyk = np.concatenate([picture(40, 24, 8)[..., :3] // 2, picture(40, 24, 9)[..., :1] // 3], axis=-1)
    add("cmyk_adobe", encode(Image.fromarray(cmyk, "CMYK")), [23, 6])
    # Pillow writes 255 - ink with an Adobe segment; stored ink amounts need the image
    # inverted before saving, and the segment taken out after.
    plain = without_adobe_segment(encode(Image.fromarray(255 - cmyk, "CMYK")))
    add("cmyk_plain", plain, [23, 6], plain_cmyk=True)
    add("one", encode(Image.new("RGB", (1, 1), (200, 100, 50))), [1, 3])
    add("wide", encode(rgb_image(8192, 16, 10), subsampling=2), [15, 4])
    add("huge_solid", encode(Image.new("RGB", (8192, 8192), (30, 140, 220)), quality=75), [32], full=False)

    whole = encode(rgb_image(40, 30, 11))
    (out / "truncated.jpg").write_bytes(whole[: len(whole) // 2])
    broken.append("truncated truncated")
    # The first Huffman table's class/id byte turned into an impossible one.
    damaged = bytearray(whole)
    dht = damaged.find(b"\xff\xc4")
    damaged[dht + 4] = 0x3F
    (out / "corrupt.jpg").write_bytes(bytes(damaged))
    broken.append("corrupt corrupt")
    (out / "empty.jpg").write_bytes(b"")
    broken.append("empty empty")
    buffer = io.BytesIO()
    rgb_image(12, 9, 12).save(buffer, "PNG")
    (out / "png_named.jpg").write_bytes(buffer.getvalue())
    (out / "png_named.f32").write_bytes((picture(12, 9, 12) / 255).astype("<f4").tobytes())
    broken.append("png_named png")

    (out / "manifest.txt").write_text("\n".join(manifest) + "\n")
    (out / "broken.txt").write_text("\n".join(broken) + "\n")


if __name__ == "__main__":
    main()
