import Foundation
import Testing
@testable import PaletteHarness
@testable import Palettization

/// A synthetic experiment sweeping prune × sparsity_detection_threshold: two Linear layers, one
/// with 30 inputs (no 2:4 pattern fits), and a conv.
func sparseSweep() throws -> SyntheticSweep {
  try SyntheticSweep(document: [
    "name": "sparse",
    "model": ["synthetic": ["seed": 5, "layers": [
      ["name": "enc", "type": "torch.nn.modules.linear.Linear", "shape": [32, 24], "distribution": ["type": "laplace", "scale": 0.02]],
      ["name": "odd", "type": "torch.nn.modules.linear.Linear", "shape": [16, 30], "distribution": ["type": "laplace", "scale": 0.02]],
      ["name": "conv", "type": "torch.nn.modules.conv.Conv2d", "shape": [16, 4, 3, 3], "distribution": ["type": "gaussian", "sigma": 0.05]],
    ]]],
    "config": "w4",
    "sweep": [
      "prune": [NSNull(), ["method": "magnitude", "sparsity": 0.5], ["method": "n_m", "n": 2, "m": 4]],
      "n_bits": [3],
      "sparsity_detection_threshold": [NSNull(), 0.3],
    ],
    "seeds": [0],
    "workers": [1, 2],
    "output": "results/sparse.csv",
  ])
}

@Suite("Sparse sweeps: prune and sparsity_detection_threshold in the harness", .serialized)
struct SparseSweepTests {
  @Test("rows equal direct engine calls with pruning and the threshold; zero_fraction, sparse, prune columns")
  func rowsMatchEngine() throws {
    let sweep = try sparseSweep()
    let experiment = try sweep.experiment()
    let outcome = try SweepRunner(experiment: experiment).run()
    #expect(outcome.summary.rows.count == 6 * 2)
    let table = outcome.results
    let column = { (name: String) in table.header.firstIndex(of: name)! }
    guard case .synthetic(let synthetic) = experiment.model else { Issue.record("synthetic expected"); return }
    let model = try SweepModelLoader.generate(synthetic, generator: "mt19937")

    for row in table.rows where row[column("status")] == "ok" {
      let name = row[column("tensor")]
      let threshold = row[column("sparsity_detection_threshold")]
      let pruning: PruningSpec? = switch row[column("prune")] {
        case "magnitude:0.5": .magnitude(sparsity: 0.5)
        case "n_m:2:4": .nM(n: 2, m: 4)
        default: nil
      }
      let spec = PalettizationSpec(
        nBits: 3, granularity: .perGroupedChannel(axis: 0, groupSize: 16),
        sparsityDetectionThreshold: threshold == "none" ? nil : Double(threshold))
      let direct = try TensorPalettizer.palettize(
        try model.tensor(named: name), spec: spec, options: ClusteringOptions(pruning: pruning),
        op: name.hasPrefix("conv") ? .conv2d : .linear, seed: SeedDerivation.derive(0, name))
      #expect(row[column("inertia")] == CSVNumber.format(direct.metrics.inertia), "\(name) \(row[0])")
      #expect(row[column("bits_per_weight")] == CSVNumber.format(direct.metrics.bitsPerWeight))
      #expect(row[column("zero_fraction")] == CSVNumber.format(direct.metrics.zeroFraction))
      // GSL Laplace/Gaussian draws have no exact zeros; both prunings zero exactly half.
      #expect(row[column("zero_fraction")] == (pruning == nil ? "0.0" : "0.5"))
      #expect(row[column("sparse")] == (pruning != nil && threshold == "0.3" ? "true" : "false"))
    }
    // 30 inputs take no 2:4 pattern: skipped with the reason, in the n:m rows only.
    let skipped = table.rows.filter { $0[column("status")] == "skipped" }
    #expect(skipped.count == 2 * 2)
    #expect(skipped.allSatisfy { $0[column("tensor")] == "odd.weight" && $0[column("prune")] == "n_m:2:4" })
    #expect(skipped.first?[column("message")] == "input dimension 1 of shape [16, 30] has size 30, not a multiple of m = 4 for n:m pruning")
    // The manifest records the grid point's prune and threshold.
    #expect(outcome.manifest.runs.map(\.overrides).contains("prune=n_m:2:4 n_bits=3 sparsity_detection_threshold=0.3"))
    // reproduce re-runs the pruned and joint points bit for bit.
    let report = try Reproducer(manifestURL: outcome.manifestURL).run()
    #expect(report.mismatches == 0 && report.matched == 12)
    // The plot gives each prune/threshold pair its own series.
    let svg = try SweepPlot.render(csvAt: outcome.resultsURL)
    #expect(svg.contains("data-group=\"granularity=per_grouped_channel(axis=0,group_size=16);cluster_dim=1;lut_qspec=none;prune=n_m:2:4;sparsity_detection_threshold=0.3\""))
  }

