/// Palettization of every op inside a module's scope (or of every module, as the global
/// config): the seed's `ModuleKMeansPalettizerConfig`, plus the engine settings the reference
/// keeps on it (fast mode, rounding precision, vector k-means settings).
///
/// For one state tensor of a module this config applies to, the spec is chosen in this order,
/// the first hit deciding (SPEC section 2):
/// 1. ``moduleStateSpec``[tensor] — only on the module the config was matched to directly (not
///    on descendants that inherit the config), and even for tensors no supported op consumes;
/// 2. the **last** ``opNameConfig`` key whose regular expression fully matches the name of the
///    op consuming the tensor (`linear`, `linear_1`);
/// 3. ``opTypeConfig``[op type];
/// 4. ``opStateSpec``[tensor], else ``opStateSpec``["*"].
///
/// An op config found at step 2 or 3 decides alone: if its `opStateSpec` does not list the
/// tensor (nor `"*"`), the tensor is not palettized — lookup does not fall through to step 4.
public struct ModuleKMeansPalettizerConfig: Sendable, Hashable {
  /// Default state name → spec for every op in scope (`"*"` = every state of the op; an exact
  /// name beats `"*"`). `nil` palettizes no op except through ``opTypeConfig`` /
  /// ``opNameConfig``.
  public var opStateSpec: [String: PalettizationSpec?]?
  /// Op type (`linear`, `conv2d`, …, an ``OpKind`` raw value) → op config; a `nil` config
  /// leaves ops of that type uncompressed.
  public var opTypeConfig: [String: OpKMeansPalettizerConfig?]
  /// Op-name regular expression (full match) → op config; the last matching key wins.
  public var opNameConfig: OrderedConfigMap<OpKMeansPalettizerConfig?>
  /// Local state name of the matched module → spec, overriding everything else. Not allowed on
  /// the global config.
  public var moduleStateSpec: [String: PalettizationSpec?]
  /// Cluster fp16-cast values rounded to ``roundingPrecision`` decimals (the reference's
  /// recipe) instead of the exact optimum on the original values. Scalar only: must be `false`
  /// when any spec here has `clusterDim > 1`.
  public var enableFastKMeansMode: Bool
  /// Decimals kept by fast mode (≥ 0).
  public var roundingPrecision: Int
  /// Vector k-means settings; `nil` = ``VectorKMeansConfig``'s defaults. Only allowed when some
  /// spec here has `clusterDim > 1`.
  public var vectorKMeansConfig: VectorKMeansConfig?

  /// Creates a module config. With no arguments: the default op state spec
  /// (``OpKMeansPalettizerConfig/defaultOpStateSpec``), no overrides, fast mode, 4 decimals.
  public init(
    opStateSpec: [String: PalettizationSpec?]? = OpKMeansPalettizerConfig.defaultOpStateSpec,
    opTypeConfig: [String: OpKMeansPalettizerConfig?] = [:],
    opNameConfig: OrderedConfigMap<OpKMeansPalettizerConfig?> = [:],
    moduleStateSpec: [String: PalettizationSpec?] = [:],
    enableFastKMeansMode: Bool = true,
    roundingPrecision: Int = 4,
    vectorKMeansConfig: VectorKMeansConfig? = nil
  ) {
    self.opStateSpec = opStateSpec
    self.opTypeConfig = opTypeConfig
    self.opNameConfig = opNameConfig
    self.moduleStateSpec = moduleStateSpec
    self.enableFastKMeansMode = enableFastKMeansMode
    self.roundingPrecision = roundingPrecision
    self.vectorKMeansConfig = vectorKMeansConfig
  }

  /// The engine settings of this config, as the clustering code consumes them.
  public var clusteringOptions: ClusteringOptions {
    ClusteringOptions(
      enableFastKMeansMode: enableFastKMeansMode, roundingPrecision: roundingPrecision,
      vectorKMeansConfig: vectorKMeansConfig ?? VectorKMeansConfig())
  }
}
