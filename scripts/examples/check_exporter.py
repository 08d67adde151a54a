#!/usr/bin/env python3
"""Checks export_torch_model.py: its diagonal Fisher against closed forms computed with NumPy,
and its module manifest on the cases a real model runs into.

For a Linear layer z = W x + b the per-sample gradients are known in closed form:
    cross entropy, label y:  ∂ℓ/∂W = (softmax(z) − e_y) xᵀ,   ∂ℓ/∂b = softmax(z) − e_y
    ½‖z − t‖²:               ∂ℓ/∂W = (z − t) xᵀ,               ∂ℓ/∂b = z − t
summed over positions for sequence inputs (positions labelled −100 left out). The expected
Fisher is their elementwise square averaged over samples, in float64. For labels drawn from the
model (no targets) the exact true Fisher is E_y[g²]: x_k² p_j (1 − p_j) for W[j, k] under cross
entropy and x_k² under ½‖z − t‖² with t = z + N(0, 1); the one-draw Monte-Carlo estimate over
2000 copies of one input must land within 4 standard errors of it, element by element (the
standard errors from the closed-form fourth moments).

    python3 scripts/examples/check_exporter.py        # prints each check; exit 1 on any failure

One check runs the command line end to end (an .npz DATA file, this file's `tiny_linear`
factory) and reads the written .fisher.safetensors back. The manifest checks use `SharedNet`:
a Linear registered under two names, a custom block called twice whose forward also runs a
matmul on its own parameter and an F.linear on a transposed view of it, and tied weights.
"""
import json
import os
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import export_torch_model as exporter  # noqa: E402

FAILURES = []


class Twice(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(4, 4))
        self.table = torch.nn.Parameter(torch.randn(4, 4))

    def forward(self, x):
        h = torch.nn.functional.linear(x, self.w)
        return h @ self.table + torch.nn.functional.linear(h, weight=self.w.t())


class SharedNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.shared = torch.nn.Linear(4, 4)
        self.alias = self.shared
        self.blk = Twice()
        self.out = torch.nn.Linear(4, 4, bias=False)
        self.out.weight = self.shared.weight

    def forward(self, x):
        return self.out(self.alias(self.blk(self.blk(self.shared(x)))))


def check_manifest():
    torch.manual_seed(0)
    model = SharedNet()
    doc = exporter.manifest(model, (torch.randn(2, 4),))
    modules = {m["name"]: m for m in doc["modules"]}
    expect_equal("modules listed, parents first, shared module under both names",
                 [m["name"] for m in doc["modules"]], ["", "shared", "alias", "blk", "out"])
    expect_equal("a block called twice records its ops once; matmul on its own state is recorded; "
                 "a transposed view is not its own state",
                 modules["blk"].get("ops"),
                 [{"name": "linear", "type": "linear", "state": ["w"]},
                  {"name": "matmul", "type": "matmul", "state": ["table"]},
                  {"name": "linear_1", "type": "linear", "state": []}])
    expect_equal("standard types get no ops list; the stateless root gets none",
                 [k for k, m in modules.items() if "ops" in m], ["blk"])
    state, metadata = exporter.saveable_state(model)
    expect_equal("tied and aliased tensors are stored once, the other names as __metadata__ aliases "
                 "(safetensors' save_model convention); no two stored tensors share memory",
                 (len({t.untyped_storage().data_ptr() for t in state.values()}) == len(state),
                  sorted(state), {k: v for k, v in metadata.items() if k != "format"}),
                 (True, ["blk.table", "blk.w", "shared.bias", "shared.weight"],
                  {"alias.bias": "shared.bias", "alias.weight": "shared.weight",
                   "out.weight": "shared.weight"}))


def expect_equal(what, got, want):
    ok = got == want
    print(f"{'ok  ' if ok else 'FAIL'} {what}" + ("" if ok else f": got {got}, want {want}"))
    if not ok:
        FAILURES.append(what)


def tiny_linear():
    torch.manual_seed(3)
    return torch.nn.Linear(5, 3)


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def expect_close(what, got, want, rtol):
    got = got.detach().double().numpy() if isinstance(got, torch.Tensor) else got
    err = np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-12))
    ok = got.shape == want.shape and err <= rtol
    print(f"{'ok  ' if ok else 'FAIL'} {what}: max relative difference {err:.2e} (tolerance {rtol:g})")
    if not ok:
        FAILURES.append(what)


def expect_within(what, got, want, standard_error):
    got = got.detach().double().numpy()
    z = np.max(np.abs(got - want) / standard_error)
    ok = got.shape == want.shape and z <= 4
    print(f"{'ok  ' if ok else 'FAIL'} {what}: largest deviation {z:.2f} standard errors (tolerance 4)")
    if not ok:
        FAILURES.append(what)


def weights(model):
    return model.weight.detach().double().numpy(), model.bias.detach().double().numpy()


def cross_entropy_reference(model, x, y, ignore=-100):
    """x: [N, T, in], y: [N, T] -> (F_W, F_b) in float64."""
    W, b = weights(model)
    fw, fb = np.zeros_like(W), np.zeros_like(b)
    for xi, yi in zip(x, y):
        gw, gb = np.zeros_like(W), np.zeros_like(b)
        for xt, yt in zip(xi, yi):
            if yt == ignore:
                continue
            r = softmax(W @ xt + b)
            r[yt] -= 1
            gw += np.outer(r, xt)
            gb += r
        fw += gw ** 2
        fb += gb ** 2
    return fw / len(x), fb / len(x)


