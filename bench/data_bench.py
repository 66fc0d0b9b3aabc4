"""scripts/bench data: datasets read from files.

decode:   images per second of the model-input decode (32×32 PNG, 640×480 JPEG), from
          nanovlm-bench data-decode, against the same process's PNG encode as a baseline.
folder:   training images per second on a 10,000-image folder of 64×64 PNGs with two
          captions each (generated here), epochs 2–3 of `nanovlm train` (the first epoch
          also decodes), against the shapes set's training images per second in the same run.
large:    the peak resident memory of `nanovlm train --epochs 1` on a 100,000-image folder
          of 256×256 JPEGs (target: under 1 GiB), with the time of the first run (decoding
          every file into the input cache) and of a second run (mapping the cache).
The generated folders are kept in artifacts/bench-data (several GB for `large`) and reused.
"""
import json
import os
import random
import resource
import subprocess
import sys
import time
from multiprocessing import Pool

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NANOVLM = os.path.join(ROOT, ".build/release/nanovlm")
BENCH = os.path.join(ROOT, ".build/release/nanovlm-bench")
DATA = os.path.join(ROOT, "artifacts/bench-data")
COLOURS = {
    "red": (220, 30, 30), "green": (30, 160, 60), "blue": (30, 60, 220), "yellow": (230, 220, 40),
    "white": (240, 240, 240), "black": (15, 15, 15), "orange": (240, 140, 20), "purple": (130, 40, 160),
}
NAMES = sorted(COLOURS)


def picture(args):
    """One image: two colour halves (top/bottom) with a soft gradient, and its captions."""
    index, side, path, fmt = args
    from PIL import Image
    import numpy as np

    rng = random.Random(index)
    top, bottom = rng.choice(NAMES), rng.choice(NAMES)
    y = np.linspace(0, 1, side)[:, None, None]
    a, b = np.array(COLOURS[top], float), np.array(COLOURS[bottom], float)
    split = 0.35 + 0.3 * rng.random()
    pixels = np.where(y < split, a, b) * (0.85 + 0.15 * np.linspace(0, 1, side)[None, :, None])
    image = Image.fromarray(np.broadcast_to(pixels, (side, side, 3)).clip(0, 255).astype("uint8"))
    if fmt == "jpeg":
        image.save(path, "JPEG", quality=85)
    else:
        image.save(path, "PNG")
    return f"{top} above {bottom}", f"a {top} top and a {bottom} bottom"


def make_folder(name, count, side, fmt):
    folder = os.path.join(DATA, name)
    marker = os.path.join(folder, ".complete")
    if os.path.exists(marker):
        return folder
    os.makedirs(folder, exist_ok=True)
    extension = "jpg" if fmt == "jpeg" else "png"
    jobs = [(i, side, os.path.join(folder, f"{i // 1000:03d}", f"{i:06d}.{extension}"), fmt) for i in range(count)]
    for sub in {os.path.dirname(j[2]) for j in jobs}:
        os.makedirs(sub, exist_ok=True)
    start = time.time()
    with Pool(os.cpu_count() or 2) as pool:
        captions = pool.map(picture, jobs, chunksize=256)
    with open(os.path.join(folder, "captions.tsv"), "w") as tsv:
        for (i, _, path, _), pair in zip(jobs, captions):
            relative = os.path.relpath(path, folder)
            for caption in pair:
                tsv.write(f"{relative}\t{caption}\n")
    open(marker, "w").close()
    print(f"generated {count} {side}×{side} {fmt.upper()} images in {time.time() - start:.0f} s: {folder}")
    return folder


def train(dataset, epochs, weights, extra_env=None):
    """Runs nanovlm train --json; returns (epoch reports, seconds, peak RSS in MiB)."""
    env = dict(os.environ, NANOVLM_TRAINING_EPOCHS=str(epochs), **(extra_env or {}))
    start = time.time()
    command = ["/usr/bin/time", "-f", "%M", NANOVLM, "train", "--dataset", dataset, "--weights", weights, "--json"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    seconds = time.time() - start
    if result.returncode != 0:
        sys.exit(f"training on {dataset} failed:\n{result.stderr[-3000:]}")
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    peak_kib = int(result.stderr.strip().splitlines()[-1])
    return [l for l in lines if "epoch" in l], seconds, peak_kib / 1024


def decode():
    if not os.path.exists(BENCH):
        sys.exit("build nanovlm-bench first")
    print(subprocess.run([BENCH, "data-decode"], capture_output=True, text=True, check=True).stdout.rstrip())


def folder():
    path = make_folder("folder-10k", 10_000, 64, "png")
    weights = os.path.join(ROOT, "artifacts/bench-data-folder.safetensors")
    shapes, _, _ = train("shapes", 3, os.path.join(ROOT, "artifacts/bench-data-shapes.safetensors"))
    reports, seconds, peak = train(f"folder:{path}", 3, weights)
    rate = sorted(r["images_per_second"] for r in reports[1:])[len(reports[1:]) // 2]
    base = sorted(r["images_per_second"] for r in shapes[1:])[len(shapes[1:]) // 2]
    print()
    print("| training | images/s (median of epochs 2–3) | ratio to shapes |")
    print("|---|---:|---:|")
    print(f"| shapes, 194 images | {base:,.0f} | 1.00 |")
    print(f"| folder, 10,000 64×64 PNG, 2 captions each | {rate:,.0f} | {rate / base:.2f} |")
    print(f"\nfolder run: {seconds:.0f} s for 3 epochs including the first decode and evaluation, peak RSS {peak:.0f} MiB")


def large():
    path = make_folder("folder-100k-jpeg", 100_000, 256, "jpeg")
    weights = os.path.join(ROOT, "artifacts/bench-data-large.safetensors")
    cache = os.path.join(ROOT, "artifacts/bench-data-cache")
    subprocess.run(["rm", "-rf", cache], check=True)
    env = {"NANOVLM_DATA_CACHE_DIR": cache}
    _, first, first_peak = train(f"folder:{path}", 1, weights, env)
    _, second, second_peak = train(f"folder:{path}", 1, weights, env)
    print()
    print("| 100,000 × 256×256 JPEG, `nanovlm train --epochs 1` | seconds | peak RSS | target |")
    print("|---|---:|---:|---|")
    print(f"| first run (decodes every file into the cache) | {first:.0f} | {first_peak:.0f} MiB | < 1024 MiB |")
    print(f"| second run (maps the cache) | {second:.0f} | {second_peak:.0f} MiB | < 1024 MiB |")


if __name__ == "__main__":
    parts = sys.argv[1:] or ["decode", "folder", "large"]
    for part in parts:
        {"decode": decode, "folder": folder, "large": large}[part]()
        print()
