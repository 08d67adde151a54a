#!/usr/bin/env python3
"""Export a torch.nn.Module as safetensors + a palettelab.modules/1 manifest, optionally with
its diagonal Fisher information as per-element sensitivities.

    python3 scripts/export_torch_model.py FACTORY [--example DATA | --input-shape 1,3,32,32]
        [--fisher --calibration DATA [--loss cross_entropy|mse] [--seed N]] -o OUT/net

writes OUT/net.safetensors (the state dict), OUT/net.modules.json (the module manifest) and,
with --fisher, OUT/net.fisher.safetensors (usable as `harness palettize --sensitivities`).

FACTORY is `package.module:function` (importable from the current directory) or
`path/to/file.py:function`; the function takes no arguments and returns the model.

Manifest. Every module of the tree is listed (parents before children, the root as "", a
module shared under several names once per name) with its fully-qualified type
(type(m).__module__ + "." + type(m).__qualname__). For every module whose type PaletteLab's op
registry does not know (custom modules, and standard ones such as PReLU), the ops it calls are
recorded by one forward pass on the example input (the first sample of --example, else of
--calibration, else random --input-shape floats) under a TorchFunctionMode: each call of a
supported functional op (linear, conv*, conv_transpose*, multi_head_attention_forward) made
while the module is the innermost one running, during its first call, is named as the
reference numbers ops within a module (linear, linear_1, ...), and its "state" lists the
module's own parameters/buffers passed to it. Calls of matmul, einsum, embedding and the norm
functions on the module's own state are recorded too, as ops of unsupported type, so that
`harness inspect` can say why such a tensor is not palettized. A state tensor passed through a
view (w.t(), w.view(...)) is not recognised as the module's own. Without an example input no
ops are recorded.

DATA (for --calibration and --example): a .pt file holding a dict (torch.save; read with
weights_only=True), or a .npz file, with
    inputs   a tensor of N samples along dim 0; or, for a model with several inputs, a list
             of such tensors (.npz: arrays inputs_0, inputs_1, ...). Sample i is fed as a
             batch of one: model(*[t[i:i+1] for t in inputs]).
    targets  optional, N samples along dim 0: class indices (int) for --loss cross_entropy,
             values shaped like the model's output for --loss mse.

Fisher. F[θ] = (1/N) Σ_i (∂ℓ_i/∂θ)², the mean over the N calibration samples of the squared
per-sample gradient of the per-sample loss ℓ_i, for every element θ of every parameter,
accumulated in float64 in sample order, written as F32 under the parameter's name and shape
(a parameter known under several names, e.g. tied weights, under each). ℓ_i is the negative
log-likelihood of sample i, summed over all its positions:
    cross_entropy  ℓ_i = −Σ_positions log softmax(logits)[y], class axis --class-axis
                   (default −1), positions whose target is --ignore-index (−100) left out;
    mse            ℓ_i = ½ Σ_elements (output − y)² (a unit-variance Gaussian's NLL).
With `targets` in DATA, y is the data's label: the EMPIRICAL Fisher. Without targets, y is
drawn from the model's own predictive distribution (cross_entropy: one categorical draw per
position from softmax(logits); mse: output + N(0, 1) noise), one draw per sample, from a
torch.Generator seeded --seed: a one-draw Monte-Carlo estimate of the TRUE Fisher. The model
runs in eval mode (no dropout; BatchNorm uses its running statistics) with gradients on for
every floating-point parameter, on --threads threads (default 1), after
torch.manual_seed(--seed): the same model, data, seed, thread count and torch build give the
same bits. A model output that is a tuple/list uses its first element; an object with a
`logits` attribute uses that. Parameters the loss does not reach get F = 0 (and a warning).

Requires PyTorch and the `safetensors` package. From Python:

    from export_torch_model import export, diagonal_fisher
    export(model, (example_input,), "out/net", fisher=diagonal_fisher(model, (inputs,), targets))
"""
import argparse
import hashlib
import importlib
import importlib.util
import json
import math
import os
import sys

