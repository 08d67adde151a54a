/// A CSV table held as text: one header and rows of string fields (RFC 4180).
///
/// Values stay strings; callers convert them (``CSVNumber`` for floating-point values). Writing
/// is deterministic: the same table always encodes to the same bytes (see
/// ``encoded()``). Reading accepts RFC 4180 input (quoted fields with embedded commas, quotes
/// and line breaks; `\n` or `\r\n` line ends) and reports malformed input as ``CSVError`` with
/// the file and line.
///
/// ```swift
/// let table = CSVTable(header: ["tensor", "snr_db"], rows: [["a,b", "inf"]])
/// table.encoded()                       // "tensor,snr_db\n\"a,b\",inf\n"
/// let back = try CSVTable(parsing: table.encoded(), source: "r.csv")
/// try back.column(named: "snr_db")      // ["inf"]
/// ```
public struct CSVTable: Sendable, Equatable {
  /// Column names, in order.
  public private(set) var header: [String]
  /// Records; each has exactly `header.count` fields.
  public private(set) var rows: [[String]]
  /// For a parsed table, the 1-based line on which each record starts (parallel to `rows`);
  /// empty for a table built in memory. Lets callers name the line of a bad value.
  public private(set) var rowLines: [Int]
  /// Where the table came from (a file path or a name), used in error messages.
  public var source: String

  /// Creates a table in memory.
  /// - Precondition: every row has `header.count` fields, and `header` is not empty.
  public init(header: [String], rows: [[String]] = [], source: String = "<memory>") {
    precondition(!header.isEmpty, "a CSV table needs at least one column")
    for (i, row) in rows.enumerated() {
      precondition(row.count == header.count,
                   "row \(i) has \(row.count) fields, the header has \(header.count)")
    }
    self.header = header
    self.rows = rows
    self.rowLines = []
    self.source = source
  }

  init(header: [String], rows: [[String]], rowLines: [Int], source: String) {
    self.header = header
    self.rows = rows
    self.rowLines = rowLines
    self.source = source
  }

  /// Appends a record.
  /// - Precondition: `row.count == header.count`.
  public mutating func append(_ row: [String]) {
    precondition(row.count == header.count,
                 "row has \(row.count) fields, the header has \(header.count)")
    rows.append(row)
    if !rowLines.isEmpty { rowLines.append((rowLines.last ?? 1) + 1) }
  }

  /// The line number of record `index` for messages: where it started in the parsed file, or
  /// `index + 2` (header on line 1, one line per record) for a table built in memory.
  public func line(ofRow index: Int) -> Int {
    index < rowLines.count ? rowLines[index] : index + 2
  }

  /// The position of column `name` in ``header``.
  /// - Throws: ``CSVError`` `.missingColumn`, naming the column, the file and the columns present.
  /// - Complexity: O(number of columns).
  public func columnIndex(named name: String) throws(CSVError) -> Int {
    guard let index = header.firstIndex(of: name) else {
      throw CSVError(file: source, kind: .missingColumn(name, available: header))
    }
    return index
  }

  /// Every value of column `name`, in row order.
  /// - Throws: ``CSVError`` `.missingColumn` when there is no such column.
  /// - Complexity: O(rows + columns).
  public func column(named name: String) throws(CSVError) -> [String] {
    let index = try columnIndex(named: name)
    return rows.map { $0[index] }
  }
}
