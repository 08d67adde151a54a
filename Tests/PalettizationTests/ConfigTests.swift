import Foundation
import Testing
@testable import Palettization

/// The seed document's two YAML examples, verbatim.
enum SeedYAML {
  static let globalW4LinearW8 = """
    kmeans_palettization_config:
      global_config:
        op_state_spec:
          weight:
            n_bits: 4
            granularity: { type: per_grouped_channel, axis: 0, group_size: 16 }
      module_type_configs:
        torch.nn.modules.linear.Linear:
          op_state_spec:
            weight:
              n_bits: 8
              granularity: { type: per_tensor }
    """

  static let convW4LinearW8Only = """
    kmeans_palettization_config:
      module_type_configs:
        torch.nn.modules.linear.Linear:
          op_state_spec:
            weight:
              n_bits: 8
              granularity: { type: per_tensor }
        torch.nn.modules.conv.Conv2d:
          op_state_spec:
            weight:
              n_bits: 4
              granularity: { type: per_tensor }
    """
}

let linearType = "torch.nn.modules.linear.Linear"
let conv2dType = "torch.nn.modules.conv.Conv2d"

@Suite("Config API: defaults, presets, setters, seed examples, round trips")
struct ConfigTests {
  @Test("KMeansPalettizerConfig() == (globalConfig: ModuleKMeansPalettizerConfig()) == explicit op_state_spec form")
  func defaultsAreEquivalent() throws {
    let explicit = KMeansPalettizerConfig(
      globalConfig: ModuleKMeansPalettizerConfig(opStateSpec: [
        "weight": defaultWeightPalettizationSpec(),
        "in_proj_weight": defaultWeightPalettizationSpec(),
      ]))
    #expect(KMeansPalettizerConfig() == KMeansPalettizerConfig(globalConfig: ModuleKMeansPalettizerConfig()))
    #expect(KMeansPalettizerConfig() == explicit)
    #expect(OpKMeansPalettizerConfig() == OpKMeansPalettizerConfig(opStateSpec: [
      "weight": PalettizationSpec(nBits: 4, granularity: .perTensor, clusterDim: 1),
      "in_proj_weight": PalettizationSpec(nBits: 4, granularity: .perTensor, clusterDim: 1),
    ]))
    // The no-argument global config, spelled out field by field.
    let global = try #require(KMeansPalettizerConfig().globalConfig)
    #expect(global.opTypeConfig.isEmpty && global.opNameConfig.isEmpty && global.moduleStateSpec.isEmpty)
    #expect(global.enableFastKMeansMode == true && global.roundingPrecision == 4 && global.vectorKMeansConfig == nil)
    // An empty document body is the default config too.
    #expect(try KMeansPalettizerConfig.load(yaml: "kmeans_palettization_config:\n") == KMeansPalettizerConfig())
    #expect(try KMeansPalettizerConfig.load(json: #"{"kmeans_palettization_config": {}}"#) == KMeansPalettizerConfig())
  }

  @Test("a config given only type configs has no global config; global_config: null disables it")
  func absentGlobalIsNone() throws {
    let typed = KMeansPalettizerConfig(moduleTypeConfigs: [linearType: ModuleKMeansPalettizerConfig()])
    #expect(typed.globalConfig == nil)
    let yaml = try KMeansPalettizerConfig.load(yaml: "kmeans_palettization_config:\n  global_config: null\n")
    #expect(yaml == KMeansPalettizerConfig(globalConfig: nil))
    #expect(yaml != KMeansPalettizerConfig())
  }

  @Test("presets have the documented specs on weight and in_proj_weight")
  func presets() {
    func module(_ spec: PalettizationSpec) -> ModuleKMeansPalettizerConfig {
      ModuleKMeansPalettizerConfig(opStateSpec: ["weight": spec, "in_proj_weight": spec])
    }
    let w4 = PalettizationSpec(nBits: 4, granularity: .perGroupedChannel(axis: 0, groupSize: 16))
    let w6 = PalettizationSpec(nBits: 6, granularity: .perGroupedChannel(axis: 0, groupSize: 16))
    let w6axis1 = PalettizationSpec(nBits: 6, granularity: .perGroupedChannel(axis: 1, groupSize: 32))
    let w8 = PalettizationSpec(nBits: 8, granularity: .perTensor)
    #expect(ModuleKMeansPalettizerConfig.presets.w4() == module(w4))
    #expect(ModuleKMeansPalettizerConfig.presets.w6() == module(w6))
    #expect(ModuleKMeansPalettizerConfig.presets.w6(axis: 1, groupSize: 32) == module(w6axis1))
    #expect(ModuleKMeansPalettizerConfig.presets.w8() == module(w8))
    #expect(KMeansPalettizerConfig.presets.w4() == KMeansPalettizerConfig(globalConfig: module(w4)))
    #expect(KMeansPalettizerConfig.presets.w6() == KMeansPalettizerConfig(globalConfig: module(w6)))
    #expect(KMeansPalettizerConfig.presets.w8() == KMeansPalettizerConfig(globalConfig: module(w8)))
  }

  @Test("seed example 1 in Swift (preset + setModuleType) equals its YAML twin, up to in_proj_weight")
  func seedExampleOneTwin() throws {
    let programmatic = KMeansPalettizerConfig.presets.w4()
      .setModuleType(linearType, ModuleKMeansPalettizerConfig.presets.w8())
    var loaded = try KMeansPalettizerConfig.load(yaml: SeedYAML.globalW4LinearW8)
    #expect(loaded != programmatic)
    // The seed's YAML lists only `weight`; the presets also cover `in_proj_weight`.
    loaded.globalConfig?.opStateSpec?["in_proj_weight"] =
      PalettizationSpec(nBits: 4, granularity: .perGroupedChannel(axis: 0, groupSize: 16))
    loaded.moduleTypeConfigs[linearType]??.opStateSpec?["in_proj_weight"] = PalettizationSpec(nBits: 8)
    #expect(loaded == programmatic)
  }

  @Test("seed example 2 in Swift (explicit module_type_configs) equals its YAML twin")
  func seedExampleTwoTwin() throws {
    let programmatic = KMeansPalettizerConfig(moduleTypeConfigs: [
      linearType: ModuleKMeansPalettizerConfig(opStateSpec: ["weight": PalettizationSpec(nBits: 8)]),
      conv2dType: ModuleKMeansPalettizerConfig(opStateSpec: ["weight": PalettizationSpec(nBits: 4)]),
    ])
    #expect(try KMeansPalettizerConfig.load(yaml: SeedYAML.convW4LinearW8Only) == programmatic)
  }

  @Test("setters chain and return modified copies; onlyFor and without")
  func setters() {
    let w8 = ModuleKMeansPalettizerConfig.presets.w8()
    let chained = KMeansPalettizerConfig()
      .setGlobal(nil)
      .setModuleType(linearType, w8)
      .setModuleName("enc", nil)
      .setModuleName("dec", w8)
      .setModuleName("enc", w8)  // existing key keeps its position
    #expect(chained.globalConfig == nil)
    #expect(chained.moduleTypeConfigs == [linearType: w8])
    #expect(Array(chained.moduleNameConfigs.keys) == ["enc", "dec"])
    #expect(chained.moduleNameConfigs["enc"] == .some(w8))

    let w4 = ModuleKMeansPalettizerConfig.presets.w4()
    let only = KMeansPalettizerConfig.presets.w4()
      .setModuleType(linearType, w8)
      .onlyFor(types: [linearType, conv2dType], names: ["head"])
    #expect(only == KMeansPalettizerConfig(
      globalConfig: nil,
      moduleTypeConfigs: [linearType: w8, conv2dType: w4],  // Linear keeps its own entry
      moduleNameConfigs: ["head": w4]))

    let without = KMeansPalettizerConfig()
      .setModuleName("a", w8).setModuleName("b", w8)
      .without(types: [conv2dType], names: ["a"])
    #expect(without.globalConfig == ModuleKMeansPalettizerConfig())
    #expect(without.moduleTypeConfigs == [conv2dType: nil])
    #expect(Array(without.moduleNameConfigs.keys) == ["b", "a"])  // re-placed last: it wins
    #expect(without.moduleNameConfigs["a"] == .some(nil))
  }

  /// A config that sets every field of every level, with awkward keys.
  static let everyField: KMeansPalettizerConfig = {
    let vector = PalettizationSpec(
      nBits: 3, granularity: .perGroupedChannel(axis: 1, groupSize: 8), clusterDim: 2,
      lutQSpec: QuantizationSpec(dtype: .float8E5M2, qscheme: .symmetric), enablePerChannelScale: true)
    let scalar = PalettizationSpec(
      nBits: 6, granularity: .perGroupedChannel(axis: nil, groupSize: 4),
      lutQSpec: QuantizationSpec(dtype: .uint8, qscheme: .asymmetric), sparsityDetectionThreshold: 0.3)
    let module = ModuleKMeansPalettizerConfig(
      opStateSpec: ["weight": vector, "*": nil, "in_proj_weight": scalar],
      opTypeConfig: ["linear": OpKMeansPalettizerConfig(opStateSpec: nil), "conv2d": nil,
                     "conv_transpose1d": OpKMeansPalettizerConfig()],
      opNameConfig: ["linear_\\d+": OpKMeansPalettizerConfig(opStateSpec: ["w": scalar]), "a": nil,
                     "": OpKMeansPalettizerConfig()],
      moduleStateSpec: ["table": scalar, "null": nil, "true": PalettizationSpec(nBits: 1)],
      enableFastKMeansMode: false, roundingPrecision: 7,
      vectorKMeansConfig: VectorKMeansConfig(nLocalTrials: 3, nInit: 2, maxIter: 50, tol: 1e-10))
    return KMeansPalettizerConfig(
      globalConfig: ModuleKMeansPalettizerConfig(
        opStateSpec: ["weight": PalettizationSpec(nBits: 2, sparsityDetectionThreshold: 0)], roundingPrecision: 0),
      moduleTypeConfigs: ["mypkg.Block": module, "torch.nn.modules.sparse.Embedding": nil],
      moduleNameConfigs: ["z.*": module, "enc\\.layers\\.[0-9]+": nil, "a \"quoted\"\tkey: #1": module,
                          "": ModuleKMeansPalettizerConfig(opStateSpec: nil)])
  }()

  static let roundTripCases: [(String, KMeansPalettizerConfig)] = [
    ("default", KMeansPalettizerConfig()),
    ("no global", KMeansPalettizerConfig(globalConfig: nil)),
    ("w4", KMeansPalettizerConfig.presets.w4()),
    ("w6", KMeansPalettizerConfig.presets.w6(axis: nil, groupSize: 32)),
    ("w8", KMeansPalettizerConfig.presets.w8()),
    ("every field", everyField),
  ]

  @Test("yamlString / jsonString → load gives an equal config", arguments: roundTripCases)
  func stringRoundTrip(name: String, config: KMeansPalettizerConfig) throws {
    try config.validate()
    #expect(try KMeansPalettizerConfig.load(yaml: config.yamlString()) == config)
    #expect(try KMeansPalettizerConfig.load(json: config.jsonString()) == config)
    // Deterministic text: loading and writing again gives the same bytes.
    #expect(try KMeansPalettizerConfig.load(yaml: config.yamlString()).yamlString() == config.yamlString())
    #expect(try KMeansPalettizerConfig.load(json: config.jsonString()).jsonString() == config.jsonString())
  }

  @Test("save(to:) → load(contentsOf:) gives an equal config, for .yaml, .yml, .json", arguments: roundTripCases)
  func fileRoundTrip(name: String, config: KMeansPalettizerConfig) throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("palettelab-config-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    for file in ["c.yaml", "c.yml", "c.json"] {
      let url = folder.appendingPathComponent(file)
      try config.save(to: url)
      try config.save(to: url)  // replacing an existing file
      #expect(try KMeansPalettizerConfig.load(contentsOf: url) == config)
    }
    // Only the three files: no temporary file left behind.
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["c.json", "c.yaml", "c.yml"])
  }

  @Test("YAML output follows the seed's layout")
  func yamlLayout() throws {
    let config = KMeansPalettizerConfig(moduleTypeConfigs: [
      linearType: ModuleKMeansPalettizerConfig(opStateSpec: ["weight": PalettizationSpec(nBits: 8)]),
    ])
    #expect(config.yamlString() == """
      kmeans_palettization_config:
        global_config: null
        module_type_configs:
          torch.nn.modules.linear.Linear:
            op_state_spec:
              weight:
                n_bits: 8
                granularity: {type: per_tensor}
                cluster_dim: 1
                enable_per_channel_scale: false
            enable_fast_kmeans_mode: true
            rounding_precision: 4

      """)
  }

  @Test("the order of regular-expression keys survives YAML and JSON")
  func keyOrderKept() throws {
    let yaml = try KMeansPalettizerConfig.load(yaml: """
      kmeans_palettization_config:
        module_name_configs:
          zeta: {}
          alpha: null
          mid: {}
      """)
    #expect(Array(yaml.moduleNameConfigs.keys) == ["zeta", "alpha", "mid"])
    let json = try KMeansPalettizerConfig.load(json: """
      {"kmeans_palettization_config": {"module_name_configs": {"zeta": {}, "alpha": null, "mid": {}}}}
      """)
    #expect(json == yaml)
  }

  @Test("JSON string escapes, including surrogate pairs, read to the right key and round-trip")
  func jsonEscapes() throws {
    let config = try KMeansPalettizerConfig.load(json: #"""
      {"kmeans_palettization_config": {"module_name_configs": {"caf\u00e9\/\ud83d\ude00\n": null}}}
      """#)
    #expect(Array(config.moduleNameConfigs.keys) == ["café/😀\n"])
    #expect(try KMeansPalettizerConfig.load(yaml: config.yamlString()) == config)
    #expect(try KMeansPalettizerConfig.load(json: config.jsonString()) == config)
  }

  @Test("files: format by extension, else by content; errors name the file")
  func fileFormats() throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("palettelab-config-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let json = folder.appendingPathComponent("config.txt")
    try Data(KMeansPalettizerConfig.presets.w8().jsonString().utf8).write(to: json)
    #expect(try KMeansPalettizerConfig.load(contentsOf: json) == KMeansPalettizerConfig.presets.w8())
    let bad = folder.appendingPathComponent("bad.yaml")
    try Data("kmeans_palettization_config:\n  global_config:\n    rounding_precision: -1\n".utf8).write(to: bad)
    #expect(throws: ConfigError(
      file: bad.path, keyPath: "global_config.rounding_precision", value: "-1", problem: "must be at least 0")) {
      try KMeansPalettizerConfig.load(contentsOf: bad)
    }
    let missing = folder.appendingPathComponent("missing.yaml")
    #expect {
      try KMeansPalettizerConfig.load(contentsOf: missing)
    } throws: { error in
      "\(error)".hasPrefix("\(missing.path): cannot be read as UTF-8 text")
    }
  }

  @Test("Codable embeds a config body through JSONEncoder / JSONDecoder, strictly")
  func codable() throws {
    // JSONEncoder does not keep key order, so at most one regular-expression key per map.
    var module = try #require(ConfigTests.everyField.moduleTypeConfigs["mypkg.Block"] ?? nil)
    module.opNameConfig = ["linear_\\d+": OpKMeansPalettizerConfig()]
    let config = KMeansPalettizerConfig.presets.w4()
      .setModuleType("mypkg.Block", module)
      .setModuleName("enc", nil)
    let data = try JSONEncoder().encode(config)
    #expect(try JSONDecoder().decode(KMeansPalettizerConfig.self, from: data) == config)
    #expect(try JSONDecoder().decode(ModuleKMeansPalettizerConfig.self, from: JSONEncoder().encode(module)) == module)
    #expect(throws: ConfigError(
      keyPath: "global_config.op_state_spec.weight.n_bits", value: "5", problem: "is not one of 1, 2, 3, 4, 6, 8")) {
      try JSONDecoder().decode(
        KMeansPalettizerConfig.self,
        from: Data(#"{"global_config": {"op_state_spec": {"weight": {"n_bits": 5}}}}"#.utf8))
    }
  }
}
