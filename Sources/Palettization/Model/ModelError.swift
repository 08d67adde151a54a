import Foundation

/// A model that cannot be loaded or used: which file or tensor, and what is wrong.
public struct ModelError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
  /// The file at fault (model, module manifest, sensitivities), or `nil` for an in-memory model.
  public var file: String?
  /// What is wrong.
  public var problem: String

  public init(file: String?, problem: String) {
    self.file = file
    self.problem = problem
  }

  public var description: String { file.map { "\($0): \(problem)" } ?? problem }
  public var errorDescription: String? { description }
}
