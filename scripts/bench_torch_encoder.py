#!/usr/bin/env python3
"""PyTorch baseline for `harness bench --encoder`: sentence-transformers throughput on a corpus.

Encodes the first N non-blank lines of the corpus with the MiniLM model directory (offline),
PyTorch CPU with a fixed thread count and batch size, best of R timed runs after one warm-up;
prints one JSON line {"sentences", "threads", "batch_size", "seconds", "cpu_seconds" (of the process,
all threads, in the best run), "sentences_per_second", ...}.
Run it right before or after the Swift benchmark so both see the same machine load:

  python3 scripts/bench_torch_encoder.py --model models/minilm --corpus experiments/corpus/eval.txt
  .build/release/harness bench --encoder models/minilm --corpus experiments/corpus/eval.txt
"""
import argparse
import json
import os
import time

from reference_embeddings import read_sentences  # the corpus rules harness uses


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/minilm")
    parser.add_argument("--corpus", default="experiments/corpus/eval.txt")
    parser.add_argument("--sentences", type=int, default=512)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repetitions", type=int, default=3)
    args = parser.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(args.threads)
    sentences = read_sentences(args.corpus)[: args.sentences]
    model = SentenceTransformer(args.model, device="cpu")
    model.eval()
    encode = lambda: model.encode(sentences, batch_size=args.batch_size, convert_to_numpy=True,
                                  normalize_embeddings=False, show_progress_bar=False)
    with torch.inference_mode():
        encode()
        best, best_cpu = float("inf"), 0.0
        for _ in range(args.repetitions):
            start, start_cpu = time.perf_counter(), time.process_time()
            out = encode()
            seconds = time.perf_counter() - start
            if seconds < best:
                best, best_cpu = seconds, time.process_time() - start_cpu
    assert out.shape == (len(sentences), 384)
    print(json.dumps({
        "sentences": len(sentences), "threads": args.threads, "batch_size": args.batch_size,
        "seconds": round(best, 4), "cpu_seconds": round(best_cpu, 4), "sentences_per_second": round(len(sentences) / best, 1),
        "torch": torch.__version__, "tokenizer": type(model.tokenizer).__name__,
    }))


if __name__ == "__main__":
    main()
