import Foundation

/// A pruning step run on a weight just before it is palettized: the experiments' `prune` key
/// and `harness palettize --prune`. Not part of the seed's config schema.
///
/// JSON: `{"method": "magnitude", "sparsity": 0.5}` or `{"method": "n_m", "n": 2, "m": 4}`.
/// Both methods are deterministic: magnitudes are compared as `|w|`, and among equal
/// magnitudes the element with the lower index counts as smaller (it is pruned first). Pruning
/// sets elements to exactly `+0.0`; an element that already was zero counts as the smallest.
/// See ``prune(_:op:)``.
public enum PruningSpec: Codable, Sendable, Hashable, CustomStringConvertible {
  /// Per tensor: the `round(sparsity · numel)` elements of smallest `|w|` become zero (rounded
  /// half to even, as `torch.nn.utils.prune.l1_unstructured` counts). `sparsity` in `[0, 1]`.
  case magnitude(sparsity: Double)
  /// Semi-structured `n:m`: in every run of `m` consecutive elements along the weight's input
  /// dimension, the `n` of largest `|w|` are kept and the other `m − n` become zero (2:4 is the
  /// pattern of sparse tensor cores). `1 <= n <= m`.
  case nM(n: Int, m: Int)

  /// Checks the parameters; `path` prefixes the key path named in the error (e.g. `sweep.prune[1]`).
  public func validate(path: String = "") throws(SpecError) {
    func key(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }
    switch self {
    case .magnitude(let sparsity):
      guard (0...1).contains(sparsity) else {
        throw SpecError(keyPath: key("sparsity"), value: "\(sparsity)", problem: "must be in [0, 1]")
      }
    case .nM(let n, let m):
      guard m >= 1 else { throw SpecError(keyPath: key("m"), value: "\(m)", problem: "must be at least 1") }
      guard (1...m).contains(n) else {
        throw SpecError(keyPath: key("n"), value: "\(n)", problem: "must be in 1...m (m = \(m))")
      }
    }
  }

  /// Short text for CSV cells and grid labels: `magnitude:0.5`, `n_m:2:4`.
  public var description: String {
    switch self {
    case .magnitude(let sparsity): return "magnitude:\(sparsity)"
    case .nM(let n, let m): return "n_m:\(n):\(m)"
    }
  }

  enum CodingKeys: String, CodingKey {
    case method, sparsity, n, m
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    switch try c.decode(String.self, forKey: .method) {
    case "magnitude":
      self = .magnitude(sparsity: try c.decode(Double.self, forKey: .sparsity))
    case "n_m":
      self = .nM(n: try c.decode(Int.self, forKey: .n), m: try c.decode(Int.self, forKey: .m))
    case let other:
      throw DecodingError.dataCorruptedError(
        forKey: .method, in: c, debugDescription: "method \"\(other)\" is not one of magnitude, n_m")
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    switch self {
    case .magnitude(let sparsity):
      try c.encode("magnitude", forKey: .method)
      try c.encode(sparsity, forKey: .sparsity)
    case .nM(let n, let m):
      try c.encode("n_m", forKey: .method)
      try c.encode(n, forKey: .n)
      try c.encode(m, forKey: .m)
    }
  }
}
