/// Reading configs from a ``ConfigValue`` tree with the seed's schema, strictly: unknown keys,
/// duplicate keys and values of the wrong type are errors naming their key path. Range checks
/// and cross-field rules are left to `validate()`, which every public entry point runs after.
extension KMeansPalettizerConfig {
  /// The single top-level key of a config document.
  public static let documentKey = "kmeans_palettization_config"

  /// Reads a whole document: a mapping with the single key ``documentKey``.
  static func decodeDocument(_ root: ConfigValue) throws(ConfigError) -> KMeansPalettizerConfig {
    guard case .mapping = root else {
      throw ConfigError(
        keyPath: "", value: root == .null ? nil : root.rendered,
        problem: root == .null
          ? "the document is empty; expected a mapping with the key \(documentKey)"
          : "is not a mapping with the key \(documentKey)")
    }
    let fields = try ConfigNode(value: root, path: .body).fields(allowed: [documentKey])
    let body = try fields.required(
      documentKey, "a config document has the single top-level key \(documentKey)")
    switch body.value {
    case .null, .mapping: break
    default:
      throw ConfigError(keyPath: documentKey, value: body.value.rendered, problem: "is not a mapping")
    }
    return try KMeansPalettizerConfig(body: body.value)
  }

  /// Reads the body of a document (the value of ``documentKey``). An empty body (`null` or
  /// `{}`) is ``init()``, the default config; otherwise an absent `global_config` means none.
  init(body: ConfigValue) throws(ConfigError) {
    let node = ConfigNode(value: body, path: .body)
    if node.isNull {
      self.init()
      return
    }
    let fields = try node.fields(allowed: ["global_config", "module_type_configs", "module_name_configs"])
    guard !fields.byKey.isEmpty else {
      self.init()
      return
    }
    self.init()
    globalConfig = nil
    if let global = fields["global_config"], !global.isNull {
      globalConfig = try ModuleKMeansPalettizerConfig(node: global)
    }
    for (type, entry) in try fields["module_type_configs"]?.entries(nullIsEmpty: true) ?? [] {
      moduleTypeConfigs[type] = .some(entry.isNull ? nil : try ModuleKMeansPalettizerConfig(node: entry))
    }
    for (pattern, entry) in try fields["module_name_configs"]?.entries(nullIsEmpty: true) ?? [] {
      moduleNameConfigs[pattern] = .some(entry.isNull ? nil : try ModuleKMeansPalettizerConfig(node: entry))
    }
  }
}

extension ModuleKMeansPalettizerConfig {
  static let fieldNames = [
    "op_state_spec", "op_type_config", "op_name_config", "module_state_spec",
    "enable_fast_kmeans_mode", "rounding_precision", "vector_kmeans_config",
  ]

  /// Reads a module config mapping; omitted fields take their defaults (so `{}` is
  /// `ModuleKMeansPalettizerConfig()`).
  init(node: ConfigNode) throws(ConfigError) {
    let fields = try node.fields(allowed: Self.fieldNames)
    self.init()
    if let specs = fields["op_state_spec"] {
      opStateSpec = specs.isNull ? nil : try specs.specMap()
    }
    for (type, entry) in try fields["op_type_config"]?.entries(nullIsEmpty: true) ?? [] {
      opTypeConfig[type] = .some(entry.isNull ? nil : try OpKMeansPalettizerConfig(node: entry))
    }
    for (pattern, entry) in try fields["op_name_config"]?.entries(nullIsEmpty: true) ?? [] {
      opNameConfig[pattern] = .some(entry.isNull ? nil : try OpKMeansPalettizerConfig(node: entry))
    }
    if let specs = fields["module_state_spec"], !specs.isNull {
      moduleStateSpec = try specs.specMap()
    }
    if let flag = fields["enable_fast_kmeans_mode"] { enableFastKMeansMode = try flag.bool() }
    if let digits = fields["rounding_precision"] { roundingPrecision = try digits.int() }
    if let vector = fields["vector_kmeans_config"], !vector.isNull {
      vectorKMeansConfig = try vector.vectorKMeansConfig()
    }
  }
}

