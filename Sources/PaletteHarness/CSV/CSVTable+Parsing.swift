import Foundation

extension CSVTable {
  /// Reads the CSV file at `url`; its path is the ``source`` named in errors.
  /// - Throws: ``CSVError`` when the file cannot be read, is not UTF-8 or is malformed.
  /// - Complexity: O(file size).
  public init(contentsOf url: URL) throws(CSVError) {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      let reason = (error as NSError).localizedFailureReason ?? error.localizedDescription
      throw CSVError(file: url.path, kind: .unreadable(reason))
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw CSVError(file: url.path, kind: .invalidUTF8)
    }
    try self.init(parsing: text, source: url.path)
  }

  /// Parses RFC 4180 text: the first record is the header, every later record must have as
  /// many fields.
  ///
  /// Line ends may be `\n`, `\r\n` or a lone `\r`; a final line end is optional. A leading
  /// UTF-8 byte order mark is skipped. A blank line is a record with one empty field (so it
  /// is an error unless the table has one column).
  /// - Throws: ``CSVError`` with the line of the record (or opening quote) at fault:
  ///   `.empty`, `.unterminatedQuote`, `.quoteInUnquotedField`, `.characterAfterClosingQuote`,
  ///   `.fieldCount`, `.duplicateColumn`.
  /// - Complexity: O(`text.utf8.count`).
  public init(parsing text: String, source: String = "<memory>") throws(CSVError) {
    var records: [[String]] = []
    var recordLines: [Int] = []
    try CSVTable.scan(text, source: source) { fields, line in
      records.append(fields)
      recordLines.append(line)
    }
    guard let header = records.first else { throw CSVError(file: source, kind: .empty) }
    var seen = Set<String>()
    for name in header where !seen.insert(name).inserted {
      throw CSVError(file: source, line: 1, kind: .duplicateColumn(name))
    }
    for (fields, line) in zip(records.dropFirst(), recordLines.dropFirst())
    where fields.count != header.count {
      throw CSVError(file: source, line: line, kind: .fieldCount(expected: header.count, found: fields.count))
    }
    self.init(header: header, rows: Array(records.dropFirst()),
              rowLines: Array(recordLines.dropFirst()), source: source)
  }

  /// Splits `text` into records, calling `emit(fields, firstLine)` for each.
  private static func scan(
    _ text: String, source: String, emit: ([String], Int) -> Void
  ) throws(CSVError) {
    let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","),
        cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
    var bytes = Array(text.utf8)
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }

    var fields: [String] = []
    var field: [UInt8] = []
    var line = 1              // current line
    var recordLine = 1        // line the current record started on
    var i = 0
    var atRecordStart = true  // nothing of the current record consumed yet

    func endField() {
      fields.append(String(decoding: field, as: UTF8.self))
      field.removeAll(keepingCapacity: true)
    }
    // Consumes a line end at `i` (LF, CR LF or CR) if there is one.
    func consumeLineEnd() -> Bool {
      guard i < bytes.count else { return false }
      if bytes[i] == lf { i += 1 } else if bytes[i] == cr {
        i += 1
        if i < bytes.count && bytes[i] == lf { i += 1 }
      } else { return false }
      line += 1
      return true
    }

    while i < bytes.count {
      if atRecordStart { recordLine = line; atRecordStart = false }
      if bytes[i] == quote {
        // Quoted field: runs to the next quote not doubled.
        let openLine = line
        i += 1
        var closed = false
        while i < bytes.count {
          let b = bytes[i]
          if b == quote {
            if i + 1 < bytes.count && bytes[i + 1] == quote {
              field.append(quote); i += 2
            } else {
              i += 1; closed = true; break
            }
          } else {
            if b == lf || (b == cr && !(i + 1 < bytes.count && bytes[i + 1] == lf)) { line += 1 }
            field.append(b); i += 1
          }
        }
        guard closed else { throw CSVError(file: source, line: openLine, kind: .unterminatedQuote) }
        if i < bytes.count && bytes[i] != comma && bytes[i] != cr && bytes[i] != lf {
          let rest = String(decoding: bytes[i...].prefix(4), as: UTF8.self)
          throw CSVError(file: source, line: line,
                         kind: .characterAfterClosingQuote(rest.first ?? "?"))
        }
      } else {
        // Unquoted field: runs to the next comma or line end.
        while i < bytes.count, bytes[i] != comma, bytes[i] != cr, bytes[i] != lf {
          if bytes[i] == quote { throw CSVError(file: source, line: line, kind: .quoteInUnquotedField) }
          field.append(bytes[i]); i += 1
        }
      }
      endField()
      if i < bytes.count && bytes[i] == comma {
        i += 1
        if i == bytes.count { endField() }  // trailing comma at end of input: one more empty field
        continue
      }
      _ = consumeLineEnd()
      emit(fields, recordLine)
      fields.removeAll(keepingCapacity: true)
      atRecordStart = true
    }
    if !fields.isEmpty { emit(fields, recordLine) }
  }
}
