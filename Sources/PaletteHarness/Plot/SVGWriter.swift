/// Builds SVG markup line by line with escaped text and fixed-precision numbers, so the same
/// input always gives the same bytes.
struct SVGWriter {
  private(set) var output = ""
  private var depth = 0

  /// Opens element `name`; attributes keep the order given.
  mutating func open(_ name: String, _ attributes: [(String, String)] = []) {
    line("<\(name)\(SVGWriter.attributeText(attributes))>")
    depth += 1
  }

  /// Closes the element opened last, which must be `name`.
  mutating func close(_ name: String) {
    depth -= 1
    line("</\(name)>")
  }

  /// A leaf element, with escaped text content when `text` is given.
  mutating func element(_ name: String, _ attributes: [(String, String)] = [], text: String? = nil) {
    if let text {
      line("<\(name)\(SVGWriter.attributeText(attributes))>\(SVGWriter.escape(text))</\(name)>")
    } else {
      line("<\(name)\(SVGWriter.attributeText(attributes))/>")
    }
  }

  /// Raw markup, already escaped.
  mutating func raw(_ markup: String) { line(markup) }

  /// Appends another writer's output, indented to the current depth.
  mutating func append(_ other: SVGWriter) {
    for part in other.output.split(separator: "\n", omittingEmptySubsequences: true) {
      line(String(part))
    }
  }

  private mutating func line(_ text: String) {
    output += String(repeating: "  ", count: depth) + text + "\n"
  }

  private static func attributeText(_ attributes: [(String, String)]) -> String {
    attributes.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
  }

  /// Escapes `&`, `<`, `>`, `"` and `'` for text and attribute values, and replaces characters
  /// XML 1.0 cannot carry at all (C0 controls other than tab, LF, CR; U+FFFE, U+FFFF) with U+FFFD.
  static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
      case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
        out += "\u{FFFD}"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// `value` rounded half away from zero to `digits` decimals, with no locale and no `-0`:
  /// `fixed(2.345, digits: 2) == "2.35"` (of the binary value), `fixed(-0.001, digits: 1) == "0.0"`.
  /// Values too large for 64-bit fixed point fall back to ``CSVNumber/format(_:)-(Double)``.
  static func fixed(_ value: Double, digits: Int) -> String {
    precondition((0...9).contains(digits), "0 to 9 decimals")
    var scale: Int64 = 1
    for _ in 0..<digits { scale *= 10 }
    let scaled = (value * Double(scale)).rounded(.toNearestOrAwayFromZero)
    guard scaled.isFinite, abs(scaled) < 9e15 else { return CSVNumber.format(value) }
    let n = Int64(scaled)
    let magnitude = n.magnitude
    var text = n < 0 ? "-" : ""
    text += String(magnitude / UInt64(scale))
    if digits > 0 {
      let fraction = String(magnitude % UInt64(scale))
      text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
    return text
  }

  /// A coordinate: ``fixed(_:digits:)`` with 2 decimals, trailing zeros dropped (`12.5`, `3`).
  static func coordinate(_ value: Double) -> String {
    var text = fixed(value, digits: 2)
    if text.contains(".") {
      while text.hasSuffix("0") { text.removeLast() }
      if text.hasSuffix(".") { text.removeLast() }
    }
    return text
  }
}
