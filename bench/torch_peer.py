"""The PyTorch peer of nanovlm's scenes model: the same architecture in PyTorch, timed per
training step on this machine.

    torch_peer.py scenes [--threads 2] [--negatives 1] [--steps 40] [--nanovlm TABLE]

Builds the scenes recipe's model (docs/MODEL.md): the cnn image encoder (five 3×3 stride-2
convolutions 3→32→64→128→128→D, ReLU after the first four, LayerNorm(D), L2) and the
attention text encoder ([CLS] + 5 words, token + position embeddings of width 64, two pre-LN
nn.TransformerEncoderLayer blocks of 4 heads with a 128-wide tanh-GELU MLP, the [CLS] row →
Linear(64, D) → LayerNorm(D) → L2), D = 128, τ = 0.07; a batch of 128 image–caption pairs plus
`negatives` extra captions per pair that join the image→text softmax (NegCLIP), AdamW. The
inputs are random tensors of the training batch's shapes: a step costs the same whatever the
pixels and words hold, and leaving the renderer out flatters the peer, not nanovlm.

Prints one JSON object: {"ms_per_step", "threads", "negatives", "batch", "torch"}. With
`--nanovlm TABLE` (the output of `nanovlm-bench scenes`), prints instead a markdown table: the
peer's milliseconds a step with 0, 1 and 3 extra negatives beside nanovlm's cnn + attention
row (its ms a step, which also draws the fresh scenes, at its recipe's one negative), the
ratio, and what the peer's steps would take for the steps nanovlm needed to its target.
"""
import argparse
import json
import time

import torch
from torch import nn
import torch.nn.functional as F

VOCABULARY = 17  # the scenes vocabulary's tokens ([CLS] included)
WORDS = 5
WIDTH = 64
DIM = 128
BATCH = 128


class ImageEncoder(nn.Module):
    def __init__(self, channels=(32, 64, 128, 128), dim=DIM):
        super().__init__()
        widths = [3, *channels, dim]
        self.convs = nn.ModuleList(nn.Conv2d(widths[i], widths[i + 1], 3, stride=2, padding=1) for i in range(5))
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if i < 4:
                x = F.relu(x)
        return F.normalize(self.norm(x.flatten(1)), dim=-1)


class TextEncoder(nn.Module):
    def __init__(self, dim=DIM):
        super().__init__()
        self.token_embedding = nn.Embedding(VOCABULARY, WIDTH)
        self.position_embedding = nn.Embedding(WORDS + 1, WIDTH)
        layer = nn.TransformerEncoderLayer(
            WIDTH, 4, dim_feedforward=2 * WIDTH, dropout=0.0, activation=nn.GELU(approximate="tanh"),
            batch_first=True, norm_first=True)
        self.transformer = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.projection = nn.Linear(WIDTH, dim)
        self.norm = nn.LayerNorm(dim)

    def forward(self, tokens):
        x = self.token_embedding(tokens) + self.position_embedding.weight[: tokens.shape[1]]
        return F.normalize(self.norm(self.projection(self.transformer(x)[:, 0])), dim=-1)


def scenes(threads, negatives, steps):
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    images, texts = ImageEncoder(), TextEncoder()
    optimiser = torch.optim.AdamW([*images.parameters(), *texts.parameters()], lr=3e-3)
    scale = 1 / 0.07
    pixels = torch.rand(BATCH, 3, 32, 32)
    captions = torch.randint(1, VOCABULARY, (BATCH * (1 + negatives), WORDS + 1))
    captions[:, 0] = 0
    labels = torch.arange(BATCH)

    def step():
        optimiser.zero_grad(set_to_none=True)
        image = images(pixels)
        text = texts(captions)
        logits = scale * image @ text.T  # (B, B + N·B): the positives are the first B texts
        loss = 0.5 * (F.cross_entropy(logits, labels) + F.cross_entropy(logits[:, :BATCH].T, labels))
        loss.backward()
        optimiser.step()

    for _ in range(5):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    elapsed = time.perf_counter() - start
    return {"ms_per_step": 1000 * elapsed / steps, "threads": threads, "negatives": negatives, "batch": BATCH,
            "torch": torch.__version__}


def nanovlm_row(path):
    """nanovlm's cnn + attention row of a `nanovlm-bench scenes` table, by column header."""
    lines = [line.strip().strip("|").split("|") for line in open(path) if line.startswith("|")]
    header = [cell.strip() for cell in lines[0]]
    for cells in lines[1:]:
        if cells[0].strip() == "cnn + attention":
            return {name: cell.strip() for name, cell in zip(header, cells)}
    raise SystemExit(f"{path}: no cnn + attention row in a nanovlm-bench scenes table")


def compare(path, threads, steps):
    ours = nanovlm_row(path)
    ms = float(ours["ms a step"])
    to_target = ours["steps to target"]
    print(f"PyTorch {torch.__version__} peer of the scenes model on {threads} threads (random inputs of the "
          f"batch's shapes, no renderer) against nanovlm's cnn + attention row above\n")
    print("| extra negatives a caption | PyTorch ms a step | nanovlm ms a step | nanovlm / PyTorch "
          "| PyTorch time for nanovlm's steps to target |")
    print("|---:|---:|---:|---:|---:|")
    for negatives in (0, 1, 3):
        peer = scenes(threads, negatives, steps)["ms_per_step"]
        projected = f"{peer * int(to_target) / 1000:.1f} s ({to_target} steps)" if to_target.isdigit() else "–"
        mark = " (nanovlm's recipe)" if negatives == 1 else ""
        print(f"| {negatives}{mark} | {peer:.1f} | {ms:.1f} | {ms / peer:.2f} | {projected} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["scenes"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--negatives", type=int, default=1)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--nanovlm", metavar="TABLE", help="a nanovlm-bench scenes table to compare with")
    args = parser.parse_args()
    if args.nanovlm:
        compare(args.nanovlm, args.threads, args.steps)
    else:
        print(json.dumps(scenes(args.threads, args.negatives, args.steps)))


if __name__ == "__main__":
    main()
