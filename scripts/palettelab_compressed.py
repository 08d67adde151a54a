#!/usr/bin/env python3
"""Read a palettelab.compressed/1 file (`harness palettize --output`) back into dense weights,
with NumPy only, and check it against the original model.

    python3 scripts/palettelab_compressed.py O.safetensors --original M.safetensors \\
        [--sensitivities S.safetensors] [--dense OUT.safetensors]

prints, per palettized tensor, the number of distinct values per LUT block (at most K), the
error Σ(w − ŵ)² recomputed here against the one the harness recorded, the SNR, and with
--sensitivities the weighted error Σ s·(w − ŵ)²; exits 1 when a check fails. --dense writes
every tensor (palettized ones reconstructed) as a plain safetensors file that
`model.load_state_dict(safetensors.torch.load_file(OUT))` accepts (BF16 tensors are written
as F32).

This is an independent reading of the layout the README documents ("Compressed file layout"):
its own safetensors parser, index unpacking, 2-D views, LUT dequantization and per-channel
scaling, written from the documentation rather than from the Swift code. From Python:

    from palettelab_compressed import decompress, read_safetensors
    weights = decompress("O.safetensors")      # {name: np.ndarray}
"""
import argparse
import json
import struct
import sys

import numpy as np

COMPRESSED_FORMAT = "palettelab.compressed/1"
_NUMPY_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
    "I16": np.int16, "I8": np.int8, "U64": np.uint64, "U32": np.uint32, "U16": np.uint16,
    "U8": np.uint8, "BOOL": np.bool_, "F8_E4M3": np.uint8, "F8_E5M2": np.uint8,
}
_KNOWN_SPEC_KEYS = {"n_bits", "granularity", "cluster_dim", "lut_qspec", "enable_per_channel_scale"}


class CompressedFileError(Exception):
    pass


def read_safetensors(path):
    """({name: np.ndarray}, {metadata}); BF16 tensors come back as float32 (exactly). A tied
    name -- a __metadata__ key that is no tensor of the file, whose value is one (the convention
    of safetensors.torch.save_model, which PaletteLab writes for tied weights) -- reads as that
    tensor."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise CompressedFileError(f"{path}: shorter than a safetensors header")
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    metadata = header.pop("__metadata__", {}) or {}
    data = memoryview(blob)[8 + n:]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        raw = data[begin:end]
        if info["dtype"] == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            array = bits.view(np.float32)
        else:
            array = np.frombuffer(raw, dtype=np.dtype(_NUMPY_DTYPES[info["dtype"]]).newbyteorder("<"))
        tensors[name] = array.reshape(info["shape"]).copy()
    for alias, kept in metadata.items():
        if alias not in tensors and isinstance(kept, str) and kept in tensors:
            tensors[alias] = tensors[kept]
    return tensors, metadata


def unpack_indices(packed, bits, count):
    """The first `count` `bits`-bit indices, packed least-significant bit first."""
    stream = np.unpackbits(packed, bitorder="little")[: count * bits].reshape(count, bits)
    return (stream.astype(np.int64) << np.arange(bits)).sum(axis=1)


def _round_to(values, dtype):
    """float32 values rounded to the weight's storage dtype (ties to even), as float32."""
    values = np.asarray(values, dtype=np.float32)
    if dtype == "F16":
        return values.astype(np.float16).astype(np.float32)
    if dtype == "BF16":
        bits = values.view(np.uint32).astype(np.uint64)
        rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
        nan = np.isnan(values)
        out = rounded.astype(np.uint32).view(np.float32)
        return np.where(nan, values, out)
    return values


