extension VectorKMeans {
  /// The Lloyd kernel with kd-tree filtering (Kanungo, Mount, Netanyahu, Piatko, Silverman &
  /// Wu 2002, "An efficient k-means clustering algorithm: analysis and implementation", IEEE
  /// TPAMI 24(7)): whole boxes of vectors are assigned at once, and only vectors in boxes that
  /// straddle a boundary between two cells of the Voronoi diagram are searched, among the few
  /// centroids that can still be nearest.
  ///
  /// **Assignment pass.** The ``KDTree`` over the block (built once, shared by every restart) is
  /// walked from the root with a candidate list, initially every centroid in index order. At a
  /// node with box `B`, `z*` is the candidate nearest to the box's midpoint, and every other
  /// candidate `z` that `z*` *dominates* on `B` is dropped (the list stays in index order):
  ///
  ///     lo·‖x − z‖² − hi·‖x − z*‖² > τ   for every x in B,
  ///
  /// with `hi`, `lo = 1 ± (d+2)·2⁻²¹` the factors that bound the relative rounding of
  /// ``squaredDistance(_:_:dimension:)`` (as in ``Lloyd``) and `τ = 2⁻¹⁰⁰` its absolute
  /// underflow error, so the `Float` distance to `z` is then *strictly* above the one to `z*` for
  /// every vector in `B`: brute force can never pick `z`, not even on a tie. The left side is a
  /// concave separable quadratic in `x` (`lo < hi`), so its minimum over the box is the sum over
  /// coordinates of the smaller of its values at the two ends of the box's side; it is
  /// evaluated in `Double` and reduced by a bound on that evaluation's rounding. A node whose
  /// box could make the `Float` distance to `z*` overflow keeps every candidate. When one
  /// candidate is left, every vector below the node is assigned to it; a leaf with several
  /// candidates searches them for each of its vectors (``CentroidTable/nearest(_:_:among:count:)``,
  /// brute force's operations, in index order, ties to the lowest index). Dropped candidates
  /// are strictly farther than a kept one for every vector, so the result is brute force's
  /// exactly — the kd-tree changes how the nearest centroids are found, never which.
  ///
  /// Each node remembers the centroid its whole subtree was assigned to by the previous pass;
  /// a subtree assigned to the same centroid again costs nothing, so late passes touch only the
  /// vectors near boundaries. The update step's sums then run over the vectors in vector
  /// order (``ClusterSums``), as every kernel's do.
  ///
  /// Measured (release, shared 2-core VM): see ``Kernel``.
  final class FilteringLloyd: LloydKernel {
    let n: Int
    let d: Int
    let k: Int
    let tree: KDTree
    /// `lo` and `hi` of the dominance test, in `Double` (see the type's documentation).
    private let lo: Double
    private let hi: Double
    private let centroids: UnsafeMutableBufferPointer<Float>
    /// ``centroids`` widened to `Double`, for the dominance tests.
    private let wide: UnsafeMutableBufferPointer<Double>
    /// ``centroids`` in the layout of the 4-lane search.
    private let table: CentroidTable
    private let assignment: UnsafeMutableBufferPointer<UInt8>
    /// Per node: the centroid every vector of its subtree got from the last pass, or
    /// ``mixed``.
    private let owner: UnsafeMutableBufferPointer<UInt16>
    /// Candidate lists, `k` entries per tree level.
    private let lists: UnsafeMutableBufferPointer<Int32>
    /// One group of 4 leaf vectors in lane layout (`d` rows).
    private let gathered: UnsafeMutablePointer<SIMD4<Float>>
    private let totals: ClusterSums
    /// Assignments changed so far in the current pass.
    private var changed = 0

    /// ``owner`` of a subtree whose vectors are not all assigned to one centroid (or not known
    /// to be).
    private static let mixed = UInt16.max

