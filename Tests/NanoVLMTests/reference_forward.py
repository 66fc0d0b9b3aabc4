"""An independent NumPy forward pass of the nanovlm dual encoder, from a .safetensors file.

It reads the file with the real `safetensors` package, checks that its tensor names and
shapes are exactly the ones the README documents for the architecture in the file's
metadata, and computes embeddings as the equivalent PyTorch modules would, in float64:

- `cnn` image encoder: NCHW convolutions with (out, in, 3, 3) weights, stride 2, padding 1,
  ReLU after the first four, flatten → LayerNorm (eps 1e-5) → F.normalize.
- `mean` text encoder: token embeddings of [CLS] + words → mean → Linear → LayerNorm → F.normalize.
- `vit` image encoder: nn.Conv2d(3, C, p + 2·overlap, stride=p, padding=overlap) patch
  embedding, flatten(2).transpose(1, 2) → [CLS] (class_embedding) in front
  → + position_embedding → nn.TransformerEncoder → the mean of all rows (pool `mean`) or
  row 0 (`cls`) → Linear → LayerNorm → F.normalize.
- `attention` text encoder: token embeddings of [CLS] + words + position_embedding.weight[:T]
  → nn.TransformerEncoder → row 0 → Linear → LayerNorm → F.normalize. A sequence is run at its
  own length: what a src_key_padding_mask gives the valid rows of a padded batch.
- nn.TransformerEncoderLayer(C, heads, dim_feedforward=mlp_ratio·C, dropout=0,
  activation=nn.GELU(approximate='tanh'), batch_first=True, norm_first=True):
  x + out_proj(MultiheadAttention(norm1(x))), then + linear2(GELU(linear1(norm2(·)))).

- `caption_decoder` (when `model_config.caption.enabled`): the image embedding → Linear
  `prefix` → P rows of width C; then token_embedding.weight of [BOS] (row 0) and the words;
  + position_embedding.weight[:P + 1 + n] → the same encoder layers with a causal mask
  (nn.Transformer.generate_square_subsequent_mask) → LayerNorm `norm` → Linear `lm_head`;
  log_softmax at row P + i gives word i + 1 (class = its vocabulary index), and after the
  last word class 0, [EOS]. A caption's log-probability is the sum over its words and [EOS].

Then it compares them with the embeddings and caption log-probabilities nanovlm computed.
Usage: reference_forward.py WEIGHTS CASES.json
Prints {"max_abs_difference", "max_abs_difference_erf_gelu", "max_caption_difference",
"tensors", "architecture"}: the second figure is what the exact (erf) GELU would have given,
to show the check can tell the two variants apart.
"""
import json
import math
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

VOCABULARY = 22
MAX_SEQUENCE = 16
SIDE = 32
EPS = 1e-5


def gelu_tanh(x):
    # nn.GELU(approximate='tanh')
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


_erf = np.vectorize(math.erf)


def gelu_erf(x):
    # nn.GELU() (approximate='none'), for comparison only
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def layer_norm(v, g, b):
    # nn.LayerNorm over the last dimension, biased variance, eps 1e-5.
    mean = v.mean(axis=-1, keepdims=True)
    var = ((v - mean) ** 2).mean(axis=-1, keepdims=True)
    return (v - mean) / np.sqrt(var + EPS) * g + b


def linear(x, w, b):
    # nn.Linear: y = x Wᵀ + b, W (out, in).
    return x @ w.T + b


def l2(v):
    # F.normalize(v, dim=-1)
    return v / max(np.linalg.norm(v), 1e-12)


