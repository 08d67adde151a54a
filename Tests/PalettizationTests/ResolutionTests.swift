import Testing
@testable import Palettization

/// Expected outcome of one tensor: spec, decision and reason, written out by hand.
struct ExpectedRow {
  let name: String
  let spec: PalettizationSpec?
  let decision: ResolvedTensor.Decision
  let reason: String
}

private func bits(_ n: Int) -> PalettizationSpec { PalettizationSpec(nBits: n) }

@Suite("Resolution: module tree, precedence, inheritance, reasons")
struct ResolutionTests {
  /// The seed examples' tree: a custom parent holding a Conv2d, two Linears and a LayerNorm.
  static func smallTree() throws -> ModuleTree {
    try ModuleTree(modules: [
      ModuleNode(name: "", type: "mypkg.Net", states: []),
      ModuleNode(name: "block", type: "mypkg.Block", states: []),
      ModuleNode(name: "block.conv", type: conv2dType, states: ["weight", "bias"]),
      ModuleNode(name: "block.fc1", type: linearType, states: ["weight", "bias"]),
      ModuleNode(name: "block.fc2", type: linearType, states: ["weight", "bias"]),
      ModuleNode(name: "block.norm", type: "torch.nn.modules.normalization.LayerNorm", states: ["weight", "bias"]),
    ])
  }

  static func specs(_ rows: [ResolvedTensor]) -> [String: PalettizationSpec] {
    Dictionary(uniqueKeysWithValues: rows.compactMap { row in row.spec.map { (row.name, $0) } })
  }

