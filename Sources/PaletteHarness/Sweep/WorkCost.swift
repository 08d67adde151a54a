import Palettization

/// Estimated cost of palettizing a tensor, in "scalar element" units, used to cut runs into
/// balanced units, to balance shards and to weight the sweep's ETA.
///
/// - Scalar clustering (`cluster_dim` 1): 1 per element per-tensor, 4 per element with grouped
///   channels (one exact 1-D problem per block instead of one for the tensor).
/// - Vector clustering (`cluster_dim` d > 1, `numel / d` points): `25 · n_bits · d` per point,
///   100 for a 2-bit point of 2 elements: k-means++ seeding and Lloyd iterations visit every
///   point for every centroid, over 5 restarts by default, where scalar clustering sorts or
///   histograms once.
///
/// Fitted to the per-tensor `seconds` of a release `w4` sweep on this machine (scalar
/// per-tensor 28–44 ns per element; grouped 100–230; vector 2,800–3,000 ns per 2-bit point of
/// 2 elements, 6,200–7,600 at 4 bits, 3,900–12,800 per point of 4 elements): each grid group's
/// share of the estimated cost is within 0.5–1.5× of its share of the measured time (a flat
/// 100 per vector point and 1 per scalar element gave 0.26–2.2×), and an ETA taken between 10%
/// and 90% of that sweep's engine time is 0.85–1.3× the time actually left (0.45–0.74×).
public enum WorkCost {
  /// The cost of palettizing `count` elements with `spec` (0 when the tensor is not selected).
  public static func estimate(count: Int, spec: PalettizationSpec?) -> Int {
    guard let spec else { return 0 }
    guard spec.clusterDim > 1 else {
      if case .perTensor = spec.granularity { return count }
      return 4 * count
    }
    return 25 * spec.nBits * spec.clusterDim * (count / spec.clusterDim)
  }
}