def multi_head_attention(x, t, prefix, heads, causal=False):
    # nn.MultiheadAttention(C, heads, batch_first=True) on (T, C) with query = key = value = x:
    # in_proj_weight (3C, C) stacks W_q, W_k, W_v; head h takes columns h·hs … (h+1)·hs.
    # causal: attn_mask = -inf above the diagonal (each row sees itself and earlier rows).
    length, c = x.shape
    hs = c // heads
    w, b = t[f"{prefix}.in_proj_weight"], t[f"{prefix}.in_proj_bias"]
    q = linear(x, w[:c], b[:c])
    k = linear(x, w[c:2 * c], b[c:2 * c])
    v = linear(x, w[2 * c:], b[2 * c:])
    out = np.zeros((length, c))
    for h in range(heads):
        cols = slice(h * hs, (h + 1) * hs)
        scores = q[:, cols] @ k[:, cols].T / math.sqrt(hs)
        if causal:
            scores = scores + np.triu(np.full((length, length), -np.inf), k=1)
        scores = scores - scores.max(axis=1, keepdims=True)
        p = np.exp(scores)
        p = p / p.sum(axis=1, keepdims=True)
        out[:, cols] = p @ v[:, cols]
    return linear(out, t[f"{prefix}.out_proj.weight"], t[f"{prefix}.out_proj.bias"])


def encoder_layer(x, t, prefix, heads, gelu, causal=False):
    # nn.TransformerEncoderLayer(..., norm_first=True), dropout 0.
    n1 = layer_norm(x, t[f"{prefix}.norm1.weight"], t[f"{prefix}.norm1.bias"])
    x = x + multi_head_attention(n1, t, f"{prefix}.self_attn", heads, causal)
    n2 = layer_norm(x, t[f"{prefix}.norm2.weight"], t[f"{prefix}.norm2.bias"])
    hidden = gelu(linear(n2, t[f"{prefix}.linear1.weight"], t[f"{prefix}.linear1.bias"]))
    return x + linear(hidden, t[f"{prefix}.linear2.weight"], t[f"{prefix}.linear2.bias"])


def transformer(x, t, prefix, layers, heads, gelu, causal=False):
    # nn.TransformerEncoder(layer, layers) without a final norm.
    for i in range(layers):
        x = encoder_layer(x, t, f"{prefix}.transformer.layers.{i}", heads, gelu, causal)
    return x


def caption_log_probability(t, config, embedding, words, gelu):
    c = config["caption"]
    p, width = c["prefix_tokens"], c["width"]
    pre = "caption_decoder"
    prefix = linear(np.asarray(embedding, dtype=np.float64), t[f"{pre}.prefix.weight"], t[f"{pre}.prefix.bias"])
    rows = [prefix.reshape(p, width)] + [t[f"{pre}.token_embedding.weight"][[0] + list(words)]]
    x = np.concatenate(rows, axis=0)
    x = x + t[f"{pre}.position_embedding.weight"][: x.shape[0]]
    x = transformer(x, t, pre, c["layers"], c["heads"], gelu, causal=True)
    logits = linear(layer_norm(x, t[f"{pre}.norm.weight"], t[f"{pre}.norm.bias"]),
                    t[f"{pre}.lm_head.weight"], t[f"{pre}.lm_head.bias"])
    logits = logits - logits.max(axis=1, keepdims=True)
    log_softmax = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    targets = list(words) + [0]
    return float(sum(log_softmax[p + i, target] for i, target in enumerate(targets)))


def head(row, t, prefix):
    z = linear(row, t[f"{prefix}.projection.weight"], t[f"{prefix}.projection.bias"])
    return l2(layer_norm(z, t[f"{prefix}.norm.weight"], t[f"{prefix}.norm.bias"]))


def conv3x3_stride2(x, w, b):
    # nn.Conv2d(in, out, 3, stride=2, padding=1) on x (C, H, W), w (O, C, 3, 3).
    c, h, wd = x.shape
    xp = np.zeros((c, h + 2, wd + 2))
    xp[:, 1:-1, 1:-1] = x
    oh, ow = (h + 2 - 3) // 2 + 1, (wd + 2 - 3) // 2 + 1
    out = np.zeros((w.shape[0], oh, ow))
    for kh in range(3):
        for kw in range(3):
            patch = xp[:, kh:kh + 2 * oh:2, kw:kw + 2 * ow:2]  # (C, oh, ow)
            out += np.einsum("oc,cyx->oyx", w[:, :, kh, kw], patch)
    return out + b[:, None, None]


