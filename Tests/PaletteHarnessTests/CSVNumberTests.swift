import Foundation
import Testing
@testable import PaletteHarness

@Suite("CSV number formatting: shortest round trip, locale-free")
struct CSVNumberTests {
  static let texts: [(Double, String)] = [
    (0.1, "0.1"), (100, "100.0"), (-2.5, "-2.5"), (1e16, "1e+16"), (1.0 / 3.0, "0.3333333333333333"),
    (0.0, "0.0"), (-0.0, "-0.0"), (.infinity, "inf"), (-.infinity, "-inf"), (.nan, "nan"),
    (-Double.nan, "nan"), (.signalingNaN, "nan"),
    (Double.leastNonzeroMagnitude, "5e-324"), (Double.leastNormalMagnitude, "2.2250738585072014e-308"),
    (Double.greatestFiniteMagnitude, "1.7976931348623157e+308"),
  ]

  @Test("special and ordinary values print as expected", arguments: texts)
  func formats(value: Double, text: String) {
    #expect(CSVNumber.format(value) == text)
  }

  @Test("every non-NaN value parses back to the same bits", arguments: texts)
  func roundTripsListed(value: Double, text: String) throws {
    let back = try #require(CSVNumber.parse(CSVNumber.format(value)))
    if value.isNaN { #expect(back.isNaN) } else { #expect(back.bitPattern == value.bitPattern) }
  }

  @Test("seeded random bit patterns, including subnormals, round trip bit for bit")
  func roundTripsRandom() throws {
    var generator = SplitMix(state: 20_240_601)
    for _ in 0..<20_000 {
      let bits = generator.next()
      let value = Double(bitPattern: bits)
      guard !value.isNaN else { continue }
      let back = try #require(CSVNumber.parse(CSVNumber.format(value)))
      #expect(back.bitPattern == value.bitPattern, "\(bits)")
      // Subnormals: clear the exponent field.
      let sub = Double(bitPattern: bits & 0x800F_FFFF_FFFF_FFFF)
      #expect(CSVNumber.parse(CSVNumber.format(sub))?.bitPattern == sub.bitPattern)
    }
  }

  @Test("Float values use the Float's own shortest text")
  func floats() {
    #expect(CSVNumber.format(Float(0.1)) == "0.1")
    #expect(CSVNumber.format(-Float.infinity) == "-inf")
    #expect(CSVNumber.parseFloat("0.1")?.bitPattern == Float(0.1).bitPattern)
  }

  @Test("non-numbers are rejected", arguments: ["", " 1", "1 ", "1,5", "abc", "--1", "1.0.0"])
  func rejects(text: String) {
    #expect(CSVNumber.parse(text) == nil)
  }
}

/// SplitMix64 (Vigna), a tiny seeded source so failures replay.
struct SplitMix {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
