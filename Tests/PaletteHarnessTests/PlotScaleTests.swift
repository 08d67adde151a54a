import Testing
@testable import PaletteHarness

@Suite("Plot axes and number text")
struct PlotScaleTests {
  // Hand-worked with Heckbert's rule: raw step = span / 6, rounded up to 1, 2 or 5 × 10^k.
  static let scales: [(low: Double, high: Double, ticks: [String])] = [
    (0, 8.3, ["0", "2", "4", "6", "8", "10"]),                         // raw 1.38 → 2
    (-3.2, 41.7, ["-10", "0", "10", "20", "30", "40", "50"]),          // raw 7.48 → 10
    (0.012, 0.047, ["0.01", "0.02", "0.03", "0.04", "0.05"]),          // raw 0.0058 → 0.01
    (1.9, 4.6, ["1.5", "2.0", "2.5", "3.0", "3.5", "4.0", "4.5", "5.0"]), // raw 0.45 → 0.5
    (5, 5, ["4.0", "4.5", "5.0", "5.5", "6.0"]),                           // degenerate → 4...6, raw 0.33 → 0.5
  ]

  @Test("ticks are 1-2-5 steps covering the range", arguments: scales)
  func niceTicks(low: Double, high: Double, ticks: [String]) {
    let scale = NiceScale(covering: low, high)
    #expect(scale.ticks.map(scale.label) == ticks)
    #expect(scale.lower <= low && scale.upper >= high)
  }

  @Test("fixed-point text rounds half away from zero, has no -0 and no locale")
  func fixed() {
    #expect(SVGWriter.fixed(2.5, digits: 0) == "3")
    #expect(SVGWriter.fixed(-2.5, digits: 0) == "-3")
    #expect(SVGWriter.fixed(-0.001, digits: 1) == "0.0")
    #expect(SVGWriter.fixed(1234.5678, digits: 2) == "1234.57")
    #expect(SVGWriter.fixed(0.05, digits: 3) == "0.050")
    #expect(SVGWriter.coordinate(12.5) == "12.5")
    #expect(SVGWriter.coordinate(-0.0001) == "0")
    #expect(SVGWriter.coordinate(300) == "300")
  }
}