# Types whose ops PaletteLab's registry knows (Sources/Palettization/Model/OpRegistry.swift).
# Their ops are not written to the manifest; every other module's ops are recorded.
REGISTRY_TYPES = {
    "torch.nn.modules.linear.Linear", "torch.nn.modules.linear.NonDynamicallyQuantizableLinear",
    "torch.nn.modules.conv.Conv1d", "torch.nn.modules.conv.Conv2d", "torch.nn.modules.conv.Conv3d",
    "torch.nn.modules.conv.ConvTranspose1d", "torch.nn.modules.conv.ConvTranspose2d",
    "torch.nn.modules.conv.ConvTranspose3d",
    "torch.nn.modules.activation.MultiheadAttention",
    "torch.nn.modules.sparse.Embedding", "torch.nn.modules.sparse.EmbeddingBag",
    "torch.nn.modules.normalization.LayerNorm", "torch.nn.modules.normalization.GroupNorm",
    "torch.nn.modules.normalization.RMSNorm",
    "torch.nn.modules.batchnorm.BatchNorm1d", "torch.nn.modules.batchnorm.BatchNorm2d",
    "torch.nn.modules.batchnorm.BatchNorm3d",
}
# Functions PaletteLab palettizes the weight of (torch function __name__ -> op type).
SUPPORTED_OPS = {
    "linear": "linear",
    "conv1d": "conv1d", "conv2d": "conv2d", "conv3d": "conv3d",
    "conv_transpose1d": "conv_transpose1d", "conv_transpose2d": "conv_transpose2d",
    "conv_transpose3d": "conv_transpose3d",
    "multi_head_attention_forward": "multi_head_attention_forward",
}
# Functions that commonly consume a weight but are not palettized; recorded only when they
# consume the module's own state.
OTHER_WEIGHT_OPS = {
    "matmul": "matmul", "__matmul__": "matmul", "__rmatmul__": "matmul", "mm": "mm",
    "bmm": "bmm", "addmm": "addmm", "einsum": "einsum", "bilinear": "bilinear",
    "embedding": "embedding", "embedding_bag": "embedding_bag", "layer_norm": "layer_norm",
    "group_norm": "group_norm", "batch_norm": "batch_norm", "instance_norm": "instance_norm",
    "rms_norm": "rms_norm", "prelu": "prelu",
}
FISHER_FORMAT = "palettelab.fisher/1"
HELP_EPILOG = """\
DATA (.pt dict via torch.save, or .npz): "inputs", a tensor with N samples along dim 0 (or a
list of them for several model inputs; .npz: inputs_0, inputs_1, ...); optional "targets", N
samples along dim 0. Sample i runs as a batch of one: model(*[t[i:i+1] for t in inputs]).

Fisher: F = mean over the N samples of (d loss_i / d theta)^2, per parameter element, float64
sums in sample order, written as F32 under each parameter's name and shape. loss_i is the
sample's negative log-likelihood summed over its positions:
  cross_entropy  -sum log softmax(logits)[y] (class axis --class-axis; y = --ignore-index skipped)
  mse            0.5 * sum (output - y)^2
With "targets" in DATA, y is the data's label: the EMPIRICAL Fisher. Without them, y is drawn
from the model's own prediction (softmax; or output + N(0,1) noise for mse), one draw per
sample, seeded --seed: a Monte-Carlo estimate of the TRUE Fisher. Eval mode, --threads threads.

Examples:
  python3 scripts/export_torch_model.py mypkg.models:make_net --input-shape 1,3,32,32 -o out/net
  python3 scripts/examples/torch_example.py data out
  python3 scripts/export_torch_model.py scripts/examples/torch_example.py:trained_model \\
      --fisher --calibration out/calibration.pt -o out/example
"""


class ExportError(Exception):
    """A user mistake: bad factory, data file or option. The CLI prints it on one line."""


def qualified_type(module):
    t = type(module)
    return f"{t.__module__}.{t.__qualname__}"


# ---------------------------------------------------------------------------------------------
# Inputs: the factory and DATA files

