import Foundation

/// A JSON object read from one file of a model directory, with typed field access whose errors
/// name the file and the key.
struct JSONObjectFile {
  let path: String
  let object: [String: Any]

  /// Reads `url`; a missing file is reported with `hint` (what to run to get it).
  init(_ url: URL, hint: String) throws(EncoderError) {
    path = url.path
    guard FileManager.default.fileExists(atPath: path) else {
      throw EncoderError(file: path, problem: "missing; \(hint)")
    }
    let parsed: Any
    do { parsed = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) } catch {
      throw EncoderError(file: path, problem: "is not valid JSON (\(error.localizedDescription))")
    }
    guard let object = parsed as? [String: Any] else {
      throw EncoderError(file: path, problem: "is not a JSON object")
    }
    self.object = object
  }

  /// Whether a JSONSerialization value is `true`/`false`. (`value is Bool` also holds for the
  /// numbers 0 and 1 in swift-corelibs-foundation, whose JSON booleans are NSNumbers of type `c`.)
  static func isBoolean(_ value: Any) -> Bool {
    guard let number = value as? NSNumber else { return value is Bool }
    return String(cString: number.objCType) == "c"
  }

  func fail(_ key: String, _ problem: String) -> EncoderError {
    EncoderError(file: path, problem: "\(key): \(problem)")
  }

  /// Integer field `key`; `nil` when absent and `default` is given.
  func int(_ key: String, default fallback: Int? = nil) throws(EncoderError) -> Int {
    guard let raw = object[key], !(raw is NSNull) else {
      if let fallback { return fallback }
      throw fail(key, "missing")
    }
    guard let number = raw as? NSNumber, !Self.isBoolean(raw), let value = Int(exactly: number.doubleValue) else {
      throw fail(key, "expected an integer, found \(raw)")
    }
    return value
  }

  func double(_ key: String, default fallback: Double? = nil) throws(EncoderError) -> Double {
    guard let raw = object[key], !(raw is NSNull) else {
      if let fallback { return fallback }
      throw fail(key, "missing")
    }
    guard let number = raw as? NSNumber, !Self.isBoolean(raw) else { throw fail(key, "expected a number, found \(raw)") }
    return number.doubleValue
  }

  /// Boolean field `key`: `nil` when absent or JSON `null`.
  func bool(_ key: String) throws(EncoderError) -> Bool? {
    guard let raw = object[key], !(raw is NSNull) else { return nil }
    guard Self.isBoolean(raw), let value = raw as? Bool else { throw fail(key, "expected true or false, found \(raw)") }
    return value
  }

  /// String field `key`: `nil` when absent or JSON `null`.
  func string(_ key: String) throws(EncoderError) -> String? {
    guard let raw = object[key], !(raw is NSNull) else { return nil }
    guard let value = raw as? String else { throw fail(key, "expected a string, found \(raw)") }
    return value
  }
}
