/// JSON string literals, written one way for the whole package (safetensors headers, config
/// key paths and YAML/JSON output).
enum JSONStringLiteral {
  /// Which characters are escaped besides `"`, `\`, LF, CR and TAB.
  enum Style {
    /// As serde_json: `\b`, `\f` and other C0 controls as `\u00XX`, everything else raw UTF-8 —
    /// so safetensors headers match the reference implementation byte for byte.
    case serde
    /// C0 controls, DEL and C1 controls as `\u00XX` (no `\b`/`\f` short forms): valid as a
    /// JSON string and as a YAML double-quoted scalar.
    case yamlSafe
  }

  /// `string` in double quotes, escaped in `style`.
  /// - Complexity: O(string.count).
  static func quoted(_ string: String, style: Style) -> String {
    var out = "\""
    for scalar in string.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{08}" where style == .serde: out += "\\b"
      case "\u{0C}" where style == .serde: out += "\\f"
      case _ where scalar.value < 0x20 || (style == .yamlSafe && (0x7F...0x9F).contains(scalar.value)):
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
