import Testing
@testable import Palettization

@Suite("fp8 formats and LUT quantization, against values worked by hand")
struct LUTQuantizationTests {
  struct Float8Case: Sendable, CustomTestStringConvertible {
    var format: String
    var input: Float
    var code: UInt8
    var value: Float
    var testDescription: String { "\(format) \(input) → 0x\(String(code, radix: 16))" }
  }

  static let float8Cases: [Float8Case] = [
    // e4m3fn: bias 7, 3 mantissa bits, max 448 = 1.75·2^8 (S.1111.110), no infinities.
    .init(format: "e4m3fn", input: 1.0, code: 0x38, value: 1.0),
    .init(format: "e4m3fn", input: -2.0, code: 0xC0, value: -2.0),
    .init(format: "e4m3fn", input: 448, code: 0x7E, value: 448),
    .init(format: "e4m3fn", input: 500, code: 0x7E, value: 448),  // saturates
    .init(format: "e4m3fn", input: -1e6, code: 0xFE, value: -448),
    .init(format: "e4m3fn", input: 1.0625, code: 0x38, value: 1.0),  // tie 1.0|1.125 → even (m=0)
    .init(format: "e4m3fn", input: 1.1875, code: 0x3A, value: 1.25),  // tie 1.125|1.25 → even (m=2)
    .init(format: "e4m3fn", input: 0.001953125, code: 0x01, value: 0.001953125),  // 2^-9, min subnormal
    .init(format: "e4m3fn", input: 0.0009765625, code: 0x00, value: 0),  // 2^-10: tie 0|2^-9 → 0
    .init(format: "e4m3fn", input: 0.0029296875, code: 0x02, value: 0.00390625),  // 3·2^-10 → m=2
    .init(format: "e4m3fn", input: 0.013671875, code: 0x07, value: 0.013671875),  // 7·2^-9, largest subnormal
    // e5m2: bias 15, 2 mantissa bits, max 57344 = 1.75·2^15, IEEE-like.
    .init(format: "e5m2", input: 1.0, code: 0x3C, value: 1.0),
    .init(format: "e5m2", input: 57344, code: 0x7B, value: 57344),
    .init(format: "e5m2", input: 60000, code: 0x7B, value: 57344),  // saturates, never inf
    .init(format: "e5m2", input: 1.125, code: 0x3C, value: 1.0),  // tie 1.0|1.25 → even
    .init(format: "e5m2", input: 1.375, code: 0x3E, value: 1.5),  // tie 1.25|1.5 → even
    .init(format: "e5m2", input: 0.0000152587890625, code: 0x01, value: 0.0000152587890625),  // 2^-16
    .init(format: "e5m2", input: -0.0000457763671875, code: 0x83, value: -0.0000457763671875),  // -3·2^-16
  ]

  @Test("fp8 encode rounds to nearest even, saturates, handles subnormals; decode inverts",
        arguments: float8Cases)
  func float8(_ c: Float8Case) {
    let format: Float8Format = c.format == "e4m3fn" ? .e4m3fn : .e5m2
    #expect(format.encode(c.input) == c.code)
    #expect(format.decode(c.code) == c.value)
    #expect(format.round(c.input) == c.value)
  }

  @Test("fp8 special codes: e4m3fn NaN is S.1111.111 only; e5m2 has inf and NaN")
  func float8Specials() {
    #expect(Float8Format.e4m3fn.decode(0x7F).isNaN)
    #expect(Float8Format.e4m3fn.decode(0x7E) == 448)
    #expect(Float8Format.e5m2.decode(0x7C) == .infinity)
    #expect(Float8Format.e5m2.decode(0xFC) == -.infinity)
    #expect(Float8Format.e5m2.decode(0x7D).isNaN)
    #expect(Float8Format.e4m3fn.encode(-0.0) == 0x80)
  }

  @Test("fp8 decode(encode(x)) is exact for every finite code")
  func float8AllCodes() {
    for format in [Float8Format.e4m3fn, .e5m2] {
      for code in UInt8.min...UInt8.max {
        let value = format.decode(code)
        guard value.isFinite else { continue }
        #expect(format.encode(value) == code || value == 0, "code \(code)")
      }
    }
  }

