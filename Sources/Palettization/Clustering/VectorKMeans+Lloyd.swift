/// A value `≥ y`, given `x = fl(y)` the result of one rounded `Double` operation (relative error
/// ≤ 2⁻⁵³, no subnormals). Adding `|x|·2⁻⁵⁰` outweighs both that error and its own rounding.
@inline(__always) private func roundedUp(_ x: Double) -> Double { x + x.magnitude * 0x1p-50 }
/// A value `≤ y` under the same conditions.
@inline(__always) private func roundedDown(_ x: Double) -> Double { x - x.magnitude * 0x1p-50 }

extension VectorKMeans {
  /// Lloyd's algorithm for one restart, with Hamerly's bounds (Hamerly 2010, "Making k-means
  /// even faster") pruning the assignment step without changing its result.
  ///
  /// Iteration `t = 1, 2, …, maxIter`:
  /// 1. *Assign* every vector to its nearest centroid of `C(t−1)` (`C(0)` = the seeds): the lowest
  ///    ``squaredDistance(_:_:dimension:)``, lowest index on ties.
  /// 2. If `t > 1` and no assignment changed, stop: the centroids are already the means of the
  ///    final clusters.
  /// 3. If `t ≡ 1 (mod 5)`, compute the inertia `I(t)` of this assignment against `C(t−1)`;
  ///    for `t ≥ 6`, stop after step 4 when `I(t−5) − I(t) < 5·tol·I(t−5)` (the relative
  ///    improvement per iteration, averaged over the last 5, is below `tol`).
  /// 4. *Update*: each centroid becomes the weighted mean of its cluster (per-cluster sums of
  ///    `wᵢ·xᵢ` and of `wᵢ` in `Double`, in vector order, the quotient rounded to `Float`). A
  ///    cluster with total weight 0 (empty) keeps its centroid.
  ///
  /// After a stop in step 3 or at `maxIter`, one last assignment step against the updated
  /// centroids makes the assignment consistent with them (as scikit-learn's final E-step);
  /// the centroids are then the means of the clusters before that step (reassigning can only
  /// lower the inertia, up to rounding). The reported inertia is that of the final assignment and
  /// centroids.
  ///
  /// **Pruning stays exact.** Per vector, Hamerly's lower bound `l` on the distance to every
  /// other centroid is kept, lowered after each update by the largest drift of the other
  /// centroids (stored relative to a cumulative drift, so a pruned vector costs no store).
  /// Each pass computes the `Float` distance `D` to the vector's own centroid — one distance, in
  /// place of Hamerly's upper bound, whose upkeep and branch cost more than that for small `d` —
  /// and keeps the centroid without computing the others only when
  /// `(D + ε)(1+2γ)² + 2ε < m²(1−2γ) − 2ε` with `m = max(l, s)`, `s` half the distance from the
  /// own centroid to its nearest other one. That proves `D` *strictly* below the `Float`
  /// distance to every other centroid: `γ = (d+2)·2⁻²³` and `ε = d·2⁻¹⁴⁰` bound the rounding of
  /// ``squaredDistance(_:_:dimension:)`` with a factor-2 margin, bounds are on exact distances
  /// with every `Double` step rounded outwards. Otherwise all `k` distances are computed exactly
  /// as brute force does, so ties always go through the brute-force path (lowest index).
  ///
  /// Measured (release, this 2-core VM shared with other jobs, 294,912 2-vectors of a
  /// Laplace(0.02) tensor, k = 16, defaults, 175 passes over 5 restarts): plain brute force
  /// 3.2 s CPU; Hamerly with upper bounds 1.5 s; own distance instead of the upper bound 1.1 s.
  /// Storing the bounds as `Float` was slower (conversions) and was dropped.
  final class Lloyd {
    let n: Int
    let d: Int
    let k: Int
    /// `false` runs plain brute-force Lloyd (the reference in tests).
    let pruning: Bool
    private let gamma: Double
    private let epsilon: Double
    /// `k` rounded up to a multiple of 8 (lanes of the brute-force kernel).
    private let paddedK: Int

