extension ModuleKMeansPalettizerConfig {
  /// Ready-made module configs, the seed's `ModuleKMeansPalettizerConfig.presets`.
  public struct Presets: Sendable {
    /// The state tensors every preset palettizes.
    public static let states = ["weight", "in_proj_weight"]

    /// 4-bit per-grouped-channel: `PalettizationSpec(nBits: 4, granularity:
    /// .perGroupedChannel(axis: axis, groupSize: groupSize))` on `weight` and
    /// `in_proj_weight`; default axis 0, group size 16. Everything else at its default.
    public func w4(axis: Int? = 0, groupSize: Int = 16) -> ModuleKMeansPalettizerConfig {
      grouped(nBits: 4, axis: axis, groupSize: groupSize)
    }

    /// 6-bit per-grouped-channel: as ``w4(axis:groupSize:)`` with `nBits: 6`.
    public func w6(axis: Int? = 0, groupSize: Int = 16) -> ModuleKMeansPalettizerConfig {
      grouped(nBits: 6, axis: axis, groupSize: groupSize)
    }

    /// 8-bit per-tensor: `PalettizationSpec(nBits: 8)` on `weight` and `in_proj_weight`.
    public func w8() -> ModuleKMeansPalettizerConfig {
      onWeights(PalettizationSpec(nBits: 8))
    }

    private func grouped(nBits: Int, axis: Int?, groupSize: Int) -> ModuleKMeansPalettizerConfig {
      onWeights(PalettizationSpec(
        nBits: nBits, granularity: .perGroupedChannel(axis: axis, groupSize: groupSize)))
    }

    private func onWeights(_ spec: PalettizationSpec) -> ModuleKMeansPalettizerConfig {
      ModuleKMeansPalettizerConfig(
        opStateSpec: Dictionary(uniqueKeysWithValues: Self.states.map { ($0, spec) }))
    }
  }

  /// Ready-made module configs: `ModuleKMeansPalettizerConfig.presets.w8()`.
  public static var presets: Presets { Presets() }
}