    /// A workspace for restarts over `points` (`n × dimension` finite Floats, `n ≥ 1`) with `k`
    /// centroids; builds the kd-tree.
    /// - Complexity: O(n·log n) expected time, O(n·d) memory.
    init(_ points: UnsafeBufferPointer<Float>, dimension: Int, k: Int) {
      precondition(dimension >= 1 && k >= 1 && k <= 256, "FilteringLloyd needs dimension >= 1 and k in 1...256")
      n = points.count / dimension
      d = dimension
      self.k = k
      tree = KDTree(points, dimension: dimension)
      // Beyond d = 1024 the factors stop bounding the rounding (as in Lloyd): nothing is
      // dropped (lo = 0 never dominates), and the kernel is brute force through the tree.
      let margin = Double(dimension + 2) * 0x1p-21
      lo = dimension <= 1024 ? 1 - margin : 0
      hi = 1 + margin
      centroids = .allocate(capacity: k * dimension)
      centroids.initialize(repeating: 0)
      wide = .allocate(capacity: k * dimension)
      wide.initialize(repeating: 0)
      table = CentroidTable(k: k, dimension: dimension)
      assignment = .allocate(capacity: n)
      assignment.initialize(repeating: 0)
      owner = .allocate(capacity: tree.nodeCount)
      owner.initialize(repeating: Self.mixed)
      lists = .allocate(capacity: (tree.depth + 2) * k)
      lists.initialize(repeating: 0)
      gathered = .allocate(capacity: dimension)
      gathered.initialize(repeating: SIMD4(repeating: 0), count: dimension)
      totals = ClusterSums(k: k, dimension: dimension)
    }

    deinit {
      tree.deallocate()
      centroids.deallocate()
      wide.deallocate()
      table.deallocate()
      assignment.deallocate()
      owner.deallocate()
      lists.deallocate()
      gathered.deallocate()
      totals.deallocate()
    }

    var centroidValues: UnsafeBufferPointer<Float> { UnsafeBufferPointer(centroids) }
    var assignmentValues: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(assignment) }

    func start(_ points: UnsafeBufferPointer<Float>, seeds: [Int]) {
      for (c, s) in seeds.enumerated() {
        for j in 0..<d { centroids[c * d + j] = points[s * d + j] }
      }
      owner.update(repeating: Self.mixed)
      table.load(UnsafePointer(centroids.baseAddress.unsafelyUnwrapped))
    }