    private let centroids: UnsafeMutableBufferPointer<Float>
    /// Coordinate `j` of centroid `c` at `j · paddedK + c`; padding centroids are at `+∞`.
    private let transposed: UnsafeMutableBufferPointer<Float>
    /// Distances to every (padded) centroid, scratch of ``nearest(_:_:)``.
    private let scratch: UnsafeMutableBufferPointer<Float>
    private let assignment: UnsafeMutableBufferPointer<UInt8>
    /// Per vector, Hamerly's lower bound stored relative to the cumulative drift of the other
    /// centroids: lower = `lower[i] − cumulativeOtherDrift[a]`, so a pruned vector costs no store.
    private let lower: UnsafeMutableBufferPointer<Double>
    /// Per centroid: the sum over all updates so far of the largest drift of the other centroids
    /// (rounded up); half the distance to its nearest other centroid (rounded down).
    private let cumulativeOtherDrift: UnsafeMutableBufferPointer<Double>
    private let half: UnsafeMutableBufferPointer<Double>
    /// Per centroid: `Σ wᵢ·xᵢ` (`k × d`) and `Σ wᵢ` over its cluster.
    private let sums: UnsafeMutableBufferPointer<Double>
    private let mass: UnsafeMutableBufferPointer<Double>

    init(n: Int, dimension: Int, k: Int, pruning: Bool) {
      self.n = n
      self.d = dimension
      self.k = k
      self.pruning = pruning
      gamma = Double(dimension + 2) * 0x1p-23
      epsilon = Double(dimension) * 0x1p-140
      paddedK = (k + 7) / 8 * 8
      centroids = .allocate(capacity: k * dimension)
      transposed = .allocate(capacity: paddedK * dimension)
      scratch = .allocate(capacity: paddedK)
      assignment = .allocate(capacity: n)
      lower = .allocate(capacity: n)
      cumulativeOtherDrift = .allocate(capacity: k)
      half = .allocate(capacity: k)
      sums = .allocate(capacity: k * dimension)
      mass = .allocate(capacity: k)
      for buffer in [centroids, transposed, scratch] { buffer.initialize(repeating: 0) }
      assignment.initialize(repeating: 0)
      for buffer in [lower, cumulativeOtherDrift, half, sums, mass] { buffer.initialize(repeating: 0) }
    }

    deinit {
      for buffer in [centroids, transposed, scratch] { buffer.deallocate() }
      assignment.deallocate()
      for buffer in [lower, cumulativeOtherDrift, half, sums, mass] { buffer.deallocate() }
    }

    /// One restart from the vectors at `seeds` (`k` indices); see the type's documentation.
    /// - Complexity: O(maxIter·(n + k²·d)) plus O(k·d) per vector not pruned per iteration.
    func run(
      _ points: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>?, seeds: [Int],
      maxIter: Int, tol: Double
    ) -> VectorClustering {
      precondition(seeds.count == k && points.count == n * d, "seeds or points do not match the workspace")
      for (c, s) in seeds.enumerated() {
        for j in 0..<d { centroids[c * d + j] = points[s * d + j] }
      }
      cumulativeOtherDrift.update(repeating: 0)
      transpose()
      var lastInertia: Double?
      var iterations = 0
      var unchanged = false
      for t in 1...max(maxIter, 1) {
        iterations = t
        let checksTol = (t - 1) % 5 == 0
        let (changed, inertia) = assign(points, weights: weights, first: t == 1, accumulate: true, inertia: checksTol)
        if t > 1 && changed == 0 {
          unchanged = true
          break
        }
        var stop = false
        if checksTol {
          if let last = lastInertia, last - inertia < 5 * tol * last { stop = true }
          lastInertia = inertia
        }
        update()
        if stop { break }
      }
      if !unchanged {
        _ = assign(points, weights: weights, first: false, accumulate: false, inertia: false)
      }
      let c = UnsafeBufferPointer(centroids), a = UnsafeBufferPointer(assignment)
      return VectorClustering(
        centroids: Array(c), centroidCount: k, assignment: Array(a),
        inertia: VectorKMeans.inertia(points, dimension: d, weights: weights, centroids: c, assignment: a),
        iterations: iterations, seedIndices: seeds)
    }

