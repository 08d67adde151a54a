/// Resolution: which spec each state tensor of a model gets, and why.
extension KMeansPalettizerConfig {
  /// Resolves the config against a module tree: one row per state tensor of every module, in
  /// tree order and each module's state order, with the spec (or `nil`), the clustering options
  /// of the deciding module config, the consuming op, and the reason.
  ///
  /// **Module level.** A module's own candidates are the last `module_name_configs` key whose
  /// regular expression fully matches its name, else its exact type in `module_type_configs`,
  /// else `global_config`. It inherits its parent's choice instead when that came from a strictly
  /// higher level (name > type > global), so a matched config covers a subtree until a
  /// descendant matches at an equal or higher level. A `nil` config found this way disables
  /// the scope.
  ///
  /// **Op level**, within the chosen module config (first hit decides):
  /// `module_state_spec[state]` — only when the config was matched by this module itself, never
  /// when inherited, since its keys are that module's local state names — then, for the op
  /// consuming the tensor (first supported op listing it), the last `op_name_config` key fully
  /// matching the op name, else `op_type_config[op type]`, else the module config's
  /// `op_state_spec`. In the chosen op-level map an exact state key beats `"*"`. Tensors no op
  /// consumes, or only unsupported ops consume, are skipped unless `module_state_spec` names
  /// them.
  ///
  /// The function is pure: same config and tree, same rows.
  ///
  /// - Throws: ``ConfigError`` when the config is invalid (``validate()`` runs first), e.g. a
  ///   key that is not a valid regular expression.
  /// - Complexity: O(m · (p + d) + t · q) regular-expression matches and look-ups for m
  ///   modules, p module-name keys, depth d, t tensors and q op-name keys of their configs.
  public func resolve(_ tree: ModuleTree) throws(ConfigError) -> [ResolvedTensor] {
    try validate()
    let body = ConfigKeyPath.body
    let global = try globalConfig.map { config throws(ConfigError) in
      try CompiledScope(config: config, path: body.field("global_config"), source: .global)
    }
    var typeScopes: [String: CompiledScope] = [:]
    for (type, config) in moduleTypeConfigs {
      typeScopes[type] = try CompiledScope(
        config: config, path: body.field("module_type_configs").key(type),
        source: .moduleType(key: type, inheritedFrom: nil))
    }
    var nameScopes: [(pattern: ConfigPattern, scope: CompiledScope)] = []
    for (key, config) in moduleNameConfigs {
      let path = body.field("module_name_configs").key(key)
      nameScopes.append((
        try ConfigPattern(key, at: path),
        try CompiledScope(config: config, path: path, source: .moduleName(key: key, inheritedFrom: nil))))
    }

    var choices: [String: ModuleChoice] = [:]
    var rows: [ResolvedTensor] = []
    for module in tree.modules {
      var choice: ModuleChoice?
      if let named = nameScopes.last(where: { $0.pattern.fullyMatches(module.name) }) {
        choice = ModuleChoice(level: 2, scope: named.scope, matchedModule: module.name, isDirect: true)
      } else if let typed = typeScopes[module.type] {
        choice = ModuleChoice(level: 1, scope: typed, matchedModule: module.name, isDirect: true)
      } else if let global {
        choice = ModuleChoice(level: 0, scope: global, matchedModule: module.name, isDirect: true)
      }
      if let parent = tree.parent(of: module.name), let inherited = choices[parent],
        inherited.level > choice?.level ?? -1
      {
        choice = ModuleChoice(
          level: inherited.level, scope: inherited.scope, matchedModule: inherited.matchedModule,
          isDirect: false)
      }
      choices[module.name] = choice
      for state in module.states {
        rows.append(Self.resolveState(state, of: module, choice: choice))
      }
    }
    return rows
  }

