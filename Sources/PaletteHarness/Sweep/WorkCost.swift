import Palettization

/// Estimated cost of palettizing a tensor, in "scalar element" units, used to cut runs into
/// balanced units, to balance shards and to weight the sweep's ETA.
///
/// A scalar element (cluster_dim 1) costs 1; a vector point (cluster_dim d > 1, `numel / d`
/// points) costs 100: vector k-means runs k-means++ seeding and Lloyd iterations over every
/// point, 5 restarts by default, where scalar clustering sorts or histograms once. On MiniLM
/// (`results/w4.csv`) scalar points took 23-130 ns per element and vector points 700-4,300 ns
/// per point: 30-150x, so 100x is the middle of the measured range.
public enum WorkCost {
  /// Cost of one vector point relative to one scalar element.
  public static let vectorPointFactor = 100

  /// The cost of palettizing `count` elements with `spec` (0 when the tensor is not selected).
  public static func estimate(count: Int, spec: PalettizationSpec?) -> Int {
    guard let spec else { return 0 }
    guard spec.clusterDim > 1 else { return count }
    return vectorPointFactor * (count / spec.clusterDim)
  }
}
