#!/usr/bin/env python3
"""A small custom torch.nn.Module that exercises every part of the PyTorch exporter.

`ExampleNet` is a next-token model over a 64-token vocabulary with sequences of 16 tokens:

    tok   Embedding(64, 32)                 token table, tied to `head`
    pos   Embedding(16, 32) + position_ids  learned positions; position_ids is an I64 buffer
    attn  MultiheadAttention(32, 4 heads)   in_proj_weight [96, 32], child out_proj (Linear)
    norm  LayerNorm(32)
    conv  Conv1d(32, 32, 3)                 causal, along the sequence
    mix   Conv2d(32, 32, (3, 1), groups=4)  grouped, causal: weight [32, 8, 3, 1]
    act   PReLU(32)                         a standard type without a supported op
    block MixBlock (custom)                 F.linear(x, weight, bias), then F.linear(h, proj):
                                            ops `linear` and `linear_1`; a 0-D `gate` parameter
    head  Linear(32, 64), weight tied to tok.weight

The synthetic task: token t+1 follows token t by a fixed random Markov chain (seeded, each token
has 3 likely successors), so the trained model has a real loss surface and its Fisher means
something. Everything is seeded; data and training are deterministic on one torch build.

    python3 scripts/examples/torch_example.py data OUT_DIR   # OUT_DIR/calibration.pt, evaluation.pt
    python3 scripts/export_torch_model.py scripts/examples/torch_example.py:trained_model \\
        --calibration OUT_DIR/calibration.pt --fisher -o OUT_DIR/example

Factories for the exporter: `make_model` (seeded random init) and `trained_model` (the same, then
300 Adam steps on the task; about 10 s on one core).
"""
import argparse
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB = 64
SEQ = 16
DIM = 32
HEADS = 4


class MixBlock(nn.Module):
    """A custom feed-forward block that calls F.linear on its own parameters."""

    def __init__(self, dim, hidden):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(hidden, dim) / dim ** 0.5)
        self.bias = nn.Parameter(torch.zeros(hidden))
        self.proj = nn.Parameter(torch.randn(dim, hidden) / hidden ** 0.5)
        self.gate = nn.Parameter(torch.tensor(0.5))

    def forward(self, x):
        h = F.gelu(F.linear(x, self.weight, self.bias))
        return self.gate * F.linear(h, self.proj)


class ExampleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, DIM)
        self.pos = nn.Embedding(SEQ, DIM)
        self.register_buffer("position_ids", torch.arange(SEQ))
        self.attn = nn.MultiheadAttention(DIM, HEADS, batch_first=True)
        self.norm = nn.LayerNorm(DIM)
        self.conv = nn.Conv1d(DIM, DIM, 3)
        self.mix = nn.Conv2d(DIM, DIM, (3, 1), groups=4)
        self.act = nn.PReLU(DIM)
        self.block = MixBlock(DIM, 2 * DIM)
        self.head = nn.Linear(DIM, VOCAB, bias=False)
        self.head.weight = self.tok.weight

    def forward(self, ids):
        """`ids`: int64 [batch, t] with t <= 16; returns logits [batch, t, 64]."""
        t = ids.shape[1]
        x = self.tok(ids) + self.pos(self.position_ids[:t])
        mask = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
        a, _ = self.attn(x, x, x, attn_mask=mask, need_weights=False)
        x = self.norm(x + a)
        c = self.conv(F.pad(x.transpose(1, 2), (2, 0)))        # causal: pad the past only
        c = self.mix(F.pad(c, (2, 0))[..., None]).squeeze(-1)
        x = x + self.act(c).transpose(1, 2)
        x = x + self.block(x)
        return self.head(x)


def make_model():
    """Seeded random initialisation."""
    torch.manual_seed(0)
    return ExampleNet()


def markov_sequences(n, seed):
    """`n` sequences of SEQ + 1 tokens from the fixed chain (chain seed 1, sampling seed `seed`)."""
    chain = torch.Generator().manual_seed(1)
    successors = torch.randint(0, VOCAB, (VOCAB, 3), generator=chain)
    probs = torch.tensor([0.7, 0.2, 0.1])
    g = torch.Generator().manual_seed(seed)
    seqs = torch.empty(n, SEQ + 1, dtype=torch.int64)
    seqs[:, 0] = torch.randint(0, VOCAB, (n,), generator=g)
    for t in range(SEQ):
        pick = torch.multinomial(probs, n, replacement=True, generator=g)
        seqs[:, t + 1] = successors[seqs[:, t], pick]
    return seqs


def dataset(n, seed):
    """{"inputs": int64 [n, 16], "targets": int64 [n, 16]} (targets = the next tokens)."""
    seqs = markov_sequences(n, seed)
    return {"inputs": seqs[:, :-1].contiguous(), "targets": seqs[:, 1:].contiguous()}


