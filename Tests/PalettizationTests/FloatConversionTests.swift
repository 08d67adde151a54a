import Foundation
import Testing
@testable import Palettization

/// Expected bit patterns are worked by hand from the IEEE 754 layouts: binary16 has 1 sign,
/// 5 exponent (bias 15) and 10 fraction bits; bfloat16 is the top half of a binary32.
@Suite("fp16 / bf16 / fp64 <-> fp32 conversions")
struct FloatConversionTests {
  static func f16Bits(_ x: Float) -> UInt16 {
    let bytes = FloatConversion.encode([x], to: .float16)
    return UInt16(bytes[0]) | UInt16(bytes[1]) << 8
  }

  static func bf16Bits(_ x: Float) -> UInt16 {
    let bytes = FloatConversion.encode([x], to: .bfloat16)
    return UInt16(bytes[0]) | UInt16(bytes[1]) << 8
  }

  static func decode16(_ bits: UInt16, _ dtype: WeightDType) -> Float {
    FloatConversion.decode([UInt8(bits & 0xFF), UInt8(bits >> 8)], from: dtype)[0]
  }

  static let float16Cases: [(Float, UInt16)] = [
    (1.0, 0x3C00),
    (-2.0, 0xC000),
    (0.1, 0x2E66),                                   // 0.0999755859375
    (65504, 0x7BFF),                                 // largest finite
    (65519.99, 0x7BFF),                              // just below the halfway point to 2^16
    (65520, 0x7C00),                                 // halfway, ties to even: +inf
    (Float.infinity, 0x7C00),
    (-Float.infinity, 0xFC00),
    (0.0, 0x0000),
    (-0.0, 0x8000),
    (0x1p-24, 0x0001),                               // smallest subnormal
    (0x1p-25, 0x0000),                               // tie between 0 and 2^-24: even is 0
    (0x3p-25, 0x0002),                               // tie between 1 and 2 ulps: even is 2
    (0x1.8p-25, 0x0001),                             // above the tie: rounds up
    (0x1p-14, 0x0400),                               // smallest normal
    (0x1p-14 - 0x1p-24, 0x03FF),                     // largest subnormal
    (1 + 0x1p-11, 0x3C00),                           // tie, even neighbour 1.0
    (1 + 0x3p-11, 0x3C02),                           // tie, even neighbour 1 + 2^-9
    (1 + 0x1p-11 + 0x1p-20, 0x3C01),                 // just above the tie
  ]

  @Test("fp32 -> fp16 rounds to nearest even, incl. subnormals, overflow and ties", arguments: float16Cases)
  func float16Encoding(value: Float, expected: UInt16) {
    #expect(Self.f16Bits(value) == expected, "\(value)")
  }

  @Test("fp32 NaN -> fp16 stays NaN, keeping the sign")
  func float16NaN() {
    for nan in [Float.nan, -Float.nan, Float(bitPattern: 0x7F80_0001)] {
      let bits = Self.f16Bits(nan)
      #expect(bits & 0x7C00 == 0x7C00 && bits & 0x03FF != 0, "\(String(bits, radix: 16))")
      #expect(bits >> 15 == UInt16(nan.sign == .minus ? 1 : 0))
    }
  }

  @Test("every fp16 bit pattern widens to the value its fields give, and narrows back exactly")
  func float16AllPatterns() {
    var mismatches = 0
    for bits in 0...UInt16.max {
      let sign: Float = bits >> 15 == 1 ? -1 : 1
      let exponent = Int(bits >> 10) & 0x1F
      let fraction = Float(bits & 0x03FF)
      let decoded = Self.decode16(bits, .float16)
      switch exponent {
      case 31:
        if fraction == 0 { if decoded != sign * .infinity { mismatches += 1 } }
        else if !decoded.isNaN { mismatches += 1 }
        continue
      case 0:
        // Subnormal: fraction * 2^-24.
        if decoded != sign * fraction * 0x1p-24 || decoded.sign != (sign < 0 ? .minus : .plus) { mismatches += 1 }
      default:
        if decoded != sign * (1024 + fraction) * Float(sign: .plus, exponent: exponent - 25, significand: 1) { mismatches += 1 }
      }
      if Self.f16Bits(decoded) != bits { mismatches += 1 }
    }
    #expect(mismatches == 0)
  }

