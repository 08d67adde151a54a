/// The ops whose weights PaletteLab palettizes, named as the reference names them.
public enum OpKind: String, Codable, Sendable, CaseIterable {
  case linear
  case multiHeadAttentionForward = "multi_head_attention_forward"
  case conv1d, conv2d, conv3d
  case convTranspose1d = "conv_transpose1d"
  case convTranspose2d = "conv_transpose2d"
  case convTranspose3d = "conv_transpose3d"
  /// GPT-2's `transformers.pytorch_utils.Conv1D`, which computes `addmm(bias, x, weight)` with
  /// its weight stored `[in, out]`: a Linear stored transposed.
  case addmm

  /// The grouping axis a `nil` granularity axis means: 1 for transposed conv (its weight is
  /// `[in, out, …]`), else 0.
  public var defaultAxis: Int {
    switch self {
    case .convTranspose1d, .convTranspose2d, .convTranspose3d: return 1
    default: return 0
    }
  }

  /// The stored dimension holding input channels, along which `n:m` pruning runs: 0 for
  /// transposed conv (`[in, out, …]`) and for ``addmm`` (`[in, out]`), else 1 (`[out, in, …]`).
  public var inputAxis: Int {
    switch self {
    case .convTranspose1d, .convTranspose2d, .convTranspose3d, .addmm: return 0
    default: return 1
    }
  }

  /// The stored dimension a spec's grouping `axis` names. For ``addmm`` a spec speaks of the
  /// Linear the op is, `[out, in]`, so axis 0 (output channels) is stored dimension 1 and the
  /// `w4` preset's axis 0 groups a Conv1D's output channels as it does a Linear's. Every other
  /// op: the axis as stored.
  public func storedAxis(_ axis: Int) -> Int { self == .addmm ? 1 - axis : axis }

  /// The stored dimension holding output channels, which per-channel scales divide: 1 for
  /// ``addmm`` (`[in, out]`), else 0 — transposed conv included, whose per-channel scale SPEC
  /// section 3 puts on dimension 0 as stored.
  public var outputAxis: Int { self == .addmm ? 1 : 0 }
}