def load_factory(spec):
    """The zero-argument callable named by `module:function` or `path/file.py:function`."""
    target, _, function = spec.rpartition(":")
    if not target or not function:
        raise ExportError(f"factory '{spec}' must be module:function or path/file.py:function")
    if target.endswith(".py"):
        if not os.path.isfile(target):
            raise ExportError(f"factory file {target} does not exist")
        folder = os.path.dirname(os.path.abspath(target))
        if folder not in sys.path:
            sys.path.insert(0, folder)   # so the file's own imports and pickled types resolve
        name = os.path.splitext(os.path.basename(target))[0]
        loader = importlib.util.spec_from_file_location(name, target)
        module = importlib.util.module_from_spec(loader)
        sys.modules[name] = module
        loader.loader.exec_module(module)
    else:
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        try:
            module = importlib.import_module(target)
        except ImportError as e:
            raise ExportError(f"factory module '{target}' cannot be imported: {e}") from e
    if not hasattr(module, function):
        raise ExportError(f"factory '{spec}': {target} has no attribute '{function}'")
    return getattr(module, function)


def load_data(path):
    """(inputs: tuple of tensors, targets: tensor or None) from a DATA file (see the module doc)."""
    import torch

    if not os.path.isfile(path):
        raise ExportError(f"{path}: no such file")
    if path.endswith(".npz"):
        import numpy as np
        with np.load(path, allow_pickle=False) as z:
            keys = set(z.files)
            if "inputs" in keys:
                inputs = [torch.from_numpy(z["inputs"])]
            else:
                inputs, i = [], 0
                while f"inputs_{i}" in keys:
                    inputs.append(torch.from_numpy(z[f"inputs_{i}"]))
                    i += 1
            targets = torch.from_numpy(z["targets"]) if "targets" in keys else None
            unknown = keys - {"inputs", "targets"} - {f"inputs_{i}" for i in range(len(inputs))}
    elif path.endswith(".pt"):
        try:
            data = torch.load(path, weights_only=True)
        except Exception as e:
            raise ExportError(f"{path}: cannot be read as a torch.save file: {e}") from e
        if not isinstance(data, dict):
            raise ExportError(f"{path}: must hold a dict with 'inputs' (and optional 'targets'), found {type(data).__name__}")
        raw = data.get("inputs")
        inputs = list(raw) if isinstance(raw, (list, tuple)) else ([raw] if raw is not None else [])
        targets = data.get("targets")
        unknown = set(data) - {"inputs", "targets"}
    else:
        raise ExportError(f"{path}: DATA must be a .pt or .npz file")
    if unknown:
        raise ExportError(f"{path}: unknown keys {sorted(unknown)}; expected inputs (or inputs_0, inputs_1, ...), targets")
    if not inputs:
        raise ExportError(f"{path}: no 'inputs' (or inputs_0, inputs_1, ...)")
    for i, t in enumerate(inputs):
        if not isinstance(t, torch.Tensor) or t.dim() == 0:
            raise ExportError(f"{path}: inputs[{i}] must be a tensor with samples along dim 0")
    n = inputs[0].shape[0]
    if n == 0:
        raise ExportError(f"{path}: inputs hold no samples")
    for i, t in enumerate(inputs):
        if t.shape[0] != n:
            raise ExportError(f"{path}: inputs[{i}] has {t.shape[0]} samples, inputs[0] has {n}")
    if targets is not None and (not isinstance(targets, torch.Tensor) or targets.dim() == 0 or targets.shape[0] != n):
        raise ExportError(f"{path}: targets must be a tensor with {n} samples along dim 0")
    return tuple(inputs), targets


def first_sample(inputs):
    return tuple(t[:1] for t in inputs)


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# The manifest

def record_ops(model, example_inputs):
    """Module name -> list of {"name", "type", "state"}, for modules not in REGISTRY_TYPES."""
    import torch
    from torch.overrides import TorchFunctionMode

    names = {}
    for n, m in model.named_modules(remove_duplicate=False):
        names.setdefault(id(m), []).append(n)
    stack, calls, ops, counts = [], {}, {}, {}

    def pre(module, _inputs):
        calls[id(module)] = calls.get(id(module), 0) + 1
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
            fname = getattr(func, "__name__", "")
            op = SUPPORTED_OPS.get(fname) or OTHER_WEIGHT_OPS.get(fname)
            # Only the innermost running module owns the call (registry types need no record),
            # and only during its first call (a module run twice would number its ops twice).
            owner = stack[-1] if stack else None
            if (op and owner is not None and calls[id(owner)] == 1
                    and qualified_type(owner) not in REGISTRY_TYPES):
                own = {id(t): n for n, t in list(owner.named_parameters(recurse=False))
                       + list(owner.named_buffers(recurse=False))}
                flat = list(args) + list(kwargs.values())
                flat += [x for a in flat if isinstance(a, (list, tuple)) for x in a]
                used = []
                for a in flat:
                    if isinstance(a, torch.Tensor) and id(a) in own and own[id(a)] not in used:
                        used.append(own[id(a)])
                if fname in SUPPORTED_OPS or used:
                    key = id(owner)
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
    return {name: entries for key, entries in ops.items() for name in names[key]}


