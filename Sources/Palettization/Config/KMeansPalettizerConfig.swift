/// What to palettize in a whole model: the seed's `KMeansPalettizerConfig`.
///
/// For each module, the module config is chosen by precedence (SPEC section 2):
/// ``moduleNameConfigs`` (regular expression, full match on the dotted module name; the last
/// matching key wins) > ``moduleTypeConfigs`` (exact fully-qualified type name) >
/// ``globalConfig``. A config matched by name or type also applies to the module's descendants,
/// unless a descendant matches at an equal or higher level itself. A `nil` config disables its
/// scope. See ``resolve(_:)``.
///
/// **Absent versus default global config.** The two initialisers differ on purpose:
/// - ``init()`` is the seed's no-argument config: the default global config
///   (`ModuleKMeansPalettizerConfig()`, 4-bit per-tensor scalar on `weight` and
///   `in_proj_weight`) and nothing else. In YAML: an empty `kmeans_palettization_config`.
/// - ``init(globalConfig:moduleTypeConfigs:moduleNameConfigs:)`` takes every part explicitly,
///   and an omitted `globalConfig` means **no** global config, so
///   `KMeansPalettizerConfig(moduleTypeConfigs: [...])` palettizes only the listed types, as
///   the seed's second example documents. (The reference library's code adds the default
///   global config whenever it is omitted, contradicting its documentation; PaletteLab follows
///   the documentation.)
public struct KMeansPalettizerConfig: Sendable, Hashable {
  /// Config for every module no type or name key covers; `nil` leaves those modules alone.
  public var globalConfig: ModuleKMeansPalettizerConfig?
  /// Fully-qualified module type (`torch.nn.modules.linear.Linear`, must contain a dot) →
  /// module config; a `nil` config disables palettization of that type's scope.
  public var moduleTypeConfigs: [String: ModuleKMeansPalettizerConfig?]
  /// Module-name regular expression (full match) → module config, in order: the last matching
  /// key wins. A `nil` config disables the matched scope.
  public var moduleNameConfigs: OrderedConfigMap<ModuleKMeansPalettizerConfig?>

  /// The seed's default config: `globalConfig = ModuleKMeansPalettizerConfig()`, no type or
  /// name configs.
  public init() {
    self.init(globalConfig: ModuleKMeansPalettizerConfig())
  }

  /// A config made of exactly the given parts; an omitted `globalConfig` means none (see the
  /// type's discussion).
  public init(
    globalConfig: ModuleKMeansPalettizerConfig? = nil,
    moduleTypeConfigs: [String: ModuleKMeansPalettizerConfig?] = [:],
    moduleNameConfigs: OrderedConfigMap<ModuleKMeansPalettizerConfig?> = [:]
  ) {
    self.globalConfig = globalConfig
    self.moduleTypeConfigs = moduleTypeConfigs
    self.moduleNameConfigs = moduleNameConfigs
  }
}