def main():
    rng = np.random.default_rng(7)
    model = tiny_linear()
    W, b = weights(model)

    # 1. Cross entropy, one position per sample (inputs [N, 5], targets [N]).
    x = rng.standard_normal((9, 5)).astype(np.float32)
    y = rng.integers(0, 3, 9)
    f = exporter.diagonal_fisher(model, (torch.from_numpy(x),), torch.from_numpy(y))
    fw, fb = cross_entropy_reference(model, x[:, None, :].astype(np.float64), y[:, None])
    expect_close("cross entropy, empirical, weight", f["weight"], fw, 1e-5)
    expect_close("cross entropy, empirical, bias", f["bias"], fb, 1e-5)

    # 2. Sequences: the loss sums over positions; label -100 is left out.
    xs = rng.standard_normal((6, 4, 5)).astype(np.float32)
    ys = rng.integers(0, 3, (6, 4))
    ys[0, 1] = ys[3, 0] = ys[3, 3] = -100
    f = exporter.diagonal_fisher(model, (torch.from_numpy(xs),), torch.from_numpy(ys))
    fw, fb = cross_entropy_reference(model, xs.astype(np.float64), ys)
    expect_close("cross entropy over positions with ignored labels, weight", f["weight"], fw, 1e-5)
    expect_close("cross entropy over positions with ignored labels, bias", f["bias"], fb, 1e-5)

    # 3. Half squared error against targets.
    t = rng.standard_normal((9, 3)).astype(np.float32)
    f = exporter.diagonal_fisher(model, (torch.from_numpy(x),), torch.from_numpy(t), loss="mse")
    r = x.astype(np.float64) @ W.T + b - t
    expect_close("mse, empirical, weight", f["weight"], np.mean([np.outer(ri, xi) ** 2 for ri, xi in zip(r, x)], axis=0), 1e-5)
    expect_close("mse, empirical, bias", f["bias"], np.mean(r ** 2, axis=0), 1e-5)

    # 4. Labels drawn from the model: a Monte-Carlo estimate of the true Fisher, within four
    #    standard errors of the exact value element by element.
    n = 2000
    x1 = rng.standard_normal(5).astype(np.float32).astype(np.float64)
    many = torch.from_numpy(np.tile(x1.astype(np.float32), (n, 1)))
    p = softmax(W @ x1 + b)
    x2 = x1 ** 2
    f = exporter.diagonal_fisher(model, (many,), None, seed=5)
    second = np.outer((1 - p) * p ** 4 + p * (1 - p) ** 4, x2 ** 2)   # E[g⁴]
    true = np.outer(p * (1 - p), x2)
    expect_within("cross entropy, drawn labels, weight vs the true Fisher", f["weight"], true,
                  np.sqrt((second - true ** 2) / n))
    f = exporter.diagonal_fisher(model, (many,), None, loss="mse", seed=5)
    true = np.tile(x2, (3, 1))
    expect_within("mse, drawn targets, weight vs the true Fisher", f["weight"], true, np.sqrt(2 * true ** 2 / n))

    # 5. Deterministic: the same call twice gives the same bits.
    a = exporter.diagonal_fisher(model, (torch.from_numpy(xs),), None, seed=11)
    c = exporter.diagonal_fisher(model, (torch.from_numpy(xs),), None, seed=11)
    same = all(torch.equal(a[k], c[k]) for k in a)
    print(f"{'ok  ' if same else 'FAIL'} same seed, same bits")
    if not same:
        FAILURES.append("determinism")

    # 6. The command line: .npz DATA, a file:function factory, the written file.
    with tempfile.TemporaryDirectory() as folder:
        data = os.path.join(folder, "calibration.npz")
        np.savez(data, inputs=xs, targets=ys)
        prefix = os.path.join(folder, "tiny")
        code = exporter.main([f"{os.path.abspath(__file__)}:tiny_linear", "--fisher", "--calibration", data, "-o", prefix])
        from safetensors import safe_open
        from safetensors.numpy import load_file
        written = load_file(prefix + ".fisher.safetensors")
        meta = json.loads(safe_open(prefix + ".fisher.safetensors", "np").metadata()["palettelab.fisher"])
        fw, fb = cross_entropy_reference(model, xs.astype(np.float64), ys)
        ok = code == 0 and written["weight"].dtype == np.float32 and meta.get("kind") == "empirical" \
            and meta.get("format") == "palettelab.fisher/1" and meta.get("samples") == 6
        print(f"{'ok  ' if ok else 'FAIL'} command line exit {code}, F32, metadata kind {meta.get('kind')}")
        if not ok:
            FAILURES.append("command line")
        expect_close("command line, weight", written["weight"].astype(np.float64), fw, 1e-5)
        expect_close("command line, bias", written["bias"].astype(np.float64), fb, 1e-5)

    check_manifest()
    print(f"{len(FAILURES)} failed" if FAILURES else "all exporter checks passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