def trained_model(steps=300):
    """`make_model()` after `steps` Adam steps (batch 32, lr 3e-3) on the Markov task."""
    torch.set_num_threads(1)
    model = make_model()
    data = dataset(steps * 32, seed=100)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for s in range(steps):
        x = data["inputs"][s * 32:(s + 1) * 32]
        y = data["targets"][s * 32:(s + 1) * 32]
        loss = F.cross_entropy(model(x).reshape(-1, VOCAB), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    return model


def load_weights(path):
    """An ExampleNet holding the weights of `path`: an exported .safetensors or a
    palettelab.compressed/1 file (rebuilt with scripts/palettelab_compressed.py)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from palettelab_compressed import decompress, read_safetensors

    tensors, metadata = read_safetensors(path)
    if metadata.get("format") == "palettelab.compressed/1":
        tensors, _ = decompress(path)
    model = ExampleNet()
    state = {k: torch.from_numpy(v.copy()) for k, v in tensors.items()}
    # head.weight is tok.weight: load the head's (possibly palettized) values into both.
    state["tok.weight"] = state["head.weight"]
    model.load_state_dict(state)
    return model.eval()


def mean_loss(model, data):
    """Mean cross entropy per token over `data` (nats)."""
    with torch.no_grad():
        logits = model(data["inputs"])
        return F.cross_entropy(logits.reshape(-1, VOCAB), data["targets"].reshape(-1)).item()


def compare(out):
    """Markdown table over OUT/<point>.plain.safetensors and OUT/<point>.fisher.safetensors:
    the Fisher-weighted error Σ F·(w − ŵ)² and SNR over the palettized tensors, the loss
    increase per token that a second-order expansion with the diagonal Fisher as the Hessian
    predicts (½·Σ F·(w − ŵ)² per 16-token sample), and the measured increase of the evaluation
    loss over the exported model's."""
    import glob

    import numpy as np
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from palettelab_compressed import decompress, read_safetensors

    original, _ = read_safetensors(os.path.join(out, "example.safetensors"))
    fisher, _ = read_safetensors(os.path.join(out, "example.fisher.safetensors"))
    data = torch.load(os.path.join(out, "evaluation.pt"), weights_only=True)
    base = mean_loss(load_weights(os.path.join(out, "example.safetensors")), data)
    print(f"evaluation loss of the exported model: {base:.4f} nats/token\n")
    print("| point | weighted error Σ F·(w−ŵ)², plain → Fisher | SNR dB | loss increase, second-order estimate ½·Σ F·(w−ŵ)² / 16 | loss increase, measured |")
    print("|---|---|---|---|---|")
    for plain in sorted(glob.glob(os.path.join(out, "*.plain.safetensors"))):
        point = os.path.basename(plain)[: -len(".plain.safetensors")]
        cells = []
        for path in (plain, os.path.join(out, point + ".fisher.safetensors")):
            dense, described = decompress(path)
            weighted = error = energy = 0.0
            for name in described:
                w = original[name].astype(np.float64)
                d = (w - dense[name]) ** 2
                weighted += float((fisher[name].astype(np.float64) * d).sum())
                error += float(d.sum())
                energy += float((w ** 2).sum())
            cells.append((weighted, 10 * np.log10(energy / error), mean_loss(load_weights(path), data) - base))
        (w0, s0, l0), (w1, s1, l1) = cells
        # The Fisher is per sample of SEQ tokens; the loss is per token.
        print(f"| {point} | {w0:.3g} → {w1:.3g} ({100 * (w1 / w0 - 1):+.0f}%) | {s0:.2f} → {s1:.2f} "
              f"| {w0 / (2 * SEQ):.3f} → {w1 / (2 * SEQ):.3f} "
              f"| +{l0:.3f} → +{l1:.3f} ({100 * (l1 / l0 - 1):+.0f}%) |")


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Data for the example task, and the task loss of exported or palettized weights.",
        epilog="Examples:\n  python3 scripts/examples/torch_example.py data out\n"
               "  python3 scripts/examples/torch_example.py evaluate out/evaluation.pt out/example.safetensors out/p2.safetensors",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("data", help="write OUT/calibration.pt (64 sequences) and OUT/evaluation.pt (256)")
    d.add_argument("out")
    e = sub.add_parser("evaluate", help="print the mean cross entropy per token of each weights file on DATA")
    e.add_argument("data", help="an evaluation.pt written by `data`")
    e.add_argument("weights", nargs="+", help="exported .safetensors or harness palettize --output files")
    c = sub.add_parser("compare", help="table of OUT/<point>.plain vs .fisher palettizations (run_torch_example.sh)")
    c.add_argument("out")
    a = p.parse_args(argv)
    if a.command == "compare":
        compare(a.out)
        return
    if a.command == "data":
        os.makedirs(a.out, exist_ok=True)
        torch.save(dataset(64, seed=200), os.path.join(a.out, "calibration.pt"))
        torch.save(dataset(256, seed=300), os.path.join(a.out, "evaluation.pt"))
        print(os.path.join(a.out, "calibration.pt"), os.path.join(a.out, "evaluation.pt"), file=sys.stderr)
        return
    data = torch.load(a.data, weights_only=True)
    for path in a.weights:
        print(f"{mean_loss(load_weights(path), data):.6f}  {path}")


if __name__ == "__main__":
    main()
