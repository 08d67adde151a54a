/// What a config decides for one state tensor of a model, and why: one row of
/// ``KMeansPalettizerConfig/resolve(_:)``.
public struct ResolvedTensor: Sendable, Hashable {
  /// Full tensor name: `module.state`, or just `state` on the root module.
  public var name: String
  /// The owning module's dotted name (`""` = root).
  public var module: String
  /// The owning module's fully-qualified type.
  public var moduleType: String
  /// The tensor's local name within its module (`weight`).
  public var state: String
  /// The op consuming the tensor: the first supported op listing it, else the first op listing
  /// it; `nil` when no op consumes it.
  public var op: OpInfo?
  /// The spec to palettize with; `nil` = leave the tensor uncompressed.
  public var spec: PalettizationSpec?
  /// Clustering settings of the module config that decided; `nil` exactly when `spec` is.
  public var options: ClusteringOptions?
  /// Which config entries decided, structurally.
  public var decision: Decision
  /// The decision in words, naming the deciding config key path, e.g.
  /// `module_type_configs["torch.nn.modules.linear.Linear"].op_state_spec.weight (op linear)`,
  /// `module_name_configs.blk.op_state_spec.weight (op linear); inherited from module "blk"` or
  /// `skipped: global_config.op_state_spec has no entry for bias or "*" (op linear)`.
  public var reason: String

  /// Creates a row.
  public init(
    name: String, module: String, moduleType: String, state: String, op: OpInfo?,
    spec: PalettizationSpec?, options: ClusteringOptions?, decision: Decision, reason: String
  ) {
    self.name = name
    self.module = module
    self.moduleType = moduleType
    self.state = state
    self.op = op
    self.spec = spec
    self.options = options
    self.decision = decision
    self.reason = reason
  }

  /// The structured reason: module-level source, op-level source, and why it was skipped.
  public struct Decision: Sendable, Hashable {
    /// Which module config applied.
    public var moduleLevel: ModuleLevel
    /// Where op-level lookup ended; `nil` when it was never reached (scope disabled or
    /// absent, no op, unsupported op).
    public var opLevel: OpLevel?
    /// Why the tensor is left alone; `nil` when it is palettized.
    public var skip: SkipReason?

    /// Creates a decision.
    public init(moduleLevel: ModuleLevel, opLevel: OpLevel? = nil, skip: SkipReason? = nil) {
      self.moduleLevel = moduleLevel
      self.opLevel = opLevel
      self.skip = skip
    }
  }

  /// The module-level source of a tensor's config.
  public enum ModuleLevel: Sendable, Hashable {
    /// No global config, and no type or name key matches the module or an ancestor.
    case none
    /// `global_config`.
    case global
    /// `module_type_configs[key]`, matched by this module or by ancestor `inheritedFrom`.
    case moduleType(key: String, inheritedFrom: String?)
    /// `module_name_configs[key]`, matched by this module or by ancestor `inheritedFrom`.
    case moduleName(key: String, inheritedFrom: String?)
  }

  /// The op-level source: which map of the module config was consulted, and which state key
  /// (`state` or `"*"`) matched in it (`nil` when none did or the map is `null`).
  public enum OpLevel: Sendable, Hashable {
    /// `module_state_spec[stateKey]` of the directly matched module config.
    case moduleStateSpec(stateKey: String)
    /// The last `op_name_config` key fully matching the op name.
    case opNameConfig(key: String, stateKey: String?)
    /// `op_type_config[key]` for the op type.
    case opTypeConfig(key: String, stateKey: String?)
    /// The module config's own `op_state_spec`.
    case opStateSpec(stateKey: String?)
  }

  /// Why a tensor is not palettized.
  public enum SkipReason: Sendable, Hashable {
    /// No module config applies (no global config, nothing matched).
    case noModuleConfig
    /// The applying module config is `null` (a disabled type or name scope).
    case scopeDisabled
    /// No op consumes the tensor and no `module_state_spec` entry names it.
    case noConsumingOp
    /// Only ops of an unsupported type (the associated value) consume it.
    case unsupportedOp(type: String)
    /// The matching `op_name_config` / `op_type_config` entry is `null`.
    case opConfigNull
    /// The consulted `op_state_spec` is `null`.
    case opStateSpecNull
    /// The consulted `op_state_spec` names neither the state nor `"*"`.
    case stateNotInOpStateSpec
    /// The matching spec entry is `null`.
    case specNull
  }
}
