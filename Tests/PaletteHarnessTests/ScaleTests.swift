import Foundation
import Testing
@testable import PaletteHarness
@testable import Palettization

/// A fresh folder for one test, removed afterwards.
final class ScratchFolder {
  let url: URL
  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("palettelab-scale-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }
  deinit { try? FileManager.default.removeItem(at: url) }
}

/// SHA-256 of a file by the system's `sha256sum` (an implementation independent of ours).
func systemSHA256(_ url: URL) throws -> String {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
  process.arguments = [url.path]
  let pipe = Pipe()
  process.standardOutput = pipe
  try process.run()
  let data = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
}

@Suite("large models: synthesised checkpoints, shard hashes, sizes", .serialized)
struct ScaleTests {
  @Test("synth writes a LLaMA-shaped sharded checkpoint, byte-identical for a seed whatever the workers")
  func synthIsDeterministic() throws {
    let scratch = try ScratchFolder()
    let one = scratch.url.appendingPathComponent("one")
    let two = scratch.url.appendingPathComponent("two")
    let other = scratch.url.appendingPathComponent("other")
    let synth = CheckpointSynthesizer(preset: .tiny, dtype: .bfloat16, shards: 3, seed: 7)
    let written = try synth.write(to: one, workers: 1)
    try synth.write(to: two, workers: 2)
    var reseeded = synth
    reseeded.seed = 8
    try reseeded.write(to: other)
    #expect(written.files.shards.count == 3)
    #expect(written.parameters == 102_720 && SynthPreset.tiny.parameterCount == 102_720)
    #expect(SynthPreset.llama1B.parameterCount == 1_100_048_384)
    #expect(SynthPreset.llama7BLayer.parameterCount == 464_531_456)
    for name in written.files.shards.map(\.lastPathComponent) + [SafeTensorsCheckpoint.indexFileName, CheckpointSynthesizer.modulesFileName] {
      let a = try Data(contentsOf: one.appendingPathComponent(name))
      #expect(a == (try Data(contentsOf: two.appendingPathComponent(name))), "\(name)")
      if name.hasSuffix(".safetensors") {
        #expect(a != (try Data(contentsOf: other.appendingPathComponent(name))), "\(name) ignores the seed")
      }
    }

    // It loads with its manifest: types, the tie, bf16 everywhere.
    let model = try Model.load(safetensors: one, modules: written.modules)
    #expect(model.ties == ["lm_head.weight": "model.embed_tokens.weight"])
    #expect(model.tree.module(named: "model.layers.1.mlp.down_proj")?.type == "torch.nn.modules.linear.Linear")
    #expect(try model.describe("model.layers.0.self_attn.k_proj.weight").shape == [32, 64])
    #expect(try model.tensorNames.allSatisfy { try model.describe($0).dtype == "BF16" })

    // Heavy tails, and an outlier input channel in projections that read the residual stream.
    let outliers = try synth.outlierChannels()
    #expect(outliers.count == 1)
    let up = try model.tensor(named: "model.layers.0.mlp.up_proj.weight")
    func columnRMS(_ c: Int) -> Double {
      let column = stride(from: c, to: up.count, by: 64).map { Double(up.values[$0]) }
      return (column.reduce(0) { $0 + $1 * $1 } / Double(column.count)).squareRoot()
    }
    let ordinary = (0..<64).filter { !outliers.contains($0) }.map(columnRMS).reduce(0, +) / 63
    #expect(columnRMS(outliers[0]) > 3 * ordinary)
    #expect(abs(ordinary - CheckpointSynthesizer.sigma) < 0.25 * CheckpointSynthesizer.sigma)
    let values = up.values.map(Double.init)
    let variance = values.reduce(0) { $0 + $1 * $1 } / Double(values.count)
    let kurtosis = values.reduce(0) { $0 + pow($1, 4) } / Double(values.count) / (variance * variance)
    #expect(kurtosis > 4)  // a Gaussian's is 3
  }

  @Test("a sweep over a sharded checkpoint hashes the index and every shard; reproduce names a changed shard")
  func manifestHashesShards() throws {
    let scratch = try ScratchFolder()
    let checkpoint = scratch.url.appendingPathComponent("ckpt")
    try CheckpointSynthesizer(preset: .tiny, dtype: .bfloat16, shards: 3, seed: 1).write(to: checkpoint)
    let experimentURL = scratch.url.appendingPathComponent("exp/e.json")
    try FileManager.default.createDirectory(at: experimentURL.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(#"""
      {"name": "e", "model": {"safetensors": "../ckpt"}, "config": "w4", "seeds": [0],
       "output": "../out/e.csv"}
      """#.utf8).write(to: experimentURL)
    let outcome = try SweepRunner(experiment: try Experiment.load(contentsOf: experimentURL), threads: 1).run()
    let inputs = outcome.manifest.inputs
    #expect(inputs.map(\.role) == ["model.index", "model.shard", "model.shard", "model.shard"])
    #expect(inputs.map(\.path) == [
      "../ckpt/model.safetensors.index.json", "../ckpt/model-00001-of-00003.safetensors",
      "../ckpt/model-00002-of-00003.safetensors", "../ckpt/model-00003-of-00003.safetensors",
    ])
    for input in inputs {
      let url = URL(fileURLWithPath: input.path, relativeTo: outcome.manifestURL.deletingLastPathComponent())
      #expect(input.sha256 == (try systemSHA256(url)))
      #expect(input.bytes == (try Data(contentsOf: url)).count)
    }
    // w4 on the tied tiny model: 14 projections and the tied head, palettized once.
    #expect(outcome.results.rows.count == 15)
    #expect(try Reproducer(manifestURL: outcome.manifestURL, threads: 1).run().mismatches == 0)

    // Flip one byte of a weight in shard 2: that shard is named, and the results no longer match.
    let shard = checkpoint.appendingPathComponent("model-00002-of-00003.safetensors")
    var bytes = try Data(contentsOf: shard)
    bytes[bytes.count - 3] ^= 0x40
    try bytes.write(to: shard)
    let report = try Reproducer(manifestURL: outcome.manifestURL, threads: 1).run()
    #expect(report.lines.contains { $0.hasPrefix("input changed: model.shard ../ckpt/model-00002-of-00003.safetensors has sha256 ") })
    #expect(report.mismatches > 0)
  }

  @Test("sizes for --max-shard-size", arguments: [
    ("4GiB", 4 << 30), ("500MB", 500_000_000), ("2g", 2 << 30), ("1.5GB", 1_500_000_000), ("1048576", 1_048_576),
    ("20 KiB", 20_480), ("64kb", 64_000),
  ])
  func byteSizes(_ text: String, _ bytes: Int) {
    #expect(ByteSize.parse(text) == bytes)
  }

  @Test("sizes that are not sizes", arguments: ["", "0", "-1GB", "4 gigabytes", "GB", "1e3", "4GiBs"])
  func notByteSizes(_ text: String) {
    #expect(ByteSize.parse(text) == nil)
  }
}
