/// An 8-bit floating-point format: `float8_e4m3fn` or `float8_e5m2` (Micikevicius et al. 2022,
/// "FP8 Formats for Deep Learning").
///
/// Encoding rounds to nearest, ties to even, and saturates: magnitudes beyond the largest
/// finite value encode as ±max (the LUT quantizer clamps before encoding, as the reference
/// does, so no value ever becomes inf or NaN). Subnormals are encoded and decoded exactly.
public struct Float8Format: Sendable, Hashable {
  /// Exponent field width.
  public let exponentBits: Int
  /// Mantissa field width.
  public let mantissaBits: Int
  /// Exponent bias.
  public let bias: Int
  /// Largest finite magnitude.
  public let maxFinite: Float
  /// Whether the all-ones exponent encodes inf/NaN (e5m2) or ordinary values (e4m3fn, whose
  /// only NaN is S.1111.111).
  public let hasInfinity: Bool

  /// E4M3 without infinities: bias 7, max 448, min subnormal 2^-9.
  public static let e4m3fn = Float8Format(
    exponentBits: 4, mantissaBits: 3, bias: 7, maxFinite: 448, hasInfinity: false)
  /// E5M2, IEEE-like: bias 15, max 57344, min subnormal 2^-16.
  public static let e5m2 = Float8Format(
    exponentBits: 5, mantissaBits: 2, bias: 15, maxFinite: 57344, hasInfinity: true)

  /// Smallest normal exponent, `1 - bias`.
  private var minExponent: Int { 1 - bias }

  /// `x` rounded to the nearest value of this format (ties to even), saturated to ±max.
  /// NaN stays NaN.
  public func round(_ x: Float) -> Float {
    if x.isNaN { return x }
    let magnitude = Swift.min(abs(x), maxFinite)
    if magnitude == 0 { return x.sign == .minus ? -0.0 : 0.0 }
    let exponent = Swift.max(Int(magnitude.exponent), minExponent)
    let quantum = Float(sign: .plus, exponent: exponent - mantissaBits, significand: 1)
    let rounded = Swift.min((magnitude / quantum).rounded(.toNearestOrEven) * quantum, maxFinite)
    return x.sign == .minus ? -rounded : rounded
  }

  /// The 8-bit code of `x` after ``round(_:)``. NaN encodes as the format's canonical NaN.
  public func encode(_ x: Float) -> UInt8 {
    let signBit: UInt8 = x.sign == .minus ? 0x80 : 0
    if x.isNaN { return hasInfinity ? 0x7e : 0x7f }
    let value = abs(round(x))
    if value == 0 { return signBit }
    let exponent = Int(value.exponent)
    if exponent < minExponent {
      let quantum = Float(sign: .plus, exponent: minExponent - mantissaBits, significand: 1)
      return signBit | UInt8(value / quantum)
    }
    let fraction = value / Float(sign: .plus, exponent: exponent, significand: 1) - 1
    let mantissa = UInt8(fraction * Float(1 << mantissaBits))
    return signBit | UInt8(exponent + bias) << mantissaBits | mantissa
  }

  /// The value of code `code` (exact).
  public func decode(_ code: UInt8) -> Float {
    let negative = code & 0x80 != 0
    let field = Int(code & 0x7f)
    let exponentField = field >> mantissaBits
    let mantissa = field & ((1 << mantissaBits) - 1)
    let allOnes = (1 << exponentBits) - 1
    var value: Float
    if hasInfinity && exponentField == allOnes {
      value = mantissa == 0 ? .infinity : .nan
    } else if !hasInfinity && exponentField == allOnes && mantissa == (1 << mantissaBits) - 1 {
      value = .nan
    } else if exponentField == 0 {
      value = Float(mantissa) * Float(sign: .plus, exponent: minExponent - mantissaBits, significand: 1)
    } else {
      value = Float(sign: .plus, exponent: exponentField - bias, significand: 1 + Float(mantissa) / Float(1 << mantissaBits))
    }
    return negative ? -value : value
  }
}
