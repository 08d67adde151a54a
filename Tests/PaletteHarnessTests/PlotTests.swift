import Foundation
import Testing
@testable import PaletteHarness

@Suite("Sweep plot: aggregation and SVG rendering")
struct PlotTests {
  /// Three groups: per-tensor scalar (n_bits 2 and 4), grouped scalar (n_bits 4), per-tensor
  /// vector cluster_dim 2 (n_bits 4), plus a skipped and an error row.
  static let threeGroups = ResultsCSV.table([
    ResultsCSV.row(config: "c0", nBits: 2, tensor: "a.weight", numel: 100, inertia: "8", snr: "5", bpw: "2.1"),
    ResultsCSV.row(config: "c0", nBits: 2, tensor: "b.weight", numel: 100, inertia: "4", snr: "7", bpw: "2.1"),
    ResultsCSV.row(config: "c0", nBits: 2, tensor: "skip.bias", numel: 10, inertia: "", snr: "", bpw: "",
                   status: "skipped", message: "too small"),
    ResultsCSV.row(config: "c1", nBits: 4, tensor: "a.weight", numel: 100, inertia: "1", snr: "17", bpw: "4.1"),
    ResultsCSV.row(config: "c1", nBits: 4, tensor: "b.weight", numel: 100, inertia: "0.5", snr: "19", bpw: "4.1"),
    ResultsCSV.row(config: "c2", nBits: 4, granularity: "per_grouped_channel(axis=0,group_size=16)",
                   tensor: "a.weight", numel: 100, inertia: "0.8", snr: "18", bpw: "4.4"),
    ResultsCSV.row(config: "c2", nBits: 4, granularity: "per_grouped_channel(axis=0,group_size=16)",
                   tensor: "b.weight", numel: 100, inertia: "0.4", snr: "20", bpw: "4.4"),
    ResultsCSV.row(config: "c3", nBits: 4, clusterDim: 2, tensor: "a.weight", numel: 100, inertia: "3",
                   snr: "9", bpw: "2.2"),
    ResultsCSV.row(config: "c3", nBits: 4, clusterDim: 2, tensor: "b.weight", numel: 100, inertia: "2",
                   snr: "10", bpw: "2.2"),
    ResultsCSV.row(config: "c4", nBits: 4, clusterDim: 3, tensor: "a.weight", numel: 100, inertia: "", snr: "",
                   bpw: "", status: "error", message: "cluster_dim 3 does not divide 100"),
  ])

