/// Whether a weight has one LUT, or one LUT per group of consecutive channels.
public enum Granularity: Sendable, Hashable {
  /// One LUT for the whole tensor.
  case perTensor
  /// One LUT per `groupSize` consecutive channels along `axis` (0 or 1). A `nil` axis is the
  /// op's default: 0 for linear and conv, 1 for transposed conv.
  case perGroupedChannel(axis: Int?, groupSize: Int)

  func validate(path: String) throws(SpecError) {
    guard case .perGroupedChannel(let axis, let groupSize) = self else { return }
    if let axis, axis != 0 && axis != 1 {
      throw SpecError(keyPath: "\(path).axis", value: "\(axis)", problem: "is not one of 0, 1")
    }
    guard groupSize > 0 else {
      throw SpecError(keyPath: "\(path).group_size", value: "\(groupSize)", problem: "must be positive")
    }
  }

  /// Short, stable text for CSV columns and logs: `per_tensor` or `per_grouped_channel(axis=0,group_size=16)`.
  public var label: String {
    switch self {
    case .perTensor: return "per_tensor"
    case .perGroupedChannel(let axis, let groupSize):
      return "per_grouped_channel(axis=\(axis.map(String.init) ?? "default"),group_size=\(groupSize))"
    }
  }
}

extension Granularity: Codable {
  enum CodingKeys: String, CodingKey { case type, axis, groupSize = "group_size" }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let type = try c.decode(String.self, forKey: .type)
    switch type {
    case "per_tensor":
      self = .perTensor
    case "per_grouped_channel":
      self = .perGroupedChannel(
        axis: try c.decodeIfPresent(Int.self, forKey: .axis),
        groupSize: try c.decode(Int.self, forKey: .groupSize))
    default:
      throw DecodingError.dataCorruptedError(
        forKey: .type, in: c,
        debugDescription: "granularity type '\(type)' is not one of per_tensor, per_grouped_channel")
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    switch self {
    case .perTensor:
      try c.encode("per_tensor", forKey: .type)
    case .perGroupedChannel(let axis, let groupSize):
      try c.encode("per_grouped_channel", forKey: .type)
      try c.encodeIfPresent(axis, forKey: .axis)
      try c.encode(groupSize, forKey: .groupSize)
    }
  }
}
