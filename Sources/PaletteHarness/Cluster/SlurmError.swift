import Foundation

/// A Slurm submission that cannot be prepared or failed: what and why.
public struct SlurmError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
  public var problem: String

  public init(_ problem: String) { self.problem = problem }

  public var description: String { problem }
  public var errorDescription: String? { description }
}