  @Test("palettize --prune: pruned, jointly palettized, misfit tensor skipped with a warning, export reloads")
  func palettizeWithPrune() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("palettelab-prune-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let random = try GSLRandom(seed: 12)
    func tensor(_ shape: [Int]) -> Tensor {
      Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in Float(random.laplace(scale: 0.1)) })
    }
    let modelURL = folder.appendingPathComponent("m.safetensors")
    try SafeTensorsWriter(entries: [
      SafeTensorsEntry(name: "a.weight", tensor: tensor([8, 16])), SafeTensorsEntry(name: "b.weight", tensor: tensor([8, 6])),
    ]).write(to: modelURL)
    let configURL = folder.appendingPathComponent("c.yaml")
    try Data("""
      kmeans_palettization_config:
        global_config:
          op_state_spec:
            weight: { n_bits: 2, sparsity_detection_threshold: 0.3 }
      """.utf8).write(to: configURL)
    var job = ModelPalettization(
      model: modelURL, config: configURL, seed: 0, report: folder.appendingPathComponent("r.csv"),
      output: folder.appendingPathComponent("o.safetensors"))
    try job.setPruning(json: #"{"method": "n_m", "n": 2, "m": 4}"#)
    let log = CollectedLines()
    let table = try job.run(log: log.append)
    #expect(log.lines.contains("warning: tensor 'b.weight' skipped: input dimension 1 of shape [8, 6] has size 6, not a multiple of m = 4 for n:m pruning"))
    let row = try #require(table.rows.first { $0[table.header.firstIndex(of: "tensor")!] == "a.weight" })
    let field = { (name: String) in row[table.header.firstIndex(of: name)!] }
    #expect(field("prune") == "n_m:2:4" && field("sparsity_detection_threshold") == "0.3")
    #expect(field("sparse") == "true" && field("zero_fraction") == "0.5")
    // 128 mask bits + 64 stored 2-bit indices + 4 fp32 LUT entries, over 128 weights.
    #expect(field("bits_per_weight") == CSVNumber.format(Double(128 + 128 + 128) / 128))
    let reloaded = try CompressedModelFile.load(folder.appendingPathComponent("o.safetensors"))
    let a = try #require(reloaded.palettized["a.weight"])
    #expect(a.mask?.storedCount == 64)
    // 2:4 along the 16 inputs: exactly two of every four consecutive weights reconstruct to 0.
    let rebuilt = a.reconstruct().values
    for g in stride(from: 0, to: 128, by: 4) { #expect(rebuilt[g ..< g + 4].filter { $0 == 0 }.count >= 2) }
  }

  @Test("--prune errors name the option and the key", arguments: [
    (#"{"method": "magnitude", "sparsity": 1.5}"#, "--prune: sparsity 1.5 must be in [0, 1]"),
    (#"{"method": "n_m", "n": 2}"#, "--prune: is missing 'm' (the run length)"),
    (#"{"sparsity": 0.5}"#, "--prune: is missing 'method' (magnitude or n_m)"),
    ("magnitude", "--prune: is not valid JSON"),
  ])
  func pruneOptionErrors(text: String, message: String) {
    var job = ModelPalettization(model: URL(fileURLWithPath: "/nonexistent.safetensors"))
    do {
      try job.setPruning(json: text)
      Issue.record("accepted \(text)")
    } catch {
      #expect(error.description.hasPrefix(message), "got: \(error.description)")
    }
  }
}

extension SparseSweepTests {
  @Test("inspect names the threshold of a joint sparse spec")
  func inspectDescribesThreshold() {
    #expect(ModelInspector.describe(PalettizationSpec(nBits: 2, sparsityDetectionThreshold: 0.3))
      == "2-bit per_tensor joint sparse at zero fraction >= 0.3")
    #expect(ModelInspector.describe(PalettizationSpec(nBits: 2)) == "2-bit per_tensor")
  }
}

/// Collects log lines from any thread.
final class CollectedLines: @unchecked Sendable {
  private let lock = NSLock()
  private var storage: [String] = []
  var lines: [String] { lock.withLock { storage } }
  func append(_ line: String) { lock.withLock { storage.append(line) } }
}
