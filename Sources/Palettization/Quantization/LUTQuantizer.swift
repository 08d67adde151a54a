/// Quantization of one LUT block's entries (SPEC section 3), computed in `Float` as the
/// reference computes it in fp32.
///
/// The range is widened to include 0: `lo = min(min(c), 0)`, `hi = max(max(c), 0)`.
/// - Integer symmetric: `scale = max(|lo|, |hi|) / ((qmax − qmin) / 2)` (int8: `/ 127.5`),
///   zero point 0 for int8 and 128 for uint8 (the middle of its range, as PyTorch's symmetric
///   observers use; a uint8 zero point of 0 could not hold negative entries).
/// - Integer asymmetric: `scale = (hi − lo) / (qmax − qmin)`,
///   `zeroPoint = clamp(qmin − round(lo / scale), qmin, qmax)`.
/// - fp8 (symmetric only): `scale = max(|lo|, |hi|) / maxFinite` (448 for e4m3fn, 57344 for
///   e5m2); codes are the fp8 encoding of `clamp(c / scale, ±maxFinite)` rounded to nearest even.
/// A zero scale (all entries 0) becomes fp32's epsilon, as PyTorch's observers do.
/// Integer codes: `q = clamp(round(c / scale) + zeroPoint, qmin, qmax)` with ties to even;
/// dequantized value `(q − zeroPoint) · scale`.
public struct LUTQuantizer: Sendable, Hashable {
  public let spec: QuantizationSpec

  public init(_ spec: QuantizationSpec) { self.spec = spec }

  /// One block's quantized LUT.
  public struct Block: Sendable, Equatable {
    /// Raw 8-bit codes (int8 stored as its two's-complement bit pattern).
    public var codes: [UInt8]
    /// Dequantized entries, as `Float`.
    public var dequantized: [Float]
    public var scale: Float
    /// Integer zero point (0 for int8 symmetric and fp8).
    public var zeroPoint: Int32
  }

  /// `(qmin, qmax)` of the integer dtypes.
  private var integerRange: (min: Float, max: Float) {
    spec.dtype == .int8 ? (-128, 127) : (0, 255)
  }

  private var float8: Float8Format? {
    switch spec.dtype {
    case .float8E4M3FN: return .e4m3fn
    case .float8E5M2: return .e5m2
    case .int8, .uint8: return nil
    }
  }

  /// Quantizes `entries` (one block: `K × clusterDim` values).
  /// - Complexity: O(entries.count).
  public func quantize(_ entries: [Float]) -> Block {
    let lo = min(entries.min() ?? 0, 0)
    let hi = max(entries.max() ?? 0, 0)
    let maxAbs = max(-lo, hi)
    if let format = float8 {
      let scale = positive(maxAbs / format.maxFinite)
      var codes = [UInt8](), values = [Float]()
      codes.reserveCapacity(entries.count)
      values.reserveCapacity(entries.count)
      for c in entries {
        let code = format.encode(min(max(c / scale, -format.maxFinite), format.maxFinite))
        codes.append(code)
        values.append(format.decode(code) * scale)
      }
      return Block(codes: codes, dequantized: values, scale: scale, zeroPoint: 0)
    }
    let (qmin, qmax) = integerRange
    let scale: Float
    let zeroPoint: Float
    switch spec.qscheme {
    case .symmetric:
      scale = positive(maxAbs / ((qmax - qmin) / 2))
      zeroPoint = spec.dtype == .int8 ? 0 : 128
    case .asymmetric:
      scale = positive((hi - lo) / (qmax - qmin))
      zeroPoint = min(max(qmin - (lo / scale).rounded(.toNearestOrEven), qmin), qmax)
    }
    var codes = [UInt8](), values = [Float]()
    codes.reserveCapacity(entries.count)
    values.reserveCapacity(entries.count)
    for c in entries {
      let q = min(max((c / scale).rounded(.toNearestOrEven) + zeroPoint, qmin), qmax)
      codes.append(UInt8(truncatingIfNeeded: Int(q)))
      values.append((q - zeroPoint) * scale)
    }
    return Block(codes: codes, dequantized: values, scale: scale, zeroPoint: Int32(zeroPoint))
  }

  /// Dequantizes codes produced by ``quantize(_:)`` with the block's `scale` and `zeroPoint`
  /// (used when reloading an exported file).
  public func dequantize(_ codes: [UInt8], scale: Float, zeroPoint: Int32) -> [Float] {
    if let format = float8 { return codes.map { format.decode($0) * scale } }
    let zp = Float(zeroPoint)
    return codes.map { code in
      let q = spec.dtype == .int8 ? Float(Int8(bitPattern: code)) : Float(code)
      return (q - zp) * scale
    }
  }

  /// PyTorch observers' floor on the scale: fp32 epsilon.
  private func positive(_ scale: Float) -> Float { max(scale, Float.ulpOfOne) }

  /// Bits of quantization parameters per LUT block: a 32-bit scale, plus an 8-bit zero point
  /// for the asymmetric scheme.
  public var parameterBitsPerBlock: Int { spec.qscheme == .asymmetric ? 40 : 32 }
}
