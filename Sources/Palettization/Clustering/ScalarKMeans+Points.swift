extension ScalarKMeans {
  /// The optimal clustering of a block's sorted distinct points, and the rule that maps any
  /// value (a point, or a zero-weight point left out of the DP) to its cluster.
  struct PointClusters {
    /// Smallest and largest DP point of each cluster.
    var first: [Float]
    var last: [Float]
    /// Weighted means, ascending.
    var centroids: [Double]
    var cost: Double

    /// Clusters `points` (ascending, distinct) of weights `weights` (`>= 0`, not all 0) into
    /// `min(k, #positive-weight points)` clusters; zero-weight points are left out.
    init(points: [Float], weights: [Double], k: Int) {
      var dpPoints = points
      var dpWeights = weights
      if weights.contains(0) {
        dpPoints = []
        dpWeights = []
        for (x, w) in zip(points, weights) where w > 0 {
          dpPoints.append(x)
          dpWeights.append(w)
        }
      }
      let costs = dpPoints.withUnsafeBufferPointer { x in
        dpWeights.withUnsafeBufferPointer { w in SegmentCosts(values: x, weights: w) }
      }
      let starts = costs.optimalStarts(clusters: min(k, dpPoints.count), value: { Double(dpPoints[$0]) })
      (centroids, cost) = costs.centroidsAndCost(
        starts: starts, value: { Double(dpPoints[$0]) }, weight: { dpWeights[$0] })
      first = starts.map { dpPoints[$0] }
      last = starts.indices.map { c in dpPoints[(c + 1 < starts.count ? starts[c + 1] : dpPoints.count) - 1] }
    }

    /// The cluster of `v`: the cluster whose span `[first, last]` holds it, and for a value in
    /// the gap between two spans (only zero-weight points fall there) the nearer centroid, the
    /// lower one on a tie.
    @inline(__always)
    func index(of v: Float) -> Int {
      let count = first.count
      var base = 0
      var length = count
      while length > 1 {
        let half = length / 2
        if first[base + half] <= v { base += half }
        length -= half
      }
      if v > last[base] && base + 1 < count
        && abs(Double(v) - centroids[base + 1]) < abs(Double(v) - centroids[base])
      {
        base += 1
      }
      return base
    }

    /// The result for a block whose elements map to clusters through `indexOfElement`.
    func clustering(assignment: [UInt8]) -> ScalarClustering {
      ScalarClustering(centroids: centroids.map { Float($0) }, assignment: assignment, cost: cost)
    }
  }
}
