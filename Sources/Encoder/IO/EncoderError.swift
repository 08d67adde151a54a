import Foundation

/// A sentence-encoder input that cannot be used: which file, tensor or sentence, and what is
/// wrong (missing model files, a config the encoder does not implement, a weight that does not
/// fit, an empty corpus, a BLAS library that cannot be opened).
public struct EncoderError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
  /// The file at fault, or `nil` when the problem is not about one file.
  public var file: String?
  /// What is wrong and, where it helps, what to do about it.
  public var problem: String

  public init(file: String?, problem: String) {
    self.file = file
    self.problem = problem
  }

  /// `file: problem`, or just the problem.
  public var description: String { file.map { "\($0): \(problem)" } ?? problem }
  public var errorDescription: String? { description }
}
