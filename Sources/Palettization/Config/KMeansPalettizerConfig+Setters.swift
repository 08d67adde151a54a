/// Chaining setters, after the seed's `set_global`, `set_module_type`, `set_module_name`,
/// `only_for` and `without`.
///
/// Configs are values, so each setter returns a modified copy (which is what makes
/// `KMeansPalettizerConfig.presets.w4().setModuleType(…).setModuleName(…)` chain); the result
/// must be used — `config = config.setModuleType(…)` — and the compiler warns when it is not.
extension KMeansPalettizerConfig {
  /// A copy with `globalConfig` replaced (`nil` = no global config).
  public func setGlobal(_ config: ModuleKMeansPalettizerConfig?) -> KMeansPalettizerConfig {
    var copy = self
    copy.globalConfig = config
    return copy
  }

  /// A copy with the config for module type `type` (fully qualified, e.g.
  /// `torch.nn.modules.linear.Linear`) set; `nil` disables that type's scope.
  public func setModuleType(
    _ type: String, _ config: ModuleKMeansPalettizerConfig?
  ) -> KMeansPalettizerConfig {
    var copy = self
    copy.moduleTypeConfigs[type] = .some(config)
    return copy
  }

  /// A copy with the config for module-name regular expression `name` set (an existing key
  /// keeps its position, a new key goes last and so wins over earlier matches); `nil` disables
  /// the matched scope.
  public func setModuleName(
    _ name: String, _ config: ModuleKMeansPalettizerConfig?
  ) -> KMeansPalettizerConfig {
    var copy = self
    copy.moduleNameConfigs[name] = .some(config)
    return copy
  }

  /// A copy that palettizes only the listed scopes: the global config is moved onto each listed
  /// module type and module-name regular expression that has no entry yet (entries already
  /// present are kept), and the global config is removed. With no global config, the listed
  /// scopes get a `nil` (disabling) entry.
  public func onlyFor(types: [String] = [], names: [String] = []) -> KMeansPalettizerConfig {
    var copy = self
    for type in types where copy.moduleTypeConfigs[type] == nil {
      copy.moduleTypeConfigs[type] = .some(globalConfig)
    }
    for name in names where copy.moduleNameConfigs[name] == nil {
      copy.moduleNameConfigs[name] = .some(globalConfig)
    }
    copy.globalConfig = nil
    return copy
  }

  /// A copy that leaves the listed module types and module-name regular expressions (and their
  /// descendants, unless these match a config at an equal or higher level) uncompressed, by
  /// setting their entries to `nil`. A name entry is (re)placed last, so it wins over earlier
  /// name keys.
  public func without(types: [String] = [], names: [String] = []) -> KMeansPalettizerConfig {
    var copy = self
    for type in types { copy.moduleTypeConfigs[type] = .some(nil) }
    for name in names {
      copy.moduleNameConfigs[name] = nil
      copy.moduleNameConfigs[name] = .some(nil)
    }
    return copy
  }
}