def patch_conv(x, w, b, p):
    # nn.Conv2d(3, C, k, stride=p, padding=(k - p) // 2) on x (3, S, S), w (C, 3, k, k)
    # → (C, S/p, S/p); k = p tiles the image.
    k = w.shape[2]
    pad = (k - p) // 2
    g = x.shape[1] // p
    x = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((w.shape[0], g, g))
    for kh in range(k):
        for kw in range(k):
            out += np.einsum("oc,cyx->oyx", w[:, :, kh, kw], x[:, kh:kh + g * p:p, kw:kw + g * p:p])
    return out + b[:, None, None]


def chw(pixels_hwc):
    # nanovlm stores pixels channels-last (H, W, 3); PyTorch takes (3, H, W).
    return np.asarray(pixels_hwc, dtype=np.float64).reshape(SIDE, SIDE, 3).transpose(2, 0, 1)


def cnn_image(t, config, pixels, gelu):
    x = chw(pixels)
    for i in range(5):
        x = conv3x3_stride2(x, t[f"image_encoder.convs.{i}.weight"], t[f"image_encoder.convs.{i}.bias"])
        if i < 4:
            x = np.maximum(x, 0)
    v = x.reshape(-1)
    return l2(layer_norm(v, t["image_encoder.norm.weight"], t["image_encoder.norm.bias"]))


def vit_image(t, config, pixels, gelu):
    v = config["vit"]
    x = patch_conv(chw(pixels), t["image_encoder.patch_embedding.weight"], t["image_encoder.patch_embedding.bias"],
                   v["patch_size"])
    tokens = x.reshape(x.shape[0], -1).T  # flatten(2).transpose(1, 2): (N, C), patches row by row
    tokens = np.concatenate([t["image_encoder.class_embedding"][None, :], tokens], axis=0)
    tokens = tokens + t["image_encoder.position_embedding"]
    out = transformer(tokens, t, "image_encoder", v["layers"], v["heads"], gelu)
    pooled = out.mean(axis=0) if v["pool"] == "mean" else out[0]
    return head(pooled, t, "image_encoder")


def mean_text(t, config, tokens, gelu):
    ids = [0] + list(tokens)
    pooled = t["text_encoder.token_embedding.weight"][ids].mean(axis=0)
    return head(pooled, t, "text_encoder")


def attention_text(t, config, tokens, gelu):
    a = config["attention"]
    ids = [0] + list(tokens)
    x = t["text_encoder.token_embedding.weight"][ids] + t["text_encoder.position_embedding.weight"][:len(ids)]
    out = transformer(x, t, "text_encoder", a["layers"], a["heads"], gelu)
    return head(out[0], t, "text_encoder")


def transformer_shapes(prefix, c, layers, hidden):
    shapes = {}
    for i in range(layers):
        p = f"{prefix}.transformer.layers.{i}"
        shapes.update({
            f"{p}.norm1.weight": (c,), f"{p}.norm1.bias": (c,),
            f"{p}.self_attn.in_proj_weight": (3 * c, c), f"{p}.self_attn.in_proj_bias": (3 * c,),
            f"{p}.self_attn.out_proj.weight": (c, c), f"{p}.self_attn.out_proj.bias": (c,),
            f"{p}.norm2.weight": (c,), f"{p}.norm2.bias": (c,),
            f"{p}.linear1.weight": (hidden, c), f"{p}.linear1.bias": (hidden,),
            f"{p}.linear2.weight": (c, hidden), f"{p}.linear2.bias": (c,),
        })
    return shapes


def head_shapes(prefix, c, d):
    return {f"{prefix}.projection.weight": (d, c), f"{prefix}.projection.bias": (d,),
            f"{prefix}.norm.weight": (d,), f"{prefix}.norm.bias": (d,)}


