/// A strict, bounded JSON reader and writer for safetensors headers.
///
/// Foundation's `JSONSerialization` drops duplicate keys silently, forgets key order and turns
/// integers into `NSNumber`s that cannot tell `2` from `2.0`; a header is untrusted input, so it
/// is parsed here instead: RFC 8259 syntax, nesting capped at ``maxDepth`` (serde_json's limit,
/// so hostile `[[[[…` cannot overflow the stack), numbers kept as their source text, and every
/// object's keys kept in file order with duplicates reported.
enum SafeTensorsJSON {
  /// Deepest nesting of arrays and objects accepted.
  static let maxDepth = 128

  /// One `"key": value` pair of an object.
  struct Member {
    var key: String
    var value: Value
  }

  /// A parsed JSON value.
  indirect enum Value {
    /// Members in file order (keys are unique: duplicates are rejected while parsing).
    case object([Member])
    case array([Value])
    case string(String)
    /// The number's source text, e.g. `-12`, `3.5e2`.
    case number(String)
    case bool(Bool)
    case null

    /// A short rendering for error messages: scalars and small arrays in full, else a kind.
    var brief: String {
      switch self {
      case .object: return "an object"
      case .string(let s): return "\"\(s.count > 40 ? s.prefix(40) + "…" : Substring(s))\""
      case .number(let n): return n
      case .bool(let b): return String(b)
      case .null: return "null"
      case .array(let items):
        if items.count > 8 || items.contains(where: { if case .array = $0 { return true }; if case .object = $0 { return true }; return false }) {
          return "an array of \(items.count) elements"
        }
        return "[" + items.map(\.brief).joined(separator: ", ") + "]"
      }
    }

    /// The value as a non-negative `Int` if it is a JSON integer that fits, else `nil`.
    var nonNegativeInt: Int? {
      guard case .number(let text) = self,
            !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" || $0 == "-" })
      else { return nil }
      return Int(text)
    }
  }

  /// Why a header failed to parse.
  enum Failure: Error {
    case syntax(offset: Int, reason: String)
    case duplicateKey(key: String, object: String?)
  }

  /// Parses one JSON value filling `bytes` (surrounding whitespace allowed).
  ///
  /// - Precondition: `bytes` is valid UTF-8 (checked by the caller).
  /// - Complexity: O(n) in the byte count; memory O(n).
  static func parse(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> Value {
    var parser = Parser(bytes: bytes)
    let value = try parser.value(depth: 0, key: nil)
    parser.skipWhitespace()
    if parser.index < bytes.count {
      throw .syntax(offset: parser.index, reason: "unexpected \(parser.describeByte()) after the top-level value")
    }
    return value
  }

  /// `string` as a JSON string literal, escaped as serde_json does (`"`, `\`, and control
  /// characters; other characters are written as raw UTF-8), so headers match the reference's.
  static func quoted(_ string: String) -> String { JSONStringLiteral.quoted(string, style: .serde) }

  private struct Parser {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func skipWhitespace() {
      while index < bytes.count {
        switch bytes[index] {
        case 0x20, 0x09, 0x0A, 0x0D: index += 1
        default: return
        }
      }
    }

    func describeByte() -> String {
      guard index < bytes.count else { return "end of header" }
      let b = bytes[index]
      if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
      return "byte 0x\(String(b, radix: 16, uppercase: true))"
    }

    func fail(_ reason: String) -> Failure { .syntax(offset: index, reason: reason) }

    /// Parses a value; `key` is the object key it sits under (for duplicate-key messages).
    mutating func value(depth: Int, key: String?) throws(Failure) -> Value {
      skipWhitespace()
      guard index < bytes.count else { throw fail("unexpected end of header") }
      switch bytes[index] {
      case UInt8(ascii: "{"): return try object(depth: depth + 1, key: key)
      case UInt8(ascii: "["): return try array(depth: depth + 1, key: key)
      case UInt8(ascii: "\""): return .string(try string())
      case UInt8(ascii: "t"): try literal("true"); return .bool(true)
      case UInt8(ascii: "f"): try literal("false"); return .bool(false)
      case UInt8(ascii: "n"): try literal("null"); return .null
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
      default: throw fail("unexpected \(describeByte())")
      }
    }

    mutating func literal(_ word: StaticString) throws(Failure) {
      let n = word.utf8CodeUnitCount
      guard index + n <= bytes.count,
            (0..<n).allSatisfy({ bytes[index + $0] == word.utf8Start[$0] })
      else { throw fail("unexpected \(describeByte())") }
      index += n
    }

    mutating func object(depth: Int, key: String?) throws(Failure) -> Value {
      guard depth <= SafeTensorsJSON.maxDepth else { throw fail("nesting deeper than \(SafeTensorsJSON.maxDepth)") }
      index += 1  // '{'
      var members: [Member] = []
      var seen: Set<String> = []
      skipWhitespace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
      while true {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
          throw fail("expected a string key, found \(describeByte())")
        }
        let memberKey = try string()
        guard seen.insert(memberKey).inserted else { throw .duplicateKey(key: memberKey, object: key) }
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
          throw fail("expected ':' after key, found \(describeByte())")
        }
        index += 1
        members.append(Member(key: memberKey, value: try value(depth: depth, key: memberKey)))
        skipWhitespace()
        guard index < bytes.count else { throw fail("unexpected end of header in an object") }
        switch bytes[index] {
        case UInt8(ascii: ","): index += 1
        case UInt8(ascii: "}"): index += 1; return .object(members)
        default: throw fail("expected ',' or '}', found \(describeByte())")
        }
      }
    }