def _fp8_decode(codes, mantissa_bits, exponent_bits, bias, has_infinity):
    codes = codes.astype(np.int64)
    sign = np.where(codes & 0x80, -1.0, 1.0)
    field = codes & 0x7F
    e = field >> mantissa_bits
    m = field & ((1 << mantissa_bits) - 1)
    all_ones = (1 << exponent_bits) - 1
    normal = (1 + m / (1 << mantissa_bits)) * np.exp2(e - bias)
    subnormal = m / (1 << mantissa_bits) * np.exp2(1 - bias)
    value = np.where(e == 0, subnormal, normal)
    if has_infinity:
        value = np.where(e == all_ones, np.where(m == 0, np.inf, np.nan), value)
    else:
        value = np.where((e == all_ones) & (m == (1 << mantissa_bits) - 1), np.nan, value)
    return (sign * value).astype(np.float32)


def _lut(tensors, name, spec, dtype, blocks, k, d):
    """The LUT as used for reconstruction: [blocks, K, cluster_dim] float32."""
    raw = tensors[name + ".lut"]
    q = spec.get("lut_qspec")
    if q is None:
        return raw.astype(np.float32).reshape(blocks, k, d)
    scale = tensors[name + ".lut_scale"].astype(np.float32).reshape(blocks, 1, 1)
    if q["dtype"] in ("float8_e4m3fn", "float8_e5m2"):
        fmt = (3, 4, 7, False) if q["dtype"] == "float8_e4m3fn" else (2, 5, 15, True)
        values = _fp8_decode(raw.reshape(blocks, k, d), *fmt) * scale
    else:
        codes = raw.view(np.int8 if q["dtype"] == "int8" else np.uint8).astype(np.float32)
        if q["qscheme"] == "asymmetric":
            zp = tensors[name + ".lut_zero_point"].view(np.int8 if q["dtype"] == "int8" else np.uint8)
            zp = zp.astype(np.float32).reshape(blocks, 1, 1)
        else:
            zp = np.float32(128 if q["dtype"] == "uint8" else 0)
        values = (codes.reshape(blocks, k, d) - zp) * scale
    return _round_to(values.astype(np.float32), dtype)


def _view_axis(shape, spec, op):
    """The weight axis the clusterer groups along (README "Compressed file layout")."""
    default = 1 if op and op.startswith("conv_transpose") else 0
    g = spec["granularity"]
    if g["type"] == "per_tensor":
        axis = 0 if spec["cluster_dim"] == 1 else default
    else:
        axis = g.get("axis")
        axis = default if axis is None else axis
    return 0 if len(shape) == 1 else axis


