import Foundation
import Testing
@testable import Palettization

/// Sharded checkpoints (`model.safetensors.index.json` + shards): loading, the index errors,
/// ties, and the sharded compressed output.
@Suite("sharded checkpoints")
struct ShardedCheckpointTests {
  /// A float tensor entry with values `start, start + 1, …` scaled by 1/64 (exact in bf16).
  static func entry(_ name: String, _ shape: [Int], start: Int = 0, dtype: WeightDType = .float32) -> SafeTensorsEntry {
    let count = shape.reduce(1, *)
    return SafeTensorsEntry(
      name: name,
      tensor: Tensor(shape: shape, values: (0..<count).map { Float(start + ($0 * 7) % 29) / 64 }, dtype: dtype))
  }

  /// Writes shards (name → entries, metadata) and an index (verbatim text) into `folder`.
  static func checkpoint(
    in folder: TemporaryFolder, shards: [String: ([SafeTensorsEntry], [String: String])], index: String?
  ) throws -> URL {
    for (name, (entries, metadata)) in shards {
      try SafeTensorsWriter(entries: entries, metadata: metadata).write(to: folder.url.appendingPathComponent(name))
    }
    if let index {
      try Data(index.utf8).write(to: folder.url.appendingPathComponent(SafeTensorsCheckpoint.indexFileName))
    }
    return folder.url
  }

  /// Two shards: the embedding (with `lm_head.weight` tied to it, `save_model`'s way) and a
  /// layer; the index lists all three names.
  static func tiedCheckpoint(in folder: TemporaryFolder, dtype: WeightDType = .float32) throws -> URL {
    try checkpoint(in: folder, shards: [
      "model-00001-of-00002.safetensors": (
        [entry("embed.weight", [32, 8], dtype: dtype)], ["format": "pt", "lm_head.weight": "embed.weight"]),
      "model-00002-of-00002.safetensors": ([entry("layer.weight", [16, 8], start: 3, dtype: dtype)], ["format": "pt"]),
    ], index: """
      {"metadata": {"total_size": 1536},
       "weight_map": {"embed.weight": "model-00001-of-00002.safetensors",
                      "layer.weight": "model-00002-of-00002.safetensors",
                      "lm_head.weight": "model-00001-of-00002.safetensors"}}
      """)
  }

  @Test("a folder, its index or the index path load the same model; shards validated and mapped")
  func loadsShards() throws {
    let folder = try TemporaryFolder()
    let url = try Self.tiedCheckpoint(in: folder)
    for path in [url, url.appendingPathComponent(SafeTensorsCheckpoint.indexFileName)] {
      let model = try Model.load(safetensors: path)
      #expect(model.tensorNames == ["embed.weight", "layer.weight", "lm_head.weight"])
      #expect(model.ties == ["lm_head.weight": "embed.weight"])
      #expect(model.checkpoint?.shards.count == 2)
      #expect(model.file == nil)
      #expect(try model.tensor(named: "lm_head.weight") == model.tensor(named: "embed.weight"))
      #expect(try model.describe("layer.weight").shape == [16, 8])
      #expect(model.storageKey(of: "lm_head.weight") == model.storageKey(of: "embed.weight"))
      #expect(model.storageKey(of: "layer.weight") != model.storageKey(of: "embed.weight"))
      // Inferred types: the tie does not hide lm_head's module.
      #expect(model.tree.module(named: "lm_head")?.type == "torch.nn.modules.linear.Linear")
      #expect(model.tree.module(named: "embed")?.type == "torch.nn.modules.sparse.Embedding")
    }
    let files = try SafeTensorsCheckpoint.files(at: url)
    #expect(files.index?.lastPathComponent == SafeTensorsCheckpoint.indexFileName)
    #expect(files.shards.map(\.lastPathComponent) == ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"])
  }

  @Test("a single file: its save_model ties too; a folder holding model.safetensors loads it")
  func singleFileTies() throws {
    let folder = try TemporaryFolder()
    try SafeTensorsWriter(
      entries: [Self.entry("wte.weight", [8, 4])], metadata: ["format": "pt", "lm_head.weight": "wte.weight", "note": "x"]
    ).write(to: folder.url.appendingPathComponent("model.safetensors"))
    let model = try Model.load(safetensors: folder.url)
    #expect(model.tensorNames == ["wte.weight", "lm_head.weight"])
    #expect(model.ties == ["lm_head.weight": "wte.weight"])  // "note": "x" names no tensor
    #expect(model.file?.url.lastPathComponent == "model.safetensors")
  }