    mutating func array(depth: Int, key: String?) throws(Failure) -> Value {
      guard depth <= SafeTensorsJSON.maxDepth else { throw fail("nesting deeper than \(SafeTensorsJSON.maxDepth)") }
      index += 1  // '['
      var items: [Value] = []
      skipWhitespace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
      while true {
        items.append(try value(depth: depth, key: key))
        skipWhitespace()
        guard index < bytes.count else { throw fail("unexpected end of header in an array") }
        switch bytes[index] {
        case UInt8(ascii: ","): index += 1
        case UInt8(ascii: "]"): index += 1; return .array(items)
        default: throw fail("expected ',' or ']', found \(describeByte())")
        }
      }
    }

    /// A number token per RFC 8259: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    mutating func number() throws(Failure) -> String {
      let start = index
      func digits(_ p: inout Parser) -> Int {
        let s = p.index
        while p.index < p.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(p.bytes[p.index]) { p.index += 1 }
        return p.index - s
      }
      if bytes[index] == UInt8(ascii: "-") { index += 1 }
      guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else {
        throw fail("expected a digit, found \(describeByte())")
      }
      if bytes[index] == UInt8(ascii: "0") { index += 1 } else { _ = digits(&self) }
      if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
        index += 1
        guard digits(&self) > 0 else { throw fail("expected a digit after '.', found \(describeByte())") }
      }
      if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
        index += 1
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard digits(&self) > 0 else { throw fail("expected a digit in the exponent, found \(describeByte())") }
      }
      return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    mutating func string() throws(Failure) -> String {
      index += 1  // opening quote
      var decoded: [UInt8] = []
      var runStart = index
      while true {
        guard index < bytes.count else { throw fail("unterminated string") }
        let b = bytes[index]
        if b == UInt8(ascii: "\"") {
          decoded.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<index]))
          index += 1
          return String(decoding: decoded, as: UTF8.self)
        }
        if b < 0x20 { throw fail("unescaped control character 0x\(String(b, radix: 16, uppercase: true)) in a string") }
        if b != UInt8(ascii: "\\") { index += 1; continue }
        decoded.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<index]))
        index += 1
        guard index < bytes.count else { throw fail("unterminated string") }
        let escape = bytes[index]
        index += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
          var code = try hex4()
          if (0xD800..<0xDC00).contains(code) {
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
              throw fail("lone surrogate \\u\(String(code, radix: 16, uppercase: true))")
            }
            index += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw fail("lone surrogate \\u\(String(code, radix: 16, uppercase: true))") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
          } else if (0xDC00..<0xE000).contains(code) {
            throw fail("lone surrogate \\u\(String(code, radix: 16, uppercase: true))")
          }
          guard let scalar = Unicode.Scalar(code) else { throw fail("invalid \\u escape") }
          decoded.append(contentsOf: String(scalar).utf8)
        default:
          index -= 1
          throw fail("invalid escape \\\(describeByte())")
        }
        runStart = index
      }
    }

    mutating func hex4() throws(Failure) -> UInt32 {
      var code: UInt32 = 0
      for _ in 0..<4 {
        guard index < bytes.count, let digit = Character(Unicode.Scalar(bytes[index])).hexDigitValue else {
          throw fail("expected 4 hex digits after \\u")
        }
        code = code << 4 | UInt32(digit)
        index += 1
      }
      return code
    }
  }
}
