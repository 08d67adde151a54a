extension VectorKMeans {
  /// The centroids laid out for a SIMD nearest-centroid search over 4 vectors at once, and that
  /// search.
  ///
  /// Coordinate `j` of centroid `c` is stored as a 4-lane splat at `c·d + j`; lane `r` of every
  /// computation belongs to the `r`-th of 4 vectors, so the search is `k` steps of straight
  /// 4-lane arithmetic with no horizontal reductions and no per-`k` code.
  ///
  /// Measured (release, this 2-core VM shared with other jobs, k = 16, d = 2, per vector, the
  /// search alone): a scan over one vector with the centroids in the lanes (4 centroids per
  /// `SIMD4`, then a horizontal minimum and a first-equal-lane search) 15–20 ns; this layout
  /// about 10 ns (k = 4: about 2.5 ns). `SIMD4<Float>` is the SSE register of the default x86-64
  /// target; wider Swift SIMD types compiled to shuffle-heavy code there. Swift's SIMD
  /// arithmetic is per-lane code that LLVM re-vectorises, and it still inserts a few lane
  /// shuffles per centroid here (the loop is about 25 instead of 17 instructions per centroid);
  /// rewriting the selects as scalar per-lane code or broadcasting from scalars did not help.
  ///
  /// A value type over storage it allocates; its owner (``Lloyd``) calls ``deallocate()``.
  struct CentroidTable {
    let k: Int
    let dimension: Int
    private let splats: UnsafeMutablePointer<SIMD4<Float>>

    init(k: Int, dimension: Int) {
      precondition(k >= 1 && dimension >= 1, "CentroidTable needs k >= 1 and dimension >= 1")
      self.k = k
      self.dimension = dimension
      splats = .allocate(capacity: k * dimension)
      splats.initialize(repeating: SIMD4(repeating: 0), count: k * dimension)
    }

    func deallocate() { splats.deallocate() }

    /// Copies `k × dimension` row-major centroids in.
    /// - Complexity: O(k·d).
    func load(_ centroids: UnsafePointer<Float>) {
      for i in 0..<(k * dimension) { splats[i] = SIMD4(repeating: centroids[i]) }
    }

    /// For each of 4 vectors (lane `r` of `x[j]` is coordinate `j` of the `r`-th): the nearest centroid by
    /// ``squaredDistance(_:_:dimension:)`` (lowest index on ties), its distance, and, when
    /// `runnerUp` is set, the lowest distance to any other centroid (`+∞` when `k = 1`;
    /// meaningless when not asked for).
    ///
    /// Each lane computes every distance with exactly ``squaredDistance(_:_:dimension:)``'s `Float`
    /// operations in the same order (`0 + t₀²` is `t₀²`: a square is never `−0`), and centroids
    /// are visited in index order, a lane switching only to a strictly lower distance — so the
    /// result is bitwise that of a scalar scan. The runner-up is `min(second, max(best, s))`.
    /// One chain suffices: the loop is throughput-bound (≈ 25 SSE instructions per centroid),
    /// not bound by the 4-cycle latency of the running minimum; two interleaved chains were
    /// measured no faster.
    /// - Complexity: O(k·d) 4-lane operations for 4 vectors.
    @_transparent
    func nearest<W: VectorWidth>(
      _: W.Type, _ x: UnsafePointer<SIMD4<Float>>, runnerUp: Bool
    ) -> (index: NearestIndices, distance: SIMD4<Float>, runnerUp: SIMD4<Float>) {
      let d = W.value(dimension)
      let splats = UnsafePointer(self.splats)
      let distance = LaneDistance<W>(x, dimension: d)
      let infinity = SIMD4<Float>(repeating: .infinity)
      var best = infinity, second = infinity
      // Centroid `c` is labelled `2²³ + c` (exact in Float, so selects stay in SSE registers).
      var label = SIMD4<Float>(repeating: 0x1p23)
      var index = label
      var c = splats
      let end = splats + k &* d
      while c < end {
        let s = distance(to: c)
        let lower = s .< best
        if runnerUp { second = minimum(second, maximum(best, s)) }
        best = minimum(best, s)
        index = index.replacing(with: label, where: lower)
        label = label + 1
        c += d
      }
      return (NearestIndices(labels: index), best, second)
    }

    /// For each of 4 vectors (laid out as for ``nearest(_:_:runnerUp:)``), the nearest of the
    /// `count ≥ 1` centroids listed in `candidates` in increasing index order, lowest index on
    /// ties; the same operations as ``nearest(_:_:runnerUp:)``, so for a list that holds every
    /// centroid whose distance can be minimal, the same index.
    /// - Complexity: O(count·d) 4-lane operations for 4 vectors.
    @_transparent
    func nearest<W: VectorWidth>(
      _: W.Type, _ x: UnsafePointer<SIMD4<Float>>, among candidates: UnsafePointer<Int32>, count: Int
    ) -> NearestIndices {
      let d = W.value(dimension)
      let splats = UnsafePointer(self.splats)
      let distance = LaneDistance<W>(x, dimension: d)
      var best = SIMD4<Float>(repeating: .infinity)
      var index = SIMD4<Float>(repeating: 0x1p23)
      for m in 0..<count {
        let c = Int(candidates[m])
        let s = distance(to: splats + c &* d)
        let lower = s .< best
        best = minimum(best, s)
        index = index.replacing(with: SIMD4(repeating: 0x1p23 + Float(c)), where: lower)
      }
      return NearestIndices(labels: index)
    }
  }
}

