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
      // Constants for the closures: a captured `var` costs a dynamic exclusivity check per
      // read (8% of an exact-mode 588k-value block, where the search reads values often).
      let (x, w) = (dpPoints, dpWeights)
      let starts = costs.optimalStarts(clusters: min(k, x.count), value: { Double(x[$0]) })
      (centroids, cost) = costs.centroidsAndCost(starts: starts, value: { Double(x[$0]) }, weight: { w[$0] })
      first = starts.map { x[$0] }
      last = starts.indices.map { c in x[(c + 1 < starts.count ? starts[c + 1] : x.count) - 1] }
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

    /// `index(of:)` of every value in `values`, each of which must be a DP point (true when no
    /// point has weight 0): the number of clusters after the first that start at or below it.
    /// With up to 32 clusters this counts 4 starts per compare, without branches — the binary
    /// search was 14% of an exact-mode 588k-value block.
    func indicesOfPoints(_ values: UnsafeBufferPointer<Float>) -> [UInt8] {
      guard first.count <= 32 else { return values.map { UInt8(truncatingIfNeeded: index(of: $0)) } }
      let starts = Array(first.dropFirst())
      let groups = (starts.count + 3) / 4
      var thresholds = [SIMD4<Float>](repeating: SIMD4(repeating: .infinity), count: max(groups, 1))
      for (c, start) in starts.enumerated() { thresholds[c / 4][c % 4] = start }
      return [UInt8](unsafeUninitializedCapacity: values.count) { out, initialized in
        thresholds.withUnsafeBufferPointer { thresholds in
          for t in 0..<values.count {
            let v = SIMD4(repeating: values[t])
            var count = SIMD4<Int32>(repeating: 0)
            for g in 0..<groups {
              count &+= SIMD4<Int32>(repeating: 0).replacing(with: 1, where: v .>= thresholds[g])
            }
            out[t] = UInt8(truncatingIfNeeded: count.wrappedSum())
          }
        }
        initialized = values.count
      }
    }

    /// The result for a block whose elements map to clusters through `indexOfElement`.
    func clustering(assignment: [UInt8]) -> ScalarClustering {
      ScalarClustering(centroids: centroids.map { Float($0) }, assignment: assignment, cost: cost)
    }
  }
}
