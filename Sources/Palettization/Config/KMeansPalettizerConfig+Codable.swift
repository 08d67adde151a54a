/// `Codable` conformances, for embedding configs in other documents (an experiment file's
/// inline config). They use the same schema and the same strict checks as ``KMeansPalettizerConfig/load(json:)``
/// and throw ``ConfigError`` (with paths relative to the embedded value). A
/// `KMeansPalettizerConfig` encodes as a document *body* (no `kmeans_palettization_config`
/// key). The order of regular-expression keys survives only if the decoder reports keys in
/// document order; `load(json:)` / `load(yaml:)` always keep it.
extension KMeansPalettizerConfig: Codable {
  /// Decodes and validates a config body.
  public init(from decoder: any Decoder) throws {
    try self.init(body: ConfigValue(from: decoder))
    try validate()
  }

  /// Encodes the config body.
  public func encode(to encoder: any Encoder) throws {
    try bodyValue.encode(to: encoder)
  }
}

extension ModuleKMeansPalettizerConfig: Codable {
  /// Decodes and validates a (non-global) module config.
  public init(from decoder: any Decoder) throws {
    try self.init(node: ConfigNode(value: ConfigValue(from: decoder), path: .body))
    try validate(at: .body, isGlobal: false)
  }

  /// Encodes every field.
  public func encode(to encoder: any Encoder) throws {
    try configValue.encode(to: encoder)
  }
}

extension OpKMeansPalettizerConfig: Codable {
  /// Decodes and validates an op config.
  public init(from decoder: any Decoder) throws {
    try self.init(node: ConfigNode(value: ConfigValue(from: decoder), path: .body))
    try ModuleKMeansPalettizerConfig(opStateSpec: opStateSpec).validate(at: .body, isGlobal: false)
  }

  /// Encodes `op_state_spec`.
  public func encode(to encoder: any Encoder) throws {
    try configValue.encode(to: encoder)
  }
}
