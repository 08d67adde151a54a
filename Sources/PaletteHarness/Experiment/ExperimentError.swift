import Foundation

/// A problem with an experiment file: which file, where in it, and what is wrong.
public struct ExperimentError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
  /// The experiment file as the user named it.
  public var file: String
  /// Key path inside the file (`sweep[0].n_bits[2]`); empty for the whole document.
  public var keyPath: String
  /// What is wrong, phrased to follow the key path.
  public var problem: String

  public init(file: String, keyPath: String, problem: String) {
    self.file = file
    self.keyPath = keyPath
    self.problem = problem
  }

  public var description: String {
    keyPath.isEmpty ? "\(file): \(problem)" : "\(file): \(keyPath) \(problem)"
  }

  public var errorDescription: String? { description }
}
