import Foundation
import Testing
@testable import PaletteHarness
@testable import Palettization

/// Running the Python side: `scripts/export_torch_model.py` and its checks. Needs PyTorch and
/// `safetensors`; without them (CI) the tests are skipped with a message.
enum TorchExport {
  static let repository = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// Runs `python3 arguments…` in the repository; exit status and stdout+stderr.
  static func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    process.currentDirectoryURL = repository
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
  }

  /// True when `python3 -c "import torch, safetensors"` succeeds (checked once).
  static let available: Bool = {
    (try? python(["-c", "import torch, safetensors"]).status) == 0
  }()

  static let skipMessage: Comment = "PyTorch is not installed (python3 -c \"import torch\" fails): the torch exporter round trip is skipped"

  /// The example module of `scripts/examples/torch_example.py` (untrained) exported with its
  /// Fisher on the example's calibration data, into a fresh folder.
  final class Exported {
    let folder: URL
    var weights: URL { folder.appendingPathComponent("example.safetensors") }
    var modules: URL { folder.appendingPathComponent("example.modules.json") }
    var fisher: URL { folder.appendingPathComponent("example.fisher.safetensors") }

    init() throws {
      folder = FileManager.default.temporaryDirectory.appendingPathComponent("palettelab-torch-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      let data = try python(["scripts/examples/torch_example.py", "data", folder.path])
      try #require(data.status == 0, "torch_example.py data failed:\n\(data.output)")
      let export = try python([
        "scripts/export_torch_model.py", "scripts/examples/torch_example.py:make_model", "--fisher",
        "--calibration", folder.appendingPathComponent("calibration.pt").path,
        "-o", folder.appendingPathComponent("example").path,
      ])
      try #require(export.status == 0, "export_torch_model.py failed:\n\(export.output)")
    }

    deinit { try? FileManager.default.removeItem(at: folder) }
  }
}

@Suite("PyTorch exporter round trip (needs torch)", .enabled(if: TorchExport.available, TorchExport.skipMessage))
struct TorchExportTests {
  /// 3-bit per-tensor exact clustering of every matrix, the custom block's second op
  /// (`linear_1` on `proj`) reached through op_name_config.
  static let configYAML = """
    kmeans_palettization_config:
      global_config:
        enable_fast_kmeans_mode: false
        op_state_spec:
          weight: {n_bits: 3}
          in_proj_weight: {n_bits: 3}
      module_type_configs:
        torch_example.MixBlock:
          enable_fast_kmeans_mode: false
          op_state_spec:
            weight: {n_bits: 3}
          op_name_config:
            linear_1:
              op_state_spec:
                proj: {n_bits: 3}
    """

