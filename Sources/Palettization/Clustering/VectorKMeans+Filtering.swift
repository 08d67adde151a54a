extension VectorKMeans {
  /// The Lloyd kernel with kd-tree filtering (Kanungo, Mount, Netanyahu, Piatko, Silverman &
  /// Wu 2002, "An efficient k-means clustering algorithm: analysis and implementation", IEEE
  /// TPAMI 24(7)): whole boxes of vectors are assigned at once, and only vectors in boxes that
  /// straddle a boundary between two cells of the Voronoi diagram are searched, among the few
  /// centroids that can still be nearest.
  ///
  /// **Assignment pass.** The ``KDTree`` over the block (built once, shared by every restart) is
  /// walked from the root with a candidate list, initially every centroid in index order. At a
  /// node with box `B`, `s` is the candidate nearest to the box's midpoint, and every other
  /// candidate `z` that `s` *dominates* on `B` is dropped (the list keeps index order):
  ///
  ///     lo·‖x − z‖² − hi·‖x − s‖² > 2⁻¹⁰⁰   for every x in B,
  ///
  /// with `hi`, `lo = 1 ± (d+2)·2⁻²¹` the factors that bound the relative rounding of
  /// ``squaredDistance(_:_:dimension:)`` (as in ``Lloyd``) and `2⁻¹⁰⁰` covering its absolute
  /// underflow error: the `Float` distance to `z` is then *strictly* above the one to `s` for
  /// every vector in `B`, so brute force can never pick `z`, not even on a tie. With `lo = 1 − ε`,
  /// `hi = 1 + ε`, the left side is `(‖x − z‖² − ‖x − s‖²) − ε(‖x − z‖² + ‖x − s‖²)`: the
  /// difference is linear in `x`, so its minimum over the box (centre `m`, half-widths `h`) is
  /// exact from `m` and `h`, evaluated in `Double` and lowered by a bound on that evaluation's
  /// rounding (see `dominates`); the `ε` part is bounded above from the midpoint distances
  /// that also chose `s` (see `prune`). (A block whose vectors span `2⁶⁰` or more, where a
  /// `Float` distance could overflow, drops nothing.) When one candidate is left, every vector
  /// below the node is assigned to it; a leaf with several
  /// candidates searches them for each of its vectors (``CentroidTable/nearest(_:_:among:count:)``:
  /// brute force's operations, in index order, ties to the lowest index). Dropped candidates
  /// are strictly farther than a kept one for every vector, so the assignment is brute force's
  /// exactly — the tree changes how the nearest centroids are found, never which.
  ///
  /// Each node remembers the centroid its whole subtree was assigned to by the last pass, so a
  /// subtree assigned to the same centroid again costs nothing below the node. The walk also
  /// counts each centroid's vectors (a subtree adds its size, a searched leaf its per-candidate
  /// counts).
  ///
  /// **Sums without a pass over the vectors** (unweighted blocks of at least ``momentsFrom``
  /// vectors). The walk also gives each centroid the exact fixed-point moments
  /// (``ExactMoments``) of what it assigned: a whole subtree adds its node's (precomputed with
  /// the tree), a searched leaf its vectors' per candidate (4 lanes of exact integral Doubles;
  /// the last candidate gets the leaf's less the others'). From them ``update(_:weights:)``
  /// proves the means that the sequential sums (``ClusterSums``, per vector in vector order)
  /// would give, and runs those sums only for a pass where some mean is too close to a `Float`
  /// rounding boundary to be proven (55 of 283,520 centroid coordinates on MiniLM at 4 bits; 71
  /// of 8,860 passes ran them). The inertia of the `tol` test comes from the same moments with
  /// a bound on its distance to the sequential sum (``InertiaEstimate``). Weighted passes,
  /// smaller blocks, and passes after one that searched a quarter of the vectors or more (the
  /// per-candidate adds then cost more than a pass) sum every vector in order and add the
  /// inertia into 4 independent sums with such a bound. When a bound cannot decide the `tol`
  /// test, the schedule recomputes the sequential sums from this kernel's snapshots of the two
  /// passes involved, so every decision is the sequential one. Such blocks also seed through
  /// the tree (``seedTree(_:dimension:tree:k:trials:random:)``).
  ///
  /// Measured (release, shared 2-core VM, same-run ratios to ``Kernel/reference``): see
  /// ``Kernel/filtering``.
  final class FilteringLloyd: LloydKernel {
    let n: Int
    let d: Int
    let k: Int
    let tree: KDTree
    /// `false` when a distance could overflow a `Float` (the block spans `2⁶⁰` or more): then
    /// nothing is dropped, and the kernel is brute force through the tree.
    private let prunes: Bool
    private let centroids: UnsafeMutableBufferPointer<Float>
    /// ``centroids`` widened to `Double`, for the dominance tests, and their squared norms.
    private let wide: UnsafeMutableBufferPointer<Double>
    private let norms: UnsafeMutableBufferPointer<Double>
    /// Per candidate of each tree level: its squared distance to the node's centre.
    private let reach: UnsafeMutableBufferPointer<Double>
    /// `ε = (d + 2)·2⁻²¹` (so `lo = 1 − ε`, `hi = 1 + ε`), and the bound on the rounding of a
    /// dominance test's linear part (see `dominates`).
    private let epsilon: Double
    private let slop: Double
    /// ``centroids`` in the layout of the 4-lane search.
    private let table: CentroidTable
    private let assignment: UnsafeMutableBufferPointer<UInt8>
    /// Per centroid: its vectors in the current assignment, counted by the walk.
    private let members: UnsafeMutableBufferPointer<Int>
    /// Per node: the centroid every vector of its subtree got from the last pass, or
    /// ``mixed``.
    private let owner: UnsafeMutableBufferPointer<UInt16>
    /// Candidate lists, `k` entries per tree level.
    private let lists: UnsafeMutableBufferPointer<Int32>
    /// One group of 4 leaf vectors in lane layout (`d` rows).
    private let gathered: UnsafeMutablePointer<SIMD4<Float>>
    /// Per candidate of a searched leaf: its vectors so far, per lane.
    private let tally: UnsafeMutablePointer<SIMD4<Int32>>
    private let totals: ClusterSums
    /// Per node: its vectors' exact moments; per centroid: those of the vectors the current
    /// pass assigned to it (unweighted passes), and the proven means written by ``update``.
    private let nodeMoments: ExactMoments
    private let clusterMoments: ExactMoments
    private let proven: UnsafeMutableBufferPointer<Float>
    /// Per node and coordinate (2-vectors only): a bound on its vectors' `|v|`
    /// (``ExactMoments/Quantizer/peak(middle:half:)``).
    private let peaks: UnsafeMutableBufferPointer<Int64>
    /// Per candidate of a searched leaf: its pairs' fixed-point sums per lane, x then y, then
    /// their `‖x‖²` per lane (inertia passes).
    private let laneSums: UnsafeMutablePointer<SIMD4<Double>>
    /// What a pass adds to ``clusterMoments``: nothing (weighted or final passes), the sums
    /// (with `Σ|v|` bounded from leaf boxes), or every moment (inertia passes).
    enum Moments { case none, sums, full }
    /// Whether the last accumulating pass left its sums in ``clusterMoments`` (unweighted) rather
    /// than in ``totals``.
    private var momentsOnly = false
    /// Whether the block is large enough for the moments (``momentsFrom``).
    let gathersMoments: Bool
    /// Passes whose means the moments could not prove, so that the sequential sums ran.
    private(set) var sequentialPasses = 0
    /// Passes whose sums came from the moments.
    private(set) var momentPasses = 0
    /// The assignment and centroids of the last two inertia passes (alternating slots), for
    /// ``exactInertia(_:weights:ago:)``.
    private let snapshots: UnsafeMutableBufferPointer<UInt8>
    private let snapshotCentroids: UnsafeMutableBufferPointer<Float>
    private var latestSnapshot = 0
    /// Assignments changed so far in the current pass.
    private var changed = 0
    /// Vectors searched in leaves so far in the current pass, and in the last pass.
    private var searched = 0
    private var searchedBefore = 0

    /// ``owner`` of a subtree whose vectors are not all assigned to one centroid (or not known
    /// to be).
    private static let mixed = UInt16.max
    /// A workspace for restarts over `points` (`n × dimension` finite Floats, `n ≥ 1`) with `k`
    /// centroids; builds the kd-tree, and the nodes' moments when `n ≥ momentsFrom` (tests pass
    /// 0 to run that path on small blocks).
    /// - Complexity: O(n·d·log n) time, O(n·d) memory.
    init(_ points: UnsafeBufferPointer<Float>, dimension: Int, k: Int, momentsFrom: Int = FilteringLloyd.momentsFrom) {
      precondition(dimension >= 1 && k >= 1 && k <= 256, "FilteringLloyd needs dimension >= 1 and k in 1...256")
      n = points.count / dimension
      d = dimension
      self.k = k
      tree = KDTree(points, dimension: dimension)
      // Beyond d = 1024 the factors stop bounding the rounding (as in Lloyd): nothing is
      // dropped (lo = 0 never dominates), and the kernel is brute force through the tree.
      epsilon = Double(dimension + 2) * 0x1p-21
      slop = roundedUp(Double(dimension + 8) * 0x1p-52 * tree.scale)
      // Centroids are means of the vectors (or vectors), so they lie in the root's box and no
      // squared distance exceeds the box's squared diameter, at most 4‖h‖² of the root.
      prunes = dimension <= 1024 && tree.halfNorm[0] < 0x1p118
      let nodes = tree.nodeCount
      centroids = .allocate(capacity: k * dimension)
      centroids.initialize(repeating: 0)
      wide = .allocate(capacity: k * dimension)
      wide.initialize(repeating: 0)
      norms = .allocate(capacity: k)
      norms.initialize(repeating: 0)
      reach = .allocate(capacity: (tree.depth + 2) * k)
      reach.initialize(repeating: 0)
      table = CentroidTable(k: k, dimension: dimension)
      assignment = .allocate(capacity: n)
      assignment.initialize(repeating: 0)
      members = .allocate(capacity: k)
      members.initialize(repeating: 0)
      owner = .allocate(capacity: nodes)
      owner.initialize(repeating: Self.mixed)
      lists = .allocate(capacity: (tree.depth + 2) * k)
      lists.initialize(repeating: 0)
      gathered = .allocate(capacity: dimension)
      gathered.initialize(repeating: SIMD4(repeating: 0), count: dimension)
      tally = .allocate(capacity: k)
      tally.initialize(repeating: SIMD4(repeating: 0), count: k)
      totals = ClusterSums(k: k, dimension: dimension)
      gathersMoments = n >= momentsFrom
      // Every |x| is within the root's box.
      var largest = 0.0
      for j in 0..<dimension {
        let m = tree.middle[j], h = tree.half[j]
        largest = max(largest, max((m - h).magnitude, (m + h).magnitude) * (1 + 0x1p-50))
      }
      let quantizer = ExactMoments.Quantizer(largest: largest)
      nodeMoments = gathersMoments
        ? .nodes(of: tree, quantizer: quantizer) : ExactMoments(rows: 0, dimension: dimension, quantizer: quantizer)
      clusterMoments = ExactMoments(rows: k, dimension: dimension, quantizer: quantizer)
      proven = .allocate(capacity: k * dimension)
      proven.initialize(repeating: 0)
      let peakCount = gathersMoments ? nodes * dimension : 0
      // At least one element, so that the base address is never nil.
      peaks = .allocate(capacity: max(peakCount, 1))
      for i in 0..<peakCount {
        peaks.initializeElement(at: i, to: quantizer.peak(middle: tree.middle[i], half: tree.half[i]))
      }
      laneSums = .allocate(capacity: 3 * k)
      laneSums.initialize(repeating: SIMD4(repeating: 0), count: 3 * k)
      snapshots = .allocate(capacity: 2 * n)
      snapshots.initialize(repeating: 0)
      snapshotCentroids = .allocate(capacity: 2 * k * dimension)
      snapshotCentroids.initialize(repeating: 0)
    }

    deinit {
      tree.deallocate()
      centroids.deallocate()
      wide.deallocate()
      norms.deallocate()
      reach.deallocate()
      table.deallocate()
      assignment.deallocate()
      members.deallocate()
      owner.deallocate()
      lists.deallocate()
      gathered.deallocate()
      tally.deallocate()
      totals.deallocate()
      nodeMoments.deallocate()
      clusterMoments.deallocate()
      proven.deallocate()
      peaks.deallocate()
      laneSums.deallocate()
      snapshots.deallocate()
      snapshotCentroids.deallocate()
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

    /// - Complexity: O(n) for the sums, plus O(m·d) per visited node (`m` its candidates), plus
    ///   O(m·d) per vector of a leaf left with `m ≥ 2` candidates.
    func assign(
      _ points: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>?,
      first: Bool, accumulate: Bool, inertia: Bool
    ) -> (changed: Int, inertia: InertiaEstimate) {
      switch d {
      case 2: return assign(Width2.self, points, weights: weights, first: first, accumulate: accumulate, inertia: inertia)
      case 4: return assign(Width4.self, points, weights: weights, first: first, accumulate: accumulate, inertia: inertia)
      case 8: return assign(Width8.self, points, weights: weights, first: first, accumulate: accumulate, inertia: inertia)
      default: return assign(WidthAny.self, points, weights: weights, first: first, accumulate: accumulate, inertia: inertia)
      }
    }

    /// The fewest vectors for which the walk gathers the moments (``ExactMoments``) and seeding
    /// goes through the tree (``seedTree(_:dimension:tree:k:trials:random:)``); below it the
    /// kernel sums every vector as before.
    static let momentsFrom = 16_384

    /// Vectors per block of the sums pass: the sums, then the inertia, while a block is in L1.
    private static let blockSize = 512

    private func assign<W: VectorWidth>(
      _: W.Type, _ points: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>?,
      first: Bool, accumulate: Bool, inertia wantsInertia: Bool
    ) -> (changed: Int, inertia: InertiaEstimate) {
      guard n > 0, let base = points.baseAddress, let lists = lists.baseAddress,
        let assignment = UnsafePointer(assignment.baseAddress), let wide = wide.baseAddress
      else { return (0, InertiaEstimate(exactly: 0)) }
      changed = 0
      members.update(repeating: 0)
      for i in 0..<(k * d) { wide[i] = Double(centroids[i]) }
      for c in 0..<k {
        var s = 0.0
        for j in 0..<d { s += wide[c * d + j] * wide[c * d + j] }
        norms[c] = s
      }
      for c in 0..<k { lists[c] = Int32(c) }
      let w = weights?.baseAddress
      // When most vectors sit in searched leaves (small blocks: the leaves are large for their
      // clusters), adding them up per candidate costs more than the pass over every vector.
      // Either way gives the same sums.
      let byLeaves = w == nil && gathersMoments && searchedBefore * 4 < n
      let moments: Moments = !byLeaves ? .none : wantsInertia ? .full : accumulate ? .sums : .none
      searched = 0
      if moments != .none { clusterMoments.reset() }
      filter(W.self, node: 0, candidates: lists, count: k, level: 0, moments: moments)
      momentsOnly = moments != .none && accumulate
      if momentsOnly { momentPasses += 1 }
      searchedBefore = searched
      var inertia = 0.0
      if accumulate && moments == .none { totals.reset() }
      if moments == .none && (accumulate || wantsInertia) {
        var start = 0
        while start < n {
          let end = min(n, start + Self.blockSize)
          if accumulate {
            totals.add(W.self, base, weights: w, assignment: assignment, from: start, to: end, counting: false)
          }
          if wantsInertia {
            inertia += Self.inertiaTerms(
              W.self, base, dimension: d, weights: w, centroids: UnsafePointer(wide), assignment: assignment,
              from: start, to: end)
          }
          start = end
        }
      }
      if accumulate && moments == .none && w == nil {
        totals.finish(counts: UnsafePointer(members.baseAddress.unsafelyUnwrapped))
      }
      guard wantsInertia else { return (first ? n : changed, InertiaEstimate(exactly: 0)) }
      latestSnapshot ^= 1
      (snapshots.baseAddress.unsafelyUnwrapped + latestSnapshot &* n).update(from: assignment, count: n)
      (snapshotCentroids.baseAddress.unsafelyUnwrapped + latestSnapshot &* k &* d)
        .update(from: UnsafePointer(centroids.baseAddress.unsafelyUnwrapped), count: k &* d)
      let estimate = moments == .full
        ? clusterMoments.inertia(
          centroids: UnsafePointer(centroids.baseAddress.unsafelyUnwrapped),
          counts: UnsafePointer(members.baseAddress.unsafelyUnwrapped), vectors: n)
        : InertiaEstimate(reordered: inertia, terms: n)
      return (first ? n : changed, estimate)
    }

    func exactInertia(_ points: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>?, ago: Int) -> Double {
      let slot = latestSnapshot ^ (ago & 1)
      return VectorKMeans.inertia(
        points, dimension: d, weights: weights,
        centroids: UnsafeBufferPointer(rebasing: snapshotCentroids[(slot * k * d)..<((slot + 1) * k * d)]),
        assignment: UnsafeBufferPointer(rebasing: snapshots[(slot * n)..<((slot + 1) * n)]))
    }

    /// `Σ wᵢ·‖xᵢ − c(aᵢ)‖²` over vectors `start..<end`, each term exactly as
    /// ``VectorKMeans/addInertia(_:_:dimension:weights:centroids:assignment:from:to:into:)``
    /// computes it but added into 4 running sums (vector `i` into sum `i mod 4`), so the adds do
    /// not wait on each other: an estimate of the sequential sum (see ``InertiaEstimate``).
    /// `centroids` are the centroids widened to `Double`.
    /// - Complexity: O((end − start)·d).
    @inline(__always)
    private static func inertiaTerms<W: VectorWidth>(
      _: W.Type, _ points: UnsafePointer<Float>, dimension: Int, weights: UnsafePointer<Float>?,
      centroids: UnsafePointer<Double>, assignment: UnsafePointer<UInt8>, from start: Int, to end: Int
    ) -> Double {
      let d = W.value(dimension)
      @inline(__always) func term(_ i: Int) -> Double {
        let a = Int(assignment[i])
        var s: Double
        if W.self == Width2.self {
          let x = SIMD2<Double>(UnsafeRawPointer(points + i &* 2).loadUnaligned(as: SIMD2<Float>.self))
          let t = x - UnsafeRawPointer(centroids + a &* 2).loadUnaligned(as: SIMD2<Double>.self)
          let squares = t * t
          s = squares[0] + squares[1]
        } else {
          s = 0
          for j in 0..<d {
            let t = Double(points[i &* d &+ j]) - centroids[a &* d &+ j]
            s += t * t
          }
        }
        return (weights.map { Double($0[i]) } ?? 1) * s
      }
      var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
      var i = start
      while i &+ 4 <= end {
        s0 += term(i)
        s1 += term(i &+ 1)
        s2 += term(i &+ 2)
        s3 += term(i &+ 3)
        i &+= 4
      }
      while i < end {
        s0 += term(i)
        i &+= 1
      }
      return (s0 + s1) + (s2 + s3)
    }

    func update(_ points: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>?) {
      let counts = UnsafePointer(members.baseAddress.unsafelyUnwrapped)
      let centroids = self.centroids.baseAddress.unsafelyUnwrapped
      if momentsOnly {
        if clusterMoments.means(counts: counts, into: centroids, scratch: proven.baseAddress.unsafelyUnwrapped) {
          table.load(UnsafePointer(centroids))
          return
        }
        // Some mean is not proven: the sequential sums of the same assignment decide.
        sequentialPasses += 1
        sequentialSums(points)
      }
      let sums = totals.sums, mass = totals.mass
      for c in 0..<k where mass[c] > 0 {
        for j in 0..<d { centroids[c * d + j] = Float(sums[c * d + j] / mass[c]) }
      }
      table.load(UnsafePointer(centroids))
    }

    /// ``totals`` of the current (unweighted) assignment, as every kernel adds them.
    private func sequentialSums(_ points: UnsafeBufferPointer<Float>) {
      guard let base = points.baseAddress, let assignment = UnsafePointer(assignment.baseAddress) else { return }
      totals.reset()
      var start = 0
      while start < n {
        let end = min(n, start + Self.blockSize)
        switch d {
        case 2: totals.add(Width2.self, base, weights: nil, assignment: assignment, from: start, to: end, counting: false)
        default: totals.add(WidthAny.self, base, weights: nil, assignment: assignment, from: start, to: end, counting: false)
        }
        start = end
      }
      totals.finish(counts: UnsafePointer(members.baseAddress.unsafelyUnwrapped))
    }

    /// Assigns the vectors below node `v`, given the `count ≥ 2` centroids (in `candidates`, in
    /// increasing index order) that can be nearest to any of them. Writes the surviving list
    /// `k` entries further on.
    private func filter<W: VectorWidth>(
      _: W.Type, node v: Int, candidates: UnsafeMutablePointer<Int32>, count: Int, level: Int, moments: Moments
    ) {
      let kept = candidates + k
      let survivors = prune(W.self, node: v, candidates: candidates, count: count, into: kept, level: level)
      if survivors == 1 {
        assignSubtree(v, to: Int(kept[0]))
        if moments != .none { clusterMoments.add(W.self, row: v, of: nodeMoments, to: Int(kept[0])) }
        return
      }
      owner[v] = Self.mixed
      if tree.isLeaf(v) {
        // One specialisation per mode, so that a pass without moments runs none of their code.
        switch moments {
        case .none: search(W.self, NoMoments.self, leaf: v, candidates: kept, count: survivors)
        case .sums: search(W.self, SumMoments.self, leaf: v, candidates: kept, count: survivors)
        case .full: search(W.self, FullMoments.self, leaf: v, candidates: kept, count: survivors)
        }
      } else {
        filter(W.self, node: v + 1, candidates: kept, count: survivors, level: level + 1, moments: moments)
        filter(W.self, node: Int(tree.right[v]), candidates: kept, count: survivors, level: level + 1, moments: moments)
      }
    }

    /// Kanungo's filtering step at node `v`: writes to `kept` the candidates (in order) that the
    /// one nearest to the box's centre does not dominate, and returns how many (at least 1).
    @inline(__always)
    private func prune<W: VectorWidth>(
      _: W.Type, node v: Int, candidates: UnsafePointer<Int32>, count: Int, into kept: UnsafeMutablePointer<Int32>,
      level: Int
    ) -> Int {
      let d = W.value(self.d)
      guard prunes else {
        for m in 0..<count { kept[m] = candidates[m] }
        return count
      }
      // Non-nil: allocated with nodeCount >= 1, k >= 1.
      let middle = UnsafePointer(tree.middle.baseAddress.unsafelyUnwrapped + v &* d)
      let half = UnsafePointer(tree.half.baseAddress.unsafelyUnwrapped + v &* d)
      let wide = UnsafePointer(self.wide.baseAddress.unsafelyUnwrapped)
      let reach = self.reach.baseAddress.unsafelyUnwrapped + level &* k
      var star = 0
      var nearest = Double.infinity
      for m in 0..<count {
        let c = Int(candidates[m])
        var s = 0.0
        for j in 0..<d {
          let t = middle[j] - wide[c &* d &+ j]
          s += t * t
        }
        reach[m] = s
        star = s < nearest ? m : star
        nearest = min(s, nearest)
      }
      // ε·(T_z + T_s) ≤ ε·(2‖m − z‖² + 2‖m − s‖² + 4‖h‖²) over the box; the factor covers the
      // rounding of the squared distances.
      let spread = epsilon * (1 + 0x1p-40)
      let base = 2 * reach[star] + 4 * tree.halfNorm[v]
      let s = Int(candidates[star])
      var survivors = 0
      for m in 0..<count {
        let c = Int(candidates[m])
        kept[survivors] = Int32(truncatingIfNeeded: c)
        let dropped = m != star
          && dominates(W.self, s, c, middle: middle, half: half, wide: wide) > spread * (base + 2 * reach[m])
        survivors &+= Int(unsafeBitCast(!dropped, to: UInt8.self))
      }
      return survivors
    }

    /// A lower bound of `min over x in the box of ‖x − z‖² − ‖x − s‖²`, less `2⁻¹⁰⁰`.
    ///
    /// The difference is linear in `x`, `2x·(s − z) + ‖z‖² − ‖s‖²`, so its minimum over the box
    /// `m ± h` is `Σⱼ (2mⱼ(sⱼ − zⱼ) − 2hⱼ|sⱼ − zⱼ|) + ‖z‖² − ‖s‖²`. Evaluated in `Double`, each
    /// of its `2d + 2` terms is within `3·2⁻⁵³` of its value relative to its magnitude, and the
    /// additions add `(2d + 2)·2⁻⁵³` of the sum of magnitudes, which the tree's `scale` bounds:
    /// subtracting `(d + 8)·2⁻⁵²·scale` leaves a lower bound.
    ///
    /// With `lo·T_z − hi·T_s = (T_z − T_s) − ε(T_z + T_s)`, `s` dominates `z` on the box when
    /// this bound exceeds `ε` times a bound of `T_z + T_s` there (`prune`).
    @inline(__always)
    private func dominates<W: VectorWidth>(
      _: W.Type, _ s: Int, _ z: Int, middle: UnsafePointer<Double>, half: UnsafePointer<Double>,
      wide: UnsafePointer<Double>
    ) -> Double {
      let d = W.value(self.d)
      var least = norms[z] - norms[s]
      for j in 0..<d {
        let step = wide[s &* d &+ j] - wide[z &* d &+ j]
        least += 2 * (middle[j] * step) - 2 * (half[j] * step.magnitude)
      }
      return least - slop - 0x1p-100
    }

    /// Every vector below `v` goes to centroid `c`. Subtrees already wholly at `c` are skipped.
    private func assignSubtree(_ v: Int, to c: Int) {
      let label = UInt16(truncatingIfNeeded: c), byte = UInt8(truncatingIfNeeded: c)
      let order = tree.order, start = tree.start, end = tree.end, subtreeEnd = tree.subtreeEnd
      members[c] &+= Int(end[v] &- start[v])
      let last = Int(subtreeEnd[v])
      var changes = 0
      defer { changed &+= changes }
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
            changes &+= stop &- first
            for j in first..<stop { assignment[Int(order[j])] = byte }
          } else {
            for j in first..<stop {
              let i = Int(order[j])
              changes &+= Int(unsafeBitCast(assignment[i] != byte, to: UInt8.self))
              assignment[i] = byte
            }
          }
        }
        u &+= 1
      }
    }

    /// Assigns each vector of leaf `v` to the nearest of the `count ≥ 2` candidates, 4 at a
    /// time (a short last group repeats its last vector), and counts them per candidate.
    private func search<W: VectorWidth, M: MomentsMode>(
      _: W.Type, _: M.Type, leaf v: Int, candidates: UnsafePointer<Int32>, count: Int
    ) {
      let moments = M.moments
      let d = W.value(self.d)
      let rows = tree.sortedPoints.baseAddress.unsafelyUnwrapped, order = tree.order
      let first = Int(tree.start[v]), last = Int(tree.end[v])
      // Pairs of a leaf of at most 256 vectors (all but leaves of equal vectors): per
      // candidate in 4 lanes of Doubles.
      searched &+= last &- first
      let lanesSum = moments != .none && W.self == Width2.self && last &- first <= 256
      let perVector = moments != .none && !lanesSum
      let squares = moments == .full
      let quantizer = clusterMoments.quantizer
      let peaks = UnsafePointer(self.peaks.baseAddress.unsafelyUnwrapped)
      // Counted in a local: the property's add through memory chained every lane's.
      var changes = 0
      defer { changed &+= changes }
      var i = first
      while i < last {
        if W.self == Width2.self && i &+ 4 <= last {
          // Two loads and two shuffles.
          let raw = UnsafeRawPointer(rows + i &* 2)
          let a = raw.loadUnaligned(as: SIMD4<Float>.self)
          let b = raw.loadUnaligned(fromByteOffset: 16, as: SIMD4<Float>.self)
          gathered[0] = SIMD4(a[0], a[2], b[0], b[2])
          gathered[1] = SIMD4(a[1], a[3], b[1], b[3])
        } else {
          for lane in 0..<4 {
            let row = rows + min(i &+ lane, last &- 1) &* d
            for j in 0..<d { gathered[j][lane] = row[j] }
          }
        }
        let nearest = table.nearest(W.self, gathered, among: candidates, count: count)
        let lanes = min(4, last &- i)
        // Per candidate, the lanes that chose it (a short last group's repeats excluded).
        let valid = SIMD4<Int32>(0, 1, 2, 3) .< SIMD4(repeating: Int32(lanes))
        for m in 0..<count {
          let label = SIMD4<Float>(repeating: 0x1p23 + Float(candidates[m]))
          tally[m] &-= SIMD4<Int32>(repeating: 0).replacing(with: -1, where: (nearest.labels .== label) .& valid)
        }
        if lanesSum {
          // Fixed-point coordinates as integral Doubles, 0 in a short group's repeated lanes;
          // each lane of a candidate's sum adds at most 64 of them, below 2⁵³: exact.
          let live = SIMD4<Double>(0, 1, 2, 3) .< SIMD4(repeating: Double(lanes))
          @inline(__always) func wide(_ x: SIMD4<Float>) -> SIMD4<Double> {
            SIMD4(Double(x[0]), Double(x[1]), Double(x[2]), Double(x[3])).replacing(with: 0, where: .!live)
          }
          let xs = wide(gathered[0]), ys = wide(gathered[1])
          let x = quantizer.lanes(xs), y = quantizer.lanes(ys)
          let labels = SIMD4<Double>(
            Double(nearest.labels[0]), Double(nearest.labels[1]), Double(nearest.labels[2]), Double(nearest.labels[3]))
          if squares {
            let norms = xs * xs + ys * ys
            for m in 0..<count {
              let mine = labels .== SIMD4(repeating: 0x1p23 + Double(candidates[m]))
              laneSums[3 &* m] += SIMD4(repeating: 0).replacing(with: x, where: mine)
              laneSums[3 &* m &+ 1] += SIMD4(repeating: 0).replacing(with: y, where: mine)
              laneSums[3 &* m &+ 2] += SIMD4(repeating: 0).replacing(with: norms, where: mine)
            }
          } else {
            // The last candidate's sums are the leaf's less the others'.
            for m in 0..<(count &- 1) {
              let mine = labels .== SIMD4(repeating: 0x1p23 + Double(candidates[m]))
              laneSums[3 &* m] += SIMD4(repeating: 0).replacing(with: x, where: mine)
              laneSums[3 &* m &+ 1] += SIMD4(repeating: 0).replacing(with: y, where: mine)
            }
          }
        }
        for lane in 0..<lanes {
          // Branch-free: boundary vectors change unpredictably.
          let index = Int(order[i &+ lane])
          let new = UInt8(truncatingIfNeeded: nearest[lane])
          changes &+= Int(unsafeBitCast(assignment[index] != new, to: UInt8.self))
          assignment[index] = new
          if perVector { clusterMoments.add(W.self, vector: rows + (i &+ lane) &* d, to: Int(new)) }
        }
        i &+= 4
      }
      // The leaf's sums, less each candidate's as they are added.
      var rest: (Int128, Int128) = lanesSum ? nodeMoments.sums(of: v) : (0, 0)
      for m in 0..<count {
        let c = Int(candidates[m])
        let vectors = Int(tally[m].wrappedSum())
        members[c] &+= vectors
        tally[m] = SIMD4(repeating: 0)
        if lanesSum {
          let sums = squares || m &+ 1 < count
            ? (ExactMoments.exact(laneSums[3 &* m]), ExactMoments.exact(laneSums[3 &* m &+ 1])) : rest
          rest = (rest.0 &- sums.0, rest.1 &- sums.1)
          let norms = laneSums[3 &* m &+ 2]
          clusterMoments.add(
            sums: sums, squares: (norms[0] + norms[1]) + (norms[2] + norms[3]), vectors: vectors,
            peaks: peaks + v &* 2, to: c)
          for t in 0..<3 { laneSums[3 &* m &+ t] = SIMD4(repeating: 0) }
        }
      }
    }
  }
}

/// A ``VectorKMeans/FilteringLloyd/Moments`` fixed at compile time.
protocol MomentsMode { static var moments: VectorKMeans.FilteringLloyd.Moments { get } }
enum NoMoments: MomentsMode { static var moments: VectorKMeans.FilteringLloyd.Moments { .none } }
enum SumMoments: MomentsMode { static var moments: VectorKMeans.FilteringLloyd.Moments { .sums } }
enum FullMoments: MomentsMode { static var moments: VectorKMeans.FilteringLloyd.Moments { .full } }