extension OpKMeansPalettizerConfig {
  /// Reads an op config mapping; `{}` is `OpKMeansPalettizerConfig()`.
  init(node: ConfigNode) throws(ConfigError) {
    let fields = try node.fields(allowed: ["op_state_spec"])
    self.init()
    if let specs = fields["op_state_spec"] {
      opStateSpec = specs.isNull ? nil : try specs.specMap()
    }
  }
}

extension ConfigNode {
  /// A state name → spec mapping; a `null` spec disables that state.
  func specMap() throws(ConfigError) -> [String: PalettizationSpec?] {
    var specs: [String: PalettizationSpec?] = [:]
    for (state, entry) in try entries() {
      specs[state] = .some(entry.isNull ? nil : try entry.palettizationSpec())
    }
    return specs
  }

  /// A `PalettizationSpec` mapping; omitted fields take the spec's defaults.
  func palettizationSpec() throws(ConfigError) -> PalettizationSpec {
    let fields = try fields(allowed: [
      "n_bits", "granularity", "cluster_dim", "lut_qspec", "enable_per_channel_scale",
      "sparsity_detection_threshold",
    ])
    var spec = PalettizationSpec()
    if let bits = fields["n_bits"] { spec.nBits = try bits.int() }
    if let granularity = fields["granularity"] { spec.granularity = try granularity.granularity() }
    if let dim = fields["cluster_dim"] { spec.clusterDim = try dim.int() }
    if let qspec = fields["lut_qspec"], !qspec.isNull { spec.lutQSpec = try qspec.quantizationSpec() }
    if let flag = fields["enable_per_channel_scale"] { spec.enablePerChannelScale = try flag.bool() }
    if let threshold = fields["sparsity_detection_threshold"], !threshold.isNull {
      spec.sparsityDetectionThreshold = try threshold.double()
    }
    return spec
  }

  /// `{ type: per_tensor }` or `{ type: per_grouped_channel, axis, group_size }` (axis
  /// optional or `null` = the op's default; group_size required).
  func granularity() throws(ConfigError) -> Granularity {
    let fields = try fields(allowed: ["type", "axis", "group_size"])
    let type = try fields.required("type", "expected per_tensor or per_grouped_channel")
      .choice(["per_tensor", "per_grouped_channel"])
    if type == "per_tensor" {
      for key in ["axis", "group_size"] {
        if let extra = fields[key] {
          throw ConfigError(
            keyPath: extra.path.description, value: extra.value.rendered,
            problem: "is not allowed with type per_tensor")
        }
      }
      return .perTensor
    }
    var axis: Int?
    if let node = fields["axis"], !node.isNull { axis = try node.int() }
    let groupSize = try fields.required("group_size", "required with type per_grouped_channel").int()
    return .perGroupedChannel(axis: axis, groupSize: groupSize)
  }

  /// `{ dtype, qscheme }`: dtype required, qscheme defaulting to `symmetric`.
  func quantizationSpec() throws(ConfigError) -> QuantizationSpec {
    let fields = try fields(allowed: ["dtype", "qscheme"])
    let dtype = try fields.required("dtype", "expected one of int8, uint8, float8_e4m3fn, float8_e5m2")
      .choice(QuantizationSpec.DType.allCases.map(\.rawValue))
    var spec = QuantizationSpec(dtype: QuantizationSpec.DType(rawValue: dtype) ?? .int8)
    if let scheme = fields["qscheme"] {
      let raw = try scheme.choice(QuantizationSpec.QScheme.allCases.map(\.rawValue))
      spec.qscheme = QuantizationSpec.QScheme(rawValue: raw) ?? .symmetric
    }
    return spec
  }

  /// `{ n_local_trials, n_init, max_iter, tol }`, each optional.
  func vectorKMeansConfig() throws(ConfigError) -> VectorKMeansConfig {
    let fields = try fields(allowed: ["n_local_trials", "n_init", "max_iter", "tol"])
    var config = VectorKMeansConfig()
    if let trials = fields["n_local_trials"], !trials.isNull { config.nLocalTrials = try trials.int() }
    if let restarts = fields["n_init"] { config.nInit = try restarts.int() }
    if let iterations = fields["max_iter"] { config.maxIter = try iterations.int() }
    if let tolerance = fields["tol"] { config.tol = try tolerance.double() }
    return config
  }
}
