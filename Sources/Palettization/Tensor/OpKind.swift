/// The ops whose weights PaletteLab palettizes, named as the reference names them.
public enum OpKind: String, Codable, Sendable, CaseIterable {
  case linear
  case multiHeadAttentionForward = "multi_head_attention_forward"
  case conv1d, conv2d, conv3d
  case convTranspose1d = "conv_transpose1d"
  case convTranspose2d = "conv_transpose2d"
  case convTranspose3d = "conv_transpose3d"

  /// The grouping axis a `nil` granularity axis means: 1 for transposed conv (its weight is
  /// `[in, out, …]`), else 0.
  public var defaultAxis: Int {
    switch self {
    case .convTranspose1d, .convTranspose2d, .convTranspose3d: return 1
    default: return 0
    }
  }

  /// The weight's input dimension: 0 for transposed conv (`[in, out, …]`), else 1
  /// (`[out, in, …]`). `n:m` pruning runs along it.
  public var inputAxis: Int { 1 - defaultAxis }
}
