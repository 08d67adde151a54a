import Foundation

/// A palettization config that cannot be read, written or used: which file, which key, what
/// value, and what is allowed.
///
/// The message reads `<file>: <key path>: <value> <problem>`, leaving out the parts that do not
/// apply, e.g.
/// `w4.yaml: module_type_configs["torch.nn.modules.linear.Linear"].op_state_spec.weight.n_bits: 5 is not one of 1, 2, 3, 4, 6, 8`.
/// Key paths are relative to the document's `kmeans_palettization_config` body; a map key that
/// is a plain identifier is written `.key`, any other key `["key"]`.
public struct ConfigError: Error, Hashable, Sendable, LocalizedError, CustomStringConvertible {
  /// The file the config came from, when it was loaded from or saved to one.
  public var file: String?
  /// Key path of the offending entry (`""` when the problem is the document as a whole).
  public var keyPath: String
  /// The offending value as written (strings quoted, `a mapping` / `a sequence` for
  /// collections); `nil` when the problem is a key, not a value.
  public var value: String?
  /// What is wrong, phrased to follow `<key path>: <value> `.
  public var problem: String

  /// Creates an error.
  public init(file: String? = nil, keyPath: String, value: String? = nil, problem: String) {
    self.file = file
    self.keyPath = keyPath
    self.value = value
    self.problem = problem
  }

  /// Converts a spec validation error (whose key path is already a full config key path).
  public init(_ error: SpecError, file: String? = nil) {
    self.init(file: file, keyPath: error.keyPath, value: error.value, problem: error.problem)
  }

  /// The same error, attributed to `file`.
  public func inFile(_ file: String?) -> ConfigError {
    var copy = self
    copy.file = file
    return copy
  }

  /// The one-line message.
  public var description: String {
    var text = ""
    if let file { text += "\(file): " }
    if !keyPath.isEmpty { text += "\(keyPath): " }
    if let value { text += "\(value) " }
    return text + problem
  }

  /// Same as ``description``.
  public var errorDescription: String? { description }
}
