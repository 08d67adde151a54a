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
    case .float16: return HalfFloat.round(x)
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

/// binary16 rounding without the runtime: x86_64 builds do not assume F16C, so
/// `Float(Float16(x))` is two compiler-rt calls (`__truncsfhf2`, `__extendhfsf2`) per value —
/// 13% of MiniLM's default-config time before this helper.
public enum HalfFloat {
  /// `x` rounded to the nearest binary16 value (ties to even, subnormals included), widened
  /// back to `Float`: bit for bit `Float(Float16(x))` for every non-NaN `x`; `±∞` beyond
  /// binary16's range (`|x| >= 65520`), NaN returned as it came.
  @inlinable
  public static func round(_ x: Float) -> Float {
    let bits = x.bitPattern
    let magnitude = bits & 0x7FFF_FFFF
    guard magnitude >= 0x3880_0000 else {
      // Below 2^-14: binary16's subnormal spacing 2^-24; both scalings are exact.
      return (x * 0x1p24).rounded(.toNearestOrEven) * 0x1p-24
    }
    guard magnitude < 0x7F80_0000 else { return x }
    // Keep 10 of the 23 fraction bits, ties to even; a carry moves into the exponent.
    let rounded = (magnitude &+ 0x0FFF &+ ((magnitude >> 13) & 1)) & 0xFFFF_E000
    let sign = bits & 0x8000_0000
    return Float(bitPattern: sign | (rounded > 0x477F_E000 ? 0x7F80_0000 : rounded))
  }
}
