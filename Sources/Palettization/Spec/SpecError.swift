import Foundation

/// An invalid field of a spec or config: which key, what value, and what is allowed.
public struct SpecError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
  /// Dotted key path in the YAML/JSON schema, e.g. `op_state_spec.weight.n_bits`.
  public var keyPath: String
  /// The offending value as written.
  public var value: String
  /// What is wrong, phrased to follow `"<keyPath>: <value> "`.
  public var problem: String

  public init(keyPath: String, value: String, problem: String) {
    self.keyPath = keyPath
    self.value = value
    self.problem = problem
  }

  public var description: String { "\(keyPath): \(value) \(problem)" }
  public var errorDescription: String? { description }
}