  @Test("a broken single file is named once, as before checkpoints")
  func brokenSingleFile() throws {
    let folder = try TemporaryFolder()
    let file = folder.url.appendingPathComponent("model.safetensors")
    try Data([1, 2, 3]).write(to: file)
    for url in [file, folder.url] {
      #expect(throws: ModelError(file: file.path, problem: "file is 3 bytes, too short for the 8-byte header length")) {
        try Model.load(safetensors: url)
      }
    }
  }

  struct Broken: Sendable, CustomTestStringConvertible {
    var name: String
    var shards: [String: [String]]  // file → tensor names
    var index: String?
    var garbage: [String] = []
    /// With `<dir>` for the folder path and `<index>` for the index's.
    var message: String
    var testDescription: String { name }
  }

  static let broken: [Broken] = [
    Broken(name: "folder without a checkpoint", shards: ["other.safetensors": ["a"]], index: nil,
           message: "<dir>: holds neither model.safetensors.index.json nor model.safetensors"),
    Broken(name: "index without weight_map", shards: [:], index: #"{"metadata": {}}"#,
           message: "<index>: is not a safetensors index: no 'weight_map' object"),
    Broken(name: "weight_map not an object", shards: [:], index: #"{"weight_map": []}"#,
           message: "<index>: is not a safetensors index: 'weight_map' is [], not an object"),
    Broken(name: "shard name not a string", shards: [:], index: #"{"weight_map": {"a": 3}}"#,
           message: "<index>: is not a safetensors index: weight_map value for 'a' is 3, not a shard file name"),
    Broken(name: "tensor listed twice", shards: ["s1.safetensors": ["a"], "s2.safetensors": ["a"]],
           index: #"{"weight_map": {"a": "s1.safetensors", "a": "s2.safetensors"}}"#,
           message: "<index>: weight_map lists tensor 'a' more than once"),
    Broken(name: "shard missing on disk", shards: ["s1.safetensors": ["a"]],
           index: #"{"weight_map": {"a": "s1.safetensors", "b": "gone.safetensors", "c": "gone.safetensors"}}"#,
           message: "<index>: shard <dir>/gone.safetensors (for 'b' and 1 more) does not exist"),
    Broken(name: "tensor missing from its shard", shards: ["s1.safetensors": ["a"], "s2.safetensors": ["b"]],
           index: #"{"weight_map": {"a": "s1.safetensors", "b": "s2.safetensors", "z": "s2.safetensors"}}"#,
           message: "<index>: tensor 'z' is mapped to <dir>/s2.safetensors, which has no tensor of that name"),
    Broken(name: "tensor in two shards", shards: ["s1.safetensors": ["a", "b"], "s2.safetensors": ["b", "c"]],
           index: #"{"weight_map": {"a": "s1.safetensors", "b": "s1.safetensors", "c": "s2.safetensors"}}"#,
           message: "<index>: tensor 'b' is in two shards: <dir>/s1.safetensors (as the index says) and <dir>/s2.safetensors"),
    Broken(name: "tensor the index does not list", shards: ["s1.safetensors": ["a", "extra"]],
           index: #"{"weight_map": {"a": "s1.safetensors"}}"#,
           message: "<index>: <dir>/s1.safetensors holds tensor 'extra', which weight_map does not list"),
    Broken(name: "shard that is not safetensors", shards: ["s1.safetensors": ["a"]],
           index: #"{"weight_map": {"a": "s1.safetensors", "b": "s2.safetensors"}}"#, garbage: ["s2.safetensors"],
           message: "<dir>/s2.safetensors: file is 3 bytes, too short for the 8-byte header length (a shard of <index>)"),
  ]

  @Test("index errors name the index and the shard at fault", arguments: broken)
  func indexErrors(_ c: Broken) throws {
    let folder = try TemporaryFolder()
    var shards: [String: ([SafeTensorsEntry], [String: String])] = [:]
    for (file, names) in c.shards { shards[file] = (names.map { Self.entry($0, [2, 2]) }, [:]) }
    let url = try Self.checkpoint(in: folder, shards: shards, index: c.index)
    for file in c.garbage { try Data([1, 2, 3]).write(to: folder.url.appendingPathComponent(file)) }
    let dir = folder.url.path
    let expected = c.message.replacingOccurrences(of: "<index>", with: dir + "/" + SafeTensorsCheckpoint.indexFileName)
      .replacingOccurrences(of: "<dir>", with: dir)
    #expect(throws: ModelError(file: nil, problem: expected)) { try Model.load(safetensors: url) }
  }

  @Test("tied weights are palettized once: under the first name a config selects")
  func tiesPalettizeOnce() throws {
    let folder = try TemporaryFolder()
    let model = try Model.load(safetensors: Self.tiedCheckpoint(in: folder))
    // Default config: Linear weights only, so lm_head (Linear) is palettized, embed is not.
    let linearOnly = try KMeansPalettizer(model: model, config: KMeansPalettizerConfig()).prepare(seed: 0)
    #expect(linearOnly.palettized.map(\.name) == ["layer.weight", "lm_head.weight"])
    #expect(linearOnly.warnings.isEmpty)
    // Selecting the embedding too: it comes first, lm_head is skipped as tied to it.
    let both = KMeansPalettizerConfig()
      .setModuleName("embed", ModuleKMeansPalettizerConfig(moduleStateSpec: ["weight": PalettizationSpec(nBits: 4)]))
    let result = try KMeansPalettizer(model: model, config: both).prepare(numWorkers: 2, seed: 0)
    #expect(result.palettized.map(\.name) == ["embed.weight", "layer.weight"])
    #expect(result.warnings == [
      "tensor 'lm_head.weight' skipped: tied to 'embed.weight' (one storage), which is palettized once under that name"
    ])
    // The export keeps the tie: one palettized copy, the other name an alias in __metadata__.
    let writer = try CompressedModelFile.writer(for: result, model: model)
    #expect(writer.metadata["lm_head.weight"] == "embed.weight")
    #expect(!writer.entries.contains { $0.name.hasPrefix("lm_head") })
    let plain = try CompressedModelFile.writer(for: linearOnly, model: model)
    #expect(plain.metadata["embed.weight"] == "lm_head.weight")
    #expect(!plain.entries.contains { $0.name == "embed.weight" })
  }

  @Test("bf16 shards palettize from their mapped bytes exactly as the same weights held in memory")
  func mappedHalfPrecisionMatchesMemory() throws {
    let folder = try TemporaryFolder()
    let model = try Model.load(safetensors: Self.tiedCheckpoint(in: folder, dtype: .bfloat16))
    let memory = try Model(
      tensors: [("embed.weight", model.tensor(named: "embed.weight")), ("layer.weight", model.tensor(named: "layer.weight"))],
      ties: ["lm_head.weight": "embed.weight"])
    for config in [KMeansPalettizerConfig(), KMeansPalettizerConfig.presets.w4(), KMeansPalettizerConfig.presets.w8()] {
      for fast in [true, false] {
        var fromFile = try KMeansPalettizer(model: model, config: config)
        var inMemory = try KMeansPalettizer(model: memory, config: config)
        for i in fromFile.plan.indices { fromFile.plan[i].options?.enableFastKMeansMode = fast }
        for i in inMemory.plan.indices { inMemory.plan[i].options?.enableFastKMeansMode = fast }
        let a = try fromFile.prepare(seed: 3)
        let b = try inMemory.prepare(seed: 3)
        #expect(a.palettized.map(\.name) == b.palettized.map(\.name))
        for (x, y) in zip(a.palettized, b.palettized) { #expect(x.result == y.result, "\(x.name)") }
      }
    }
  }

  @Test("sharded compressed output: shards within the limit, an index, and an exact reload")
  func shardedOutputRoundTrip() throws {
    let folder = try TemporaryFolder()
    let model = try Model.load(safetensors: Self.tiedCheckpoint(in: folder, dtype: .bfloat16))
    let result = try KMeansPalettizer(model: model, config: KMeansPalettizerConfig.presets.w4(axis: 0, groupSize: 8)).prepare(seed: 0)
    let out = folder.url.appendingPathComponent("out/c.safetensors")
    try FileManager.default.createDirectory(at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
    // Below the limit: one plain file.
    #expect(try CompressedModelFile.writeCheckpoint(result, model: model, to: out) == [out])
    // A 200-byte limit splits the output: layer (indices 64 B + LUT 64 B) and lm_head (128 + 128 B).
    let written = try CompressedModelFile.writeCheckpoint(result, model: model, to: out, maxShardBytes: 200)
    #expect(written.map(\.lastPathComponent) == ["c-00001-of-00002.safetensors", "c-00002-of-00002.safetensors", "c.safetensors.index.json"])
    for shard in written.dropLast() {
      let file = try SafeTensorsFile(contentsOf: shard)
      #expect(file.metadata["format"] == CompressedModelFile.formatName)
      #expect(file.tensorInfos.reduce(0) { $0 + $1.byteCount } <= 256)  // a single larger tensor gets its own shard
    }
    for url in [written[2], out] {
      let reloaded = try CompressedModelFile.loadCheckpoint(url)
      #expect(Set(reloaded.palettized.keys) == ["layer.weight", "lm_head.weight"])
      for (name, r) in result.palettized {
        let back = try #require(reloaded.palettized[name])
        #expect(back.lut == r.lut && back.indices == r.indices && back.layout == r.layout)
        #expect(back.reconstruct() == r.reconstruct())
      }
      #expect(reloaded.ties == ["embed.weight": "lm_head.weight"])
      #expect(reloaded.passthrough.isEmpty)
    }
  }
}