  @Test("the manifest gives every module its type and the custom ops; the default config's selection; the Fisher file's layout")
  func manifestAndDefaultSelection() throws {
    let exported = try TorchExport.Exported()
    let model = try Model.load(safetensors: exported.weights, modules: exported.modules)
    #expect(model.inferenceNotes.isEmpty)
    let types = Dictionary(uniqueKeysWithValues: model.tree.modules.map { ($0.name, $0.type) })
    #expect(types == [
      "": "torch_example.ExampleNet", "tok": "torch.nn.modules.sparse.Embedding",
      "pos": "torch.nn.modules.sparse.Embedding", "attn": "torch.nn.modules.activation.MultiheadAttention",
      "attn.out_proj": "torch.nn.modules.linear.NonDynamicallyQuantizableLinear",
      "norm": "torch.nn.modules.normalization.LayerNorm", "conv": "torch.nn.modules.conv.Conv1d",
      "mix": "torch.nn.modules.conv.Conv2d", "act": "torch.nn.modules.activation.PReLU",
      "block": "torch_example.MixBlock", "head": "torch.nn.modules.linear.Linear",
    ])
    #expect(model.tree.module(named: "block")?.ops == [
      OpInfo(name: "linear", type: "linear", states: ["weight", "bias"]),
      OpInfo(name: "linear_1", type: "linear", states: ["proj"]),
    ])
    #expect(model.tree.module(named: "act")?.ops == [OpInfo(name: "prelu", type: "prelu", states: ["weight"])])
    #expect(model.tree.module(named: "")?.ops == [])
    #expect(try model.describe("mix.weight").shape == [32, 8, 3, 1])      // groups = 4
    #expect(try model.describe("attn.in_proj_weight").shape == [96, 32])
    #expect(try model.describe("block.gate").shape == [])
    #expect(try model.describe("position_ids").dtype == "I64")
    // The tied head/embedding pair is written twice (safetensors refuses shared memory).
    #expect(try model.tensor(named: "head.weight").values == model.tensor(named: "tok.weight").values)

    let plan = try KMeansPalettizer(model: model, config: KMeansPalettizerConfig()).plan
    let selected = Set(plan.filter { $0.spec != nil }.map(\.name))
    #expect(selected == [
      "attn.in_proj_weight", "attn.out_proj.weight", "conv.weight", "mix.weight", "block.weight", "head.weight",
    ])
    let proj = try #require(plan.first { $0.name == "block.proj" })
    #expect(proj.op?.name == "linear_1" && proj.reason.contains("(op linear_1)"))

    // The Fisher file: every parameter (not buffers), its shape, F32, finite, tied names equal.
    let fisher = try Model.load(safetensors: exported.fisher)
    #expect(Set(fisher.tensorNames) == Set(model.tensorNames).subtracting(["position_ids"]))
    for name in fisher.tensorNames {
      let f = try fisher.describe(name)
      let shape = try model.describe(name).shape
      #expect(f.dtype == "F32" && f.shape == shape, "\(name)")
      #expect(try fisher.tensor(named: name).values.allSatisfy { $0.isFinite && $0 >= 0 }, "\(name)")
    }
    #expect(try fisher.tensor(named: "head.weight").values == fisher.tensor(named: "tok.weight").values)
    let described = try #require(fisher.file?.metadata["palettelab.fisher"])
    let info = try #require(try JSONSerialization.jsonObject(with: Data(described.utf8)) as? [String: Any])
    #expect(info["format"] as? String == "palettelab.fisher/1")
    #expect(info["kind"] as? String == "empirical" && info["loss"] as? String == "cross_entropy")
    #expect(info["samples"] as? Int == 64)
  }

  @Test("palettized with its Fisher: the weighted error never exceeds the unweighted run's, the plain error never the weighted run's; Python rebuilds both files")
  func fisherWeightedPalettization() throws {
    let exported = try TorchExport.Exported()
    let model = try Model.load(safetensors: exported.weights, modules: exported.modules)
    let fisher = try Model.load(safetensors: exported.fisher)
    let palettizer = try KMeansPalettizer(model: model, config: KMeansPalettizerConfig.load(yaml: Self.configYAML))
    let plain = try palettizer.prepare(numWorkers: 2, seed: 0)
    let weighted = try palettizer.prepare(numWorkers: 2, seed: 0, sensitivities: fisher)
    #expect(Set(plain.palettized.map(\.name)) == [
      "attn.in_proj_weight", "attn.out_proj.weight", "conv.weight", "mix.weight", "block.weight", "block.proj", "head.weight",
    ])
    #expect(plain.warnings.isEmpty && weighted.warnings.isEmpty)

    // Exact 1-D clustering is globally optimal for its own objective, so each run must be at
    // least as good as the other on that objective (up to float rounding of the LUT entries).
    let weightedResults = Dictionary(uniqueKeysWithValues: weighted.palettized.map { ($0.name, $0.result) })
    var differing = 0
    for (name, p) in plain.palettized {
      let w = try #require(weightedResults[name])
      let original = try model.tensor(named: name).values
      let s = try fisher.tensor(named: name).values
      func errors(_ r: PalettizedTensor) -> (plain: Double, weighted: Double) {
        var e = 0.0, we = 0.0
        for (i, v) in r.reconstruct().values.enumerated() {
          let d = Double(original[i]) - Double(v)
          e += d * d
          we += Double(s[i]) * d * d
        }
        return (e, we)
      }
      let a = errors(p), b = errors(w)
      #expect(b.weighted <= a.weighted * (1 + 1e-6), "\(name): weighted error \(b.weighted) with the Fisher > \(a.weighted) without")
      #expect(a.plain <= b.plain * (1 + 1e-6), "\(name): plain error \(a.plain) without the Fisher > \(b.plain) with")
      if p.lut != w.lut { differing += 1 }
    }
    #expect(differing >= 5, "the Fisher changed only \(differing) of 7 palettes")

    // The compressed files, read back by the independent NumPy reader: same errors as recorded.
    for (tag, result) in [("plain", plain), ("fisher", weighted)] {
      let url = exported.folder.appendingPathComponent("\(tag).safetensors")
      try CompressedModelFile.write(result, model: model, to: url)
      let check = try TorchExport.python([
        "scripts/palettelab_compressed.py", url.path, "--original", exported.weights.path,
        "--sensitivities", exported.fisher.path,
      ])
      #expect(check.status == 0, "palettelab_compressed.py \(tag):\n\(check.output)")
    }
  }

  @Test("scripts/examples/check_exporter.py: the Fisher equals NumPy's closed form for a Linear layer; shared, tied and twice-called modules")
  func pythonChecks() throws {
    let check = try TorchExport.python(["scripts/examples/check_exporter.py"])
    #expect(check.status == 0, "\(check.output)")
    #expect(check.output.contains("all exporter checks passed"))
  }
}
