/// A position in a config document, rendered as in ``ConfigError`` messages:
/// schema fields joined with dots, user map keys as `.key` when they are identifiers and as
/// `["key"]` otherwise (`module_type_configs["torch.nn.modules.linear.Linear"].op_state_spec.weight`).
struct ConfigKeyPath: Hashable, Sendable, CustomStringConvertible {
  private var text: String

  /// The document body (`kmeans_palettization_config`'s value).
  static let body = ConfigKeyPath(text: "")

  private init(text: String) { self.text = text }

  /// A schema field below this path.
  func field(_ name: String) -> ConfigKeyPath {
    ConfigKeyPath(text: text.isEmpty ? name : "\(text).\(name)")
  }

  /// A user-chosen map key below this path.
  func key(_ key: String) -> ConfigKeyPath {
    if Self.isIdentifier(key) { return field(key) }
    return ConfigKeyPath(text: text + "[" + Self.quoted(key) + "]")
  }

  var description: String { text }

  /// `[A-Za-z_][A-Za-z0-9_]*`.
  static func isIdentifier(_ key: String) -> Bool {
    guard let first = key.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic)
    else { return false }
    return key.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
  }

  /// `key` in double quotes, with `"`, `\` and control characters (C0, DEL, C1) escaped as in
  /// JSON — valid as a JSON string and as a YAML double-quoted scalar.
  static func quoted(_ key: String) -> String { JSONStringLiteral.quoted(key, style: .yamlSafe) }
}