def reconstruct(tensors, name, meta):
    """The dense weight `name` (float32, rounded to its dtype) from its LUT and indices."""
    spec, shape, dtype = meta["spec"], list(meta["shape"]), meta["dtype"]
    unknown = set(spec) - _KNOWN_SPEC_KEYS
    if unknown:
        raise CompressedFileError(f"tensor '{name}': spec keys {sorted(unknown)} are not understood by this reader")
    bits, d, blocks = spec["n_bits"], spec["cluster_dim"], meta["blocks"]
    k = 1 << bits
    axis = _view_axis(shape, spec, meta.get("op"))
    index_shape = list(meta["index_shape"])
    expected = list(shape)
    expected[axis] //= d
    if index_shape != expected:
        raise CompressedFileError(f"tensor '{name}': index_shape {index_shape}, expected {expected}")
    count = int(np.prod(index_shape))
    idx = unpack_indices(tensors[name + ".indices"], bits, count).reshape(index_shape)
    lut = _lut(tensors, name, spec, dtype, blocks, k, d)
    # The 2-D view: grouping axis first, the rest flattened (axis 1: swap dims 0 and 1 first).
    idx_view = np.swapaxes(idx, 0, axis).reshape(index_shape[axis], -1)
    rows = shape[axis]
    r = np.arange(rows)[:, None]
    view = lut[r // (rows // blocks), idx_view[r[:, 0] // d], r % d]
    swapped = list(shape)
    swapped[0], swapped[axis] = swapped[axis], swapped[0]
    w = np.swapaxes(view.reshape(swapped), 0, axis)
    if spec.get("enable_per_channel_scale"):
        scale = tensors[name + ".per_channel_scale"].astype(np.float32)
        w = _round_to(w * scale.reshape([-1] + [1] * (len(shape) - 1)), dtype)
    return np.ascontiguousarray(w, dtype=np.float32)


def decompress(path):
    """{name: np.ndarray} for every tensor of the original model: palettized ones rebuilt
    (float32 holding values of their dtype), the others as stored."""
    tensors, metadata = read_safetensors(path)
    if metadata.get("format") != COMPRESSED_FORMAT or "palettelab.tensors" not in metadata:
        raise CompressedFileError(f"{path}: not a {COMPRESSED_FORMAT} file")
    described = json.loads(metadata["palettelab.tensors"])
    out, own = {}, set()
    for name, meta in described.items():
        out[name] = reconstruct(tensors, name, meta)
        own.update(k for k in tensors if k.startswith(name + ".") and k[len(name) + 1:] in
                   ("lut", "indices", "per_channel_scale", "lut_scale", "lut_zero_point"))
    for name, t in tensors.items():
        if name not in own:
            out[name] = t
    for alias, kept in metadata.items():  # a tie whose kept name was palettized
        if alias not in out and isinstance(kept, str) and kept in described:
            out[alias] = out[kept]
    return out, described


def check(compressed, original, sensitivities=None, out=sys.stdout):
    """Prints the per-tensor table; returns the number of failed checks."""
    dense, described = decompress(compressed)
    reference, _ = read_safetensors(original)
    weights = read_safetensors(sensitivities)[0] if sensitivities else {}
    failures = 0
    head = f"{'tensor':32} {'K':>4} {'max distinct/block':>18} {'inertia (here)':>16} {'inertia (harness)':>18} {'SNR dB':>7}"
    print(head + (f" {'weighted error':>15}" if sensitivities else ""), file=out)
    for name, meta in sorted(described.items()):
        w = reference[name].astype(np.float64)
        w_hat = dense[name].astype(np.float64)
        k = 1 << meta["spec"]["n_bits"]
        axis = _view_axis(meta["shape"], meta["spec"], meta.get("op"))
        view = np.swapaxes(dense[name], 0, axis).reshape(meta["blocks"], -1)
        distinct = max(len(np.unique(b)) for b in view) if meta["spec"]["cluster_dim"] == 1 and \
            not meta["spec"].get("enable_per_channel_scale") else 0
        inertia = float(((w - w_hat) ** 2).sum())
        recorded = float(meta["inertia"])
        energy = float((w ** 2).sum())
        snr = 10 * np.log10(energy / inertia) if inertia > 0 else float("inf")
        ok = distinct <= k and abs(inertia - recorded) <= 1e-9 * max(recorded, 1e-30) + 1e-300
        failures += 0 if ok else 1
        line = f"{name:32} {k:>4} {distinct if distinct else '-':>18} {inertia:>16.9g} {recorded:>18.9g} {snr:>7.2f}"
        if sensitivities:
            s = weights.get(name)
            line += f" {float((s.astype(np.float64) * (w - w_hat) ** 2).sum()):>15.6g}" if s is not None else f" {'-':>15}"
        print(line + ("" if ok else "  MISMATCH"), file=out)
    return failures


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                epilog="Example:\n  python3 scripts/palettelab_compressed.py out/example.p4.safetensors "
                                       "--original out/example.safetensors --sensitivities out/example.fisher.safetensors",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("compressed", help="a file written by harness palettize --output")
    p.add_argument("--original", help="the model it came from: recompute and check every tensor's error")
    p.add_argument("--sensitivities", help="also print Σ s·(w − ŵ)² with these per-element weights")
    p.add_argument("--dense", help="write the reconstructed model here (plain safetensors)")
    a = p.parse_args(argv)
    try:
        failures = check(a.compressed, a.original, a.sensitivities) if a.original else 0
        if a.dense:
            from safetensors.numpy import save_file
            dense, _ = decompress(a.compressed)
            save_file({k: np.ascontiguousarray(v) for k, v in dense.items()}, a.dense)
    except (CompressedFileError, OSError, KeyError, ValueError) as e:
        print(f"palettelab_compressed.py: {e}", file=sys.stderr)
        return 2
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
