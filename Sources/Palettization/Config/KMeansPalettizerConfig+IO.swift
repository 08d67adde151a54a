import Foundation

/// Loading and saving config documents (YAML or JSON, top-level key
/// `kmeans_palettization_config`, the seed's schema).
extension KMeansPalettizerConfig {
  /// A config file format.
  public enum FileFormat: String, Sendable, CaseIterable {
    /// YAML 1.1, read with Yams.
    case yaml
    /// JSON (RFC 8259).
    case json

    /// `.json` is JSON, `.yaml`/`.yml` YAML; any other extension is `nil`.
    public init?(pathExtension: String) {
      switch pathExtension.lowercased() {
      case "json": self = .json
      case "yaml", "yml": self = .yaml
      default: return nil
      }
    }
  }

  /// Reads and validates a YAML document.
  ///
  /// - Throws: ``ConfigError`` for invalid YAML, schema violations (unknown keys, wrong types)
  ///   and every rule of ``validate()``.
  public static func load(yaml: String) throws(ConfigError) -> KMeansPalettizerConfig {
    try checked(decodeDocument(ConfigValue.parseYAML(yaml)))
  }

  /// Reads and validates a JSON document (strict RFC 8259; key order is kept).
  ///
  /// - Throws: ``ConfigError`` as ``load(yaml:)`` does, with line and column for syntax errors.
  public static func load(json: String) throws(ConfigError) -> KMeansPalettizerConfig {
    try checked(decodeDocument(ConfigValue.parseJSON(json)))
  }

  /// Reads and validates a config file: JSON for `.json`, YAML for `.yaml`/`.yml`, otherwise
  /// JSON if the first non-blank character is `{` and YAML if not. A leading byte-order mark is
  /// ignored. Errors name the file.
  public static func load(contentsOf url: URL) throws(ConfigError) -> KMeansPalettizerConfig {
    var text: String
    do {
      text = try String(contentsOf: url, encoding: .utf8)
      if text.first == "\u{FEFF}" { text.removeFirst() }  // a byte-order mark some editors write
    } catch {
      throw ConfigError(file: url.path, keyPath: "", problem: "cannot be read as UTF-8 text (\(error.localizedDescription))")
    }
    let format = FileFormat(pathExtension: url.pathExtension)
      ?? (text.first { !$0.isWhitespace } == "{" ? .json : .yaml)
    do {
      return format == .json ? try load(json: text) : try load(yaml: text)
    } catch {
      throw error.inFile(url.path)
    }
  }

  private static func checked(_ config: KMeansPalettizerConfig) throws(ConfigError) -> KMeansPalettizerConfig {
    try config.validate()
    return config
  }

  /// The config as a YAML document in the seed's layout (granularity and LUT specs inline).
  /// Output is deterministic: schema fields in schema order, state/type maps sorted by key,
  /// regular-expression maps in their order. `global_config` is always written (`null` when
  /// absent). ``load(yaml:)`` of the result is an equal config, for any valid config.
  public func yamlString() -> String {
    documentValue.yamlString(flowKeys: ConfigValue.yamlFlowKeys)
  }

  /// The config as a pretty-printed JSON document, with the key order of ``yamlString()``.
  /// ``load(json:)`` of the result is an equal config, for any valid config.
  public func jsonString() -> String {
    documentValue.jsonString()
  }

  /// Validates the config and writes it to `url` — JSON for a `.json` extension, YAML
  /// otherwise — atomically: the text goes to a temporary file in the same folder, which is
  /// then renamed over `url`, so readers never see a partial file.
  ///
  /// - Throws: ``ConfigError`` naming the file when the config is invalid or cannot be written.
  public func save(to url: URL) throws(ConfigError) {
    do { try validate() } catch { throw error.inFile(url.path) }
    let text = FileFormat(pathExtension: url.pathExtension) == .json ? jsonString() : yamlString()
    let folder = url.deletingLastPathComponent()
    let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    do {
      try Data(text.utf8).write(to: temporary)
      guard rename(temporary.path, url.path) == 0 else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(errno))])
      }
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw ConfigError(file: url.path, keyPath: "", problem: "cannot be written (\(error.localizedDescription))")
    }
  }
}
