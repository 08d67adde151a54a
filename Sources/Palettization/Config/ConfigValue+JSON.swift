/// A strict RFC 8259 JSON reader and a deterministic writer for ``ConfigValue``.
///
/// Foundation's `JSONSerialization` returns unordered dictionaries, which would lose the order
/// of regular-expression keys (the last matching key wins), so configs are read with this small
/// recursive-descent parser instead.
extension ConfigValue {
  /// Parses one JSON document. Integers without fraction or exponent that fit in `Int` become
  /// ``int(_:)``; every other number is ``double(_:)``.
  ///
  /// - Throws: `ConfigError` with the line and column of the first syntax error.
  /// - Complexity: O(n) in the length of the text.
  static func parseJSON(_ text: String) throws(ConfigError) -> ConfigValue {
    var parser = JSONParser(bytes: Array(text.utf8))
    parser.skipWhitespace()
    let value = try parser.parseValue(depth: 0)
    parser.skipWhitespace()
    guard parser.position == parser.bytes.count else {
      throw parser.error("unexpected text after the JSON value")
    }
    return value
  }

  /// Pretty-printed JSON (two-space indent, keys in stored order, trailing newline).
  func jsonString() -> String {
    var out = ""
    writeJSON(into: &out, indent: "")
    return out + "\n"
  }

  private func writeJSON(into out: inout String, indent: String) {
    switch self {
    case .null, .bool, .int, .double: out += rendered
    case .string(let value): out += ConfigKeyPath.quoted(value)
    case .sequence(let elements):
      guard !elements.isEmpty else { out += "[]"; return }
      out += "[\n"
      for (index, element) in elements.enumerated() {
        out += indent + "  "
        element.writeJSON(into: &out, indent: indent + "  ")
        out += index + 1 < elements.count ? ",\n" : "\n"
      }
      out += indent + "]"
    case .mapping(let members):
      guard !members.isEmpty else { out += "{}"; return }
      out += "{\n"
      for (index, member) in members.enumerated() {
        out += indent + "  " + ConfigKeyPath.quoted(member.key) + ": "
        member.value.writeJSON(into: &out, indent: indent + "  ")
        out += index + 1 < members.count ? ",\n" : "\n"
      }
      out += indent + "}"
    }
  }
}

/// Recursive-descent JSON parser over UTF-8 bytes.
private struct JSONParser {
  let bytes: [UInt8]
  var position = 0
  /// Nesting limit, so a hostile document cannot overflow the stack.
  static let maxDepth = 256

  init(bytes: [UInt8]) { self.bytes = bytes }

  /// A syntax error at the current position (1-based line and column, counting characters).
  func error(_ problem: String) -> ConfigError {
    var line = 1
    var column = 1
    for byte in bytes[..<min(position, bytes.count)] {
      if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
    }
    return ConfigError(keyPath: "", problem: "is not valid JSON: \(problem) at line \(line), column \(column)")
  }

  mutating func skipWhitespace() {
    while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
  }

