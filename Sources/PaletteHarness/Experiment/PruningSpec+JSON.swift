import Foundation
import Palettization

extension PruningSpec {
  /// Parses `--prune`'s JSON text, e.g. `{"method": "magnitude", "sparsity": 0.5}` or
  /// `{"method": "n_m", "n": 2, "m": 4}`.
  /// - Throws: ``ExperimentError`` naming `source`, the key and the problem, e.g.
  ///   `--prune: sparsity 1.5 must be in [0, 1]`.
  public static func parse(json text: String, source: String = "--prune") throws(ExperimentError) -> PruningSpec {
    try JSONNode.parse(Data(text.utf8), file: source).pruningSpec()
  }
}

extension JSONNode {
  /// A ``PruningSpec`` object (`method` `magnitude` with `sparsity`, or `n_m` with `n` and
  /// `m`), validated; errors name this node's key path.
  func pruningSpec() throws(ExperimentError) -> PruningSpec {
    let fields = try object(allowed: ["method", "sparsity", "n", "m"])
    guard let method = fields["method"] else { throw fail("is missing 'method' (magnitude or n_m)") }
    func required(_ key: String, _ what: String) throws(ExperimentError) -> JSONNode {
      guard let node = fields[key] else { throw fail("is missing '\(key)' (\(what))") }
      return node
    }
    func reject(_ keys: [String], _ name: String) throws(ExperimentError) {
      for key in keys where fields[key] != nil { throw fail("has '\(key)', which method \(name) does not take") }
    }
    let spec: PruningSpec
    switch try method.string() {
    case "magnitude":
      try reject(["n", "m"], "magnitude")
      spec = .magnitude(sparsity: try required("sparsity", "the fraction of weights to zero, in [0, 1]").double())
    case "n_m":
      try reject(["sparsity"], "n_m")
      spec = .nM(n: try required("n", "weights kept of every m").int(), m: try required("m", "the run length").int())
    default:
      throw method.fail("must be magnitude or n_m, found \(method.rendered)")
    }
    do { try spec.validate(path: path) } catch {
      throw ExperimentError(file: file, keyPath: error.keyPath, problem: "\(error.value) \(error.problem)")
    }
    return spec
  }
}
