#!/usr/bin/env python3
"""Export any torch.nn.Module as safetensors + a palettelab.modules/1 manifest.

    python3 scripts/export_torch_model.py mypkg.models:make_net --input-shape 1,3,32,32 -o out/net
    # writes out/net.safetensors and out/net.modules.json

or from Python:

    from export_torch_model import export
    export(model, (example_input,), "out/net")

Every module of the tree is listed (parents before children, the root as ""), with its
fully-qualified type (type(m).__module__ + "." + type(m).__qualname__). For modules whose type is
not a standard torch.nn layer, the ops they call are recorded by running one forward pass under a
TorchFunctionMode: each call of a supported functional op (linear, conv*, conv_transpose*,
multi_head_attention_forward) is attributed to the innermost module running at that moment and
named as the reference numbers ops within a module: linear, linear_1, ...; its "state" lists the
module's own parameters/buffers passed to it. Requires PyTorch and the `safetensors` package.
"""
import argparse
import importlib
import json
import os
import sys

STANDARD_PREFIX = "torch.nn.modules."
SUPPORTED_OPS = {
    "linear": "linear",
    "conv1d": "conv1d", "conv2d": "conv2d", "conv3d": "conv3d",
    "conv_transpose1d": "conv_transpose1d", "conv_transpose2d": "conv_transpose2d",
    "conv_transpose3d": "conv_transpose3d",
    "multi_head_attention_forward": "multi_head_attention_forward",
}


def qualified_type(module):
    t = type(module)
    return f"{t.__module__}.{t.__qualname__}"


def record_ops(model, example_inputs):
    """Map module name -> list of {"name", "type", "state"} for custom modules."""
    import torch
    from torch.overrides import TorchFunctionMode

    names = {id(m): n for n, m in model.named_modules()}
    stack = []
    ops = {}
    counts = {}

    def pre(module, _inputs):
        stack.append(module)

    def post(module, _inputs, _output):
        stack.pop()

    handles = []
    for m in model.modules():
        handles.append(m.register_forward_pre_hook(pre))
        handles.append(m.register_forward_hook(post))

    class Recorder(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            op = SUPPORTED_OPS.get(getattr(func, "__name__", ""))
            if op and stack:
                owner = stack[-1]
                if not qualified_type(owner).startswith(STANDARD_PREFIX):
                    own = {id(t): n for n, t in list(owner.named_parameters(recurse=False))
                           + list(owner.named_buffers(recurse=False))}
                    used = [own[id(a)] for a in list(args) + list(kwargs.values())
                            if isinstance(a, torch.Tensor) and id(a) in own]
                    key = names[id(owner)]
                    n = counts.get((key, op), 0)
                    counts[(key, op)] = n + 1
                    ops.setdefault(key, []).append(
                        {"name": op if n == 0 else f"{op}_{n}", "type": op, "state": used})
            return func(*args, **kwargs)

    try:
        with torch.no_grad(), Recorder():
            model(*example_inputs)
    finally:
        for h in handles:
            h.remove()
    return ops


def manifest(model, example_inputs=None):
    ops = record_ops(model, example_inputs) if example_inputs is not None else {}
    modules = []
    for name, module in model.named_modules():
        entry = {"name": name, "type": qualified_type(module)}
        if not entry["type"].startswith(STANDARD_PREFIX) and name in ops:
            entry["ops"] = ops[name]
        modules.append(entry)
    return {"format": "palettelab.modules/1", "modules": modules}


def untie(state):
    """Tensors sharing storage (tied weights, e.g. lm_head.weight and embed_tokens.weight) are
    stored once: the first name in state_dict order keeps the tensor, every other name becomes a
    __metadata__ entry "other name": "kept name" -- the convention safetensors.torch.save_model
    writes, and the one PaletteLab reads as a tie (palettized once)."""
    kept, metadata, owner = {}, {"format": "pt"}, {}
    for name, tensor in state.items():
        key = (tensor.untyped_storage().data_ptr(), tensor.storage_offset(), tuple(tensor.shape),
               tuple(tensor.stride()), tensor.dtype)
        if tensor.numel() > 0 and key in owner:
            metadata[name] = owner[key]
        else:
            owner[key] = name
            kept[name] = tensor
    return kept, metadata


def export(model, example_inputs, prefix):
    """Write <prefix>.safetensors and <prefix>.modules.json; returns both paths."""
    from safetensors.torch import save_file

    model.eval()
    state = {k: v.detach().contiguous() for k, v in model.state_dict(keep_vars=False).items()}
    os.makedirs(os.path.dirname(os.path.abspath(prefix)), exist_ok=True)
    weights, mods = prefix + ".safetensors", prefix + ".modules.json"
    state, metadata = untie(state)
    save_file(state, weights + ".part", metadata=metadata)
    with open(mods + ".part", "w") as f:
        json.dump(manifest(model, example_inputs), f, indent=1)
        f.write("\n")
    os.replace(weights + ".part", weights)
    os.replace(mods + ".part", mods)
    return weights, mods


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("factory", help="module:function returning the torch.nn.Module")
    p.add_argument("--input-shape", action="append", default=[],
                   help="shape of one example input, e.g. 1,3,32,32 (repeat for several)")
    p.add_argument("-o", "--output", required=True, help="output prefix (no extension)")
    a = p.parse_args(argv)
    import torch

    module_name, _, function = a.factory.partition(":")
    model = getattr(importlib.import_module(module_name), function or "model")()
    inputs = tuple(torch.randn(*[int(d) for d in s.split(",")]) for s in a.input_shape) or None
    for path in export(model, inputs, a.output):
        print(path, file=sys.stderr)


if __name__ == "__main__":
    main()
