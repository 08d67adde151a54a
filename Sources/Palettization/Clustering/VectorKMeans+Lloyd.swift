extension VectorKMeans {
  /// The Lloyd kernel with Hamerly's bounds (Hamerly 2010, "Making k-means even faster")
  /// pruning the assignment step without changing its result: the implementation before the
  /// kd-tree kernel (``FilteringLloyd``), kept as ``Kernel/reference`` so that every other
  /// kernel is checked against it, and as ``Kernel/bruteForce`` (`pruning: false`). The
  /// schedule of a restart is ``LloydKernel/run(_:weights:seeds:maxIter:tol:)``.
  ///
  /// **Pruning stays exact** (Hamerly 2010, "Making k-means even faster", with his two bounds
  /// folded into one number). For each vector, `u ≥` the exact distance to its centroid `a` and
  /// `l ≤` the exact distance to every other centroid are known after a brute-force search. If
  /// `l > ρ·u + η` with `ρ² ≥ (1+γ)/(1−γ)` and `η² ≥ 2ε/(1−γ)`, where `γ = (d+2)·2⁻²³` and
  /// `ε = d·2⁻¹⁴⁰` bound the relative and absolute rounding of
  /// ``squaredDistance(_:_:dimension:)`` (with a factor-2 margin), the `Float` distance to `a` is
  /// *strictly* below the `Float` distance to every other centroid, so brute force would keep `a`.
  /// After an update `u` grows by at most `a`'s drift and `l` shrinks by at most the largest
  /// drift of the others (triangle inequality), so the margin `l − ρ·u` shrinks by at most
  /// `ρ·drift[a] + max_{c≠a} drift[c]`. Each centroid accumulates these in its *decay* `Δ[a]`;
  /// a vector stores `margin + Δ[a]` (as of its last search, rounded down to a `Float`) and is
  /// kept without any distance computation while that exceeds `Δ[a] + η` (rounded up): one
  /// load and one compare, no store. The others (and every vector in the first pass) are
  /// searched by brute force, 4 at a time (``CentroidTable``), exactly as the reference does;
  /// ties always go to brute force (their margin is ≤ 0), which takes the lowest index. Every
  /// bound is rounded outwards (see `margins`).
  ///
  /// Per pass the vectors are processed in blocks of ``blockSize``: bound test, brute force of
  /// the survivors, then the per-cluster sums (in vector order) while the block is in cache.
  ///
  /// Measured (release, this 2-core VM shared with other jobs, so ±30%; 294,912 2-vectors of a
  /// Laplace(0.02) tensor, k = 16, defaults, 175 passes over 5 restarts, CPU time of the whole
  /// `cluster` call): the previous version (Hamerly lower bound plus the own distance computed
  /// every pass, 13% of vectors searched, a scalar search) 1.05 s; this one (23% searched, SIMD
  /// search, vectorised bound arithmetic, cheaper seeding) 0.55 s. A brute force of every vector
  /// with the SIMD search is 0.95 s.
  final class Lloyd: LloydKernel {
    let n: Int
    let d: Int
    let k: Int
    /// `false` runs plain brute-force Lloyd (the reference in tests).
    let pruning: Bool
    /// `1 + 4γ` and `1 − 4γ` with `γ = (d+2)·2⁻²³`, which bounds the relative rounding of
    /// ``squaredDistance(_:_:dimension:)`` (see the type's documentation).
    private let hi: Float
    private let lo: Float

    private let centroids: UnsafeMutableBufferPointer<Float>
    /// ``centroids`` in the layout of the brute-force kernel.
    private let table: CentroidTable
    /// Indices of the vectors of one block that the bounds do not prune, and their coordinates
    /// in groups of 4 (coordinate `j` of the `r`-th vector of group `g` in lane `r` of `g·d + j`).
    private let pending: UnsafeMutablePointer<Int>
    private let gathered: UnsafeMutablePointer<SIMD4<Float>>
    private let assignment: UnsafeMutableBufferPointer<UInt8>
    /// Per vector, its proven margin `l − ρ·u` plus the decay `Δ[a]` of its centroid when the
    /// margin was computed, rounded down (so a pruned vector costs no store).
    private let margin: UnsafeMutableBufferPointer<Float>
    /// Per centroid `a`: the decay `Δ[a]` (sum over all updates so far of `ρ·drift[a]` plus the
    /// largest drift of the other centroids, rounded up), and `Δ[a] + η` rounded up to a Float:
    /// a vector of cluster `a` whose stored margin exceeds it keeps its centroid.
    private let decay: UnsafeMutableBufferPointer<Double>
    private let threshold: UnsafeMutableBufferPointer<Float>
    /// Per centroid: `Δ[a]` rounded down to a Float, and its drift in the last update.
    private let decayFloor: UnsafeMutableBufferPointer<Float>
    private let drift: UnsafeMutableBufferPointer<Double>
    /// The update step's sums.
    private let totals: ClusterSums

    init(n: Int, dimension: Int, k: Int, pruning: Bool) {
      self.n = n
      self.d = dimension
      self.k = k
      // Pruning needs `4γ ≪ 1`; beyond this (never in practice) it is plain brute force.
      self.pruning = pruning && dimension <= 1024
      hi = 1 + Float(dimension + 2) * 0x1p-21
      lo = 1 - Float(dimension + 2) * 0x1p-21
      centroids = .allocate(capacity: k * dimension)
      pending = .allocate(capacity: Lloyd.blockSize)
      gathered = .allocate(capacity: Lloyd.blockSize / 4 * dimension)
      gathered.initialize(repeating: SIMD4(repeating: 0), count: Lloyd.blockSize / 4 * dimension)
      table = CentroidTable(k: k, dimension: dimension)
      assignment = .allocate(capacity: n)
      margin = .allocate(capacity: n)
      decay = .allocate(capacity: k)
      threshold = .allocate(capacity: k)
      decayFloor = .allocate(capacity: k)
      drift = .allocate(capacity: k)
      totals = ClusterSums(k: k, dimension: dimension)
      centroids.initialize(repeating: 0)
      assignment.initialize(repeating: 0)
      margin.initialize(repeating: -.infinity)
      threshold.initialize(repeating: .infinity)
      decayFloor.initialize(repeating: 0)
      for buffer in [decay, drift] { buffer.initialize(repeating: 0) }
    }

    deinit {
      centroids.deallocate()
      assignment.deallocate()
      margin.deallocate()
      table.deallocate()
      pending.deallocate()
      gathered.deallocate()
      threshold.deallocate()
      decayFloor.deallocate()
      totals.deallocate()
      for buffer in [decay, drift] { buffer.deallocate() }
    }

    var centroidValues: UnsafeBufferPointer<Float> { UnsafeBufferPointer(centroids) }
    var assignmentValues: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(assignment) }

    func start(_ points: UnsafeBufferPointer<Float>, seeds: [Int]) {
      for (c, s) in seeds.enumerated() {
        for j in 0..<d { centroids[c * d + j] = points[s * d + j] }
      }
      decay.update(repeating: 0)
      decayFloor.update(repeating: 0)
      threshold.update(repeating: Lloyd.eta)
      table.load(UnsafePointer(centroids.baseAddress.unsafelyUnwrapped))
    }

    /// Assignment step (see the type's documentation), fused with the sums of the update step
    /// (`accumulate`) and the inertia against the current centroids (`inertia`).
    /// - Returns: how many assignments changed (`n` on the `first` pass), and the inertia (0
    ///   unless asked for).
    /// - Complexity: O(n + k·d) plus O(k·d) per vector the bounds do not prune.
    func assign(
      _ points: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>?,
      first: Bool, accumulate: Bool, inertia: Bool
    ) -> (changed: Int, inertia: InertiaEstimate) {
      let r: (changed: Int, inertia: Double)
      switch d {
      case 2: r = assign(Width2.self, points, weights: weights, first: first, accumulate: accumulate, inertia: inertia)
      case 4: r = assign(Width4.self, points, weights: weights, first: first, accumulate: accumulate, inertia: inertia)
      case 8: r = assign(Width8.self, points, weights: weights, first: first, accumulate: accumulate, inertia: inertia)
      default: r = assign(WidthAny.self, points, weights: weights, first: first, accumulate: accumulate, inertia: inertia)
      }
      return (r.changed, InertiaEstimate(exactly: r.inertia))
    }

    /// Never needed: this kernel's inertia is exact.
    func exactInertia(_ points: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>?, ago: Int) -> Double {
      preconditionFailure("Lloyd reports exact inertias")
    }

    /// Vectors per block of the assignment pass: bounds tested, survivors searched 4 at a time,
    /// then sums accumulated, while the block is in L1.
    static let blockSize = 512

    private func assign<W: VectorWidth>(
      _: W.Type, _ points: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>?,
      first: Bool, accumulate: Bool, inertia wantsInertia: Bool
    ) -> (changed: Int, inertia: Double) {
      let d = W.value(self.d)
      guard n > 0, let base = points.baseAddress, let c = UnsafePointer(centroids.baseAddress),
        let assignment = assignment.baseAddress, let margin = margin.baseAddress,
        let decay = UnsafePointer(decayFloor.baseAddress), let threshold = UnsafePointer(threshold.baseAddress)
      else { return (0, 0) }
      let w = weights?.baseAddress
      if accumulate { totals.reset() }
      let hi = SIMD4(repeating: hi), lo = SIMD4(repeating: lo), table = self.table, pending = self.pending, gathered = self.gathered
      let prunes = pruning && !first
      var changed = 0
      var inertia = 0.0
      var start = 0
      while start < n {
        let end = min(n, start + Lloyd.blockSize)
        var count = 0
        if prunes {
          for i in start..<end {
            pending[count] = i
            // Branch-free: about a quarter of the vectors survive, unpredictably.
            count &+= Int(unsafeBitCast(!(margin[i] > threshold[Int(assignment[i])]), to: UInt8.self))
          }
        } else {
          for i in start..<end { pending[count] = i; count &+= 1 }
        }
        // Groups of 4 in SIMD layout; a short last group repeats its last vector.
        for p in 0..<((count + 3) & ~3) {
          let x = base + pending[min(p, count - 1)] &* d
          let group = gathered + (p >> 2) &* d
          for j in 0..<d { group[j][p & 3] = x[j] }
        }
        var g = 0
        while g < count {
          let group = UnsafePointer(gathered + (g >> 2) &* d)
          let r = pruning
            ? table.nearest(W.self, group, runnerUp: true) : table.nearest(W.self, group, runnerUp: false)
          let lanes = min(4, count - g)
          for lane in 0..<lanes {
            let i = pending[g + lane]
            let best = r.index[lane]
            if best != Int(assignment[i]) {
              changed &+= 1
              assignment[i] = UInt8(truncatingIfNeeded: best)
            }
          }
          if pruning {
            let floor = SIMD4(decay[r.index[0]], decay[r.index[1]], decay[r.index[2]], decay[r.index[3]])
            let m = margins(own: r.distance, runnerUp: r.runnerUp, decay: floor, hi: hi, lo: lo)
            for lane in 0..<lanes { margin[pending[g + lane]] = m[lane] }
          }
          g += 4
        }
        if accumulate {
          totals.add(W.self, base, weights: w, assignment: assignment, from: start, to: end)
        }
        if wantsInertia {
          VectorKMeans.addInertia(
            W.self, base, dimension: d, weights: w, centroids: c, assignment: assignment, from: start, to: end,
            into: &inertia)
        }
        start = end
      }
      if accumulate { totals.finish(weighted: w != nil) }
      return (first ? n : changed, inertia)
    }

    /// Update step from the sums of the last accumulating pass; raises each centroid's decay by
    /// `ρ·drift[a] + max_{c≠a} drift[c]`, the most by which the margin `l − ρ·u` of a vector of
    /// cluster `a` can shrink (`u` grows by at most `drift[a]`, `l` shrinks by at most the
    /// largest other drift, by the triangle inequality).
    func update(_: UnsafeBufferPointer<Float>, weights _: UnsafeBufferPointer<Float>?) {
      let d = self.d, k = self.k
      var top = 0.0, topIndex = -1, runnerUp = 0.0
      let sums = totals.sums, mass = totals.mass
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
        drift[c] = VectorKMeans.driftBound(squaredMove: moved, dimension: d)
        if drift[c] > top {
          runnerUp = top
          top = drift[c]
          topIndex = c
        } else if drift[c] > runnerUp {
          runnerUp = drift[c]
        }
      }
      table.load(UnsafePointer(centroids.baseAddress.unsafelyUnwrapped))
      guard pruning else { return }
      // `ρ ≤ 1 + 5γ` (the Float ρ·u in `margins` is `(1 + 4γ)·u` rounded).
      let rho = 1 + 5 * (Double(hi) - 1) / 4
      for c in 0..<k {
        let step = roundedUp((c == topIndex ? runnerUp : top) + roundedUp(rho * drift[c]))
        decay[c] = roundedUp(decay[c] + step)
        decayFloor[c] = floatDown(decay[c])
        threshold[c] = floatUp(roundedUp(decay[c] + Double(Lloyd.eta)))
      }
    }
  }
}

