import Foundation
import Testing
@testable import PaletteHarness

@Suite("Sweep plot: embedding charts from the summary CSV")
struct PlotFidelityTests {
  /// A summary CSV (harness columns) for the runs of ``PlotTests/threeGroups``: c0–c3 evaluated
  /// (seed 0, workers 1), c4 rejected (no evaluation).
  static func summary(evaluated: Bool = true) -> CSVTable {
    let values: [String: (String, String, String)] = [
      "c0": ("0.55", "0.38", "0.25"), "c1": ("0.95", "0.91", "0.73"), "c2": ("0.96", "0.93", "0.76"), "c3": ("0.67", "0.51", "0.32"),
    ]
    let rows = ["c0", "c1", "c2", "c3", "c4"].map { id -> [String] in
      let v = evaluated ? values[id] ?? ("", "", "") : ("", "", "")
      return [id, "1", "n_bits=4", "none", "0", "mt19937", "1", "2", "0", "0", "200", "10", "1", "10", "4",
              v.0, v.1, v.2, "0.1", id == "c4" ? "error" : "ok", ""]
    }
    return CSVTable(header: ResultColumns.summary, rows: rows, source: "results/test.summary.csv")
  }

  @Test("with evaluation values, cosine and agreement charts stand beside the SNR chart with the same series and points")
  func chartsBesideSNR() throws {
    let results = try SweepResults(table: PlotTests.threeGroups)
    let fidelity = try #require(try SweepFidelity(table: Self.summary()))
    #expect(fidelity.runs.count == 4)
    let svg = try SweepPlot.render(results, fidelity: fidelity)
    let xml = try #require(XMLElements.parse(svg))
    let charts = xml.named("g", class: "chart")
    #expect(charts.compactMap { $0["id"] } == ["tradeoff", "mean-cosine", "neighbour-agreement", "tensor-snr"])
    // Left to right in the first row: 860 + 24 gap, then 620 + 24.
    #expect(charts.prefix(3).compactMap { $0["transform"] } == ["translate(0,0)", "translate(884,0)", "translate(1528,0)"])
    #expect(charts[3]["transform"]?.hasPrefix("translate(0,") == true)
    // Each chart: the three series of the SNR chart, and one point per evaluated config id.
    let series = xml.named("g", class: "series").compactMap { $0["data-group"] }
    #expect(series.count == 9 && Set(series).count == 3)
    #expect(xml.named("g", class: "point").compactMap { $0["data-config-id"] } == Array(repeating: ["c0", "c1", "c2", "c3"], count: 3).flatMap { $0 })
    #expect(svg.contains("mean cosine 0.9500 (min 0.9100), neighbour agreement 73.0 %"))
    #expect(svg.contains(">mean embedding cosine</text>") && svg.contains(">neighbour agreement (%)</text>"))
  }

  @Test("the higher a run's cosine, the higher its marker")
  func markerOrder() throws {
    let results = try SweepResults(table: PlotTests.threeGroups)
    let fidelity = try #require(try SweepFidelity(table: Self.summary()))
    let chart = try SweepPlot.tradeoffChart(results, metric: .meanCosine(fidelity), width: 620, legend: false)
    let xml = try #require(XMLElements.parse("<svg xmlns=\"http://www.w3.org/2000/svg\">" + chart.body.output + "</svg>"))
    // Markers in point order c0, c1 (per-tensor series), c2, c3: circles, squares, triangles.
    var heights: [Double] = []
    for element in xml.elements {
      if element.name == "circle", let cy = element.attributes["cy"].flatMap(Double.init) { heights.append(cy) }
      if element.name == "rect", element.attributes["width"] == "9", let y = element.attributes["y"].flatMap(Double.init) { heights.append(y + 4.5) }
      if element.name == "polygon", let points = element.attributes["points"], points.split(separator: " ").count == 3 {
        // Triangle vertices: (x, y − 1.2·4.5), (x ± 1.1·4.5, y + 0.8·4.5).
        let ys = points.split(separator: " ").compactMap { $0.split(separator: ",").last.flatMap { Double($0) } }
        heights.append(ys[1] - 0.8 * 4.5)
      }
    }
    // Cosines c0 0.55 < c3 0.67 < c1 0.95 < c2 0.96: SVG y grows downwards.
    #expect(heights.count == 4)
    #expect(heights[0] > heights[3] && heights[3] > heights[1] && heights[1] > heights[2], "\(heights)")
  }

  @Test("a summary without evaluation values (or an old one without the columns) plots as before")
  func oldSummaries() throws {
    let results = try SweepResults(table: PlotTests.threeGroups)
    let plain = try SweepPlot.render(results)
    #expect(try SweepFidelity(table: Self.summary(evaluated: false)) == nil)
    let old = CSVTable(header: ["config_id", "seed", "workers", "snr_db"], rows: [["c0", "0", "1", "5"]])
    #expect(try SweepFidelity(table: old) == nil)

    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("plot-fidelity-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let csv = folder.appendingPathComponent("test.csv")
    try PlotTests.threeGroups.write(to: csv)
    #expect(try SweepPlot.render(csvAt: csv) == plain)
    try old.write(to: folder.appendingPathComponent("test.summary.csv"))
    #expect(try SweepPlot.render(csvAt: csv) == plain)
    try Self.summary().write(to: folder.appendingPathComponent("test.summary.csv"))
    #expect(try SweepPlot.render(csvAt: csv).contains("id=\"neighbour-agreement\""))
  }

  @Test("a bad number in the summary is an error naming the file, line and column")
  func badValue() throws {
    var rows = Self.summary().rows
    rows[1][ResultColumns.summary.firstIndex(of: "min_cosine") ?? 0] = "high"
    let table = CSVTable(header: ResultColumns.summary, rows: rows, source: "s.csv")
    #expect(throws: PlotError(file: "s.csv", line: 3, kind: .badValue(column: "min_cosine", value: "high", expected: "a number"))) {
      try SweepFidelity(table: table)
    }
  }
}