  @Test("HalfFloat.round equals Float(Float16(x)) around every fp16 value, its midpoints, and on random bits")
  func halfFloatRoundMatchesRuntime() throws {
    var probes: [Float] = [0, -0, .infinity, -.infinity, 65504, 65519.99, 65520, .greatestFiniteMagnitude]
    for pattern in UInt16.min...UInt16.max {
      let h = Float(Float16(bitPattern: pattern))
      guard h.isFinite else { continue }
      let next = Float(Float16(bitPattern: pattern).nextUp)
      let midpoint = next.isFinite ? (h + next) / 2 : 65520  // exact: one more bit than fp16
      for centre in [h, midpoint] {
        var down = centre
        var up = centre
        probes.append(centre)
        for _ in 0..<3 {
          down = down.nextDown
          up = up.nextUp
          probes.append(contentsOf: [down, up])
        }
      }
    }
    let rng = try GSLRandom(generator: "mt19937", seed: 16)
    for _ in 0..<1_000_000 { probes.append(Float(bitPattern: UInt32(truncatingIfNeeded: rng.nextRaw()))) }
    var mismatches: [Float] = []
    for x in probes where !x.isNaN {
      let expected = Float(Float16(x))
      let got = HalfFloat.round(x)
      if got.bitPattern != expected.bitPattern && mismatches.count < 5 { mismatches.append(x) }
    }
    #expect(mismatches.isEmpty, "\(mismatches.map { String($0.bitPattern, radix: 16) })")
    #expect(HalfFloat.round(.nan).isNaN)
    // The four-lane form gives the same bits in every lane.
    let finite = probes.filter { !$0.isNaN }
    var laneMismatches = 0
    for t in stride(from: 0, to: finite.count - 3, by: 4) {
      let lanes = HalfFloat.round(SIMD4(finite[t], finite[t + 1], finite[t + 2], finite[t + 3]))
      for lane in 0..<4 where lanes[lane].bitPattern != Float(Float16(finite[t + lane])).bitPattern {
        laneMismatches += 1
      }
    }
    #expect(laneMismatches == 0)
  }

  static let bfloat16Cases: [(UInt32, UInt16)] = [
    (0x3F80_0000, 0x3F80),  // 1.0
    (0x3F80_8000, 0x3F80),                  // tie, even neighbour 0x3F80
    (0x3F81_8000, 0x3F82),                  // tie, even neighbour 0x3F82
    (0x3F80_8001, 0x3F81),                  // just above the tie
    (0x3F80_7FFF, 0x3F80),                  // just below the tie
    (0x7F7F_7FFF, 0x7F7F),                  // rounds down, stays finite
    (0x7F7F_FFFF, 0x7F80),                  // largest fp32 rounds up to +inf
    (0x7F80_0000, 0x7F80),                  // +inf
    (0xFF80_0000, 0xFF80),                  // -inf
    (0x8000_0000, 0x8000),                  // -0
    (0x0000_0001, 0x0000),                  // tiny subnormal rounds to 0
    (0x0000_8000, 0x0000),                  // subnormal tie, even 0
    (0x0001_8000, 0x0002),                  // subnormal tie, even 2
    (0xC049_0FDB, 0xC049),                  // -pi
  ]

  @Test("fp32 -> bf16 rounds to nearest even", arguments: bfloat16Cases)
  func bfloat16Encoding(input: UInt32, expected: UInt16) {
    #expect(Self.bf16Bits(Float(bitPattern: input)) == expected, "\(String(input, radix: 16))")
  }

  @Test("bf16 NaN stays NaN, and bf16 widens exactly to the high half of an fp32")
  func bfloat16NaNAndWidening() {
    for bits: UInt32 in [0x7F80_0001, 0x7FC0_0000, 0xFF80_0001] {
      let narrowed = Self.bf16Bits(Float(bitPattern: bits))
      #expect(narrowed & 0x7F80 == 0x7F80 && narrowed & 0x007F != 0)
      #expect(narrowed >> 15 == UInt16(bits >> 31))
    }
    for bits: UInt16 in [0x3F80, 0x0001, 0x8000, 0x7F7F, 0xFF80, 0x4049] {
      #expect(Self.decode16(bits, .bfloat16).bitPattern == UInt32(bits) << 16)
    }
    #expect(Self.decode16(0x7FC0, .bfloat16).isNaN)
  }

  static let float64Cases: [(Double, Float)] = [
    (0.1, Float(bitPattern: 0x3DCC_CCCD)),
    (1 + 0x1p-24, 1.0),                      // tie, even neighbour 1.0
    (1 + 0x3p-24, 1 + 0x1p-22),              // tie, even neighbour 1 + 2^-22
    (1e300, .infinity),
    (-1e300, -.infinity),
    (0x1p-149, Float(bitPattern: 1)),
    (0x1p-150, 0),                           // tie between 0 and the smallest subnormal
  ]

  @Test("fp64 -> fp32 rounds to nearest even", arguments: float64Cases)
  func float64Decoding(value: Double, expected: Float) {
    let bytes = withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
    let decoded = FloatConversion.decode(bytes, from: .float64)[0]
    #expect(decoded.bitPattern == expected.bitPattern, "\(value)")
  }

  @Test("F32 and F64 round trips are exact; buffers need no alignment")
  func exactWideFormats() {
    let values: [Float] = [0, -0.0, 1, -1.5, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .infinity, 0x1.234566p-100]
    for dtype in [WeightDType.float32, .float64] {
      let back = FloatConversion.decode(FloatConversion.encode(values, to: dtype), from: dtype)
      #expect(back.map(\.bitPattern) == values.map(\.bitPattern))
    }
    // Offset by one byte: the decoder must not assume alignment.
    let shifted = [UInt8(0)] + FloatConversion.encode([1.5, -2], to: .float32)
    let decoded = shifted.withUnsafeBytes { raw in
      [Float](unsafeUninitializedCapacity: 2) { out, n in
        FloatConversion.decode(UnsafeRawBufferPointer(rebasing: raw[1...]), from: .float32, into: out)
        n = 2
      }
    }
    #expect(decoded == [1.5, -2])
    #expect(FloatConversion.decode(FloatConversion.encode([Float.nan], to: .float64), from: .float64)[0].isNaN)
  }
}
