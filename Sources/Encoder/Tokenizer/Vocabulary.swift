import Foundation

/// A WordPiece vocabulary: token ↔ id, from a `vocab.txt` with one token per line (id = line
/// number, 0-based).
///
/// Tokens are compared as UTF-8 bytes, as the reference tokenizers do — not as Swift `String`s,
/// whose equality is Unicode canonical equivalence and would let `é` (U+00E9) match `e` + U+0301.
public struct Vocabulary: Sendable {
  private var ids: [[UInt8]: Int32]
  /// Tokens by id.
  public let tokens: [String]

  /// A vocabulary of `tokens`, id = position. A token listed twice keeps its last id (as the
  /// reference loaders do).
  public init(tokens: [String]) {
    self.tokens = tokens
    var ids: [[UInt8]: Int32] = [:]
    ids.reserveCapacity(tokens.count)
    for (id, token) in tokens.enumerated() { ids[Array(token.utf8)] = Int32(id) }
    self.ids = ids
  }

  /// Reads `vocab.txt`: lines split at `\n`, trailing whitespace removed (as `tokenizers` does).
  /// - Throws: ``EncoderError`` when the file is missing, not UTF-8, or empty.
  public init(contentsOf url: URL) throws(EncoderError) {
    guard let data = FileManager.default.contents(atPath: url.path) else {
      throw EncoderError(file: url.path, problem: "missing or unreadable; run scripts/setup to fetch the MiniLM model directory")
    }
    guard let text = String(validating: data, as: UTF8.self) else {
      throw EncoderError(file: url.path, problem: "is not UTF-8 text")
    }
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
      String(line.unicodeScalars.reversed().drop(while: \.properties.isWhitespace).reversed().map(Character.init))
    }
    if lines.last == "" { lines.removeLast() }
    guard !lines.isEmpty else { throw EncoderError(file: url.path, problem: "holds no tokens") }
    self.init(tokens: lines)
  }

  /// Number of tokens.
  public var count: Int { tokens.count }

  /// The id of the token spelled by `utf8`, or `nil`.
  public func id<C: Collection<UInt8>>(utf8: C) -> Int32? { ids[Array(utf8)] }

  /// The id of `token`, or `nil`.
  public func id(_ token: String) -> Int32? { ids[Array(token.utf8)] }
}
