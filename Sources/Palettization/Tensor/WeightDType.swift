/// The floating-point storage type of a weight tensor.
///
/// The engine computes in `Float`; the dtype decides how LUT entries, scales and the
/// reconstruction are rounded (an fp16 weight gets fp16 centroids, as the reference casts
/// them) and how many bits an unquantized LUT entry costs.
public enum WeightDType: String, Codable, Sendable, CaseIterable {
  case float32 = "F32"
  case float16 = "F16"
  case bfloat16 = "BF16"
  /// Read into `Float` for clustering: values beyond fp32 precision are rounded on load.
  case float64 = "F64"

  /// Storage width in bits.
  public var bitWidth: Int {
    switch self {
    case .float32: return 32
    case .float16, .bfloat16: return 16
    case .float64: return 64
    }
  }

  /// `x` rounded (to nearest, ties to even) to this dtype and widened back to `Float`.
  @inlinable
  public func round(_ x: Float) -> Float {
    switch self {
    case .float32, .float64: return x
    case .float16: return Float(Float16(x))
    case .bfloat16: return BFloat16.round(x)
    }
  }
}

/// bfloat16 conversions: the top 16 bits of an IEEE binary32.
public enum BFloat16 {
  /// Bits of `x` rounded to nearest, ties to even; NaN stays a (quiet) NaN, overflow gives ±inf.
  @inlinable
  public static func bits(from x: Float) -> UInt16 {
    let b = x.bitPattern
    if x.isNaN { return UInt16(truncatingIfNeeded: b >> 16) | 0x0040 }
    let lsb = (b >> 16) & 1
    let rounded = b &+ 0x7fff &+ lsb
    return UInt16(truncatingIfNeeded: rounded >> 16)
  }

  /// The `Float` with bfloat16 bits `bits` (exact).
  @inlinable
  public static func float(fromBits bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
  }

  /// `x` rounded to the nearest bfloat16, as a `Float`.
  @inlinable
  public static func round(_ x: Float) -> Float { float(fromBits: bits(from: x)) }
}
