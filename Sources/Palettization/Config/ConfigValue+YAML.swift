import Yams

/// Reading ``ConfigValue`` from YAML with Yams, and writing it as block-style YAML.
extension ConfigValue {
  /// Parses the first YAML document of `text`. Plain scalars are typed by Yams' YAML 1.1
  /// resolver (`null`/`~`, `true`/`yes`/`on`, integers, floats); quoted scalars are strings.
  /// An empty document is ``null``. Duplicate mapping keys are an error (Yams reports them).
  ///
  /// - Complexity: O(n) in the length of the text.
  static func parseYAML(_ text: String) throws(ConfigError) -> ConfigValue {
    let root: Node?
    do {
      root = try Yams.compose(yaml: text)
    } catch {
      throw ConfigError(keyPath: "", problem: "is not valid YAML: \(describe(error))")
    }
    guard let root else { return .null }
    return try ConfigValue(yaml: root)
  }

  /// One line for a Yams error: libyaml's problem and where, without the source snippet.
  private static func describe(_ error: any Error) -> String {
    guard let error = error as? YamlError else { return "\(error)" }
    switch error {
    case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
      .composer(_, let problem, let mark, _):
      return "\(problem) at line \(mark.line), column \(mark.column)"
    case .duplicatedKeysInMapping(let duplicates, let context):
      let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
      return "duplicate key \(keys) at line \(context.mark.line)"
    default:
      return "\(error)".split(separator: "\n").first.map(String.init) ?? ""
    }
  }

  private init(yaml node: Node) throws(ConfigError) {
    switch node {
    case .scalar(let scalar):
      switch node.tag.description {
      case Tag.Name.null.rawValue:
        self = .null
      case Tag.Name.bool.rawValue:
        self = Bool.construct(from: scalar).map(ConfigValue.bool) ?? .string(scalar.string)
      case Tag.Name.int.rawValue:
        if let value = Int.construct(from: scalar) {
          self = .int(value)
        } else {
          self = Double.construct(from: scalar).map(ConfigValue.double) ?? .string(scalar.string)
        }
      case Tag.Name.float.rawValue:
        self = Double.construct(from: scalar).map(ConfigValue.double) ?? .string(scalar.string)
      default:
        self = .string(scalar.string)
      }
    case .mapping(let mapping):
      var members: [Member] = []
      for (key, value) in mapping {
        guard case .scalar(let keyScalar) = key else {
          throw ConfigError(
            keyPath: "", problem: "is not supported YAML: a mapping key at line \(key.mark?.line ?? 0) is not a scalar")
        }
        members.append(Member(key: keyScalar.string, value: try ConfigValue(yaml: value)))
      }
      self = .mapping(members)
    case .sequence(let sequence):
      var elements: [ConfigValue] = []
      for element in sequence { elements.append(try ConfigValue(yaml: element)) }
      self = .sequence(elements)
    case .alias:
      throw ConfigError(keyPath: "", problem: "is not supported YAML: aliases are not allowed in a config")
    }
  }

  /// Block-style YAML: nested mappings indented by two spaces, mappings under the keys in
  /// `flowKeys` (and every sequence) written inline, strings plain where that reads back as
  /// the same string and double-quoted otherwise. Ends with a newline.
  func yamlString(flowKeys: Set<String> = []) -> String {
    guard case .mapping(let members) = self, !members.isEmpty else { return yamlFlow + "\n" }
    var out = ""
    Self.writeYAML(members, into: &out, indent: "", flowKeys: flowKeys)
    return out
  }

  private static func writeYAML(
    _ members: [Member], into out: inout String, indent: String, flowKeys: Set<String>
  ) {
    for member in members {
      out += indent + yamlScalar(member.key) + ":"
      if case .mapping(let inner) = member.value, !inner.isEmpty, !flowKeys.contains(member.key) {
        out += "\n"
        writeYAML(inner, into: &out, indent: indent + "  ", flowKeys: flowKeys)
      } else {
        out += " " + member.value.yamlFlow + "\n"
      }
    }
  }

  /// The value in YAML flow style.
  private var yamlFlow: String {
    switch self {
    case .null, .bool, .int: return rendered
    case .double(let value):
      if value.isNaN { return ".nan" }
      if value.isInfinite { return value > 0 ? ".inf" : "-.inf" }
      return rendered
    case .string(let value): return Self.yamlScalar(value)
    case .sequence(let elements): return "[" + elements.map(\.yamlFlow).joined(separator: ", ") + "]"
    case .mapping(let members):
      return "{" + members.map { Self.yamlScalar($0.key) + ": " + $0.value.yamlFlow }
        .joined(separator: ", ") + "}"
    }
  }

  /// `text` plain if it starts with a letter or `_`, holds only letters, digits and `_ . - /`,
  /// and Yams would read it back as a string (not `null`, `true`, `on`, …); else double-quoted.
  private static func yamlScalar(_ text: String) -> String {
    let safe = text.unicodeScalars.enumerated().allSatisfy { index, scalar in
      guard scalar.isASCII else { return false }
      if scalar.properties.isAlphabetic || scalar == "_" { return true }
      return index > 0 && (("0"..."9").contains(scalar) || scalar == "." || scalar == "-" || scalar == "/")
    }
    if safe && !text.isEmpty && Resolver.default.resolveTag(of: Node(text)) == .str { return text }
    return ConfigKeyPath.quoted(text)
  }
}