    /// Assignment step (see the type's documentation), fused with the sums of the update step
    /// (`accumulate`) and the inertia against the current centroids (`inertia`).
    /// - Returns: how many assignments changed (`n` on the `first` pass), and the inertia (0
    ///   unless asked for).
    private func assign(
      _ points: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>?,
      first: Bool, accumulate: Bool, inertia: Bool
    ) -> (changed: Int, inertia: Double) {
      switch d {
      case 2: return assign(Width2.self, points, weights: weights, first: first, accumulate: accumulate, inertia: inertia)
      case 4: return assign(Width4.self, points, weights: weights, first: first, accumulate: accumulate, inertia: inertia)
      case 8: return assign(Width8.self, points, weights: weights, first: first, accumulate: accumulate, inertia: inertia)
      default: return assign(WidthAny.self, points, weights: weights, first: first, accumulate: accumulate, inertia: inertia)
      }
    }

    private func assign<W: VectorWidth>(
      _: W.Type, _ points: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>?,
      first: Bool, accumulate: Bool, inertia wantsInertia: Bool
    ) -> (changed: Int, inertia: Double) {
      let d = W.value(self.d)
      guard n > 0, let base = points.baseAddress, let c = UnsafePointer(centroids.baseAddress),
        let assignment = assignment.baseAddress, let lower = lower.baseAddress,
        let otherDrift = UnsafePointer(cumulativeOtherDrift.baseAddress),
        let half = UnsafePointer(half.baseAddress), let sums = sums.baseAddress,
        let mass = mass.baseAddress
      else { return (0, 0) }
      let w = weights?.baseAddress
      if accumulate {
        self.sums.update(repeating: 0)
        self.mass.update(repeating: 0)
      }
      let hi = 1 + 2 * gamma, lo = 1 - 2 * gamma, e = epsilon, e2 = 2 * epsilon
      // The slack of `hi`/`lo` (γ ≥ 2⁻²¹) dwarfs the Double rounding of these expressions.
      @inline(__always) func lowerBound(_ dist: Float) -> Double {
        // An overflowed distance (or none: k = 1) still proves at least about Float.max.
        let v = dist.isFinite ? Double(dist) : Double(Float.greatestFiniteMagnitude)
        return max(0, (v - e) * lo).squareRoot()
      }
      let prunes = pruning && !first
      var changed = 0
      var inertia = 0.0
      for i in 0..<n {
        let x = base + i * d
        let old = Int(assignment[i])
        var a = old
        var full = !prunes
        if prunes {
          // Every other centroid is at least `m` away: by the lower bound, or (when the own
          // centroid is nearer than `half[a]`) by the triangle inequality through it.
          let l = max(0, roundedDown(lower[i] - otherDrift[a]))
          let m = half[a] > l ? half[a] : l
          // The own centroid's distance costs one distance computation and no bound upkeep;
          // `(D + ε)·hi` bounds its exact square, and `·hi` once more keeps it below `half[a]`.
          let own = Double(squaredDistance(x, c + a * d, dimension: d))
          full = !((own + e) * hi * hi + e2 < m * m * lo - e2)
        }
        if full {
          let (best, _, second) = nearest(W.self, x)
          a = best
          assignment[i] = UInt8(truncatingIfNeeded: best)
          if best != old { changed += 1 }
          lower[i] = roundedDown(lowerBound(second) + otherDrift[a])
        }
        let weight = w.map { Double($0[i]) } ?? 1
        if accumulate {
          mass[a] += weight
          for j in 0..<d { sums[a * d + j] += weight * Double(x[j]) }
        }
        if wantsInertia {
          var s = 0.0
          for j in 0..<d {
            let t = Double(x[j]) - Double(c[a * d + j])
            s += t * t
          }
          inertia += weight * s
        }
      }
      return (first ? n : changed, inertia)
    }

