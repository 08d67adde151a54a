import Foundation
import Palettization

extension Experiment {
  /// The keys an experiment file may hold.
  static let keys: Set<String> = [
    "name", "model", "config", "sweep", "seeds", "workers", "generator", "output", "sensitivities",
    "evaluate",
  ]

  /// Preset names `config` may give.
  public static let presetNames = ["default", "w4", "w6", "w8"]

  /// Reads and validates the experiment file at `url`.
  /// - Throws: ``ExperimentError`` naming the file, the key path and the problem.
  public static func load(contentsOf url: URL) throws(ExperimentError) -> Experiment {
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
      throw ExperimentError(file: url.path, keyPath: "", problem: "cannot be read: \(error.localizedDescription)")
    }
    return try parse(data, file: url)
  }

  /// Parses experiment JSON `data` as if read from `file` (relative paths resolve against its folder).
  public static func parse(_ data: Data, file: URL) throws(ExperimentError) -> Experiment {
    let root = try JSONNode.parse(data, file: file.path)
    let fields = try root.object(allowed: keys)
    let folder = file.deletingLastPathComponent()
    func required(_ key: String) throws(ExperimentError) -> JSONNode {
      guard let node = fields[key] else { throw root.fail("is missing the required key '\(key)'") }
      return node
    }
    func path(_ node: JSONNode) throws(ExperimentError) -> URL {
      let text = try node.string()
      guard !text.isEmpty else { throw node.fail("must be a non-empty path") }
      return URL(fileURLWithPath: text, relativeTo: folder).standardizedFileURL
    }

    let nameNode = try required("name")
    let name = try nameNode.string()
    guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
      throw nameNode.fail("must be a non-empty file-name-safe string (letters, digits, - _ .), found \(nameNode.rendered)")
    }

    let model = try parseModel(required("model"), path: path)
    let config = try parseConfig(required("config"), path: path)
    let sensitivities = try fields["sensitivities"].flatMap { node throws(ExperimentError) in
      try parseSensitivities(node, model: model, path: path)
    }

    var grids: [SweepGrid] = [SweepGrid(axes: [])]
    if let sweep = fields["sweep"] {
      let list = (sweep.raw is [Any]) ? try sweep.array() : [sweep]
      guard !list.isEmpty else { throw sweep.fail("must hold at least one grid") }
      grids = []
      for grid in list { grids.append(try parseGrid(grid, sensitivities: sensitivities)) }
    }

    var seeds: [UInt64]?
    if let node = fields["seeds"], !node.isNull {
      let list = try node.array()
      guard !list.isEmpty else { throw node.fail("must list at least one seed (or be omitted to draw one)") }
      var parsed: [UInt64] = []
      for item in list { parsed.append(try item.seed()) }
      seeds = parsed
    }

    var workers = [1]
    if let node = fields["workers"] {
      workers = []
      for item in try node.array() {
        let w = try item.int()
        guard (1...256).contains(w) else { throw item.fail("must be a worker count in 1...256, found \(w)") }
        workers.append(w)
      }
      guard !workers.isEmpty else { throw node.fail("must list at least one worker count") }
    }

    var generator = "mt19937"
    if let node = fields["generator"] {
      generator = try node.string()
      let available = GSLRandom.availableGenerators
      guard available.contains(generator) else {
        throw node.fail("\"\(generator)\" is not a GSL generator; available: \(available.joined(separator: ", "))")
      }
    }

    let output = try path(required("output"))
    guard output.pathExtension.lowercased() == "csv" else {
      throw fields["output"]!.fail("must name a .csv file, found \(fields["output"]!.rendered)")
    }
    let evaluation = try fields["evaluate"].map { node throws(ExperimentError) in
      try parseEvaluation(node, model: model, path: path)
    }

    return Experiment(
      name: name, model: model, config: config, grids: grids, seeds: seeds, workers: workers,
      generator: generator, output: output, sensitivities: sensitivities, embeddingEvaluation: evaluation,
      file: file, content: data)
  }

  private static func parseModel(
    _ node: JSONNode, path: (JSONNode) throws(ExperimentError) -> URL
  ) throws(ExperimentError) -> ModelSource {
    let fields = try node.object(allowed: ["safetensors", "modules", "synthetic", "synth"])
    let sources = ["safetensors", "synthetic", "synth"].filter { fields[$0] != nil }
    guard sources.count <= 1 else {
      throw node.fail("must give one of 'safetensors', 'synthetic' or 'synth', not \(sources.map { "'\($0)'" }.joined(separator: " and "))")
    }
    let modules = try fields["modules"].flatMap { m throws(ExperimentError) in m.isNull ? nil : try path(m) }
    if let file = fields["safetensors"] {
      return .safetensors(try path(file), modules: modules)
    }
    if let synth = fields["synth"] {
      return .synthesizedCheckpoint(try parseSynth(synth, path: path), modules: modules)
    }
    guard let synthetic = fields["synthetic"] else {
      throw node.fail("must give 'safetensors' (a checkpoint path), 'synthetic' (layers to generate) or 'synth' (a checkpoint to synthesise)")
    }
    if fields["modules"] != nil { throw node.fail("'modules' only goes with 'safetensors' or 'synth'") }
    let spec = try synthetic.object(allowed: ["seed", "layers"])
    let seed = try spec["seed"].map { s throws(ExperimentError) in try s.seed() } ?? 0
    guard let layersNode = spec["layers"] else { throw synthetic.fail("is missing the required key 'layers'") }
    var layers: [SyntheticLayer] = []
    var names = Set<String>()
    for layerNode in try layersNode.array() {
      let layer = try layerNode.object(allowed: ["name", "type", "shape", "distribution"])
      guard let n = layer["name"], let t = layer["type"], let s = layer["shape"], let d = layer["distribution"] else {
        throw layerNode.fail("must have 'name', 'type', 'shape' and 'distribution'")
      }
      let name = try n.string()
      guard !name.isEmpty, names.insert(name).inserted else { throw n.fail("must be a unique non-empty module name, found \(n.rendered)") }
      let type = try t.string()
      guard type.contains(".") else { throw t.fail("must be a fully-qualified type such as torch.nn.modules.linear.Linear, found \(t.rendered)") }
      var shape: [Int] = []
      for dim in try s.array() {
        let v = try dim.int()
        guard v >= 1 else { throw dim.fail("must be a positive dimension, found \(v)") }
        shape.append(v)
      }
      guard !shape.isEmpty, shape.reduce(1, *) <= 1 << 28 else {
        throw s.fail("must have 1 or more dimensions and at most 2^28 elements, found \(s.rendered)")
      }
      layers.append(SyntheticLayer(name: name, type: type, shape: shape, distribution: try parseDistribution(d)))
    }
    guard !layers.isEmpty else { throw layersNode.fail("must list at least one layer") }
    return .synthetic(SyntheticModel(seed: seed, layers: layers))
  }

  /// `{"preset": "tiny", "dtype": "bf16", "shards": 3, "seed": 7, "folder": "../models/synth/tiny"}`.
  private static func parseSynth(
    _ node: JSONNode, path: (JSONNode) throws(ExperimentError) -> URL
  ) throws(ExperimentError) -> SynthesizedCheckpoint {
    let fields = try node.object(allowed: ["preset", "dtype", "shards", "seed", "folder", "tie_embeddings"])
    guard let presetNode = fields["preset"], let folderNode = fields["folder"] else {
      throw node.fail("must have 'preset' (\(SynthPreset.all.map(\.name).joined(separator: ", "))) and 'folder'")
    }
    guard var preset = SynthPreset.named(try presetNode.string()) else {
      throw presetNode.fail("must be one of \(SynthPreset.all.map(\.name).joined(separator: ", ")), found \(presetNode.rendered)")
    }
    if let tie = fields["tie_embeddings"] { preset.tieEmbeddings = try tie.bool() }
    let dtypes: [String: WeightDType] = ["bf16": .bfloat16, "fp16": .float16, "fp32": .float32]
    var dtype = WeightDType.bfloat16
    if let d = fields["dtype"] {
      guard let parsed = dtypes[try d.string()] else { throw d.fail("must be bf16, fp16 or fp32, found \(d.rendered)") }
      dtype = parsed
    }
    var shards = 1
    if let n = fields["shards"] {
      shards = try n.int()
      guard (1...999).contains(shards) else { throw n.fail("must be a shard count in 1...999, found \(shards)") }
    }
    let seed = try fields["seed"].map { s throws(ExperimentError) in try s.seed() } ?? 0
    return SynthesizedCheckpoint(preset: preset, dtype: dtype, shards: shards, seed: seed, folder: try path(folderNode))
  }

  private static func parseDistribution(_ node: JSONNode) throws(ExperimentError) -> Distribution {
    let fields = try node.object(allowed: ["type", "sigma", "scale", "nu"])
    guard let typeNode = fields["type"] else { throw node.fail("is missing 'type' (gaussian, laplace or student_t)") }
    func positive(_ key: String) throws(ExperimentError) -> Double {
      guard let n = fields[key] else { throw node.fail("is missing '\(key)'") }
      let v = try n.double()
      guard v > 0, v.isFinite else { throw n.fail("must be a positive number, found \(n.rendered)") }
      return v
    }
    func reject(_ keys: [String]) throws(ExperimentError) {
      for key in keys where fields[key] != nil {
        throw node.fail("has '\(key)', which \(try typeNode.string()) does not take")
      }
    }
    switch try typeNode.string() {
    case "gaussian":
      try reject(["scale", "nu"])
      return .gaussian(sigma: try positive("sigma"))
    case "laplace":
      try reject(["sigma", "nu"])
      return .laplace(scale: try positive("scale"))
    case "student_t":
      try reject(["sigma"])
      return .studentT(nu: try positive("nu"), scale: fields["scale"] == nil ? 1 : try positive("scale"))
    default:
      throw typeNode.fail("must be one of gaussian, laplace, student_t, found \(typeNode.rendered)")
    }
  }

  private static func parseConfig(
    _ node: JSONNode, path: (JSONNode) throws(ExperimentError) -> URL
  ) throws(ExperimentError) -> ConfigSource {
    if let text = node.raw as? String {
      if presetNames.contains(text) { return .preset(text) }
      let url = try path(node)
      guard ["yaml", "yml", "json"].contains(url.pathExtension.lowercased()) else {
        throw node.fail("must be a preset (\(presetNames.joined(separator: ", "))), a .yaml/.yml/.json config path, or an inline config object; found \(node.rendered)")
      }
      return .file(url)
    }
    guard node.raw is [String: Any] else {
      throw node.fail("must be a preset name, a config file path or an inline config object, found \(node.rendered)")
    }
    let data: Data
    do { data = try JSONSerialization.data(withJSONObject: node.raw, options: [.sortedKeys]) } catch {
      throw node.fail("cannot be serialised: \(error)")
    }
    return .inline(String(decoding: data, as: UTF8.self))
  }

  private static func parseGrid(_ node: JSONNode, sensitivities: SensitivitiesSource?) throws(ExperimentError) -> SweepGrid {
    let fields = try node.object(allowed: Set(SweepField.allCases.map(\.rawValue)))
    var axes: [(field: SweepField, values: [SweepValue])] = []
    for field in SweepField.allCases {
      guard let list = fields[field.rawValue] else { continue }
      let items = try list.array()
      guard !items.isEmpty else { throw list.fail("must list at least one value") }
      var values: [SweepValue] = []
      for item in items {
        values.append(field == .sensitivity
          ? try parseSensitivityValue(item, sensitivities: sensitivities) : try parseValue(item, field: field))
      }
      axes.append((field, values))
    }
    return SweepGrid(axes: axes)
  }

  private static func parseValue(_ node: JSONNode, field: SweepField) throws(ExperimentError) -> SweepValue {
    switch field {
    case .nBits:
      let v = try node.int()
      guard PalettizationSpec.allowedBits.contains(v) else { throw node.fail("\(v) is not one of 1, 2, 3, 4, 6, 8") }
      return .int(v)
    case .clusterDim:
      let v = try node.int()
      guard v >= 1 else { throw node.fail("must be at least 1, found \(v)") }
      return .int(v)
    case .roundingPrecision:
      let v = try node.int()
      guard (0...10).contains(v) else { throw node.fail("must be in 0...10, found \(v)") }
      return .int(v)
    case .enablePerChannelScale, .enableFastKMeansMode:
      return .bool(try node.bool())
    case .granularity:
      if let text = node.raw as? String, text == "per_tensor" { return .granularity(.perTensor) }
      let g = try node.object(allowed: ["type", "axis", "group_size"])
      let type = try g["type"].map { t throws(ExperimentError) in try t.string() }
      switch type {
      case "per_tensor":
        guard g.count == 1 else { throw node.fail("per_tensor takes no other keys") }
        return .granularity(.perTensor)
      case "per_grouped_channel":
        guard let sizeNode = g["group_size"] else { throw node.fail("is missing 'group_size'") }
        let size = try sizeNode.int()
        guard size > 0 else { throw sizeNode.fail("must be positive, found \(size)") }
        var axis: Int?
        if let a = g["axis"], !a.isNull {
          axis = try a.int()
          guard axis == 0 || axis == 1 else { throw a.fail("must be 0 or 1, found \(a.rendered)") }
        }
        return .granularity(.perGroupedChannel(axis: axis, groupSize: size))
      default:
        throw node.fail("must have type per_tensor or per_grouped_channel, found \(g["type"]?.rendered ?? "none")")
      }
    case .lutQSpec:
      if node.isNull { return .lutQSpec(nil) }
      let q = try node.object(allowed: ["dtype", "qscheme"])
      guard let dtypeNode = q["dtype"] else { throw node.fail("is missing 'dtype'") }
      guard let dtype = QuantizationSpec.DType(rawValue: try dtypeNode.string()) else {
        throw dtypeNode.fail("must be one of \(QuantizationSpec.DType.allCases.map(\.rawValue).joined(separator: ", ")), found \(dtypeNode.rendered)")
      }
      var scheme = QuantizationSpec.QScheme.symmetric
      if let s = q["qscheme"] {
        guard let parsed = QuantizationSpec.QScheme(rawValue: try s.string()) else {
          throw s.fail("must be symmetric or asymmetric, found \(s.rendered)")
        }
        scheme = parsed
      }
      return .lutQSpec(QuantizationSpec(dtype: dtype, qscheme: scheme))
    case .sparsityDetectionThreshold:
      if node.isNull { return .threshold(nil) }
      let v = try node.double()
      guard (0...1).contains(v) else { throw node.fail("must be in [0, 1] or null, found \(node.rendered)") }
      return .threshold(v)
    case .prune:
      return .pruning(node.isNull ? nil : try node.pruningSpec())
    case .sensitivity:
      preconditionFailure("sensitivity values are parsed by parseSensitivityValue(_:sensitivities:)")
    }
  }
}