  @Test("int8 symmetric: scale max|c|/127.5, ties to even, clamp to 127")
  func int8Symmetric() {
    // max|c| = 255/128 → scale = (255/128)/127.5 = 1/64 exactly.
    // -1·64 = -64; 0.25·64 = 16; 2.5 → 2 (even); 127.5 → 128 (even) → clamped to 127.
    let q = LUTQuantizer(QuantizationSpec(dtype: .int8, qscheme: .symmetric))
      .quantize([-1.0, 0.25, 0.0390625, 1.9921875])
    #expect(q.scale == 1.0 / 64)
    #expect(q.zeroPoint == 0)
    #expect(q.codes == [UInt8(bitPattern: -64), 16, 2, 127])
    #expect(q.dequantized == [-1.0, 0.25, 0.03125, 1.984375])
  }

  @Test("uint8 asymmetric: range widened to 0, zero point qmin - round(min/scale)")
  func uint8Asymmetric() {
    // lo = -1, hi = 191/64 → scale = (255/64)/255 = 1/64; zero point = 0 - round(-64) = 64.
    // 0.5 → 32+64 = 96; 0.5/64 → round(0.5) = 0 (even) → 64; 1.5/64 → 2 → 66.
    let q = LUTQuantizer(QuantizationSpec(dtype: .uint8, qscheme: .asymmetric))
      .quantize([-1.0, 0.5, 0.0078125, 0.0234375, 2.984375])
    #expect(q.scale == 1.0 / 64)
    #expect(q.zeroPoint == 64)
    #expect(q.codes == [0, 96, 64, 66, 255])
    #expect(q.dequantized == [-1.0, 0.5, 0, 0.03125, 2.984375])
    // All-positive entries: the range still includes 0, so the zero point is qmin.
    let positive = LUTQuantizer(QuantizationSpec(dtype: .uint8, qscheme: .asymmetric)).quantize([1.0, 3.984375])
    #expect(positive.zeroPoint == 0)
    #expect(positive.scale == 3.984375 / 255)
  }

  @Test("float8_e4m3fn LUT: scale max|c|/448, codes rounded to nearest even")
  func e4m3fnLUT() {
    // max|c| = 3.5 → scale = 3.5/448 = 2^-7. c/scale: -64 → 0xE8; 224 → 0x76; 448 → 0x7E;
    // 143 → 144 = 1.125·2^7 (quantum 16 in [128, 256); exponent field 14, m=1 → 0x71);
    // 136 → tie 128|144 → 128 (0x70).
    let q = LUTQuantizer(QuantizationSpec(dtype: .float8E4M3FN)).quantize([-0.5, 1.75, 3.5, 1.1171875, 1.0625])
    #expect(q.scale == 0.0078125)
    #expect(q.codes == [0xE8, 0x76, 0x7E, 0x71, 0x70])
    #expect(q.dequantized == [-0.5, 1.75, 3.5, 1.125, 1.0])
  }

  @Test("float8_e5m2 LUT: scale max|c|/57344, ties to even")
  func e5m2LUT() {
    // max|c| = 7 → scale = 7/57344 = 2^-13. 2.0 → 2^14 (0x74); 2.5 → 1.25·2^14 (0x75);
    // 2.25 → tie → 2.0; 2.75 → tie → 3.0 (0x76); -7 → -57344 (0xFB).
    let q = LUTQuantizer(QuantizationSpec(dtype: .float8E5M2)).quantize([2.0, 2.5, 2.25, 2.75, -7.0])
    #expect(q.scale == 0.0001220703125)
    #expect(q.codes == [0x74, 0x75, 0x74, 0x76, 0xFB])
    #expect(q.dequantized == [2.0, 2.5, 2.0, 3.0, -7.0])
  }

  @Test("dequantize inverts quantize for every dtype", arguments: QuantizationSpec.DType.allCases)
  func dequantizeRoundTrip(dtype: QuantizationSpec.DType) {
    let spec = QuantizationSpec(dtype: dtype, qscheme: dtype.isFloat8 ? .symmetric : .asymmetric)
    let quantizer = LUTQuantizer(spec)
    let q = quantizer.quantize([-0.3, -0.01, 0.02, 0.7, 0.9])
    #expect(quantizer.dequantize(q.codes, scale: q.scale, zeroPoint: q.zeroPoint) == q.dequantized)
  }

  @Test("all-zero LUT gets fp32 epsilon as scale, never a division by zero")
  func zeroLUT() {
    let q = LUTQuantizer(QuantizationSpec(dtype: .int8)).quantize([0, 0, 0])
    #expect(q.scale == Float.ulpOfOne)
    #expect(q.dequantized == [0, 0, 0])
  }
}
