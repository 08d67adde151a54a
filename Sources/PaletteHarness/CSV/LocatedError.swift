import Foundation

/// An error about a place in a file: printed as `file:line: problem`, or `file: problem`
/// when no line applies, the way compilers report locations.
public protocol LocatedError: Error, LocalizedError, CustomStringConvertible {
  /// The file (or source name) at fault.
  var file: String { get }
  /// The 1-based line at fault, if any.
  var line: Int? { get }
  /// What is wrong, without the location.
  var problem: String { get }
}

extension LocatedError {
  /// `file:line: problem`, or `file: problem` when there is no line.
  public var description: String {
    if let line { return "\(file):\(line): \(problem)" }
    return "\(file): \(problem)"
  }

  /// Same as ``description``.
  public var errorDescription: String? { description }
}
