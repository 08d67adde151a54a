import Foundation

/// A CSV file that cannot be read, or a column that is not there: which file, which line, what.
public struct CSVError: LocatedError, Equatable, Sendable {
  /// What went wrong.
  public enum Kind: Equatable, Sendable {
    /// The file could not be read; the payload is the system's reason.
    case unreadable(String)
    /// The bytes are not UTF-8.
    case invalidUTF8
    /// The file holds no header line.
    case empty
    /// A quoted field runs to the end of the file; `line` is where its opening quote is.
    case unterminatedQuote
    /// A `"` inside a field that did not start with one.
    case quoteInUnquotedField
    /// Something other than `,` or a line break right after a closing quote.
    case characterAfterClosingQuote(Character)
    /// A record whose number of fields differs from the header's.
    case fieldCount(expected: Int, found: Int)
    /// The header names a column twice.
    case duplicateColumn(String)
    /// A column asked for by name is not in the header.
    case missingColumn(String, available: [String])
  }

  /// The file (or source name) the table came from.
  public var file: String
  /// The 1-based line the problem is on (the first line of a multi-line record), if any.
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
    case .unreadable(let reason): return "cannot read file: \(reason)"
    case .invalidUTF8: return "not valid UTF-8 text"
    case .empty: return "empty file, expected a header line"
    case .unterminatedQuote: return "quoted field is not terminated (opening quote on this line)"
    case .quoteInUnquotedField: return "'\"' inside an unquoted field (quote the whole field and double the quote)"
    case .characterAfterClosingQuote(let c):
      return "unexpected '\(c.unicodeScalars.map { $0.escaped(asASCII: true) }.joined())' after closing quote, expected ',' or end of line"
    case .fieldCount(let expected, let found):
      return "record has \(found) field\(found == 1 ? "" : "s"), the header has \(expected)"
    case .duplicateColumn(let name): return "column '\(name)' appears twice in the header"
    case .missingColumn(let name, let available):
      return "no column '\(name)'; columns: \(available.joined(separator: ", "))"
    }
  }
}
