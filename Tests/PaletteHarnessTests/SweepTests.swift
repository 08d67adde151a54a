import Foundation
import Testing
@testable import PaletteHarness
@testable import Palettization

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// A small synthetic experiment in a fresh folder: 3 layers (one with 24 output channels, which
/// group size 16 cannot split), a scalar grid and a vector grid, 2 seeds, workers 1 and 2.
final class SyntheticSweep {
  let folder: URL
  let experimentURL: URL

  /// Writes `document` (default: the experiment described above) as `exp.json` in a new folder.
  init(document: [String: Any]? = nil) throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("palettelab-sweep-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    experimentURL = folder.appendingPathComponent("exp.json")
    let doc: [String: Any] = document ?? [
      "name": "syn",
      "model": ["synthetic": ["seed": 11, "layers": [
        ["name": "enc.0", "type": "torch.nn.modules.linear.Linear", "shape": [32, 24], "distribution": ["type": "laplace", "scale": 0.02]],
        ["name": "enc.1", "type": "torch.nn.modules.linear.Linear", "shape": [24, 32], "distribution": ["type": "student_t", "nu": 4, "scale": 0.02]],
        ["name": "conv", "type": "torch.nn.modules.conv.Conv2d", "shape": [16, 4, 3, 3], "distribution": ["type": "gaussian", "sigma": 0.05]],
      ]]],
      "config": ["kmeans_palettization_config": ["global_config": ["op_state_spec": ["weight": ["n_bits": 4]]]]],
      "sweep": [
        ["n_bits": [2, 4], "granularity": ["per_tensor", ["type": "per_grouped_channel", "axis": 0, "group_size": 16]]],
        ["enable_fast_kmeans_mode": [false], "cluster_dim": [2], "n_bits": [3]],
        ["cluster_dim": [2]],
      ],
      "seeds": [3, 4],
      "workers": [1, 2],
      "output": "results/syn.csv",
    ]
    try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys, .prettyPrinted]).write(to: experimentURL)
  }

  deinit { try? FileManager.default.removeItem(at: folder) }

  func experiment() throws -> Experiment { try Experiment.load(contentsOf: experimentURL) }

  /// A CSV's text without its `seconds` column.
  static func withoutTiming(_ url: URL) throws -> String {
    let table = try CSVTable(contentsOf: url)
    let keep = table.header.indices.filter { table.header[$0] != "seconds" }
    return CSVTable(header: keep.map { table.header[$0] }, rows: table.rows.map { r in keep.map { r[$0] } }).encoded()
  }
}

@Suite("Sweeps: CSV rows, reproduce, shards, plot", .serialized)
struct SweepTests {
  @Test("sweep rows equal direct engine calls; rejected grid points are error rows; the sweep goes on")
  func rowsMatchEngine() throws {
    let sweep = try SyntheticSweep()
    let experiment = try sweep.experiment()
    let outcome = try SweepRunner(experiment: experiment).run()
    // 6 grid points × 2 seeds × 2 workers.
    #expect(outcome.summary.rows.count == 24)
    let table = outcome.results
    let column = { (name: String) in table.header.firstIndex(of: name)! }

    // Regenerate the model exactly as the harness does and call the engine directly.
    guard case .synthetic(let synthetic) = experiment.model else { Issue.record("synthetic expected"); return }
    let model = try SweepModelLoader.generate(synthetic, generator: "mt19937")
    for row in table.rows where row[column("status")] == "ok" {
      let spec = PalettizationSpec(
        nBits: Int(row[column("n_bits")])!,
        granularity: row[column("granularity")] == "per_tensor" ? .perTensor : .perGroupedChannel(axis: 0, groupSize: 16),
        clusterDim: Int(row[column("cluster_dim")])!)
      let options = ClusteringOptions(enableFastKMeansMode: row[column("enable_fast_kmeans_mode")] == "true")
      let name = row[column("tensor")]
      let op: OpKind = name.hasPrefix("conv") ? .conv2d : .linear
      let direct = try TensorPalettizer.palettize(
        try model.tensor(named: name), spec: spec, options: options, op: op,
        seed: SeedDerivation.derive(UInt64(row[column("seed")])!, name))
      #expect(row[column("inertia")] == CSVNumber.format(direct.metrics.inertia), "\(name) \(row[0])")
      #expect(row[column("snr_db")] == CSVNumber.format(direct.metrics.snrDB))
      #expect(row[column("bits_per_weight")] == CSVNumber.format(direct.metrics.bitsPerWeight))
      #expect(row[column("numel")] == "\(direct.layout.count)")
    }
    // enc.1 has 24 output channels: skipped under group size 16, with the reason.
    let skipped = table.rows.filter { $0[column("status")] == "skipped" }
    #expect(!skipped.isEmpty && skipped.allSatisfy { $0[column("tensor")] == "enc.1.weight" })
    #expect(skipped.first?[column("message")] == "size 24 along axis 0 of shape [24, 32] is not divisible by group_size 16")
    // Grid 3 keeps fast mode on with cluster_dim 2: rejected, one error row per tensor.
    let errors = table.rows.filter { $0[column("status")] == "error" }
    #expect(errors.count == 3 * 2 * 2)
    #expect(errors.first?[column("message")].hasPrefix("enable_fast_kmeans_mode: true cannot be combined with cluster_dim 2") == true)
    // Workers 1 and 2 give identical deterministic columns.
    let byWorkers = Dictionary(grouping: table.rows.filter { $0[column("status")] == "ok" }) { $0[column("workers")] }
    let strip = { (rows: [[String]]) in rows.map { r in r.enumerated().filter { ![column("workers"), column("seconds")].contains($0.offset) }.map(\.element) } }
    #expect(strip(byWorkers["1"]!) == strip(byWorkers["2"]!))
  }