    /// - Complexity: O(n) for the sums, plus per visited node O(m·d) for its `m` candidates,
    ///   plus O(m·d) per vector of a leaf left with `m ≥ 2` candidates.
    func assign(
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

    /// Vectors per block of the sums pass: the sums, then the inertia, while a block is in L1.
    private static let blockSize = 512

    private func assign<W: VectorWidth>(
      _: W.Type, _ points: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>?,
      first: Bool, accumulate: Bool, inertia wantsInertia: Bool
    ) -> (changed: Int, inertia: Double) {
      guard n > 0, let base = points.baseAddress, let lists = lists.baseAddress,
        let assignment = UnsafePointer(assignment.baseAddress), let c = UnsafePointer(centroids.baseAddress)
      else { return (0, 0) }
      changed = 0
      for i in 0..<(k * d) { wide[i] = Double(centroids[i]) }
      for c in 0..<k { lists[c] = Int32(c) }
      filter(W.self, node: 0, candidates: lists, count: k)

      let w = weights?.baseAddress
      var inertia = 0.0
      if accumulate { totals.reset() }
      if accumulate || wantsInertia {
        var start = 0
        while start < n {
          let end = min(n, start + Self.blockSize)
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
      }
      if accumulate { totals.finish(weighted: w != nil) }
      return (first ? n : changed, inertia)
    }

    func update() {
      let sums = totals.sums, mass = totals.mass
      for c in 0..<k where mass[c] > 0 {
        for j in 0..<d { centroids[c * d + j] = Float(sums[c * d + j] / mass[c]) }
      }
      table.load(UnsafePointer(centroids.baseAddress.unsafelyUnwrapped))
    }

    /// Assigns the vectors below node `v`, given the `count ≥ 1` centroids (in `candidates`, in
    /// increasing index order) that can be nearest to any of them. Writes the surviving list
    /// `k` entries further on.
    private func filter<W: VectorWidth>(
      _: W.Type, node v: Int, candidates: UnsafeMutablePointer<Int32>, count: Int
    ) {
      let d = W.value(self.d)
      // Non-nil: allocated with nodeCount >= 1 and k >= 1.
      let lower = tree.lower.baseAddress.unsafelyUnwrapped + v &* d
      let upper = tree.upper.baseAddress.unsafelyUnwrapped + v &* d
      let wide = self.wide.baseAddress.unsafelyUnwrapped
      var star = Int(candidates[0])
      if count > 1 {
        var nearest = Double.infinity
        for m in 0..<count {
          let c = Int(candidates[m])
          var s = 0.0
          for j in 0..<d {
            let t = (Double(lower[j]) + Double(upper[j])) * 0.5 - wide[c &* d &+ j]
            s += t * t
          }
          if s < nearest {
            nearest = s
            star = c
          }
        }
      }
      let kept = candidates + k
      var survivors = 0
      for m in 0..<count {
        let c = Int(candidates[m])
        if c == star || !dominates(W.self, star, c, lower: lower, upper: upper, wide: wide) {
          kept[survivors] = Int32(c)
          survivors &+= 1
        }
      }
      if survivors == 1 {
        assignSubtree(v, to: star)
        return
      }
      owner[v] = Self.mixed
      if tree.isLeaf(v) {
        search(W.self, leaf: v, candidates: kept, count: survivors)
      } else {
        filter(W.self, node: v + 1, candidates: kept, count: survivors)
        filter(W.self, node: Int(tree.right[v]), candidates: kept, count: survivors)
      }
    }

    /// Whether `lo·‖x − z‖² − hi·‖x − s‖² > 2⁻¹⁰⁰` for every `x` in the box, so that brute force
    /// never picks `z` over `s` there (see the type's documentation).
    ///
    /// Per coordinate, the terms at both ends of the box's side; the minimum of the concave sum
    /// is the sum of the per-coordinate minima. Each `Double` term is within `2⁻⁵⁰` of its value
    /// relative to `lo·p² + hi·q²`, and the `d` additions add at most `d·2⁻⁵³` of `Σ(lo·p² +
    /// hi·q²)`, so subtracting `(d + 8)·2⁻⁵⁰` of that sum leaves a lower bound. `hi·‖x − s‖²`
    /// below `2¹²⁶` keeps every `Float` operation of the distance to `s` finite.
    @inline(__always)
    private func dominates<W: VectorWidth>(
      _: W.Type, _ s: Int, _ z: Int, lower: UnsafePointer<Float>, upper: UnsafePointer<Float>,
      wide: UnsafePointer<Double>
    ) -> Bool {
      let d = W.value(self.d)
      var least = 0.0, scale = 0.0, far = 0.0
      for j in 0..<d {
        let a = Double(lower[j]), b = Double(upper[j])
        let zj = wide[z &* d &+ j], sj = wide[s &* d &+ j]
        let za = a - zj, zb = b - zj, sa = a - sj, sb = b - sj
        let pa = lo * (za * za), pb = lo * (zb * zb), qa = hi * (sa * sa), qb = hi * (sb * sb)
        least += min(pa - qa, pb - qb)
        scale += max(pa + qa, pb + qb)
        far += max(qa, qb)
      }
      return least - scale * Double(d + 8) * 0x1p-50 > 0x1p-100 && far < 0x1p126
    }

    /// Every vector below `v` goes to centroid `c`. Subtrees already wholly at `c` are skipped.
    private func assignSubtree(_ v: Int, to c: Int) {
      let label = UInt16(truncatingIfNeeded: c), byte = UInt8(truncatingIfNeeded: c)
      let order = tree.order, start = tree.start, end = tree.end, subtreeEnd = tree.subtreeEnd
      let last = Int(subtreeEnd[v])
      var u = v
      while u < last {
        let previous = owner[u]
        if previous == label {
          u = Int(subtreeEnd[u])
          continue
        }
        owner[u] = label
        if tree.isLeaf(u) {
          let first = Int(start[u]), stop = Int(end[u])
          if previous != Self.mixed {
            // Every vector was at `previous`, a different centroid.
            changed &+= stop &- first
            for j in first..<stop { assignment[Int(order[j])] = byte }
          } else {
            for j in first..<stop {
              let i = Int(order[j])
              if assignment[i] != byte {
                changed &+= 1
                assignment[i] = byte
              }
            }
          }
        }
        u &+= 1
      }
    }

    /// Assigns each vector of leaf `v` to the nearest of the `count ≥ 2` candidates, 4 at a
    /// time (a short last group repeats its last vector).
    private func search<W: VectorWidth>(
      _: W.Type, leaf v: Int, candidates: UnsafePointer<Int32>, count: Int
    ) {
      let d = W.value(self.d)
      let rows = tree.sortedPoints.baseAddress.unsafelyUnwrapped, order = tree.order
      let first = Int(tree.start[v]), last = Int(tree.end[v])
      var i = first
      while i < last {
        for lane in 0..<4 {
          let row = rows + min(i &+ lane, last &- 1) &* d
          for j in 0..<d { gathered[j][lane] = row[j] }
        }
        let nearest = table.nearest(W.self, gathered, among: candidates, count: count)
        for lane in 0..<min(4, last &- i) {
          let index = Int(order[i &+ lane])
          let best = UInt8(truncatingIfNeeded: nearest[lane])
          if assignment[index] != best {
            changed &+= 1
            assignment[index] = best
          }
        }
        i &+= 4
      }
    }
  }
}