  @Test("the SVG parses as XML and has exactly one series per group")
  func seriesPerGroup() throws {
    let results = try SweepResults(table: Self.threeGroups)
    #expect(results.skippedCount == 1 && results.errorCount == 1 && results.rows.count == 8)
    let svg = try SweepPlot.render(results)
    let xml = try #require(XMLElements.parse(svg))
    let groups = xml.named("g", class: "series").compactMap { $0["data-group"] }
    #expect(groups == [
      "granularity=per_tensor;cluster_dim=1;lut_qspec=none",
      "granularity=per_grouped_channel(axis=0,group_size=16);cluster_dim=1;lut_qspec=none",
      "granularity=per_tensor;cluster_dim=2;lut_qspec=none",
    ])
    // One point per config id with ok rows; the error-only c4 has none.
    #expect(xml.named("g", class: "point").compactMap { $0["data-config-id"] } == ["c0", "c1", "c2", "c3"])
    // Rendering is deterministic.
    #expect(try SweepPlot.render(results) == svg)
  }

  @Test("runs with and without activation sensitivities are separate series, labelled in the legend")
  func sensitivitySeries() throws {
    // The same granularity at the same n_bits, once unweighted and once activation-aware: one
    // series would zig-zag between them, so the sensitivity column splits the series.
    let header = ResultsCSV.header + ["sensitivity"]
    func row(_ config: String, _ nBits: Int, _ snr: String, _ sensitivity: String) -> [String] {
      ResultsCSV.row(config: config, nBits: nBits, tensor: "a.weight", numel: 100, inertia: "1", snr: snr, bpw: "\(nBits)")
        + [sensitivity]
    }
    let table = CSVTable(header: header, rows: [
      row("p1", 2, "8", "none"), row("p2", 2, "7", "activation"), row("p3", 4, "18", "none"), row("p4", 4, "17", "activation"),
    ], source: "results/test.csv")
    let results = try SweepResults(table: table)
    let xml = try #require(XMLElements.parse(try SweepPlot.render(results)))
    #expect(xml.named("g", class: "series").compactMap { $0["data-group"] } == [
      "granularity=per_tensor;cluster_dim=1;lut_qspec=none",
      "granularity=per_tensor;cluster_dim=1;lut_qspec=none;sensitivity=activation",
    ])
    #expect(xml.texts.contains("per_tensor, cluster_dim 1, lut none, activation-aware"))
    let groups = try results.modelPoints().map(\.group.sensitivity)
    #expect(groups == ["none", "activation", "none", "activation"])
  }

  @Test("model SNR and bits per weight are parameter-weighted, exact tensors add no noise")
  func aggregation() throws {
    // Hand-worked: t1 Σw² = 2·10^(10/10) = 20, t2 Σw² = 1·10^(20/10) = 100, t3 exact (no noise,
    // energy unknown). SNR = 10·log10((20 + 100) / (2 + 1)) = 10·log10(40);
    // bpw = (4.5·100 + 4.1·300 + 8·50) / 450 = 2080 / 450.
    // Rows of seed 1, and of workers 2 for seed 7, must be ignored: the first seed in the file
    // is 7 and its smallest worker count is 1.
    let table = ResultsCSV.table([
      ResultsCSV.row(config: "a", seed: "7", workers: 2, tensor: "t1", numel: 100, inertia: "99", snr: "1", bpw: "9"),
      ResultsCSV.row(config: "a", seed: "7", workers: 1, tensor: "t1", numel: 100, inertia: "2", snr: "10", bpw: "4.5"),
      ResultsCSV.row(config: "a", seed: "1", workers: 1, tensor: "t1", numel: 100, inertia: "99", snr: "1", bpw: "9"),
      ResultsCSV.row(config: "a", seed: "7", workers: 1, tensor: "t2", numel: 300, inertia: "1", snr: "20", bpw: "4.1"),
      ResultsCSV.row(config: "a", seed: "7", workers: 1, tensor: "t3", numel: 50, inertia: "0", snr: "inf", bpw: "8"),
      ResultsCSV.row(config: "b", tensor: "t3", numel: 50, inertia: "0.0", snr: "inf", bpw: "8.5"),
    ])
    let points = try SweepResults(table: table).modelPoints()
    #expect(points.count == 2)
    let a = points[0]
    #expect(a.configID == "a" && a.seed == "7" && a.workers == 1 && a.tensorCount == 3 && a.exactTensorCount == 1)
    #expect(a.numel == 450)
    #expect(abs(a.signalEnergy - 120) < 1e-12)
    #expect(a.noiseEnergy == 3)
    #expect(abs(a.snrDB - 16.020599913279624) < 1e-12)
    #expect(abs(a.bitsPerWeight - 2080.0 / 450.0) < 1e-12)
    // A model whose every tensor is exact has infinite SNR, and still renders.
    #expect(points[1].snrDB == .infinity)
    #expect(points[1].bitsPerWeight == 8.5)
    let svg = try SweepPlot.render(try SweepResults(table: table), configID: "b")
    #expect(XMLElements.parse(svg) != nil)
  }

  @Test("the bar chart has one bar per tensor of the chosen config id; exact bars are capped")
  func barsPerTensor() throws {
    let results = try SweepResults(table: Self.threeGroups)
    let defaultXML = try #require(XMLElements.parse(try SweepPlot.renderTensorSNR(results)))
    #expect(defaultXML.named("g", class: "bars").first?["data-config-id"] == "c0")

    let table = ResultsCSV.table(Self.threeGroups.rows + [
      ResultsCSV.row(config: "c5", tensor: "x.weight", numel: 64, inertia: "0.25", snr: "-3.5", bpw: "4.5"),
      ResultsCSV.row(config: "c5", tensor: "y.weight", numel: 64, inertia: "0", snr: "inf", bpw: "4.5"),
      ResultsCSV.row(config: "c5", tensor: "z.weight", numel: 64, inertia: "0.5", snr: "30", bpw: "4.5"),
      ResultsCSV.row(config: "c5", workers: 2, tensor: "z.weight", numel: 64, inertia: "0.5", snr: "30", bpw: "4.5"),
    ])
    let svg = try SweepPlot.render(try SweepResults(table: table), configID: "c5")
    let xml = try #require(XMLElements.parse(svg))
    let bars = xml.named("g", class: "bar")
    #expect(bars.compactMap { $0["data-tensor"] } == ["x.weight", "y.weight", "z.weight"])
    #expect(bars.compactMap { $0["data-snr-db"] } == ["-3.5", "inf", "30.0"])
    #expect(xml.named("rect", class: "exact").count == 1)
    #expect(xml.texts.contains("exact"))
  }

  @Test("XML-special characters in tensor names and the file name are escaped")
  func escaping() throws {
    let nasty = "enc<0>.a&b\"c'd\u{1}.weight"
    let table = ResultsCSV.table([
      ResultsCSV.row(config: "c&0", tensor: nasty, numel: 10, inertia: "1", snr: "12", bpw: "4"),
    ], source: "results/R&D <1>.csv")
    let svg = try SweepPlot.render(try SweepResults(table: table))
    #expect(!svg.contains("<0>") && !svg.contains("R&D"))
    let xml = try #require(XMLElements.parse(svg))
    #expect(xml.named("g", class: "bar").first?["data-tensor"] == "enc<0>.a&b\"c'd\u{FFFD}.weight")
    #expect(xml.texts.contains("R&D <1> — model SNR vs bits per weight"))
    #expect(SVGWriter.escape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&apos;")
  }

  @Test("input without ok rows, an unknown config id and a bad number are clear errors")
  func errors() throws {
    let none = ResultsCSV.table(Array(Self.threeGroups.rows[2...2]) + Array(Self.threeGroups.rows[9...9]))
    let empty = #expect(throws: PlotError.self) { try SweepResults(table: none) }
    #expect(empty?.description == "results/test.csv: no rows with status 'ok' to plot (2 rows: 1 skipped, 1 error)")

    let results = try SweepResults(table: Self.threeGroups)
    let unknown = #expect(throws: PlotError.self) { try SweepPlot.render(results, configID: "c4") }
    #expect(unknown?.description
      == "results/test.csv: config id 'c4' has no rows with status 'ok'; config ids with ok rows: c0, c1, c2, c3")

    let bad = ResultsCSV.table([
      ResultsCSV.row(config: "a", tensor: "t", numel: 1, inertia: "1", snr: "12", bpw: "4"),
      ResultsCSV.row(config: "a", tensor: "u", numel: 1, inertia: "1", snr: "12 dB", bpw: "4"),
    ])
    let badValue = #expect(throws: PlotError.self) { try SweepResults(table: bad) }
    #expect(badValue?.description == "results/test.csv:3: column 'snr_db': '12 dB' is not a number")

    let missing = CSVTable(header: ["config_id", "status"], rows: [["a", "ok"]], source: "r.csv")
    let column = #expect(throws: CSVError.self) { try SweepResults(table: missing) }
    #expect(column?.description == "r.csv: no column 'n_bits'; columns: config_id, status")
  }

  @Test("a results file on disk renders, and its name becomes the title")
  func fromFile() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("plot-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let csv = folder.appendingPathComponent("w4.csv")
    try Self.threeGroups.write(to: csv)
    let svg = try SweepPlot.render(csvAt: csv, configID: "c2")
    #expect(svg == (try SweepPlot.render(try SweepResults(table: CSVTable(parsing: Self.threeGroups.encoded(),
                                                                             source: csv.path)), configID: "c2")))
    #expect(svg.contains("<title>w4 — PaletteLab sweep</title>"))
    #expect(SweepPlot.defaultOutputURL(forResults: csv).lastPathComponent == "w4.svg")
  }
}