  private static func resolveState(
    _ state: String, of module: ModuleNode, choice: ModuleChoice?
  ) -> ResolvedTensor {
    let consumers = module.ops.filter { $0.states.contains(state) }
    let op = consumers.first { $0.kind != nil } ?? consumers.first
    var row = ResolvedTensor(
      name: module.tensorName(state), module: module.name, moduleType: module.type, state: state,
      op: op, spec: nil, options: nil, decision: .init(moduleLevel: .none), reason: "")

    guard let choice else {
      row.decision.skip = .noModuleConfig
      row.reason = "skipped: no global_config, and no module_type_configs or module_name_configs "
        + "entry matches the module or an ancestor"
      return row
    }
    row.decision.moduleLevel = choice.moduleLevel
    let inherited = choice.isDirect ? "" : "; inherited from module \"\(choice.matchedModule)\""
    func skip(_ reason: ResolvedTensor.SkipReason, _ text: String) -> ResolvedTensor {
      var skipped = row
      skipped.decision.skip = reason
      skipped.reason = "skipped: " + text + inherited
      return skipped
    }
    let scope = choice.scope
    guard let config = scope.config else {
      return skip(.scopeDisabled, "\(scope.path) is null")
    }
    func decide(
      _ spec: PalettizationSpec?, at specPath: ConfigKeyPath, opSuffix: String
    ) -> ResolvedTensor {
      guard let spec else { return skip(.specNull, "\(specPath) is null\(opSuffix)") }
      var decided = row
      decided.spec = spec
      decided.options = config.clusteringOptions
      decided.reason = "\(specPath)\(opSuffix)\(inherited)"
      return decided
    }

    if choice.isDirect, let entry = config.moduleStateSpec[state] {
      row.decision.opLevel = .moduleStateSpec(stateKey: state)
      return decide(entry, at: scope.path.field("module_state_spec").key(state), opSuffix: "")
    }
    guard let op else { return skip(.noConsumingOp, "no op consumes it") }
    guard op.kind != nil else {
      return skip(.unsupportedOp(type: op.type), "consumed only by op \(op.name) of unsupported type \(op.type)")
    }
    let opSuffix = " (op \(op.name))"

    // The op-level map: op name config, op type config, or the module's own op_state_spec.
    let specMap: [String: PalettizationSpec?]?
    let mapPath: ConfigKeyPath
    let makeLevel: (String?) -> ResolvedTensor.OpLevel
    if let named = scope.opNamePatterns.last(where: { $0.pattern.fullyMatches(op.name) }) {
      let key = named.pattern.key
      let path = scope.path.field("op_name_config").key(key)
      makeLevel = { .opNameConfig(key: key, stateKey: $0) }
      guard let opConfig = named.config else {
        row.decision.opLevel = makeLevel(nil)
        return skip(.opConfigNull, "\(path) is null\(opSuffix)")
      }
      specMap = opConfig.opStateSpec
      mapPath = path.field("op_state_spec")
    } else if let typed = config.opTypeConfig[op.type] {
      let path = scope.path.field("op_type_config").key(op.type)
      makeLevel = { .opTypeConfig(key: op.type, stateKey: $0) }
      guard let opConfig = typed else {
        row.decision.opLevel = makeLevel(nil)
        return skip(.opConfigNull, "\(path) is null\(opSuffix)")
      }
      specMap = opConfig.opStateSpec
      mapPath = path.field("op_state_spec")
    } else {
      makeLevel = { .opStateSpec(stateKey: $0) }
      specMap = config.opStateSpec
      mapPath = scope.path.field("op_state_spec")
    }
    row.decision.opLevel = makeLevel(nil)
    guard let specMap else { return skip(.opStateSpecNull, "\(mapPath) is null\(opSuffix)") }
    guard let stateKey = specMap[state] != nil ? state : (specMap["*"] != nil ? "*" : nil),
      let entry = specMap[stateKey]
    else {
      return skip(.stateNotInOpStateSpec, "\(mapPath) has no entry for \(state) or \"*\"\(opSuffix)")
    }
    row.decision.opLevel = makeLevel(stateKey)
    return decide(entry, at: mapPath.key(stateKey), opSuffix: opSuffix)
  }
}

/// A module-level config with its key path and compiled op-name patterns.
private struct CompiledScope {
  let config: ModuleKMeansPalettizerConfig?
  let path: ConfigKeyPath
  let source: ResolvedTensor.ModuleLevel
  let opNamePatterns: [(pattern: ConfigPattern, config: OpKMeansPalettizerConfig?)]

  init(config: ModuleKMeansPalettizerConfig?, path: ConfigKeyPath, source: ResolvedTensor.ModuleLevel)
    throws(ConfigError)
  {
    self.config = config
    self.path = path
    self.source = source
    var patterns: [(pattern: ConfigPattern, config: OpKMeansPalettizerConfig?)] = []
    for (key, opConfig) in config?.opNameConfig ?? [:] {
      patterns.append((try ConfigPattern(key, at: path.field("op_name_config").key(key)), opConfig))
    }
    opNamePatterns = patterns
  }
}

/// The module config a module ended up with: level 2 = name, 1 = type, 0 = global.
private struct ModuleChoice {
  let level: Int
  let scope: CompiledScope
  /// The module whose own match produced the choice (itself, or the ancestor inherited from).
  let matchedModule: String
  let isDirect: Bool

  var moduleLevel: ResolvedTensor.ModuleLevel {
    let from = isDirect ? nil : matchedModule
    switch scope.source {
    case .moduleType(let key, _): return .moduleType(key: key, inheritedFrom: from)
    case .moduleName(let key, _): return .moduleName(key: key, inheritedFrom: from)
    case .global, .none: return scope.source
    }
  }
}
