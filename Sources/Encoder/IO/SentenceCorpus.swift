import Foundation

/// A text file of sentences, one per line.
///
/// Lines are split at LF (`\n`) only; one CR before it is dropped (CRLF files); a line holding
/// only White_Space characters (or nothing) is blank and skipped. Every other line is a
/// sentence, exactly as written — including a line that the tokenizer later cleans to nothing
/// (control characters only), which encodes as `[CLS] [SEP]`. Other line separators (U+2028,
/// form feed, …) stay inside their line; the tokenizer treats them as spaces or drops them.
public enum SentenceCorpus {
  /// The sentences of the file at `url`, in file order.
  /// - Throws: ``EncoderError`` when the file is missing, a line is not UTF-8 (naming it), or
  ///   no sentence is left.
  public static func read(_ url: URL) throws(EncoderError) -> [String] {
    try readNumbered(url).map(\.text)
  }

  /// The sentences of the file at `url` with their 1-based line numbers, in file order (for
  /// messages that point into the file).
  /// - Throws: as ``read(_:)``.
  public static func readNumbered(_ url: URL) throws(EncoderError) -> [(line: Int, text: String)] {
    guard let data = FileManager.default.contents(atPath: url.path) else {
      throw EncoderError(file: url.path, problem: "cannot read the corpus file (missing or unreadable)")
    }
    let sentences = try parseNumbered(Array(data), path: url.path)
    guard !sentences.isEmpty else {
      throw EncoderError(file: url.path, problem: "the corpus holds no sentences (every line is blank)")
    }
    return sentences
  }

  /// The sentences of `bytes` (see the type's rules); `path` names the source in errors.
  public static func parse(_ bytes: [UInt8], path: String) throws(EncoderError) -> [String] {
    try parseNumbered(bytes, path: path).map(\.text)
  }

  /// The sentences of `bytes` with their 1-based line numbers (blank lines are counted, not
  /// returned); `path` names the source in errors.
  public static func parseNumbered(_ bytes: [UInt8], path: String) throws(EncoderError) -> [(line: Int, text: String)] {
    var sentences: [(line: Int, text: String)] = []
    var lineNumber = 0
    for var line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
      lineNumber += 1
      if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
      guard let text = String(validating: line, as: UTF8.self) else {
        throw EncoderError(file: path, problem: "line \(lineNumber) is not valid UTF-8")
      }
      if text.unicodeScalars.allSatisfy(\.properties.isWhitespace) { continue }
      sentences.append((lineNumber, text))
    }
    return sentences
  }
}
