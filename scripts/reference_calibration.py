#!/usr/bin/env python3
"""Reference activation sensitivities from PyTorch + sentence-transformers, for `harness calibrate`.

Runs the sentences through the model in padded batches (sentence-transformers' own tokenizer,
padding and attention mask), records the input of every Linear of the encoder with a forward
pre-hook, and writes per Linear weight the mean over real tokens (attention mask 1; padding
left out) of each input column's square, summed in float64:
  s[j] = (1/T) sum_t x_t[j]^2        (one F32 vector [in] per weight, under the weight's name)
The pooler is left out: sentence embeddings never use it (sentence-transformers runs it anyway,
on the [CLS] vector).

Default: the committed test reference for the 40 test sentences (one padded batch: lengths
3-256, so most positions are padding),
  Tests/EncoderTests/Resources/reference_calibration.safetensors
  python3 scripts/reference_calibration.py
"""
import argparse
import json
import os
import sys

from reference_embeddings import HERE, RESOURCES, read_sentences


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=os.path.join(HERE, "..", "models", "minilm"))
    parser.add_argument("--sentences", default=os.path.join(RESOURCES, "sentences.txt"))
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--output", default=os.path.join(RESOURCES, "reference_calibration.safetensors"))
    args = parser.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import numpy as np
    import sentence_transformers
    import torch
    import transformers
    from safetensors.numpy import save_file
    from sentence_transformers import SentenceTransformer

    sentences = read_sentences(args.sentences)
    model = SentenceTransformer(args.model, device="cpu")
    model.eval()
    bert = model[0].auto_model
    sums, state = {}, {}

    def hook(name):
        def record(module, inputs):
            x = inputs[0].to(torch.float64)
            mask = state["mask"].to(torch.float64).unsqueeze(-1)  # [batch, length, 1]
            sums[name] = sums.get(name, 0) + (x * x * mask).sum(dim=(0, 1))
        return record

    for name, module in bert.named_modules():
        if isinstance(module, torch.nn.Linear) and not name.startswith("pooler"):
            module.register_forward_pre_hook(hook(name + ".weight"))
    tokens = 0
    with torch.inference_mode():
        for start in range(0, len(sentences), args.batch_size):
            features = getattr(model, "preprocess", model.tokenize)(sentences[start:start + args.batch_size])
            state["mask"] = features["attention_mask"]
            tokens += int(features["attention_mask"].sum())
            model(features)
    out = {name: (total / tokens).numpy().astype(np.float32) for name, total in sums.items()}
    meta = {"sentences": len(sentences), "tokens": tokens, "batch_size": args.batch_size,
            "torch": torch.__version__, "transformers": transformers.__version__,
            "sentence_transformers": sentence_transformers.__version__}
    save_file(out, args.output, metadata={"palettelab.reference": json.dumps(meta, sort_keys=True)})
    print(f"reference_calibration: {len(sentences)} sentences, {tokens} tokens, {len(out)} weights -> {args.output}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
