/// Palettization of one op's state tensors, chosen by op type or op name: the seed's
/// `OpKMeansPalettizerConfig`. Only `op_state_spec` is used.
///
/// `OpKMeansPalettizerConfig()` palettizes `weight` and `in_proj_weight` with
/// ``defaultWeightPalettizationSpec()`` (4-bit, per-tensor, scalar) and leaves every other
/// tensor (e.g. `bias`) alone.
public struct OpKMeansPalettizerConfig: Sendable, Hashable {
  /// State name → spec. The key `"*"` covers every state the op consumes; an exact state name
  /// takes precedence over `"*"`. A `nil` spec leaves that tensor uncompressed; a `nil` map
  /// leaves the whole op uncompressed.
  public var opStateSpec: [String: PalettizationSpec?]?

  /// `weight` and `in_proj_weight` at the default spec: what every no-argument config uses.
  public static let defaultOpStateSpec: [String: PalettizationSpec?] = [
    "weight": defaultWeightPalettizationSpec(),
    "in_proj_weight": defaultWeightPalettizationSpec(),
  ]

  /// Creates an op config; the default is ``defaultOpStateSpec``.
  public init(opStateSpec: [String: PalettizationSpec?]? = Self.defaultOpStateSpec) {
    self.opStateSpec = opStateSpec
  }
}