def manifest(model, example_inputs=None):
    """The palettelab.modules/1 manifest as a dict. With `example_inputs`, modules outside the
    op registry get an "ops" list (empty when they call no recorded op), when they own state or
    call a supported op."""
    ops = record_ops(model, example_inputs) if example_inputs is not None else None
    modules = []
    for name, module in model.named_modules(remove_duplicate=False):
        entry = {"name": name, "type": qualified_type(module)}
        if ops is not None and entry["type"] not in REGISTRY_TYPES:
            owns_state = any(True for _ in module.parameters(recurse=False)) or any(
                True for _ in module.buffers(recurse=False))
            if name in ops or owns_state:
                entry["ops"] = ops.get(name, [])
        modules.append(entry)
    return {"format": "palettelab.modules/1", "modules": modules}


def saveable_state(model):
    """The state dict on the CPU as safetensors can store it, and the file's __metadata__.

    Tied tensors (one storage, same offset, shape, stride and dtype under several names, e.g.
    lm_head.weight and embed_tokens.weight) are stored once: the first name in state_dict order
    keeps the tensor and every other name becomes a __metadata__ entry "other name": "kept name"
    -- the convention safetensors.torch.save_model writes, and the one PaletteLab reads as a tie
    (palettized once). Other tensors sharing memory (views, slices) are copied, since safetensors
    refuses shared memory. Returns (state, metadata)."""
    import torch

    metadata, owner = {"format": "pt"}, {}

    seen, state = set(), {}
    for k, v in model.state_dict(keep_vars=False).items():
        t = v.detach().cpu()
        tie = (t.untyped_storage().data_ptr(), t.storage_offset(), tuple(t.shape), tuple(t.stride()), t.dtype)
        if t.numel() > 0 and tie in owner:
            metadata[k] = owner[tie]
            continue
        owner[tie] = k
        storage = t.untyped_storage()
        key = (storage.data_ptr(), storage.nbytes())
        whole = t.is_contiguous() and t.storage_offset() == 0 and storage.nbytes() == t.numel() * t.element_size()
        if key in seen or not whole:
            t = t.clone(memory_format=torch.contiguous_format)
        seen.add((t.untyped_storage().data_ptr(), t.untyped_storage().nbytes()))
        state[k] = t
    return state, metadata


# ---------------------------------------------------------------------------------------------
# Fisher

def _output_tensor(out):
    import torch
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, (tuple, list)) and out and isinstance(out[0], torch.Tensor):
        return out[0]
    if isinstance(getattr(out, "logits", None), torch.Tensor):
        return out.logits
    raise ExportError(f"the model's output ({type(out).__name__}) is not a tensor, a tuple starting with one, or an object with .logits")