  @Test("reproduce matches; a tampered results file is reported as MISMATCH")
  func reproduceAndTamper() throws {
    let sweep = try SyntheticSweep()
    let outcome = try SweepRunner(experiment: try sweep.experiment()).run()
    let report = try Reproducer(manifestURL: outcome.manifestURL).run()
    #expect(report.mismatches == 0)
    #expect(report.matched == 24)
    #expect(report.lines.allSatisfy { $0.hasSuffix(": match") })

    // Change one inertia digit in the CSV on disk.
    var text = try String(contentsOf: outcome.resultsURL, encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var fields = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    let inertia = ResultColumns.tensors.firstIndex(of: "inertia")!
    fields[inertia] = fields[inertia].hasPrefix("1") ? "2" + fields[inertia].dropFirst() : "1" + fields[inertia].dropFirst()
    text = ([lines[0], fields.joined(separator: ",")] + lines[2...]).joined(separator: "\n")
    try text.write(to: outcome.resultsURL, atomically: true, encoding: .utf8)
    let tampered = try Reproducer(manifestURL: outcome.manifestURL).run()
    #expect(tampered.mismatches == 1)
    let bad = tampered.lines.filter { $0.contains("MISMATCH") }
    #expect(bad.count == 1 && bad[0].hasPrefix("g1-p1 seed=3 workers=1: MISMATCH rows in syn.csv"))
  }

  @Test("reproduce notices a changed recorded result (different LUT hash) and names the tensor")
  func reproduceDetectsChangedHash() throws {
    let sweep = try SyntheticSweep()
    let outcome = try SweepRunner(experiment: try sweep.experiment()).run()
    var manifest = outcome.manifest
    manifest.runs[0].tensors[0].sha256 = String(repeating: "0", count: 64)
    try manifest.encoded().write(to: outcome.manifestURL)
    let report = try Reproducer(manifestURL: outcome.manifestURL).run()
    #expect(report.mismatches == 1)
    #expect(report.lines.contains { $0.contains("MISMATCH tensor enc.0.weight sha256") })
  }

  @Test("shards 0/2 + 1/2 journaled, then merged, equal the unsharded outputs (timing aside)")
  func shardsMerge() throws {
    let sweep = try SyntheticSweep()
    let experiment = try sweep.experiment()
    let whole = try SweepRunner(experiment: experiment).run()
    let wholeCSV = try SyntheticSweep.withoutTiming(whole.resultsURL)
    let wholeSummary = try SyntheticSweep.withoutTiming(whole.summaryURL)
    let wholeManifest = whole.manifest
    try FileManager.default.removeItem(at: whole.resultsURL)

    let a = try SweepRunner(experiment: experiment).run(shard: Shard(index: 0, count: 2))
    // Merging before every shard is done names what is missing and writes nothing.
    #expect(throws: JournalError.self) { try SweepMerger.merge(experiment: experiment) }
    #expect(!FileManager.default.fileExists(atPath: experiment.output.path))
    let b = try SweepRunner(experiment: experiment).run(shard: Shard(index: 1, count: 2))
    #expect(a.units + b.units == a.totalUnits)
    #expect(b.journaledUnits == b.totalUnits)
    let merged = try SweepMerger.merge(experiment: experiment)
    #expect(merged.manifestURL == experiment.manifestURL)
    #expect(try SyntheticSweep.withoutTiming(experiment.output) == wholeCSV)
    #expect(try SyntheticSweep.withoutTiming(experiment.summaryURL) == wholeSummary)
    #expect(try RunManifest.load(contentsOf: merged.manifestURL) == wholeManifest)
    #expect(try Reproducer(manifestURL: merged.manifestURL).run().mismatches == 0)
    // The journal is gone once the outputs are written.
    #expect(!FileManager.default.fileExists(atPath: SweepJournal.folder(for: experiment).path))
  }

  @Test("plot of a sweep's CSV is XML with one series per granularity/cluster_dim group")
  func plotSweep() throws {
    let sweep = try SyntheticSweep()
    let outcome = try SweepRunner(experiment: try sweep.experiment()).run()
    let svg = try SweepPlot.render(csvAt: outcome.resultsURL)
    let elements = try #require(XMLElements.parse(svg))
    let groups = elements.named("g", class: "series").compactMap { $0["data-group"] }
    // per_tensor/1, grouped/1, per_tensor/2 (grid 3 rows are errors and do not plot).
    #expect(groups.count == 3)
    #expect(Set(groups).count == 3)
  }

  @Test("an experiment with a missing model file fails with the path")
  func missingModel() throws {
    let folder = try SyntheticSweep()
    let url = folder.folder.appendingPathComponent("bad.json")
    try Data(#"{"name": "b", "model": {"safetensors": "nope.safetensors"}, "config": "w4", "output": "b.csv"}"#.utf8).write(to: url)
    let experiment = try Experiment.load(contentsOf: url)
    do {
      _ = try SweepRunner(experiment: experiment).run()
      Issue.record("expected an error")
    } catch {
      #expect("\(error)".contains("nope.safetensors"))
      #expect(!FileManager.default.fileExists(atPath: folder.folder.appendingPathComponent("b.csv").path))
    }
  }
}
