#!/usr/bin/env python3
"""Checks nanovlm's safetensors files against the reference Python implementation.

    safetensors_interop.py dump PATH   load PATH with safetensors.numpy and print, as JSON,
                                       {"tensors": {name: {"dtype", "shape", "values"}},
                                        "metadata": {...}} for the Swift test to compare
    safetensors_interop.py write PATH  write the file that the Swift test expects to read
"""
import json
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file


def dump(path):
    tensors = load_file(path)
    with safe_open(path, framework="np") as handle:
        metadata = handle.metadata() or {}
        names = sorted(handle.keys())
    assert names == sorted(tensors), (names, sorted(tensors))
    print(json.dumps({
        "tensors": {
            name: {
                "dtype": str(array.dtype),
                "shape": list(array.shape),
                # float32 → Python float is exact, so the values survive JSON unchanged.
                "values": [float(v) for v in array.reshape(-1)],
            }
            for name, array in tensors.items()
        },
        "metadata": metadata,
    }))


def write(path):
    tensors = {
        "conv.weight": np.arange(2 * 3 * 3 * 3, dtype=np.float32).reshape(2, 3, 3, 3) / 7,
        "conv.bias": np.array([-1.5, 2.25], dtype=np.float32),
        "logit_scale": np.array(2.6592600345611572, dtype=np.float32),
        "tiny": np.array([1e-30, -0.0, 3.4e38], dtype=np.float32).reshape(3, 1),
    }
    save_file(tensors, path, metadata={"config": json.dumps({"dim": 32}), "note": "written by numpy ✓"})


if __name__ == "__main__":
    {"dump": dump, "write": write}[sys.argv[1]](sys.argv[2])