def _sample_loss(output, target, loss, class_axis, ignore_index, generator):
    """ℓ for one sample (batch of one) and whether its label was drawn."""
    import torch
    import torch.nn.functional as F

    if loss == "cross_entropy":
        logits = torch.movedim(output, class_axis, -1)
        logp = F.log_softmax(logits.double() if logits.dtype == torch.float64 else logits.float(), dim=-1)
        if target is None:
            with torch.no_grad():
                probs = logp.exp().reshape(-1, logp.shape[-1])
                target = torch.multinomial(probs, 1, generator=generator).reshape(logp.shape[:-1])
        if target.shape != logp.shape[:-1]:
            raise ExportError(f"targets of one sample have shape {list(target.shape)}; cross_entropy needs "
                              f"{list(logp.shape[:-1])} (the output {list(output.shape)} without its class axis; "
                              "--loss mse takes targets shaped like the output)")
        if target.dtype.is_floating_point:
            raise ExportError("cross_entropy needs integer class-index targets")
        keep = target != ignore_index
        picked = logp.gather(-1, torch.where(keep, target, 0).long().unsqueeze(-1)).squeeze(-1)
        return -torch.where(keep, picked, torch.zeros_like(picked)).sum()
    if loss == "mse":
        if target is None:
            with torch.no_grad():
                noise = torch.randn(output.shape, generator=generator, dtype=output.dtype)
                target = output.detach() + noise
        if target.shape != output.shape:
            raise ExportError(f"targets of one sample have shape {list(target.shape)}; mse needs the output's {list(output.shape)}")
        return 0.5 * ((output - target.to(output.dtype)) ** 2).sum()
    raise ExportError(f"unknown loss '{loss}'; expected cross_entropy, mse")


def diagonal_fisher(model, inputs, targets=None, loss="cross_entropy", class_axis=-1,
                    ignore_index=-100, seed=0, threads=1, log=None):
    """Diagonal Fisher information per parameter element (see the module doc for the
    definition): {parameter name: float32 tensor of the parameter's shape}.

    `inputs`: tuple of tensors with N samples along dim 0; `targets`: tensor with N samples
    along dim 0, or None to draw labels from the model (true-Fisher Monte-Carlo estimate).
    Cost: N forward and backward passes with batch size one."""
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    n = inputs[0].shape[0]
    named = [(k, p) for k, p in model.named_parameters(remove_duplicate=False) if p.is_floating_point()]
    unique = list({id(p): p for _, p in named}.values())
    sums = {id(p): torch.zeros(p.shape, dtype=torch.float64) for p in unique}
    reached = set()
    was_training = model.training
    flags = [p.requires_grad for p in unique]
    model.eval()
    try:
        for p in unique:
            p.requires_grad_(True)
        with torch.enable_grad():
            for i in range(n):
                output = _output_tensor(model(*[t[i:i + 1] for t in inputs]))
                target = None if targets is None else targets[i:i + 1]
                value = _sample_loss(output, target, loss, class_axis, ignore_index, generator)
                if not torch.isfinite(value):
                    raise ExportError(f"the loss of calibration sample {i} is {value.item()}; the Fisher needs finite losses")
                grads = torch.autograd.grad(value, unique, allow_unused=True)
                for p, g in zip(unique, grads):
                    if g is not None:
                        reached.add(id(p))
                        sums[id(p)] += g.detach().double() ** 2
    finally:
        for p, flag in zip(unique, flags):
            p.requires_grad_(flag)
        model.train(was_training)
    unreached = [k for k, p in named if id(p) not in reached]
    if unreached and log:
        log(f"warning: the loss does not depend on {', '.join(unreached)}; their Fisher is 0")
    fisher = {}
    for k, p in named:
        f = (sums[id(p)] / n).float()
        if not bool(torch.isfinite(f).all()):
            raise ExportError(f"the Fisher of parameter '{k}' is not finite (float32 overflow of the squared gradients)")
        fisher[k] = f.contiguous()
    return fisher


# ---------------------------------------------------------------------------------------------
# Writing

def _save_atomically(tensors, path, metadata=None):
    from safetensors.torch import save_file
    save_file(tensors, path + ".part", metadata=metadata)
    os.replace(path + ".part", path)