  mutating func parseValue(depth: Int) throws(ConfigError) -> ConfigValue {
    guard depth < Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth) levels") }
    guard position < bytes.count else { throw error("unexpected end of input") }
    switch bytes[position] {
    case UInt8(ascii: "{"): return try parseObject(depth: depth)
    case UInt8(ascii: "["): return try parseArray(depth: depth)
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
    case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
    case UInt8(ascii: "n"): try expectLiteral("null"); return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
    default: throw error("unexpected character '\(Character(Unicode.Scalar(bytes[position])))'")
    }
  }

  mutating func expectLiteral(_ literal: String) throws(ConfigError) {
    let literalBytes = Array(literal.utf8)
    guard bytes.count - position >= literalBytes.count,
      Array(bytes[position..<position + literalBytes.count]) == literalBytes
    else { throw error("invalid literal") }
    position += literalBytes.count
  }

  mutating func parseObject(depth: Int) throws(ConfigError) -> ConfigValue {
    position += 1
    var members: [ConfigValue.Member] = []
    skipWhitespace()
    if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
      position += 1
      return .mapping(members)
    }
    while true {
      skipWhitespace()
      guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
        throw error("expected a string key")
      }
      let key = try parseString()
      skipWhitespace()
      guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':'") }
      position += 1
      skipWhitespace()
      members.append(ConfigValue.Member(key: key, value: try parseValue(depth: depth + 1)))
      skipWhitespace()
      guard position < bytes.count else { throw error("unexpected end of input") }
      if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
      if bytes[position] == UInt8(ascii: "}") { position += 1; return .mapping(members) }
      throw error("expected ',' or '}'")
    }
  }

  mutating func parseArray(depth: Int) throws(ConfigError) -> ConfigValue {
    position += 1
    var elements: [ConfigValue] = []
    skipWhitespace()
    if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
      position += 1
      return .sequence(elements)
    }
    while true {
      skipWhitespace()
      elements.append(try parseValue(depth: depth + 1))
      skipWhitespace()
      guard position < bytes.count else { throw error("unexpected end of input") }
      if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
      if bytes[position] == UInt8(ascii: "]") { position += 1; return .sequence(elements) }
      throw error("expected ',' or ']'")
    }
  }

  mutating func parseHex4() throws(ConfigError) -> UInt32 {
    guard bytes.count - position >= 4 else { throw error("truncated \\u escape") }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = bytes[position]
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: throw error("invalid \\u escape")
      }
      value = value * 16 + UInt32(digit)
      position += 1
    }
    return value
  }

  mutating func parseString() throws(ConfigError) -> String {
    position += 1  // opening quote
    var utf8: [UInt8] = []
    while true {
      guard position < bytes.count else { throw error("unterminated string") }
      let byte = bytes[position]
      position += 1
      switch byte {
      case UInt8(ascii: "\""):
        return String(decoding: utf8, as: UTF8.self)
      case UInt8(ascii: "\\"):
        guard position < bytes.count else { throw error("unterminated string") }
        let escape = bytes[position]
        position += 1
        let simple: [UInt8: UInt8] = [
          UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C, UInt8(ascii: "/"): 0x2F,
          UInt8(ascii: "b"): 0x08, UInt8(ascii: "f"): 0x0C, UInt8(ascii: "n"): 0x0A,
          UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
        ]
        if let replacement = simple[escape] {
          utf8.append(replacement)
        } else if escape == UInt8(ascii: "u") {
          var code = try parseHex4()
          if (0xD800...0xDBFF).contains(code) {
            guard bytes.count - position >= 2, bytes[position] == UInt8(ascii: "\\"),
              bytes[position + 1] == UInt8(ascii: "u")
            else { throw error("unpaired surrogate in \\u escape") }
            position += 2
            let low = try parseHex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate in \\u escape") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
          } else if (0xDC00...0xDFFF).contains(code) {
            throw error("unpaired surrogate in \\u escape")
          }
          guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
          utf8.append(contentsOf: Array(String(Character(scalar)).utf8))
        } else {
          position -= 2  // report the column of the backslash
          throw error("invalid escape '\\\(Character(Unicode.Scalar(escape)))'")
        }
      case 0..<0x20:
        throw error("unescaped control character in string")
      default:
        utf8.append(byte)
      }
    }
  }

  mutating func parseNumber() throws(ConfigError) -> ConfigValue {
    let start = position
    func digits(_ parser: inout JSONParser) -> Int {
      let from = parser.position
      while parser.position < parser.bytes.count,
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.position])
      { parser.position += 1 }
      return parser.position - from
    }
    if bytes[position] == UInt8(ascii: "-") { position += 1 }
    let intStart = position
    let intDigits = digits(&self)
    guard intDigits > 0 else { throw error("invalid number") }
    if intDigits > 1 && bytes[intStart] == UInt8(ascii: "0") { throw error("leading zero in number") }
    var isInteger = true
    if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
      position += 1
      isInteger = false
      guard digits(&self) > 0 else { throw error("invalid number") }
    }
    if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
      position += 1
      isInteger = false
      if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
        position += 1
      }
      guard digits(&self) > 0 else { throw error("invalid number") }
    }
    let text = String(decoding: bytes[start..<position], as: UTF8.self)
    if isInteger, let value = Int(text) { return .int(value) }
    guard let value = Double(text), value.isFinite else { throw error("number \(text) is out of range") }
    return .double(value)
  }
}
