import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An ``AtomicFile`` write that failed: the destination, the step, and the system's reason.
public struct AtomicFileError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
  /// The destination path.
  public var path: String
  /// The step that failed, e.g. `rename temporary file`.
  public var step: String
  /// The system's reason (`strerror` text).
  public var reason: String

  /// Creates an error for `path` at `step` with an explicit reason.
  public init(path: String, step: String, reason: String) {
    self.path = path
    self.step = step
    self.reason = reason
  }

  init(path: String, step: String, errno code: Int32) {
    self.init(path: path, step: step, reason: String(cString: strerror(code)))
  }

  /// `cannot write <path>: <step> failed: <reason>`.
  public var description: String { "cannot write \(path): \(step) failed: \(reason)" }
  public var errorDescription: String? { description }
}