def export(model, example_inputs, prefix, fisher=None, fisher_metadata=None):
    """Write <prefix>.safetensors, <prefix>.modules.json and, given `fisher` (from
    diagonal_fisher), <prefix>.fisher.safetensors, whose __metadata__ key "palettelab.fisher"
    holds a JSON object with "format": "palettelab.fisher/1" and `fisher_metadata`; returns the
    paths written. The same inputs give byte-identical files. The model's training flag is
    restored afterwards."""
    os.makedirs(os.path.dirname(os.path.abspath(prefix)), exist_ok=True)
    weights, mods = prefix + ".safetensors", prefix + ".modules.json"
    was_training = model.training
    model.eval()
    try:
        doc = manifest(model, example_inputs)
    finally:
        model.train(was_training)
    state, metadata = saveable_state(model)
    _save_atomically(state, weights, metadata=metadata)
    with open(mods + ".part", "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(mods + ".part", mods)
    written = [weights, mods]
    if fisher is not None:
        path = prefix + ".fisher.safetensors"
        shared, out = set(), {}
        for k, v in fisher.items():      # tied parameters share one tensor: copy
            out[k] = v.clone() if id(v) in shared else v
            shared.add(id(v))
        # One metadata key: safetensors writes __metadata__ from a hash map, so several keys
        # would come out in a different order on every run and the file's hash would change.
        meta = dict(fisher_metadata or {}, format=FISHER_FORMAT)
        _save_atomically(out, path, metadata={"palettelab.fisher": json.dumps(meta, sort_keys=True)})
        written.append(path)
    return written


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="export_torch_model.py",
        description=__doc__.split("\n\n")[0],
        epilog=HELP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("factory", help="module:function or path/file.py:function returning the torch.nn.Module")
    p.add_argument("-o", "--output", required=True, help="output prefix (no extension)")
    p.add_argument("--example", metavar="DATA", help="example input for recording ops: the first sample of DATA")
    p.add_argument("--input-shape", action="append", default=[], metavar="SHAPE",
                   help="example input as random floats of this shape, e.g. 1,3,32,32 (repeat for several inputs)")
    p.add_argument("--fisher", action="store_true", help="also write <output>.fisher.safetensors (needs --calibration)")
    p.add_argument("--calibration", metavar="DATA", help="calibration samples for --fisher (.pt or .npz)")
    p.add_argument("--loss", choices=["cross_entropy", "mse"], default="cross_entropy",
                   help="per-sample loss for the Fisher (default cross_entropy)")
    p.add_argument("--class-axis", type=int, default=-1, help="class axis of the logits for cross_entropy (default -1)")
    p.add_argument("--ignore-index", type=int, default=-100, help="cross_entropy target value left out (default -100)")
    p.add_argument("--seed", type=int, default=0, help="seed for torch and for drawn labels (default 0)")
    p.add_argument("--threads", type=int, default=1, help="torch threads for the Fisher (default 1; part of what makes it reproducible)")
    a = p.parse_args(argv)
    if a.fisher and not a.calibration:
        p.error("--fisher needs --calibration DATA")
    if a.calibration and not a.fisher:
        p.error("--calibration is only used with --fisher")
    if a.example and a.input_shape:
        p.error("give --example or --input-shape, not both")
    if a.threads < 1:
        p.error("--threads must be at least 1")
    log = lambda line: print(line, file=sys.stderr)
    try:
        import torch
        factory = load_factory(a.factory)
        model = factory()
        if not isinstance(model, torch.nn.Module):
            raise ExportError(f"factory '{a.factory}' returned {type(model).__name__}, not a torch.nn.Module")
        calibration = load_data(a.calibration) if a.calibration else None
        if a.example:
            example = first_sample(load_data(a.example)[0])
        elif a.input_shape:
            torch.manual_seed(a.seed)
            example = tuple(torch.randn(*[int(d) for d in s.split(",")]) for s in a.input_shape)
        elif calibration:
            example = first_sample(calibration[0])
        else:
            example = None
            log("note: no --example, --input-shape or --calibration: ops of custom modules are not recorded")
        fisher = meta = None
        if a.fisher:
            inputs, targets = calibration
            fisher = diagonal_fisher(model, inputs, targets, loss=a.loss, class_axis=a.class_axis,
                                     ignore_index=a.ignore_index, seed=a.seed, threads=a.threads, log=log)
            meta = {"kind": "empirical" if targets is not None else "true_monte_carlo_1_draw",
                    "loss": a.loss, "reduction": "sum over a sample's positions, mean over samples",
                    "samples": inputs[0].shape[0], "seed": a.seed, "threads": a.threads,
                    "class_axis": a.class_axis, "ignore_index": a.ignore_index,
                    "calibration": os.path.basename(a.calibration),
                    "calibration_sha256": file_sha256(a.calibration), "torch": torch.__version__}
        for path in export(model, example, a.output, fisher=fisher, fisher_metadata=meta):
            print(path, file=sys.stderr)
    except ExportError as e:
        print(f"export_torch_model.py: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
