/// The rules of SPEC section 2 that the type system does not enforce.
extension KMeansPalettizerConfig {
  /// Checks every spec and every cross-field rule, in document order, throwing the first
  /// problem with its key path:
  /// - each spec: `n_bits` ∈ {1, 2, 3, 4, 6, 8}, `cluster_dim ≥ 1`, `group_size > 0`, axis ∈
  ///   {0, 1}, fp8 LUT dtypes only with `symmetric`, `sparsity_detection_threshold` in [0, 1];
  /// - each module config: `rounding_precision ≥ 0`; `enable_fast_kmeans_mode` off when any of
  ///   its specs has `cluster_dim > 1`; `vector_kmeans_config` only when one does, with
  ///   valid fields; op type keys are supported op types; op name keys compile;
  /// - `module_state_spec` not on the global config;
  /// - module type keys are fully qualified (contain a dot); module name keys compile.
  ///
  /// Loading runs this; ``resolve(_:)`` runs it too, so a config built in code is checked
  /// before use.
  public func validate() throws(ConfigError) {
    let body = ConfigKeyPath.body
    try globalConfig?.validate(at: body.field("global_config"), isGlobal: true)
    for (type, config) in moduleTypeConfigs.sorted(by: { $0.key < $1.key }) {
      let path = body.field("module_type_configs").key(type)
      guard type.contains(".") else {
        throw ConfigError(
          keyPath: path.description,
          problem: "is not a fully-qualified module type (expected e.g. torch.nn.modules.linear.Linear)")
      }
      try config?.validate(at: path, isGlobal: false)
    }
    for (pattern, config) in moduleNameConfigs {
      let path = body.field("module_name_configs").key(pattern)
      _ = try ConfigPattern(pattern, at: path)
      try config?.validate(at: path, isGlobal: false)
    }
  }
}

extension ModuleKMeansPalettizerConfig {
  /// Checks this module config as the entry at `path` (see
  /// ``KMeansPalettizerConfig/validate()``).
  func validate(at path: ConfigKeyPath, isGlobal: Bool) throws(ConfigError) {
    if isGlobal && !moduleStateSpec.isEmpty {
      throw ConfigError(
        keyPath: path.field("module_state_spec").description,
        problem: "is not allowed on the global config; use module_type_configs or module_name_configs")
    }
    guard roundingPrecision >= 0 else {
      throw ConfigError(
        keyPath: path.field("rounding_precision").description, value: "\(roundingPrecision)",
        problem: "must be at least 0")
    }
    let supportedOps = OpKind.allCases.map(\.rawValue)
    for type in opTypeConfig.keys.sorted() where !supportedOps.contains(type) {
      throw ConfigError(
        keyPath: path.field("op_type_config").key(type).description,
        problem: "is not a supported op type (expected one of \(supportedOps.joined(separator: ", ")))")
    }
    for (pattern, _) in opNameConfig {
      _ = try ConfigPattern(pattern, at: path.field("op_name_config").key(pattern))
    }
    let specs = allSpecs(at: path)
    for (specPath, spec) in specs {
      do { try spec.validate(path: specPath.description) } catch { throw ConfigError(error) }
    }
    let vectorSpec = specs.first { $0.spec.clusterDim > 1 }
    if let vectorSpec, enableFastKMeansMode {
      throw ConfigError(
        keyPath: path.field("enable_fast_kmeans_mode").description, value: "true",
        problem: "is not allowed with cluster_dim > 1 (\(vectorSpec.path.field("cluster_dim")) is "
          + "\(vectorSpec.spec.clusterDim)); fast mode is scalar only, set it to false")
    }
    if let vectorKMeansConfig {
      let vectorPath = path.field("vector_kmeans_config")
      guard vectorSpec != nil else {
        throw ConfigError(
          keyPath: vectorPath.description,
          problem: "is set but no spec of this module config has cluster_dim > 1")
      }
      do { try vectorKMeansConfig.validate(path: vectorPath.description) } catch { throw ConfigError(error) }
    }
  }

  /// Every spec of this config with its key path, in the order `validate` reports them:
  /// `op_state_spec`, `op_type_config`, `op_name_config`, `module_state_spec`.
  func allSpecs(at path: ConfigKeyPath) -> [(path: ConfigKeyPath, spec: PalettizationSpec)] {
    func specs(_ map: [String: PalettizationSpec?]?, at mapPath: ConfigKeyPath)
      -> [(path: ConfigKeyPath, spec: PalettizationSpec)]
    {
      (map ?? [:]).sorted { $0.key < $1.key }.compactMap { entry in
        entry.value.map { (mapPath.key(entry.key), $0) }
      }
    }
    var result = specs(opStateSpec, at: path.field("op_state_spec"))
    for (type, config) in opTypeConfig.sorted(by: { $0.key < $1.key }) {
      result += specs(config?.opStateSpec, at: path.field("op_type_config").key(type).field("op_state_spec"))
    }
    for (pattern, config) in opNameConfig {
      result += specs(config?.opStateSpec, at: path.field("op_name_config").key(pattern).field("op_state_spec"))
    }
    result += specs(moduleStateSpec, at: path.field("module_state_spec"))
    return result
  }
}
