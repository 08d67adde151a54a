import Foundation

/// A parsed JSON value walked with its key path, so every error can say where it is.
///
/// `path` is written the way a user finds the spot in the file:
/// `sweep[1].granularity[0].group_size`.
struct JSONNode {
  enum Value {
    case object([String: Any], order: [String])
    case array([Any])
    case string(String)
    case number(NSNumber)
    case bool(Bool)
    case null
  }

  let raw: Any
  let path: String
  let file: String

  init(raw: Any, path: String, file: String) {
    self.raw = raw
    self.path = path
    self.file = file
  }

  /// Parses `data` as JSON. Errors name `file`.
  static func parse(_ data: Data, file: String) throws(ExperimentError) -> JSONNode {
    do {
      let raw = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
      return JSONNode(raw: raw, path: "", file: file)
    } catch {
      let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
      throw ExperimentError(file: file, keyPath: "", problem: "is not valid JSON: \(detail)")
    }
  }

  var isNull: Bool { raw is NSNull }

  func fail(_ problem: String) -> ExperimentError {
    ExperimentError(file: file, keyPath: path, problem: problem)
  }

  /// A readable rendering of the value for error messages.
  var rendered: String {
    if let s = raw as? String { return "\"\(s)\"" }
    if isNull { return "null" }
    if let data = try? JSONSerialization.data(withJSONObject: raw, options: [.fragmentsAllowed, .sortedKeys]),
       let text = String(data: data, encoding: .utf8) {
      return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }
    return "\(raw)"
  }

  private var typeName: String {
    switch raw {
    case is NSNull: return "null"
    case is String: return "a string"
    case is [Any]: return "a list"
    case is [String: Any]: return "an object"
    case let n as NSNumber: return n.isJSONBoolean ? "a boolean" : "a number"
    default: return "\(type(of: raw))"
    }
  }

  func object(allowed keys: Set<String>) throws(ExperimentError) -> [String: JSONNode] {
    guard let dict = raw as? [String: Any] else { throw fail("must be an object, found \(typeName)") }
    var out: [String: JSONNode] = [:]
    for key in dict.keys.sorted() {
      guard keys.contains(key) else {
        throw ExperimentError(
          file: file, keyPath: child(key), problem: "is not a known key; expected one of \(keys.sorted().joined(separator: ", "))")
      }
      out[key] = JSONNode(raw: dict[key]!, path: child(key), file: file)
    }
    return out
  }

  func array() throws(ExperimentError) -> [JSONNode] {
    guard let list = raw as? [Any] else { throw fail("must be a list, found \(typeName)") }
    return list.enumerated().map { JSONNode(raw: $1, path: "\(path)[\($0)]", file: file) }
  }

  func string() throws(ExperimentError) -> String {
    guard let s = raw as? String else { throw fail("must be a string, found \(typeName) \(rendered)") }
    return s
  }

  func bool() throws(ExperimentError) -> Bool {
    guard let n = raw as? NSNumber, n.isJSONBoolean else {
      throw fail("must be true or false, found \(typeName) \(rendered)")
    }
    return n.boolValue
  }

  func int() throws(ExperimentError) -> Int {
    guard let n = raw as? NSNumber, !n.isJSONBoolean,
          let value = Int(exactly: n.doubleValue), Double(value) == n.doubleValue else {
      throw fail("must be an integer, found \(typeName) \(rendered)")
    }
    return value
  }

  func double() throws(ExperimentError) -> Double {
    guard let n = raw as? NSNumber, !n.isJSONBoolean else {
      throw fail("must be a number, found \(typeName) \(rendered)")
    }
    return n.doubleValue
  }

  /// A 64-bit unsigned seed; JSON numbers beyond 2^53 lose precision, so they must be strings.
  func seed() throws(ExperimentError) -> UInt64 {
    if let s = raw as? String {
      guard let v = UInt64(s) else { throw fail("must be a seed in 0...\(UInt64.max), found \(rendered)") }
      return v
    }
    let v = try int()
    guard v >= 0, v <= 1 << 53 else {
      throw fail("must be a seed in 0...2^53 (write larger seeds as strings), found \(v)")
    }
    return UInt64(v)
  }

  private func child(_ key: String) -> String {
    let simple = key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    let part = simple ? key : "[\"\(key)\"]"
    if path.isEmpty { return part }
    return simple ? "\(path).\(key)" : "\(path)\(part)"
  }
}

extension NSNumber {
  /// JSONSerialization returns booleans as NSNumber; their Objective-C type code is `c`
  /// (char), which no JSON number gets.
  var isJSONBoolean: Bool { String(cString: objCType) == "c" }
}
