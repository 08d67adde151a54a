/// A parsed YAML or JSON document as plain data, before it is checked against the config
/// schema. Mappings keep their key order (and any duplicate keys, which the schema walk
/// reports), because the order of regular-expression keys is meaningful.
enum ConfigValue: Sendable, Hashable {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case sequence([ConfigValue])
  case mapping([Member])

  /// One `key: value` entry of a mapping.
  struct Member: Sendable, Hashable {
    var key: String
    var value: ConfigValue
  }

  /// How the value is shown in an error message: scalars as written (strings quoted),
  /// collections by kind.
  var rendered: String {
    switch self {
    case .null: return "null"
    case .bool(let value): return value ? "true" : "false"
    case .int(let value): return String(value)
    case .double(let value): return ConfigValue.format(value)
    case .string(let value): return ConfigKeyPath.quoted(value)
    case .sequence: return "a sequence"
    case .mapping: return "a mapping"
    }
  }

  /// A double in Swift's shortest form that reads back exactly (`1.0`, `0.0001`, `1e-10`):
  /// always with a `.` or an exponent, so YAML and JSON readers see a float.
  static func format(_ value: Double) -> String { String(value) }
}

// MARK: - Codable

/// Lets configs be embedded in other `Codable` documents. Mapping key order is whatever the
/// decoder reports (`load(json:)` / `load(yaml:)` always keep it).
extension ConfigValue: Codable {
  private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  init(from decoder: any Decoder) throws {
    if let keyed = try? decoder.container(keyedBy: AnyKey.self) {
      var members: [Member] = []
      for key in keyed.allKeys {
        members.append(Member(key: key.stringValue, value: try keyed.decode(ConfigValue.self, forKey: key)))
      }
      self = .mapping(members)
      return
    }
    if var unkeyed = try? decoder.unkeyedContainer() {
      var elements: [ConfigValue] = []
      while !unkeyed.isAtEnd { elements.append(try unkeyed.decode(ConfigValue.self)) }
      self = .sequence(elements)
      return
    }
    let single = try decoder.singleValueContainer()
    if single.decodeNil() {
      self = .null
    } else if let value = try? single.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? single.decode(Int.self) {
      self = .int(value)
    } else if let value = try? single.decode(Double.self) {
      self = .double(value)
    } else {
      self = .string(try single.decode(String.self))
    }
  }

  func encode(to encoder: any Encoder) throws {
    switch self {
    case .mapping(let members):
      var keyed = encoder.container(keyedBy: AnyKey.self)
      for member in members { try keyed.encode(member.value, forKey: AnyKey(stringValue: member.key)) }
    case .sequence(let elements):
      var unkeyed = encoder.unkeyedContainer()
      for element in elements { try unkeyed.encode(element) }
    case .null, .bool, .int, .double, .string:
      var single = encoder.singleValueContainer()
      switch self {
      case .bool(let value): try single.encode(value)
      case .int(let value): try single.encode(value)
      case .double(let value): try single.encode(value)
      case .string(let value): try single.encode(value)
      default: try single.encodeNil()
      }
    }
  }
}
