/// How scalar values are prepared before clustering.
public enum ScalarClusteringMode: Sendable, Hashable {
  /// The reference library's recipe: cast to fp16, round to `roundingPrecision` decimals in
  /// float32, cluster the unique float32 values weighted by counts.
  ///
  /// Per value `x`: `h = Float(Float16(x))` (round to nearest even); if `h` is infinite (`|x|`
  /// beyond fp16's range) `x` itself is used; otherwise `v = nearbyint(h·10^p) / 10^p` with the
  /// multiply, the round (half to even) and the divide all in `Float` (for `p < 0`:
  /// `nearbyint(h / 10^−p) · 10^−p`). `v` is **not** stored back as fp16. A rounding that
  /// yields a non-finite value (only for absurd `p`) keeps `h`.
  case fast(roundingPrecision: Int)
  /// The exact optimum over the original values.
  case exact
}

/// The result of clustering one block of scalars.
public struct ScalarClustering: Sendable, Equatable {
  /// Ascending centroids; count = min(k, number of distinct clustered points) (>= 1 when there is
  /// any value). NOT padded (the pipeline pads).
  public var centroids: [Float]
  /// Per input value (same order as the input), the index into `centroids`.
  public var assignment: [UInt8]
  /// The weighted k-means objective the DP minimised, over the points it clustered (rounded
  /// values in fast mode), in Double. 0 when the block's own values were reused.
  public var cost: Double

  /// Creates a clustering from its parts.
  public init(centroids: [Float], assignment: [UInt8], cost: Double) {
    self.centroids = centroids
    self.assignment = assignment
    self.cost = cost
  }
}

/// Scalar (`clusterDim == 1`) palettization of one block: globally optimal weighted 1-D k-means.
///
/// Pipeline, in order:
/// 1. **Existing palette.** If the block has at most `k` distinct original values (`-0 == +0`),
///    the centroids are exactly those values, ascending, each value maps to its own, and `cost`
///    is 0 — in both modes, no DP.
/// 2. **Points.** `.exact`: the distinct original values. `.fast`: the distinct rounded float32
///    values `v` (see `ScalarClusteringMode.fast`). A point's weight is the number of elements mapping to
///    it, or with sensitivities the sum of their weights.
/// 3. **Clustering.** `OptimalKMeans1D` on the points with positive weight, into
///    `min(k, #points)` clusters; centroids are the clusters' weighted means of the points.
/// 4. **Assignment.** Each element gets the cluster of its point (in fast mode, of its `v`).
///
/// Sensitivity weights: points whose total weight is 0 take no part in the DP (they neither move
/// a centroid nor count in `cost`) and are assigned the nearest centroid (the lower one on a
/// tie). If every weight is 0 the weights are ignored and the block is clustered unweighted.
///
/// Fast mode builds its points as a histogram over the integer rounding grid
/// `g = nearbyint(h·10^p)` when the grid's range is at most `max(4n, 2^20)` — O(n), no sort —
/// and otherwise (huge range, or values beyond fp16) falls back to sorting. Exact mode sorts
/// with an LSD radix sort on the values' bit patterns.
public enum ScalarKMeans {
  /// Clusters one block of scalars into at most `k` centroids.
  ///
  /// - Parameters:
  ///   - values: the block's values; all must be finite (precondition).
  ///   - weights: optional per-element sensitivities, same count, each finite and `>= 0`
  ///     (precondition).
  ///   - k: the LUT size, `1...256`.
  ///   - mode: how values are prepared (`.fast` rounds like the reference, `.exact` does not).
  /// - Returns: centroids (ascending, not padded), one index per value, and the DP's cost. An
  ///   empty block gives no centroids and no indices.
  /// - Complexity: O(n + k·u) time and O(n) memory for `n` values with `u` distinct points
  ///   (O(n + range) for the fast histogram; the exact mode's radix sort is O(n)).
  public static func cluster(
    _ values: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>?, k: Int,
    mode: ScalarClusteringMode
  ) -> ScalarClustering {
    cluster(values, weights: weights, k: k, mode: mode, forceSort: false)
  }

  /// Array convenience for `cluster(_:weights:k:mode:)`.
  public static func cluster(_ values: [Float], weights: [Float]? = nil, k: Int, mode: ScalarClusteringMode)
    -> ScalarClustering
  {
    values.withUnsafeBufferPointer { v in
      guard let weights else { return cluster(v, weights: nil, k: k, mode: mode) }
      return weights.withUnsafeBufferPointer { w in cluster(v, weights: w, k: k, mode: mode) }
    }
  }

  /// `cluster` with a switch that makes fast mode skip its histogram (tests compare the paths).
  static func cluster(
    _ values: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>?, k: Int,
    mode: ScalarClusteringMode, forceSort: Bool
  ) -> ScalarClustering {
    precondition((1...256).contains(k), "ScalarKMeans needs k in 1...256, got \(k)")
    precondition(weights == nil || weights?.count == values.count,
                 "ScalarKMeans needs one weight per value")
    for x in values where !x.isFinite {
      preconditionFailure("ScalarKMeans needs finite values, got \(x)")
    }
    if values.isEmpty { return ScalarClustering(centroids: [], assignment: [], cost: 0) }
    let weights = effectiveWeights(weights)
    if let reused = existingPalette(values, k: k) { return reused }
    switch mode {
    case .exact:
      return clusterBySorting(values, weights: weights, k: k)
    case .fast(let precision):
      let rounding = FastRounding(precision: precision)
      if !forceSort, let result = clusterByHistogram(values, weights: weights, k: k, rounding: rounding) {
        return result
      }
      let rounded = values.map { rounding.rounded($0) }
      return rounded.withUnsafeBufferPointer { clusterBySorting($0, weights: weights, k: k) }
    }
  }

  /// The sensitivities to use: `nil` when absent or all zero (the block is then unweighted).
  private static func effectiveWeights(_ weights: UnsafeBufferPointer<Float>?) -> UnsafeBufferPointer<Float>? {
    guard let weights else { return nil }
    var anyPositive = false
    for w in weights {
      precondition(w.isFinite && w >= 0, "ScalarKMeans needs finite non-negative weights, got \(w)")
      anyPositive = anyPositive || w > 0
    }
    return anyPositive ? weights : nil
  }
}
