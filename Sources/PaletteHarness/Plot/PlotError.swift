import Foundation

/// A results CSV that cannot be plotted: which file, which line, what.
public struct PlotError: LocatedError, Equatable, Sendable {
  /// What went wrong.
  public enum Kind: Equatable, Sendable {
    /// No row has status `ok`; the counts of all rows and of each other status are given.
    case noOkRows(rows: Int, skipped: Int, errors: Int)
    /// The requested config id has no `ok` rows; `available` lists the ids that do.
    case unknownConfigID(String, available: [String])
    /// A value that must be a number is not one.
    case badValue(column: String, value: String, expected: String)
    /// One tensor appears twice for the same config id, seed and workers.
    case duplicateTensor(String, configID: String)
  }

  /// The results CSV.
  public var file: String
  /// The 1-based line of the offending record, if any.
  public var line: Int?
  /// What went wrong.
  public var kind: Kind

  /// Creates an error about `file`, at `line` when known.
  public init(file: String, line: Int? = nil, kind: Kind) {
    self.file = file
    self.line = line
    self.kind = kind
  }

  /// The problem, without the location.
  public var problem: String {
    switch kind {
    case .noOkRows(let rows, let skipped, let errors):
      return "no rows with status 'ok' to plot (\(rows) rows: \(skipped) skipped, \(errors) error)"
    case .unknownConfigID(let id, let available):
      return "config id '\(id)' has no rows with status 'ok'; config ids with ok rows: "
        + available.joined(separator: ", ")
    case .badValue(let column, let value, let expected):
      return "column '\(column)': '\(value)' is not \(expected)"
    case .duplicateTensor(let tensor, let configID):
      return "tensor '\(tensor)' appears twice for config id '\(configID)' with the same seed and workers"
    }
  }
}
