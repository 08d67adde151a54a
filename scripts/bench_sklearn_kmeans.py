#!/usr/bin/env python3
"""scikit-learn's k-means on a model's Linear weights as 2-vectors: the Python baseline for
`harness bench --vector-kernels --model M`.

Runs KMeans(n_clusters=2**bits, init="k-means++", n_init=5, algorithm="lloyd") — the Python
library's vector palettization — on every 2-D `.weight` of the safetensors file except
embeddings (the tensors `harness palettize` clusters with its default selection), each
reshaped to pairs of consecutive weights of a row, and prints wall and CPU time. It measures
the cost of the same amount of work, not PaletteLab's exact results (different seeding draws).

  python3 scripts/bench_sklearn_kmeans.py models/minilm/model.safetensors --bits 4

Needs numpy, safetensors and scikit-learn (`pip install scikit-learn safetensors`).
"""
import argparse
import os
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="a .safetensors file")
    parser.add_argument("--bits", type=int, default=4, help="n_bits: 2**bits clusters (default 4)")
    args = parser.parse_args()
    try:
        import numpy as np
        from safetensors.numpy import load_file
        from sklearn.cluster import KMeans
    except ImportError as error:
        print(f"error: {error.name} is missing: pip install scikit-learn safetensors", file=sys.stderr)
        return 2
    if not os.path.isfile(args.model):
        print(f"error: no such file: {args.model}", file=sys.stderr)
        return 2
    weights = load_file(args.model)
    names = sorted(n for n, w in weights.items()
                   if n.endswith(".weight") and w.ndim == 2 and "embeddings" not in n and w.shape[1] % 2 == 0)
    wall, cpu = time.perf_counter(), time.process_time()
    for name in names:
        pairs = weights[name].astype(np.float32).reshape(-1, 2)
        KMeans(n_clusters=2 ** args.bits, init="k-means++", n_init=5, algorithm="lloyd", random_state=0).fit(pairs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    threads = os.environ.get("OMP_NUM_THREADS", "default")
    print(f"scikit-learn {__import__('sklearn').__version__}: {len(names)} tensors, {2 ** args.bits} clusters, "
          f"{wall:.1f} s wall, {cpu:.1f} s CPU (OpenMP threads: {threads})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
