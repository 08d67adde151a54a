import Foundation

extension CSVTable {
  /// The table as RFC 4180 text with `\n` line ends, every record (the last too) ending in `\n`.
  ///
  /// A field is quoted, with inner quotes doubled, exactly when it contains `,`, `"`, `\r` or
  /// `\n`, or when it is the only field of a record and is empty (so the line is not blank).
  /// No other transformation is applied, so output depends only on the table's contents.
  /// - Complexity: O(total length of all fields).
  public func encoded() -> String {
    var out = ""
    appendRecord(header, to: &out)
    for row in rows { appendRecord(row, to: &out) }
    return out
  }

  /// Writes ``encoded()`` as UTF-8 to `url` atomically (see ``AtomicFile``).
  /// - Throws: ``AtomicFileError`` when the file cannot be written.
  public func write(to url: URL) throws {
    try AtomicFile.write(Data(encoded().utf8), to: url)
  }

  private func appendRecord(_ fields: [String], to out: inout String) {
    for (i, field) in fields.enumerated() {
      if i > 0 { out.append(",") }
      if CSVTable.needsQuotes(field) || (fields.count == 1 && field.isEmpty) {
        out.append("\"")
        out.append(field.replacingOccurrences(of: "\"", with: "\"\""))
        out.append("\"")
      } else {
        out.append(field)
      }
    }
    out.append("\n")
  }

  private static func needsQuotes(_ field: String) -> Bool {
    field.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"")
      || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }
  }
}
