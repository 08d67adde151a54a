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

  /// `round(_:)` on four lanes, each bit for bit the scalar result (`±∞` beyond binary16's
  /// range; NaN lanes give ±∞ or NaN — callers needing NaN as it came use the scalar form).
  @inlinable
  public static func round(_ x: SIMD4<Float>) -> SIMD4<Float> {
    let signBit = SIMD4<UInt32>(repeating: 0x8000_0000)
    let bits = unsafeBitCast(x, to: SIMD4<UInt32>.self)
    let magnitude = bits & 0x7FFF_FFFF
    var rounded = (magnitude &+ 0x0FFF &+ ((magnitude &>> 13) & 1)) & 0xFFFF_E000
    rounded.replace(with: 0x7F80_0000, where: rounded .> 0x477F_E000)
    var result = unsafeBitCast((bits & signBit) | rounded, to: SIMD4<Float>.self)
    // Below 2^-14: |x·2^24| < 2^10, so adding and removing 1.5·2^23 rounds it to an integer
    // (ties to even) exactly as `rounded(.toNearestOrEven)`; the sign is put back for −0.
    let scaled = x * 0x1p24
    let magic = SIMD4<Float>(repeating: 0x1.8p23)
    let whole = unsafeBitCast(
      (unsafeBitCast((scaled + magic) - magic, to: SIMD4<UInt32>.self) & 0x7FFF_FFFF)
        | (unsafeBitCast(scaled, to: SIMD4<UInt32>.self) & signBit), to: SIMD4<Float>.self)
    result.replace(with: whole * 0x1p-24, where: magnitude .< 0x3880_0000)
    return result
  }
}