extension VectorKMeans.Lloyd {
  /// `η`: a vector is kept when its margin `l − ρ·u` exceeds it; `η² = 2⁻¹²⁰ ≥ 2ε/(1−γ)` with
  /// `ε = d·2⁻¹⁴⁰` (underflow in ``VectorKMeans/squaredDistance(_:_:dimension:)``) for `d ≤ 1024`.
  static let eta: Float = 0x1p-60

  /// Per lane: a Float `≤ l − ρ·u + Δ'`, from the `Float` distances to the nearest centroid (`own`)
  /// and to the nearest other one (`runnerUp`), with `u ≥` the exact distance to the nearest,
  /// `l ≤` the exact distance to any other, `ρ·u` the Float `(1+4γ)·u` and `Δ'` the nearest
  /// centroid's decay rounded down.
  ///
  /// `u = √(own·(1+4γ) + 2⁻¹⁰⁰)` and `l = √max(0, min(runnerUp, Float.max)·(1−4γ) − 2⁻¹⁰⁰)`: the
  /// factors cover the distance's relative rounding `γ` and every Float rounding here (each
  /// `≤ 2⁻²⁴ ≪ γ`), and `2⁻¹⁰⁰` its absolute underflow error `ε`. The sum `l − ρu + Δ'`
  /// is computed with two roundings, each at most `2⁻²⁴·(l + ρu + Δ')`; subtracting
  /// `(l + ρu + Δ')·2⁻²¹` covers them and its own rounding. An overflowed `own` gives `−∞` or
  /// NaN: never kept.
  @inline(__always)
  fileprivate func margins(
    own: SIMD4<Float>, runnerUp: SIMD4<Float>, decay: SIMD4<Float>, hi: SIMD4<Float>, lo: SIMD4<Float>
  ) -> SIMD4<Float> {
    let tiny = SIMD4<Float>(repeating: 0x1p-100)
    let u = (own * hi + tiny).squareRoot()
    let far = runnerUp.replacing(with: .greatestFiniteMagnitude, where: runnerUp .> .greatestFiniteMagnitude)
    let square = far * lo - tiny
    let l = square.replacing(with: 0, where: square .< 0).squareRoot()
    let pu = hi * u
    let m = (l - pu) + decay
    return m - ((l + pu) + decay) * 0x1p-21
  }
}

/// The largest Float `≤ x`.
@inline(__always) private func floatDown(_ x: Double) -> Float {
  let f = Float(x)
  return Double(f) > x ? f.nextDown : f
}

/// The smallest Float `≥ x`.
@inline(__always) private func floatUp(_ x: Double) -> Float {
  let f = Float(x)
  return Double(f) < x ? f.nextUp : f
}
