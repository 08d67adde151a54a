/// How a block's values are clustered, beyond the spec: the module config's
/// `enable_fast_kmeans_mode`, `rounding_precision` and `vector_kmeans_config`, resolved, plus
/// an optional pruning step before clustering (set by experiments and `harness palettize
/// --prune`, not by config files).
public struct ClusteringOptions: Codable, Sendable, Hashable {
  /// Scalar clustering on fp16-cast values rounded to `roundingPrecision` decimals (the
  /// reference's recipe) instead of the exact optimum on the original values.
  public var enableFastKMeansMode: Bool
  /// Decimals kept by fast mode.
  public var roundingPrecision: Int
  /// Vector k-means settings (used when `clusterDim > 1`).
  public var vectorKMeansConfig: VectorKMeansConfig
  /// Prune the weight before palettizing it; `nil` keeps it as it is. Metrics still compare
  /// against the weight before pruning, so pruning error counts.
  public var pruning: PruningSpec?

  public init(
    enableFastKMeansMode: Bool = true,
    roundingPrecision: Int = 4,
    vectorKMeansConfig: VectorKMeansConfig = VectorKMeansConfig(),
    pruning: PruningSpec? = nil
  ) {
    self.enableFastKMeansMode = enableFastKMeansMode
    self.roundingPrecision = roundingPrecision
    self.vectorKMeansConfig = vectorKMeansConfig
    self.pruning = pruning
  }

  enum CodingKeys: String, CodingKey {
    case enableFastKMeansMode = "enable_fast_kmeans_mode"
    case roundingPrecision = "rounding_precision"
    case vectorKMeansConfig = "vector_kmeans_config"
    case pruning = "prune"
  }
}