    /// Brute force over all centroids: the nearest (lowest index on ties), its distance, and the
    /// lowest distance to any other centroid (`+∞` when `k = 1`). Works on ``transposed`` so
    /// that the loops over centroids vectorise; each centroid's distance goes through exactly
    /// ``squaredDistance(_:_:dimension:)``'s operations (`0 + t₀²` is `t₀²`, a square is never
    /// `-0`).
    @inline(__always)
    private func nearest<W: VectorWidth>(_: W.Type, _ x: UnsafePointer<Float>) -> (Int, Float, Float) {
      let d = W.value(self.d)
      let kk = paddedK
      // Non-nil: allocated with capacity >= 8.
      let dist = scratch.baseAddress.unsafelyUnwrapped
      let rows = UnsafePointer(transposed.baseAddress.unsafelyUnwrapped)
      let x0 = x[0]
      for c in 0..<kk {
        let t = x0 - rows[c]
        dist[c] = t * t
      }
      for j in 1..<max(d, 1) {
        let xj = x[j], row = rows + j * kk
        for c in 0..<kk {
          let t = xj - row[c]
          dist[c] += t * t
        }
      }
      // Four interleaved chains (centroids c ≡ r mod 4), each keeping its lowest distance, that
      // one's index (first on ties: strict <) and the runner-up; merged with ties to the lower index.
      var b0 = Float.infinity, b1 = b0, b2 = b0, b3 = b0
      var s0 = Float.infinity, s1 = s0, s2 = s0, s3 = s0
      var i0 = 0, i1 = 1, i2 = 2, i3 = 3
      var c = 0
      while c < kk {
        let v0 = dist[c], v1 = dist[c + 1], v2 = dist[c + 2], v3 = dist[c + 3]
        s0 = v0 < b0 ? b0 : (v0 < s0 ? v0 : s0); i0 = v0 < b0 ? c : i0; b0 = v0 < b0 ? v0 : b0
        s1 = v1 < b1 ? b1 : (v1 < s1 ? v1 : s1); i1 = v1 < b1 ? c + 1 : i1; b1 = v1 < b1 ? v1 : b1
        s2 = v2 < b2 ? b2 : (v2 < s2 ? v2 : s2); i2 = v2 < b2 ? c + 2 : i2; b2 = v2 < b2 ? v2 : b2
        s3 = v3 < b3 ? b3 : (v3 < s3 ? v3 : s3); i3 = v3 < b3 ? c + 3 : i3; b3 = v3 < b3 ? v3 : b3
        c += 4
      }
      @inline(__always) func merge(
        _ x: (Float, Int, Float), _ y: (Float, Int, Float)
      ) -> (Float, Int, Float) {
        if y.0 < x.0 || (y.0 == x.0 && y.1 < x.1) {
          return (y.0, y.1, x.0 < y.2 ? x.0 : y.2)
        }
        return (x.0, x.1, y.0 < x.2 ? y.0 : x.2)
      }
      let r = merge(merge((b0, i0, s0), (b1, i1, s1)), merge((b2, i2, s2), (b3, i3, s3)))
      return (r.1, r.0, r.2)
    }

    /// Refreshes ``transposed`` from ``centroids``.
    private func transpose() {
      for j in 0..<d {
        for c in 0..<paddedK { transposed[j * paddedK + c] = c < k ? centroids[c * d + j] : .infinity }
      }
    }

    /// Update step from the sums of the last accumulating pass; refreshes the cumulative drifts
    /// and the centroid half-distances that the bounds need.
    private func update() {
      let d = self.d, k = self.k
      // Relative slack covering the Double rounding of a d-term sum of squares and its root.
      let slack = Double(d + 4) * 0x1p-52
      var top = 0.0, topIndex = -1, runnerUp = 0.0
      for c in 0..<k {
        var moved = 0.0
        if mass[c] > 0 {
          for j in 0..<d {
            let new = Float(sums[c * d + j] / mass[c])
            let t = Double(new) - Double(centroids[c * d + j])
            moved += t * t
            centroids[c * d + j] = new
          }
        }
        let drift = (moved * (1 + slack)).squareRoot().nextUp
        if drift > top {
          runnerUp = top
          top = drift
          topIndex = c
        } else if drift > runnerUp {
          runnerUp = drift
        }
      }
      for c in 0..<k {
        cumulativeOtherDrift[c] = roundedUp(cumulativeOtherDrift[c] + (c == topIndex ? runnerUp : top))
      }
      transpose()
      guard pruning else { return }
      half.update(repeating: .infinity)
      for a in 0..<k {
        for b in (a + 1)..<k {
          var s = 0.0
          for j in 0..<d {
            let t = Double(centroids[a * d + j]) - Double(centroids[b * d + j])
            s += t * t
          }
          let h = max(0, 0.5 * (s * (1 - slack)).squareRoot().nextDown)
          if h < half[a] { half[a] = h }
          if h < half[b] { half[b] = h }
        }
      }
    }
  }
}