/// ``VectorKMeans/squaredDistance(_:_:dimension:)`` of 4 vectors (lane `r` of `x[j]` is
/// coordinate `j` of the `r`-th) to one centroid given as splats, with the same `Float`
/// operations in the same order per lane (`0 + t₀²` is `t₀²`: a square is never `−0`).
struct LaneDistance<W: VectorWidth> {
  let x: UnsafePointer<SIMD4<Float>>
  let d: Int
  let x0: SIMD4<Float>, x1: SIMD4<Float>, x2: SIMD4<Float>, x3: SIMD4<Float>

  @inline(__always) init(_ x: UnsafePointer<SIMD4<Float>>, dimension d: Int) {
    self.x = x
    self.d = d
    x0 = x[0]
    x1 = d > 1 ? x[1] : x0
    x2 = d > 2 ? x[2] : x0
    x3 = d > 3 ? x[3] : x0
  }

  @inline(__always) func callAsFunction(to c: UnsafePointer<SIMD4<Float>>) -> SIMD4<Float> {
    var t = x0 - c[0]
    var s = t * t
    if d > 1 { t = x1 - c[1]; s = s + t * t }
    if d > 2 { t = x2 - c[2]; s = s + t * t }
    if d > 3 { t = x3 - c[3]; s = s + t * t }
    if d > 4 {
      for j in 4..<d {
        t = x[j] - c[j]
        s = s + t * t
      }
    }
    return s
  }
}

/// The 4 centroid indices found by ``VectorKMeans/CentroidTable/nearest(_:_:runnerUp:)``.
struct NearestIndices {
  /// `2²³ + c` per lane: the low 23 bits of the pattern are `c`.
  let labels: SIMD4<Float>

  /// The index of lane `lane`, without a float-to-integer conversion.
  @inline(__always) subscript(lane: Int) -> Int { Int(labels[lane].bitPattern & 0x7F_FFFF) }
}

/// Lane-wise minimum, `b` on ties (`minps`; no NaNs reach it: points and centroids are finite).
@inline(__always) private func minimum(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> {
  a.replacing(with: b, where: b .< a)
}

/// Lane-wise maximum (`maxps`).
@inline(__always) private func maximum(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> {
  a.replacing(with: b, where: b .> a)
}
