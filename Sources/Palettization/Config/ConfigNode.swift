/// A ``ConfigValue`` at a known key path, with typed accessors that throw ``ConfigError``
/// naming that path: the strict schema walk that reading a config is built from.
struct ConfigNode {
  let value: ConfigValue
  let path: ConfigKeyPath

  var isNull: Bool { value == .null }

  private func wrongType(_ expected: String) -> ConfigError {
    ConfigError(keyPath: path.description, value: value.rendered, problem: "is not \(expected)")
  }

  /// The entries of a mapping whose keys the user chooses (state names, types, patterns), in
  /// document order. `null` counts as an empty mapping when `nullIsEmpty`.
  func entries(nullIsEmpty: Bool = false) throws(ConfigError) -> [(key: String, node: ConfigNode)] {
    if nullIsEmpty && isNull { return [] }
    guard case .mapping(let members) = value else { throw wrongType("a mapping") }
    var seen: Set<String> = []
    var result: [(key: String, node: ConfigNode)] = []
    for member in members {
      let memberPath = path.key(member.key)
      guard seen.insert(member.key).inserted else {
        throw ConfigError(keyPath: memberPath.description, problem: "duplicate key")
      }
      result.append((member.key, ConfigNode(value: member.value, path: memberPath)))
    }
    return result
  }

  /// The fields of a schema mapping, rejecting keys not in `allowed` (listed in that order in
  /// the error).
  func fields(allowed: [String]) throws(ConfigError) -> Fields {
    guard case .mapping(let members) = value else { throw wrongType("a mapping") }
    var byKey: [String: ConfigNode] = [:]
    for member in members {
      let memberPath = path.field(member.key)
      guard allowed.contains(member.key) else {
        throw ConfigError(
          keyPath: path.key(member.key).description,
          problem: "unknown key (expected one of \(allowed.joined(separator: ", ")))")
      }
      guard byKey[member.key] == nil else {
        throw ConfigError(keyPath: memberPath.description, problem: "duplicate key")
      }
      byKey[member.key] = ConfigNode(value: member.value, path: memberPath)
    }
    return Fields(byKey: byKey, path: path)
  }

  func int() throws(ConfigError) -> Int {
    guard case .int(let number) = value else { throw wrongType("an integer") }
    return number
  }

  func double() throws(ConfigError) -> Double {
    switch value {
    case .int(let number): return Double(number)
    case .double(let number): return number
    default: throw wrongType("a number")
    }
  }

  func bool() throws(ConfigError) -> Bool {
    guard case .bool(let flag) = value else { throw wrongType("true or false") }
    return flag
  }

  /// A string that must be one of `allowed`.
  func choice(_ allowed: [String]) throws(ConfigError) -> String {
    guard case .string(let text) = value else { throw wrongType("a string") }
    guard allowed.contains(text) else {
      throw ConfigError(
        keyPath: path.description, value: value.rendered,
        problem: "is not one of \(allowed.joined(separator: ", "))")
    }
    return text
  }

  /// The present fields of a schema mapping.
  struct Fields {
    let byKey: [String: ConfigNode]
    let path: ConfigKeyPath

    subscript(key: String) -> ConfigNode? { byKey[key] }

    /// A field that must be present.
    func required(_ key: String, _ why: String) throws(ConfigError) -> ConfigNode {
      guard let node = byKey[key] else {
        throw ConfigError(keyPath: path.field(key).description, problem: "is missing; \(why)")
      }
      return node
    }
  }
}
