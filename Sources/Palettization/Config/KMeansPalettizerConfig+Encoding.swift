/// Writing configs as ``ConfigValue`` trees in the seed's schema, deterministically: schema
/// fields in schema order, maps keyed by state, op type or module type sorted by key, regular
/// expression maps in their (meaningful) order. Reading the result back gives an equal config.
extension KMeansPalettizerConfig {
  /// The whole document: `{ kmeans_palettization_config: body }`.
  var documentValue: ConfigValue {
    .mapping([ConfigValue.Member(key: Self.documentKey, value: bodyValue)])
  }

  /// The body. `global_config` is always written (`null` when absent), since an empty body
  /// would read back as the default config.
  var bodyValue: ConfigValue {
    var members = [ConfigValue.Member(key: "global_config", value: globalConfig?.configValue ?? .null)]
    if !moduleTypeConfigs.isEmpty {
      members.append(.init(key: "module_type_configs", value: .sortedMapping(moduleTypeConfigs) { $0?.configValue ?? .null }))
    }
    if !moduleNameConfigs.isEmpty {
      members.append(.init(key: "module_name_configs", value: .mapping(moduleNameConfigs.map {
        ConfigValue.Member(key: $0.key, value: $0.value?.configValue ?? .null)
      })))
    }
    return .mapping(members)
  }
}

extension ModuleKMeansPalettizerConfig {
  /// Every field; the three override maps only when non-empty, `vector_kmeans_config` only
  /// when set.
  var configValue: ConfigValue {
    var members = [ConfigValue.Member(key: "op_state_spec", value: .specMap(opStateSpec))]
    if !opTypeConfig.isEmpty {
      members.append(.init(key: "op_type_config", value: .sortedMapping(opTypeConfig) { $0?.configValue ?? .null }))
    }
    if !opNameConfig.isEmpty {
      members.append(.init(key: "op_name_config", value: .mapping(opNameConfig.map {
        ConfigValue.Member(key: $0.key, value: $0.value?.configValue ?? .null)
      })))
    }
    if !moduleStateSpec.isEmpty {
      members.append(.init(key: "module_state_spec", value: .specMap(moduleStateSpec)))
    }
    members.append(.init(key: "enable_fast_kmeans_mode", value: .bool(enableFastKMeansMode)))
    members.append(.init(key: "rounding_precision", value: .int(roundingPrecision)))
    if let vectorKMeansConfig {
      var vector: [ConfigValue.Member] = []
      if let trials = vectorKMeansConfig.nLocalTrials { vector.append(.init(key: "n_local_trials", value: .int(trials))) }
      vector.append(.init(key: "n_init", value: .int(vectorKMeansConfig.nInit)))
      vector.append(.init(key: "max_iter", value: .int(vectorKMeansConfig.maxIter)))
      vector.append(.init(key: "tol", value: .double(vectorKMeansConfig.tol)))
      members.append(.init(key: "vector_kmeans_config", value: .mapping(vector)))
    }
    return .mapping(members)
  }
}

extension OpKMeansPalettizerConfig {
  /// `{ op_state_spec: … }`.
  var configValue: ConfigValue {
    .mapping([ConfigValue.Member(key: "op_state_spec", value: .specMap(opStateSpec))])
  }
}

extension ConfigValue {
  /// Mapping keys whose (scalar-only) values YAML writes inline, as the seed does.
  static let yamlFlowKeys: Set<String> = ["granularity", "lut_qspec"]

  /// A mapping of `map`'s entries sorted by key.
  static func sortedMapping<Value>(_ map: [String: Value], _ encode: (Value) -> ConfigValue) -> ConfigValue {
    .mapping(map.sorted { $0.key < $1.key }.map { Member(key: $0.key, value: encode($0.value)) })
  }

  /// A state → spec map (`null` when the map itself is `nil`).
  static func specMap(_ specs: [String: PalettizationSpec?]?) -> ConfigValue {
    guard let specs else { return .null }
    return sortedMapping(specs) { $0.map(specValue) ?? .null }
  }

  /// A spec with every field; `lut_qspec` and `sparsity_detection_threshold` only when set.
  static func specValue(_ spec: PalettizationSpec) -> ConfigValue {
    var granularity = [Member(key: "type", value: .string("per_tensor"))]
    if case .perGroupedChannel(let axis, let groupSize) = spec.granularity {
      granularity = [Member(key: "type", value: .string("per_grouped_channel"))]
      if let axis { granularity.append(Member(key: "axis", value: .int(axis))) }
      granularity.append(Member(key: "group_size", value: .int(groupSize)))
    }
    var members = [
      Member(key: "n_bits", value: .int(spec.nBits)),
      Member(key: "granularity", value: .mapping(granularity)),
      Member(key: "cluster_dim", value: .int(spec.clusterDim)),
    ]
    if let qspec = spec.lutQSpec {
      members.append(Member(key: "lut_qspec", value: .mapping([
        Member(key: "dtype", value: .string(qspec.dtype.rawValue)),
        Member(key: "qscheme", value: .string(qspec.qscheme.rawValue)),
      ])))
    }
    members.append(Member(key: "enable_per_channel_scale", value: .bool(spec.enablePerChannelScale)))
    if let threshold = spec.sparsityDetectionThreshold {
      members.append(Member(key: "sparsity_detection_threshold", value: .double(threshold)))
    }
    return .mapping(members)
  }
}
