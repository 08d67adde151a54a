import Foundation
import Testing
@testable import PaletteHarness

@Suite("CSV table: RFC 4180 writing and reading")
struct CSVTableTests {
  @Test("nasty fields survive a round trip through a file, and quoting is exactly as specified")
  func roundTrip() throws {
    let header = ["name", "value, with comma", "note"]
    let rows = [
      ["plain", "a,b", "say \"hi\""],
      ["multi\nline", "cr\r\nlf", "\"\""],
      ["ünïcødé ✓ 模型", "", " spaced "],
      ["", "trailing,", "\r"],
    ]
    let table = CSVTable(header: header, rows: rows)
    let expected = "name,\"value, with comma\",note\n"
      + "plain,\"a,b\",\"say \"\"hi\"\"\"\n"
      + "\"multi\nline\",\"cr\r\nlf\",\"\"\"\"\"\"\n"
      + "ünïcødé ✓ 模型,, spaced \n"
      + ",\"trailing,\",\"\r\"\n"
    #expect(table.encoded() == expected)

    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("csv-roundtrip-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("t.csv")
    try table.write(to: url)
    let back = try CSVTable(contentsOf: url)
    #expect(back.header == header)
    #expect(back.rows == rows)
    // Records start on lines 2, 3, 6 and 7 (the second record spans three lines).
    #expect(back.rowLines == [2, 3, 6, 7])
    #expect(try Data(contentsOf: url) == Data(expected.utf8))
    // No temporary file is left behind.
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["t.csv"])
  }

  @Test("a one-column table keeps its empty values distinct from blank lines")
  func singleEmptyColumn() throws {
    let table = CSVTable(header: ["x"], rows: [[""], ["a"], [""]])
    #expect(table.encoded() == "x\n\"\"\na\n\"\"\n")
    #expect(try CSVTable(parsing: table.encoded()).rows == [[""], ["a"], [""]])
  }

  @Test("CRLF line ends, a byte order mark and a missing final line end are accepted")
  func lenientInput() throws {
    let table = try CSVTable(parsing: "\u{FEFF}a,b\r\n1,\"x\r\ny\"\r\n3,4", source: "w.csv")
    #expect(table.header == ["a", "b"])
    #expect(table.rows == [["1", "x\r\ny"], ["3", "4"]])
    #expect(table.rowLines == [2, 4])
  }

  @Test("columns are found by name; a missing one names itself, the file and the columns")
  func columnAccess() throws {
    let table = try CSVTable(parsing: "tensor,snr_db\nq,1.5\nk,inf\n", source: "results/w4.csv")
    #expect(try table.column(named: "snr_db") == ["1.5", "inf"])
    #expect(try table.columnIndex(named: "tensor") == 0)
    let error = #expect(throws: CSVError.self) { try table.column(named: "inertia") }
    #expect(error?.description == "results/w4.csv: no column 'inertia'; columns: tensor, snr_db")
  }

  static let malformed: [(text: String, message: String)] = [
    ("", "bad.csv: empty file, expected a header line"),
    ("a,b\n1,2\n3,\"unterminated\n4,5\n",
     "bad.csv:3: quoted field is not terminated (opening quote on this line)"),
    ("a,b\n1,2\n\"x\ny\",2\n3\n",
     "bad.csv:5: record has 1 field, the header has 2"),
    ("a,b\n1,2,3\n", "bad.csv:2: record has 3 fields, the header has 2"),
    ("a,b\n1,2\n\n", "bad.csv:3: record has 1 field, the header has 2"),
    ("a,b\n1,ab\"c\n",
     "bad.csv:2: '\"' inside an unquoted field (quote the whole field and double the quote)"),
    ("a,b\n1,\"ab\"c\n",
     "bad.csv:2: unexpected 'c' after closing quote, expected ',' or end of line"),
    ("a,b,a\n", "bad.csv:1: column 'a' appears twice in the header"),
  ]

  @Test("malformed input is reported with its file and line", arguments: malformed)
  func malformedInput(text: String, message: String) {
    let error = #expect(throws: CSVError.self) { try CSVTable(parsing: text, source: "bad.csv") }
    #expect(error?.description == message)
  }

  @Test("a missing file is an unreadable-file error naming the path")
  func missingFile() {
    let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/r.csv")
    let error = #expect(throws: CSVError.self) { try CSVTable(contentsOf: url) }
    #expect(error?.file == url.path)
    #expect(error?.description.hasPrefix("\(url.path): cannot read file: ") == true)
  }
}