def expected_shapes(config):
    """The README's tables: docs/MODEL.md names for cnn and mean, the transformer names for vit and attention."""
    d = config["embedding_dim"]
    shapes = {}
    if config["image_encoder"] == "cnn":
        widths = [3] + list(config["channels"]) + [d]
        for i in range(5):
            shapes[f"image_encoder.convs.{i}.weight"] = (widths[i + 1], widths[i], 3, 3)
            shapes[f"image_encoder.convs.{i}.bias"] = (widths[i + 1],)
        shapes["image_encoder.norm.weight"] = (d,)
        shapes["image_encoder.norm.bias"] = (d,)
    else:
        v = config["vit"]
        c, p = v["width"], v["patch_size"]
        k = p + 2 * v["patch_overlap"]
        n = (SIDE // p) ** 2
        shapes.update({
            "image_encoder.patch_embedding.weight": (c, 3, k, k), "image_encoder.patch_embedding.bias": (c,),
            "image_encoder.class_embedding": (c,), "image_encoder.position_embedding": (n + 1, c),
        })
        shapes.update(transformer_shapes("image_encoder", c, v["layers"], v["mlp_ratio"] * c))
        shapes.update(head_shapes("image_encoder", c, d))
    c = config["token_dim"]
    shapes["text_encoder.token_embedding.weight"] = (VOCABULARY, c)
    if config["text_encoder"] == "attention":
        a = config["attention"]
        shapes["text_encoder.position_embedding.weight"] = (MAX_SEQUENCE, c)
        shapes.update(transformer_shapes("text_encoder", c, a["layers"], a["mlp_ratio"] * c))
    shapes.update(head_shapes("text_encoder", c, d))
    if config.get("learnable_temperature"):
        shapes["logit_scale"] = ()
    caption = config.get("caption", {})
    if caption.get("enabled"):
        c, p = caption["width"], caption["prefix_tokens"]
        shapes.update({
            "caption_decoder.prefix.weight": (p * c, d), "caption_decoder.prefix.bias": (p * c,),
            "caption_decoder.token_embedding.weight": (VOCABULARY, c),
            "caption_decoder.position_embedding.weight": (p + MAX_SEQUENCE, c),
        })
        shapes.update(transformer_shapes("caption_decoder", c, caption["layers"], caption["mlp_ratio"] * c))
        shapes.update({
            "caption_decoder.norm.weight": (c,), "caption_decoder.norm.bias": (c,),
            "caption_decoder.lm_head.weight": (VOCABULARY, c), "caption_decoder.lm_head.bias": (VOCABULARY,),
        })
    return shapes


def main():
    weights, cases_path = sys.argv[1], sys.argv[2]
    tensors = {k: v.astype(np.float64) for k, v in load_file(weights).items()}
    with safe_open(weights, framework="numpy") as f:
        metadata = f.metadata()
    config = json.loads(metadata["model_config"])
    assert metadata["format"] == "pt", metadata.get("format")
    assert json.loads(metadata["vocabulary"])[0] == "[CLS]"
    expected = expected_shapes(config)
    actual = {name: tuple(t.shape) for name, t in tensors.items()}
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    wrong = sorted(n for n in set(expected) & set(actual) if expected[n] != actual[n])
    assert not (missing or extra or wrong), f"missing {missing}, unexpected {extra}, mis-shaped {wrong}"

    image = {"cnn": cnn_image, "vit": vit_image}[config["image_encoder"]]
    text = {"mean": mean_text, "attention": attention_text}[config["text_encoder"]]
    cases = json.load(open(cases_path))
    worst = {gelu_tanh: 0.0, gelu_erf: 0.0}
    for gelu in worst:
        for pixels, swift in zip(cases["images"], cases["image_embeddings"]):
            ours = image(tensors, config, pixels, gelu)
            worst[gelu] = max(worst[gelu], float(np.abs(ours - np.asarray(swift)).max()))
        for tokens, swift in zip(cases["tokens"], cases["text_embeddings"]):
            ours = text(tensors, config, tokens, gelu)
            worst[gelu] = max(worst[gelu], float(np.abs(ours - np.asarray(swift)).max()))
    # Each written caption's log-probability, from the image embedding this script computed.
    caption_worst = None
    for case in cases.get("captions", []):
        embedding = image(tensors, config, cases["images"][case["image"]], gelu_tanh)
        ours = caption_log_probability(tensors, config, embedding, case["words"], gelu_tanh)
        caption_worst = max(caption_worst or 0.0, abs(ours - case["log_probability"]))
    print(json.dumps({
        "max_abs_difference": worst[gelu_tanh], "max_abs_difference_erf_gelu": worst[gelu_erf],
        "max_caption_difference": caption_worst,
        "tensors": sorted(tensors), "architecture": f"{config['image_encoder']}+{config['text_encoder']}",
    }))


if __name__ == "__main__":
    main()
