"""An independent NumPy forward pass of the nanovlm dual encoder, from a .safetensors file.

It reads the file with the real `safetensors` package and computes embeddings exactly as the
equivalent PyTorch modules would (NCHW convolutions with (out, in, 3, 3) weights, stride 2,
padding 1; LayerNorm eps 1e-5; F.normalize), then compares them with the embeddings that
nanovlm computed. Usage: reference_forward.py WEIGHTS CASES.json
"""
import json
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file


def conv(x, w, b):
    # x (C, H, W), w (O, C, 3, 3): stride 2, padding 1.
    c, h, wd = x.shape
    xp = np.zeros((c, h + 2, wd + 2), dtype=np.float64)
    xp[:, 1:-1, 1:-1] = x
    oh, ow = (h + 2 - 3) // 2 + 1, (wd + 2 - 3) // 2 + 1
    out = np.zeros((w.shape[0], oh, ow))
    for kh in range(3):
        for kw in range(3):
            patch = xp[:, kh:kh + 2 * oh:2, kw:kw + 2 * ow:2]  # (C, oh, ow)
            out += np.einsum("oc,cyx->oyx", w[:, :, kh, kw], patch)
    return out + b[:, None, None]


def layer_norm(v, g, b):
    mean = v.mean()
    var = ((v - mean) ** 2).mean()
    return (v - mean) / np.sqrt(var + 1e-5) * g + b


def l2(v):
    return v / max(np.linalg.norm(v), 1e-12)


def image_embedding(t, pixels_hwc):
    x = np.asarray(pixels_hwc, dtype=np.float64).reshape(32, 32, 3).transpose(2, 0, 1)
    for i in range(5):
        x = conv(x, t[f"image_encoder.convs.{i}.weight"], t[f"image_encoder.convs.{i}.bias"])
        if i < 4:
            x = np.maximum(x, 0)
    v = x.reshape(-1)
    return l2(layer_norm(v, t["image_encoder.norm.weight"], t["image_encoder.norm.bias"]))


def text_embedding(t, tokens):
    ids = [0] + list(tokens)
    pooled = t["text_encoder.token_embedding.weight"][ids].mean(axis=0)
    z = t["text_encoder.projection.weight"] @ pooled + t["text_encoder.projection.bias"]
    return l2(layer_norm(z, t["text_encoder.norm.weight"], t["text_encoder.norm.bias"]))


def main():
    weights, cases_path = sys.argv[1], sys.argv[2]
    tensors = {k: v.astype(np.float64) for k, v in load_file(weights).items()}
    with safe_open(weights, framework="numpy") as f:
        metadata = f.metadata()
    config = json.loads(metadata["model_config"])
    d = config["embedding_dim"]
    assert metadata["format"] == "pt", metadata.get("format")
    assert json.loads(metadata["vocabulary"])[0] == "[CLS]"
    assert tensors["image_encoder.convs.0.weight"].shape == (config["channels"][0], 3, 3, 3)
    assert tensors["text_encoder.token_embedding.weight"].shape == (22, config["token_dim"])
    assert tensors["text_encoder.projection.weight"].shape == (d, config["token_dim"])
    cases = json.load(open(cases_path))
    worst = 0.0
    for pixels, expected in zip(cases["images"], cases["image_embeddings"]):
        worst = max(worst, float(np.abs(image_embedding(tensors, pixels) - np.asarray(expected)).max()))
    for tokens, expected in zip(cases["tokens"], cases["text_embeddings"]):
        worst = max(worst, float(np.abs(text_embedding(tensors, tokens) - np.asarray(expected)).max()))
    print(json.dumps({"max_abs_difference": worst, "tensors": sorted(tensors)}))


if __name__ == "__main__":
    main()
