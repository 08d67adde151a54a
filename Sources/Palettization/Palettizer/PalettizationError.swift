import Foundation

/// Why one weight could not be palettized.
public enum PalettizationError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
  /// The shape does not fit the spec: the model layer skips the tensor with a warning.
  case shape(ShapeError)
  /// The spec itself is invalid.
  case spec(SpecError)
  /// The random generator could not be created.
  case random(RandomError)

  /// True when the tensor should be skipped (with a warning) rather than the run failing.
  public var isSkip: Bool {
    if case .shape = self { return true }
    return false
  }

  public var description: String {
    switch self {
    case .shape(let e): return e.description
    case .spec(let e): return e.description
    case .random(let e): return e.description
    }
  }

  public var errorDescription: String? { description }
}