  @Test("seed YAML example 1: conv 4-bit grouped (group 16), linears 8-bit per-tensor, nothing else")
  func seedExampleOne() throws {
    let rows = try KMeansPalettizerConfig.load(yaml: SeedYAML.globalW4LinearW8).resolve(Self.smallTree())
    #expect(rows.map(\.name) == [
      "block.conv.weight", "block.conv.bias", "block.fc1.weight", "block.fc1.bias",
      "block.fc2.weight", "block.fc2.bias", "block.norm.weight", "block.norm.bias",
    ])
    let grouped = PalettizationSpec(nBits: 4, granularity: .perGroupedChannel(axis: 0, groupSize: 16))
    #expect(Self.specs(rows) == [
      "block.conv.weight": grouped,
      "block.fc1.weight": PalettizationSpec(nBits: 8, granularity: .perTensor),
      "block.fc2.weight": PalettizationSpec(nBits: 8, granularity: .perTensor),
    ])
    let fc1 = try #require(rows.first { $0.name == "block.fc1.weight" })
    #expect(fc1.reason == #"module_type_configs["torch.nn.modules.linear.Linear"].op_state_spec.weight (op linear)"#)
    #expect(fc1.options == ClusteringOptions())
    #expect(fc1.op == OpInfo(name: "linear", type: "linear", states: ["weight", "bias"]))
    let norm = try #require(rows.first { $0.name == "block.norm.weight" })
    #expect(norm.decision == .init(moduleLevel: .global, skip: .noConsumingOp))
    // The preset-built twin resolves identically on this tree (no in_proj_weight anywhere).
    let programmatic = KMeansPalettizerConfig.presets.w4()
      .setModuleType(linearType, ModuleKMeansPalettizerConfig.presets.w8())
    #expect(try programmatic.resolve(Self.smallTree()).map(\.spec) == rows.map(\.spec))
  }

  @Test("seed YAML example 2: conv 4-bit, linears 8-bit, unlisted modules skipped for lack of a global config")
  func seedExampleTwo() throws {
    let rows = try KMeansPalettizerConfig.load(yaml: SeedYAML.convW4LinearW8Only).resolve(Self.smallTree())
    #expect(Self.specs(rows) == [
      "block.conv.weight": bits(4), "block.fc1.weight": bits(8), "block.fc2.weight": bits(8),
    ])
    let norm = try #require(rows.first { $0.name == "block.norm.weight" })
    #expect(norm.decision == .init(moduleLevel: .none, skip: .noModuleConfig))
    #expect(norm.reason == "skipped: no global_config, and no module_type_configs or module_name_configs "
      + "entry matches the module or an ancestor")
  }

  // MARK: - Precedence table

  static let linear = OpInfo(name: "linear", type: "linear", states: ["weight", "bias"])
  static let mha = OpInfo(
    name: "multi_head_attention_forward", type: "multi_head_attention_forward",
    states: ["in_proj_weight", "in_proj_bias", "q_proj_weight", "k_proj_weight", "v_proj_weight", "bias_k", "bias_v"])
  static let encOps = [
    OpInfo(name: "linear", type: "linear", states: ["w1"]),
    OpInfo(name: "linear_1", type: "linear", states: ["w2"]),
    OpInfo(name: "bmm", type: "bmm", states: ["w3"]),
    OpInfo(name: "matmul", type: "matmul", states: ["table"]),
  ]

  static func precedenceTree() throws -> ModuleTree {
    try ModuleTree(modules: [
      ModuleNode(name: "", type: "mypkg.Net", states: ["scale"]),
      ModuleNode(name: "enc", type: "mypkg.Encoder", ops: encOps, states: ["w1", "w2", "w3", "table"]),
      ModuleNode(name: "enc.fc", type: linearType, states: ["weight", "bias"]),
      ModuleNode(name: "enc.attn", type: "torch.nn.modules.activation.MultiheadAttention",
                 states: ["in_proj_weight", "in_proj_bias"]),
      ModuleNode(name: "enc.attn.out_proj", type: "torch.nn.modules.linear.NonDynamicallyQuantizableLinear",
                 states: ["weight", "bias"]),
      ModuleNode(name: "dec", type: "mypkg.Decoder", states: []),
      ModuleNode(name: "dec.fc", type: linearType, states: ["weight", "bias"]),
      ModuleNode(name: "dec.conv", type: conv2dType, states: ["weight"]),
      ModuleNode(name: "dec.up", type: "torch.nn.modules.conv.ConvTranspose2d", states: ["weight", "bias"]),
      ModuleNode(name: "dec.emb", type: "torch.nn.modules.sparse.Embedding", states: ["weight"]),
      ModuleNode(name: "off", type: "mypkg.Off", states: []),
      ModuleNode(name: "off.fc", type: linearType, states: ["weight"]),
      ModuleNode(name: "off.keep", type: linearType, states: ["weight"]),
      ModuleNode(name: "layers.0", type: linearType, states: ["weight"]),
      ModuleNode(name: "layers.1", type: linearType, states: ["weight"]),
      ModuleNode(name: "norm", type: "torch.nn.modules.normalization.LayerNorm", states: ["weight"]),
    ])
  }

  static let vectorSpec = PalettizationSpec(nBits: 4, clusterDim: 2)
  static let attnSpec = PalettizationSpec(nBits: 6, granularity: .perGroupedChannel(axis: 0, groupSize: 8))

  /// Configs at every level at once.
  static func precedenceConfig() -> KMeansPalettizerConfig {
    let encoder = ModuleKMeansPalettizerConfig(
      opStateSpec: ["weight": bits(1)],
      opTypeConfig: ["linear": OpKMeansPalettizerConfig(opStateSpec: ["*": bits(3)])],
      opNameConfig: [
        "linear_.*": OpKMeansPalettizerConfig(opStateSpec: ["*": bits(1)]),
        "linear_\\d+": OpKMeansPalettizerConfig(opStateSpec: ["w2": bits(6)]),  // later: wins
      ],
      moduleStateSpec: ["w1": bits(2), "table": bits(8), "weight": bits(1)])
    let attention = ModuleKMeansPalettizerConfig(
      opStateSpec: ["in_proj_weight": attnSpec, "*": nil], opTypeConfig: ["linear": nil])
    let linear = ModuleKMeansPalettizerConfig(
      opStateSpec: ["weight": vectorSpec], enableFastKMeansMode: false,
      vectorKMeansConfig: VectorKMeansConfig(nInit: 3))
    return KMeansPalettizerConfig(
      globalConfig: ModuleKMeansPalettizerConfig(opStateSpec: ["weight": bits(4), "bias": nil]),
      moduleTypeConfigs: [
        linearType: linear,
        conv2dType: ModuleKMeansPalettizerConfig(opStateSpec: nil),
        "torch.nn.modules.sparse.Embedding": ModuleKMeansPalettizerConfig(
          opStateSpec: nil, moduleStateSpec: ["weight": bits(6)]),
        "torch.nn.modules.activation.MultiheadAttention": ModuleKMeansPalettizerConfig.presets.w8(),
      ],
      moduleNameConfigs: [
        "enc": encoder,
        "enc\\.attn": attention,
        "off": nil,
        "off\\.keep": ModuleKMeansPalettizerConfig.presets.w8(),
        "layers\\.\\d+": ModuleKMeansPalettizerConfig.presets.w8(),
        "layers\\.1": ModuleKMeansPalettizerConfig(opStateSpec: ["weight": bits(2)]),
      ])
  }

  static let expectedPrecedence: [ExpectedRow] = {
    typealias D = ResolvedTensor.Decision
    let enc = ResolvedTensor.ModuleLevel.moduleName(key: "enc", inheritedFrom: nil)
    let encInherited = ResolvedTensor.ModuleLevel.moduleName(key: "enc", inheritedFrom: "enc")
    let attn = ResolvedTensor.ModuleLevel.moduleName(key: "enc\\.attn", inheritedFrom: nil)
    let attnInherited = ResolvedTensor.ModuleLevel.moduleName(key: "enc\\.attn", inheritedFrom: "enc.attn")
    let linearLevel = ResolvedTensor.ModuleLevel.moduleType(key: linearType, inheritedFrom: nil)
    let linearPath = #"module_type_configs["torch.nn.modules.linear.Linear"]"#
    return [
      // Root: global config, but no op consumes `scale`.
      ExpectedRow(name: "scale", spec: nil, decision: D(moduleLevel: .global, skip: .noConsumingOp),
                  reason: "skipped: no op consumes it"),
      // Module state spec beats the op name config that also matches op `linear`'s w1.
      ExpectedRow(name: "enc.w1", spec: bits(2), decision: D(moduleLevel: enc, opLevel: .moduleStateSpec(stateKey: "w1")),
                  reason: "module_name_configs.enc.module_state_spec.w1"),
      // Both op name keys match linear_1: the later one wins (and beats op_type_config).
      ExpectedRow(name: "enc.w2", spec: bits(6),
                  decision: D(moduleLevel: enc, opLevel: .opNameConfig(key: "linear_\\d+", stateKey: "w2")),
                  reason: #"module_name_configs.enc.op_name_config["linear_\\d+"].op_state_spec.w2 (op linear_1)"#),
      ExpectedRow(name: "enc.w3", spec: nil, decision: D(moduleLevel: enc, skip: .unsupportedOp(type: "bmm")),
                  reason: "skipped: consumed only by op bmm of unsupported type bmm"),
      // Module state spec reaches a tensor only an unsupported op consumes.
      ExpectedRow(name: "enc.table", spec: bits(8),
                  decision: D(moduleLevel: enc, opLevel: .moduleStateSpec(stateKey: "table")),
                  reason: "module_name_configs.enc.module_state_spec.table"),
      // Child inherits the parent's name config over its own type config; the parent's
      // module_state_spec (weight: 1-bit) is not inherited; op type beats op state spec.
      ExpectedRow(name: "enc.fc.weight", spec: bits(3),
                  decision: D(moduleLevel: encInherited, opLevel: .opTypeConfig(key: "linear", stateKey: "*")),
                  reason: #"module_name_configs.enc.op_type_config.linear.op_state_spec["*"] (op linear); inherited from module "enc""#),
      ExpectedRow(name: "enc.fc.bias", spec: bits(3),
                  decision: D(moduleLevel: encInherited, opLevel: .opTypeConfig(key: "linear", stateKey: "*")),
                  reason: #"module_name_configs.enc.op_type_config.linear.op_state_spec["*"] (op linear); inherited from module "enc""#),
      // Name beats type (MultiheadAttention is configured 8-bit by type); exact state beats "*".
      ExpectedRow(name: "enc.attn.in_proj_weight", spec: attnSpec,
                  decision: D(moduleLevel: attn, opLevel: .opStateSpec(stateKey: "in_proj_weight")),
                  reason: #"module_name_configs["enc\\.attn"].op_state_spec.in_proj_weight (op multi_head_attention_forward)"#),
      ExpectedRow(name: "enc.attn.in_proj_bias", spec: nil,
                  decision: D(moduleLevel: attn, opLevel: .opStateSpec(stateKey: "*"), skip: .specNull),
                  reason: #"skipped: module_name_configs["enc\\.attn"].op_state_spec["*"] is null (op multi_head_attention_forward)"#),
      // out_proj inherits the attention config, whose op_type_config disables linear.
      ExpectedRow(name: "enc.attn.out_proj.weight", spec: nil,
                  decision: D(moduleLevel: attnInherited, opLevel: .opTypeConfig(key: "linear", stateKey: nil), skip: .opConfigNull),
                  reason: #"skipped: module_name_configs["enc\\.attn"].op_type_config.linear is null (op linear); inherited from module "enc.attn""#),
      ExpectedRow(name: "enc.attn.out_proj.bias", spec: nil,
                  decision: D(moduleLevel: attnInherited, opLevel: .opTypeConfig(key: "linear", stateKey: nil), skip: .opConfigNull),
                  reason: #"skipped: module_name_configs["enc\\.attn"].op_type_config.linear is null (op linear); inherited from module "enc.attn""#),
      // Type beats global.
      ExpectedRow(name: "dec.fc.weight", spec: vectorSpec,
                  decision: D(moduleLevel: linearLevel, opLevel: .opStateSpec(stateKey: "weight")),
                  reason: "\(linearPath).op_state_spec.weight (op linear)"),
      ExpectedRow(name: "dec.fc.bias", spec: nil,
                  decision: D(moduleLevel: linearLevel, opLevel: .opStateSpec(stateKey: nil), skip: .stateNotInOpStateSpec),
                  reason: #"skipped: module_type_configs["torch.nn.modules.linear.Linear"].op_state_spec has no entry for bias or "*" (op linear)"#),
      ExpectedRow(name: "dec.conv.weight", spec: nil,
                  decision: D(moduleLevel: .moduleType(key: conv2dType, inheritedFrom: nil), opLevel: .opStateSpec(stateKey: nil), skip: .opStateSpecNull),
                  reason: #"skipped: module_type_configs["torch.nn.modules.conv.Conv2d"].op_state_spec is null (op conv2d)"#),
      ExpectedRow(name: "dec.up.weight", spec: bits(4),
                  decision: D(moduleLevel: .global, opLevel: .opStateSpec(stateKey: "weight")),
                  reason: "global_config.op_state_spec.weight (op conv_transpose2d)"),
      ExpectedRow(name: "dec.up.bias", spec: nil,
                  decision: D(moduleLevel: .global, opLevel: .opStateSpec(stateKey: "bias"), skip: .specNull),
                  reason: "skipped: global_config.op_state_spec.bias is null (op conv_transpose2d)"),
      // An embedding has no op: only module_state_spec reaches it.
      ExpectedRow(name: "dec.emb.weight", spec: bits(6),
                  decision: D(moduleLevel: .moduleType(key: "torch.nn.modules.sparse.Embedding", inheritedFrom: nil),
                              opLevel: .moduleStateSpec(stateKey: "weight")),
                  reason: #"module_type_configs["torch.nn.modules.sparse.Embedding"].module_state_spec.weight"#),
      // A disabled name scope covers its children unless they match at name level.
      ExpectedRow(name: "off.fc.weight", spec: nil,
                  decision: D(moduleLevel: .moduleName(key: "off", inheritedFrom: "off"), skip: .scopeDisabled),
                  reason: #"skipped: module_name_configs.off is null; inherited from module "off""#),
      ExpectedRow(name: "off.keep.weight", spec: PalettizationSpec(nBits: 8),
                  decision: D(moduleLevel: .moduleName(key: "off\\.keep", inheritedFrom: nil), opLevel: .opStateSpec(stateKey: "weight")),
                  reason: #"module_name_configs["off\\.keep"].op_state_spec.weight (op linear)"#),
      ExpectedRow(name: "layers.0.weight", spec: PalettizationSpec(nBits: 8),
                  decision: D(moduleLevel: .moduleName(key: "layers\\.\\d+", inheritedFrom: nil), opLevel: .opStateSpec(stateKey: "weight")),
                  reason: #"module_name_configs["layers\\.\\d+"].op_state_spec.weight (op linear)"#),
      // Both name keys match layers.1: the later one wins.
      ExpectedRow(name: "layers.1.weight", spec: bits(2),
                  decision: D(moduleLevel: .moduleName(key: "layers\\.1", inheritedFrom: nil), opLevel: .opStateSpec(stateKey: "weight")),
                  reason: #"module_name_configs["layers\\.1"].op_state_spec.weight (op linear)"#),
      ExpectedRow(name: "norm.weight", spec: nil, decision: D(moduleLevel: .global, skip: .noConsumingOp),
                  reason: "skipped: no op consumes it"),
    ]
  }()

  @Test("precedence table: every tensor's spec, decision and reason")
  func precedenceTable() throws {
    let rows = try Self.precedenceConfig().resolve(Self.precedenceTree())
    #expect(rows.map(\.name) == Self.expectedPrecedence.map(\.name))
    for (row, expected) in zip(rows, Self.expectedPrecedence) {
      #expect(row.spec == expected.spec, "\(row.name)")
      #expect(row.decision == expected.decision, "\(row.name)")
      #expect(row.reason == expected.reason, "\(row.name)")
      #expect((row.options == nil) == (row.spec == nil), "\(row.name)")
    }
    let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0.name, $0) })
    // Options come from the module config that decided.
    #expect(byName["dec.fc.weight"]?.options == ClusteringOptions(
      enableFastKMeansMode: false, roundingPrecision: 4, vectorKMeansConfig: VectorKMeansConfig(nInit: 3)))
    #expect(byName["dec.up.weight"]?.options == ClusteringOptions())
    // The consuming op: first supported op listing the tensor; none for the embedding.
    #expect(byName["enc.w3"]?.op == Self.encOps[2])
    #expect(byName["enc.attn.in_proj_weight"]?.op == Self.mha)
    #expect(byName["enc.fc.weight"]?.op == Self.linear)
    #expect(byName["dec.emb.weight"]?.op == nil)
    // Resolution is pure: the same inputs give the same rows.
    #expect(try Self.precedenceConfig().resolve(Self.precedenceTree()) == rows)
  }

  @Test("a later module-name key wins, so reordering the keys changes the result")
  func regexOrderMatters() throws {
    let tree = try ModuleTree(modules: [ModuleNode(name: "layers.1", type: linearType, states: ["weight"])])
    let a = ModuleKMeansPalettizerConfig(opStateSpec: ["weight": bits(2)])
    let b = ModuleKMeansPalettizerConfig(opStateSpec: ["weight": bits(8)])
    let ab = KMeansPalettizerConfig(moduleNameConfigs: ["layers\\..*": a, "layers\\.1": b])
    let ba = KMeansPalettizerConfig(moduleNameConfigs: ["layers\\.1": b, "layers\\..*": a])
    #expect(try ab.resolve(tree).map(\.spec) == [bits(8)])
    #expect(try ba.resolve(tree).map(\.spec) == [bits(2)])
    // Full match: `layers` does not match `layers.1`, `layers\.1` does not match `layers.10`.
    let partial = KMeansPalettizerConfig(moduleNameConfigs: ["layers": b])
    #expect(try partial.resolve(tree).map(\.spec) == [nil])
  }

  @Test("the default config palettizes weight and in_proj_weight of supported ops at 4-bit per-tensor")
  func defaultConfig() throws {
    let tree = try ModuleTree(modules: [
      ModuleNode(name: "attn", type: "torch.nn.modules.activation.MultiheadAttention",
                 states: ["in_proj_weight", "in_proj_bias"]),
      ModuleNode(name: "attn.out_proj", type: "torch.nn.modules.linear.NonDynamicallyQuantizableLinear",
                 states: ["weight", "bias"]),
      ModuleNode(name: "tok", type: "torch.nn.modules.sparse.Embedding", states: ["weight"]),
    ])
    let rows = try KMeansPalettizerConfig().resolve(tree)
    #expect(rows.map(\.name) == ["attn.in_proj_weight", "attn.in_proj_bias", "attn.out_proj.weight",
                                 "attn.out_proj.bias", "tok.weight"])
    #expect(rows.map(\.spec) == [bits(4), nil, bits(4), nil, nil])
  }

  // MARK: - Module tree and registry

  @Test("module tree: parents, synthesised root, validation errors")
  func moduleTree() throws {
    let tree = try ModuleTree(modules: [
      ModuleNode(name: "a", type: "x.A", states: []),
      ModuleNode(name: "a.b.c", type: "x.C", states: ["weight"]),
      ModuleNode(name: "ab", type: "x.AB", states: []),
    ])
    #expect(tree.modules.map(\.name) == ["", "a", "a.b.c", "ab"])
    #expect(tree.modules[0].type == ModuleTree.synthesisedRootType && tree.modules[0].typeInferred)
    #expect(tree.parent(of: "") == nil)
    #expect(tree.parent(of: "a") == "")
    #expect(tree.parent(of: "ab") == "")  // not a dot boundary of "a"
    #expect(tree.parent(of: "a.b.c") == "a")  // "a.b" is not listed
    #expect(tree.parent(of: "a.b.c.weight") == "a.b.c")  // tensor owner
    #expect(tree.module(named: "a.b.c")?.type == "x.C")
    #expect(tree.module(named: "a.b") == nil)

    #expect(throws: ModuleTreeError(module: "a", problem: "is listed twice")) {
      try ModuleTree(modules: [ModuleNode(name: "a", type: "x.A", states: []), ModuleNode(name: "a", type: "x.A", states: [])])
    }
    #expect(throws: ModuleTreeError(module: "a.b", problem: "is listed before its parent \"a\"")) {
      try ModuleTree(modules: [ModuleNode(name: "a.b", type: "x.B", states: []), ModuleNode(name: "a", type: "x.A", states: [])])
    }
    #expect(throws: ModuleTreeError(module: "a..b", problem: "has an empty dotted component")) {
      try ModuleTree(modules: [ModuleNode(name: "a..b", type: "x.B", states: [])])
    }
    #expect(throws: ModuleTreeError(module: "", problem: "(the root) must be listed first")) {
      try ModuleTree(modules: [ModuleNode(name: "a", type: "x.A", states: []), ModuleNode(name: "", type: "x.Net", states: [])])
    }
    #expect(ModuleTreeError(module: "a.b", problem: "is listed before its parent \"a\"").description
      == #"module "a.b" is listed before its parent "a""#)
  }

  @Test("op registry: standard types map to their ops; norms and embeddings have none; custom types are unknown")
  func registry() {
    #expect(OpRegistry.ops(forModuleType: linearType) == [Self.linear])
    #expect(OpRegistry.ops(forModuleType: "torch.nn.modules.conv.Conv3d")
      == [OpInfo(name: "conv3d", type: "conv3d", states: ["weight", "bias"])])
    #expect(OpRegistry.ops(forModuleType: "torch.nn.modules.conv.ConvTranspose1d")?.first?.kind == .convTranspose1d)
    #expect(OpRegistry.ops(forModuleType: "torch.nn.modules.activation.MultiheadAttention") == [Self.mha])
    #expect(OpRegistry.ops(forModuleType: "torch.nn.modules.sparse.Embedding") == [])
    #expect(OpRegistry.ops(forModuleType: "torch.nn.modules.batchnorm.BatchNorm2d") == [])
    #expect(OpRegistry.ops(forModuleType: "torch.nn.Linear") == nil)  // aliases are not accepted
    #expect(OpRegistry.ops(forModuleType: "mypkg.Block") == nil)
    // Every op type in the registry is a supported kind.
    #expect(OpRegistry.opsByModuleType.values.joined().allSatisfy { $0.kind != nil })
    #expect(Set(OpRegistry.opsByModuleType.values.joined().map(\.type)) == Set(OpKind.allCases.map(\.rawValue)))
  }
}
