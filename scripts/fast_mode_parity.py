#!/usr/bin/env python3
"""Check fast mode against an independent implementation of the reference recipe.

    pip install kmeans1d   # optimal 1-D k-means (SMAWK), unweighted
    swift build -c release
    python3 scripts/fast_mode_parity.py .build/release/harness models/minilm/model.safetensors

For the 2-D `*.weight` tensors of the model (no embeddings) it runs two cases, as issue 11
measured them: the weights cast to bf16 at 8 bits per tensor, and the fp32 weights at 4 bits
with integer sensitivities 1-3 (seeded). Each is palettized by `harness palettize` (default
fast mode, rounding_precision 4) and by the recipe written here with PyTorch:
v = round(float32(fp16(x)) * 10^4) / 10^4 in float32, the unique v clustered optimally by
`kmeans1d` weighted by counts or summed sensitivities (integer weights = repeated values, since
kmeans1d takes none), centroids cast to the weight's dtype. It prints, per case, the largest
per-tensor SNR difference between the harness and the recipe (must be under 0.01 dB), and the
same for the old recipe that stored v as fp16. kmeans1d on lists is slow: on a 2-core machine
all 37 MiniLM tensors take about 45 minutes; --tensors N checks the first N.
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from safetensors.torch import load_file, save_file

import kmeans1d


def recipe(w, k, sensitivity=None, store_fp16=False, p=4):
    """The reconstruction of `w` by the reference fast mode (optionally the old fp16-stored v)."""
    x = w.flatten().to(torch.float32)
    v = torch.round(x.to(torch.float16).to(torch.float32) * 10**p) / 10**p
    if store_fp16:
        v = v.to(torch.float16).to(torch.float32)
    uniq, inv = torch.unique(v, return_inverse=True)
    if sensitivity is None:
        weights = torch.bincount(inv, minlength=len(uniq)).double()
    else:
        weights = torch.zeros(len(uniq), dtype=torch.float64).index_add_(0, inv, sensitivity.flatten().double())
    if len(torch.unique(x)) <= k:  # at most k distinct values: kept as they are
        values, where = torch.unique(x, return_inverse=True)
        return values.to(w.dtype).to(torch.float32)[where]
    repeats = weights.round().long()
    assert torch.equal(repeats.double(), weights), "integer weights only"
    result = kmeans1d.cluster(torch.repeat_interleave(uniq.double(), repeats).numpy().tolist(), k)
    centroids = torch.tensor(result.centroids, dtype=torch.float64)
    nearest = (uniq.double()[:, None] - centroids[None, :]).abs().argmin(1)
    return centroids.to(torch.float32).to(w.dtype).to(torch.float32)[nearest[inv]]


def snr(w, r):
    w = w.flatten().double()
    return 10 * np.log10(float((w * w).sum()) / float(((w - r.double()) ** 2).sum()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("harness")
    parser.add_argument("model")
    parser.add_argument("--tensors", type=int, default=None, help="check only the first N tensors")
    args = parser.parse_args()

    source = load_file(args.model)
    names = [n for n in source if n.endswith(".weight") and source[n].ndim == 2 and "embed" not in n]
    names = names[: args.tensors] if args.tensors else names
    generator = torch.Generator().manual_seed(7)
    with tempfile.TemporaryDirectory() as folder:
        def path(name):
            return os.path.join(folder, name)
        save_file({n: source[n].to(torch.bfloat16).contiguous() for n in names}, path("bf16.safetensors"))
        save_file({n: source[n].contiguous() for n in names}, path("f32.safetensors"))
        save_file({n: torch.randint(1, 4, source[n].shape, generator=generator).to(torch.float32) for n in names},
                  path("sensitivities.safetensors"))
        cases = [("bf16, 8 bits per tensor", "bf16.safetensors", 8, None),
                 ("fp32, 4 bits, sensitivities 1-3", "f32.safetensors", 4, "sensitivities.safetensors")]
        worst = 0.0
        for label, model, bits, sensitivities in cases:
            with open(path("c.yaml"), "w") as config:
                config.write(f"kmeans_palettization_config:\n  global_config:\n    op_state_spec:\n      weight: {{ n_bits: {bits} }}\n")
            command = [args.harness, "palettize", "--model", path(model), "--config", path("c.yaml"),
                       "--seed", "0", "--report", path("report.csv")]
            if sensitivities:
                command += ["--sensitivities", path(sensitivities)]
            subprocess.run(command, check=True, stderr=subprocess.DEVNULL)
            harness = {r["tensor"]: float(r["snr_db"]) for r in csv.DictReader(open(path("report.csv")))}
            weights = load_file(path(model))
            s = load_file(path(sensitivities)) if sensitivities else {}
            new, old = [], []
            for n in names:
                reference = snr(weights[n], recipe(weights[n], 1 << bits, s.get(n)))
                new.append(abs(harness[n] - reference))
                old.append(abs(snr(weights[n], recipe(weights[n], 1 << bits, s.get(n), store_fp16=True)) - reference))
            worst = max(worst, max(new))
            print(f"{label}: {len(names)} tensors; |harness - recipe| max {max(new):.6f} dB; "
                  f"|fp16-stored v - recipe| max {max(old):.4f} dB, mean {np.mean(old):.4f} dB", flush=True)
    sys.exit(0 if worst < 0.01 else 1)


if __name__ == "__main__":
    main()
