extension KMeansPalettizerConfig {
  /// Ready-made model configs, the seed's `KMeansPalettizerConfig.presets`: each is the module
  /// preset of the same name as the global config, with no type or name configs.
  public struct Presets: Sendable {
    /// Global ``ModuleKMeansPalettizerConfig/Presets/w4(axis:groupSize:)``: 4-bit,
    /// per-grouped-channel (axis 0, group size 16 by default) on `weight` and `in_proj_weight`.
    public func w4(axis: Int? = 0, groupSize: Int = 16) -> KMeansPalettizerConfig {
      KMeansPalettizerConfig(globalConfig: ModuleKMeansPalettizerConfig.presets.w4(axis: axis, groupSize: groupSize))
    }

    /// Global ``ModuleKMeansPalettizerConfig/Presets/w6(axis:groupSize:)``: 6-bit,
    /// per-grouped-channel (axis 0, group size 16 by default) on `weight` and `in_proj_weight`.
    public func w6(axis: Int? = 0, groupSize: Int = 16) -> KMeansPalettizerConfig {
      KMeansPalettizerConfig(globalConfig: ModuleKMeansPalettizerConfig.presets.w6(axis: axis, groupSize: groupSize))
    }

    /// Global ``ModuleKMeansPalettizerConfig/Presets/w8()``: 8-bit per-tensor on `weight` and
    /// `in_proj_weight`.
    public func w8() -> KMeansPalettizerConfig {
      KMeansPalettizerConfig(globalConfig: ModuleKMeansPalettizerConfig.presets.w8())
    }
  }

  /// Ready-made model configs: `KMeansPalettizerConfig.presets.w4()`.
  public static var presets: Presets { Presets() }
}
