#!/usr/bin/env python3
"""Writes PNG test fixtures of every colour type and bit depth, with what they must decode to.

Usage: png_fixtures.py OUTDIR

For each fixture NAME it writes NAME.png and NAME.f32: the expected decoded pixels as
little-endian float32, (H, W, 3), each sample scaled to [0, 1] and multiplied by alpha
(composited over black). OUTDIR/manifest.txt lists "NAME WIDTH HEIGHT" per line.
Only the standard library is used (zlib, struct), so the expectations do not come from
the decoder under test.
"""
import random
import struct
import sys
import zlib
from pathlib import Path

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def pack_row(samples, bit_depth):
    """Samples (ints) to bytes, MSB first, the row padded to a whole byte."""
    if bit_depth == 8:
        return bytes(samples)
    if bit_depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    out, acc, bits = bytearray(), 0, 0
    for s in samples:
        acc = (acc << bit_depth) | s
        bits += bit_depth
        if bits == 8:
            out.append(acc)
            acc, bits = 0, 0
    if bits:
        out.append(acc << (8 - bits))
    return bytes(out)


def png(width, height, bit_depth, colour_type, pixels, interlace=False, palette=None, trns=None):
    """pixels[y][x] is a tuple of CHANNELS[colour_type] samples."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 1 if interlace else 0)
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    raw = bytearray()
    for x0, y0, dx, dy in passes:
        xs = range(x0, width, dx)
        if not xs:
            continue
        for y in range(y0, height, dy):
            samples = [s for x in xs for s in pixels[y][x]]
            raw.append(0)  # filter type None
            raw += pack_row(samples, bit_depth)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    if palette is not None:
        out += chunk(b"PLTE", b"".join(bytes(c) for c in palette))
    if trns is not None:
        out += chunk(b"tRNS", trns)
    compressed = zlib.compress(bytes(raw), 9)
    # Split the image data over two IDAT chunks, as encoders may.
    half = len(compressed) // 2
    out += chunk(b"IDAT", compressed[:half]) + chunk(b"IDAT", compressed[half:])
    return out + chunk(b"IEND", b"")


def expected(width, height, bit_depth, colour_type, pixels, palette=None, trns=None):
    """What a decoder must produce: RGB in [0, 1] times alpha in [0, 1]."""
    top = (1 << bit_depth) - 1
    values = []
    for y in range(height):
        for x in range(width):
            p = pixels[y][x]
            if colour_type == 3:
                r, g, b = palette[p[0]]
                alpha = (trns[p[0]] if trns is not None and p[0] < len(trns) else 255) / 255
                rgb = (r / 255, g / 255, b / 255)
            elif colour_type in (0, 4):
                v = p[0] / top
                rgb = (v, v, v)
                if colour_type == 4:
                    alpha = p[1] / top
                else:
                    transparent = trns is not None and p[0] == struct.unpack(">H", trns)[0]
                    alpha = 0.0 if transparent else 1.0
            else:
                rgb = tuple(s / top for s in p[:3])
                if colour_type == 6:
                    alpha = p[3] / top
                else:
                    transparent = trns is not None and tuple(p) == struct.unpack(">HHH", trns)
                    alpha = 0.0 if transparent else 1.0
            values += [c * alpha for c in rgb]
    return struct.pack("<%df" % len(values), *values)


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20240607)
    manifest = []

    def add(name, width, height, bit_depth, colour_type, interlace=False, palette_size=None, with_trns=False):
        top = (1 << bit_depth) - 1
        channels = CHANNELS[colour_type]
        palette = trns = None
        if colour_type == 3:
            palette = [tuple(rng.randrange(256) for _ in range(3)) for _ in range(palette_size)]
            pixels = [[(rng.randrange(palette_size),) for _ in range(width)] for _ in range(height)]
            if with_trns:  # shorter than the palette: the last entries stay opaque
                trns = bytes(rng.randrange(256) for _ in range(max(1, palette_size - 1)))
        else:
            pixels = [[tuple(rng.randint(0, top) for _ in range(channels)) for _ in range(width)]
                      for _ in range(height)]
            if with_trns:
                key = pixels[0][0]  # the first pixel's colour becomes the transparent one
                trns = b"".join(struct.pack(">H", s) for s in key)
        data = png(width, height, bit_depth, colour_type, pixels, interlace, palette, trns)
        (out / (name + ".png")).write_bytes(data)
        (out / (name + ".f32")).write_bytes(expected(width, height, bit_depth, colour_type, pixels, palette, trns))
        manifest.append("%s %d %d" % (name, width, height))

    for depth in (1, 2, 4, 8, 16):
        add("gray%d" % depth, 13, 7, depth, 0)
    add("gray8_trns", 9, 6, 8, 0, with_trns=True)
    add("gray16_trns", 9, 6, 16, 0, with_trns=True)
    add("gray_alpha8", 11, 5, 8, 4)
    add("gray_alpha16", 11, 5, 16, 4)
    add("rgb8", 10, 9, 8, 2)
    add("rgb16", 10, 9, 16, 2)
    add("rgb8_trns", 6, 4, 8, 2, with_trns=True)
    add("rgba8", 12, 8, 8, 6)
    add("rgba16", 12, 8, 16, 6)
    for depth in (1, 2, 4, 8):
        add("palette%d" % depth, 15, 6, depth, 3, palette_size=1 << depth)
    add("palette8_trns", 15, 6, 8, 3, palette_size=200, with_trns=True)
    add("palette2_trns", 15, 6, 2, 3, palette_size=4, with_trns=True)
    add("interlaced_gray1", 19, 17, 1, 0, interlace=True)
    add("interlaced_rgb8", 19, 17, 8, 2, interlace=True)
    add("interlaced_rgba16", 19, 17, 16, 6, interlace=True)
    add("interlaced_palette4_trns", 19, 17, 4, 3, interlace=True, palette_size=16, with_trns=True)
    add("interlaced_gray_alpha8_3x2", 3, 2, 8, 4, interlace=True)  # some Adam7 passes are empty
    add("interlaced_rgb8_1x1", 1, 1, 8, 2, interlace=True)
    (out / "manifest.txt").write_text("\n".join(manifest) + "\n")


if __name__ == "__main__":
    main()
