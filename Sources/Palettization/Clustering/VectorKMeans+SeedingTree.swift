extension VectorKMeans {
  /// ``seedPlusPlus(_:dimension:weights:k:trials:random:fused:)`` (unweighted) with each
  /// candidate's potential bounded through the block's ``KDTree`` instead of summed over every
  /// vector; the same seeds.
  ///
  /// A candidate `c` lowers the potential `P = Σ Dᵢ` (`Dᵢ` the squared distance to the nearest
  /// chosen centre, as a `Float`) by `Δ(c) = Σ (Dᵢ − ‖xᵢ − c‖²)` over the vectors it comes
  /// nearer to, which lie in the few cells of the tree near `c`: a node is skipped when a lower
  /// bound of every `Float` distance from `c` into its box is at least the largest `Dᵢ` below it
  /// (kept per node), so no minimum there can change. With `P` and `Δ(c)` in `Double` and
  /// bounds on their rounding, each candidate's potential — the sum of the `n` new minima in
  /// the blocked order of ``seedPlusPlus(_:dimension:weights:k:trials:random:fused:)`` — is
  /// known to lie in an interval of relative width about `2n·2⁻⁵³`. When one interval lies
  /// strictly below the others, its candidate is the one the sequential sums choose; otherwise
  /// the candidates whose intervals reach the lowest are summed exactly as before and compared
  /// as before (the earliest on ties). Candidates equal to an earlier one (same coordinates, so
  /// the same potential, and the earlier wins) are not evaluated.
  ///
  /// Only the chosen centre updates the minima: through the tree (the vectors it came nearer to,
  /// and the per-node maxima) and then every block's sum, so draws see exactly the masses and
  /// block sums of the other paths.
  ///
  /// - Precondition: `tree` is built over `points`; `k ≥ 1`, `trials ≥ 1`.
  /// - Complexity: per step, O(n) for the block sums, plus O(m·d) per candidate for the `m`
  ///   vectors and nodes near it (in the worst case O(n·d)).
  static func seedTree(
    _ points: UnsafeBufferPointer<Float>, dimension: Int, tree: KDTree, k: Int, trials: Int, random: GSLRandom
  ) -> [Int] {
    switch dimension {
    case 2: return TreeSeeding<Width2>(points, dimension: dimension, tree: tree).seeds(k: k, trials: trials, random: random)
    case 4: return TreeSeeding<Width4>(points, dimension: dimension, tree: tree).seeds(k: k, trials: trials, random: random)
    case 8: return TreeSeeding<Width8>(points, dimension: dimension, tree: tree).seeds(k: k, trials: trials, random: random)
    default: return TreeSeeding<WidthAny>(points, dimension: dimension, tree: tree).seeds(k: k, trials: trials, random: random)
    }
  }

  /// The state of one ``seedTree(_:dimension:tree:k:trials:random:)`` call.
  final class TreeSeeding<W: VectorWidth> {
    let d: Int
    let n: Int
    let tree: KDTree
    let points: UnsafePointer<Float>
    let blockCount: Int
    /// Per vector (in vector order, and in tree order): the current minimum `Dᵢ`.
    let closest: UnsafeMutableBufferPointer<Float>
    let near: UnsafeMutableBufferPointer<Float>
    /// Per node: the largest `Dᵢ` below it.
    let reach: UnsafeMutableBufferPointer<Float>
    /// Per block of ``seedingBlockSize`` vectors: the lane sum of `closest`.
    let closestSums: UnsafeMutableBufferPointer<Double>
    let scratch: UnsafeMutableBufferPointer<Float>
    /// `2γ` with `γ = (d + 2)·2⁻²⁴`, which bounds the relative rounding of
    /// ``squaredDistance(_:_:dimension:)``.
    let spread: Double
    /// Steps whose bounds left several candidates, so that their sequential potentials ran.
    private(set) var sequentialSteps = 0

    init(_ points: UnsafeBufferPointer<Float>, dimension: Int, tree: KDTree) {
      d = W.value(dimension)
      n = points.count / dimension
      precondition(n >= 1 && tree.order.count == n, "seeding needs the tree of its vectors")
      self.tree = tree
      self.points = points.baseAddress.unsafelyUnwrapped
      blockCount = (n + seedingBlockSize - 1) / seedingBlockSize
      closest = .allocate(capacity: n)
      near = .allocate(capacity: n)
      reach = .allocate(capacity: tree.nodeCount)
      closestSums = .allocate(capacity: blockCount)
      scratch = .allocate(capacity: seedingBlockSize)
      closest.initialize(repeating: 1)
      near.initialize(repeating: .infinity)
      reach.initialize(repeating: .infinity)
      closestSums.initialize(repeating: 0)
      scratch.initialize(repeating: 0)
      spread = 2 * Double(dimension + 2) * 0x1p-24
    }

    deinit {
      closest.deallocate()
      near.deallocate()
      reach.deallocate()
      closestSums.deallocate()
      scratch.deallocate()
    }

    func seeds(k: Int, trials: Int, random: GSLRandom) -> [Int] {
      precondition(k >= 1 && trials >= 1, "seeding needs k >= 1 and trials >= 1")
      // The first draw's masses: all 1.
      _ = sumBlocks()
      let first = pick(random.nextUniform())
      var chosen = [first]
      closest.update(repeating: .infinity)
      var potential = accept(first)
      var draws = [Double](repeating: 0, count: trials)
      while chosen.count < k {
        for t in 0..<trials { draws[t] = random.nextUniform() }
        let candidates = draws.map(pick)
        let winner = best(of: candidates, potential: potential)
        chosen.append(winner)
        potential = accept(winner)
      }
      return chosen
    }

    private func pick(_ u: Double) -> Int {
      draw(u, masses: UnsafeBufferPointer(closest), blockSums: UnsafeBufferPointer(closestSums), weights: nil)
    }

    /// Every block's lane sum of `closest`, and their sequential sum.
    private func sumBlocks() -> Double {
      let values = closest.baseAddress.unsafelyUnwrapped
      var total = 0.0
      for b in 0..<blockCount {
        let start = b &* seedingBlockSize, end = min(n, start &+ seedingBlockSize)
        let s = laneSum(UnsafePointer(values + start), weights: nil, count: end &- start)
        closestSums[b] = s
        total += s
      }
      return total
    }

    /// The candidate the sequential potentials choose (the lowest; the earliest on ties), given
    /// the current potential `P` (the sequential sum of `closest`).
    private func best(of candidates: [Int], potential: Double) -> Int {
      // One slot per distinct vector value, the earliest: equal vectors have equal potentials.
      var slots: [Int] = []
      for t in candidates.indices where !slots.contains(where: { same(candidates[$0], candidates[t]) }) {
        slots.append(t)
      }
      guard slots.count > 1 else { return candidates[0] }
      var contenders = slots
      if potential.isFinite {
        // |P − Σ Dᵢ| ≤ γₙ₋₁·Σ Dᵢ for any order of n non-negative terms (Higham §4.2), so
        // P·(1 − γ) ≤ Σ Dᵢ ≤ P·(1 + γ/(1 − γ)), with γₙ₋₁ ≤ nu/(1 − nu) and γ/(1 − γ) ≤
        // nu/(1 − 2nu) (u = 2⁻⁵³); products rounded up by 2⁻³⁰ of themselves, sums outwards.
        // (A review found that rounding `1 + γ` to the 2⁻⁵² grid could drop the second-order
        // part of the upper factor; no real input reaches it, but the form below has none.)
        let nu = Double(n) * 0x1p-53
        let gamma = nu / (1 - nu) * (1 + 0x1p-30), widen = nu / (1 - 2 * nu) * (1 + 0x1p-30)
        let low = (potential - potential * gamma).nextDown, high = (potential + potential * widen).nextUp
        var intervals: [(low: Double, high: Double)] = []
        for t in slots {
          let (reduction, terms) = lowering(by: candidates[t])
          // Each term `Dᵢ − dᵢ` within 2⁻⁵³ of its value, and `terms − 1` additions.
          let slack = Double(terms + 1) * 0x1p-53 * (1 + 0x1p-20) * reduction
          // Less (more) 4·2⁻⁵³ of the magnitudes for the two subtractions' rounding.
          let margin = 0x1p-51 * (high + reduction + slack)
          let exactLow = max(0, low - reduction - slack - margin), exactHigh = high - reduction + slack + margin
          // The new potential is again a sum of n non-negative terms in the blocked order.
          intervals.append(((exactLow - exactLow * gamma).nextDown, (exactHigh + exactHigh * gamma).nextUp))
        }
        let ceiling = intervals.map(\.high).min() ?? .infinity
        contenders = zip(slots, intervals).filter { $0.1.low <= ceiling }.map(\.0)
        if contenders.count == 1 { return candidates[contenders[0]] }
      }
      // Undecided: the sequential potentials of the contenders, compared as the other paths do.
      sequentialSteps += 1
      var winner = contenders[0]
      var lowest = Double.infinity
      for (position, t) in contenders.enumerated() {
        let p = sequentialPotential(candidates[t])
        if position == 0 || p < lowest {
          lowest = p
          winner = t
        }
      }
      return candidates[winner]
    }

    private func same(_ a: Int, _ b: Int) -> Bool {
      for j in 0..<d where points[a &* d &+ j] != points[b &* d &+ j] { return false }
      return true
    }

    /// `Σ_b laneSum(min(closest, ‖x − c‖²))` over the blocks in order: the other paths' potential.
    private func sequentialPotential(_ candidate: Int) -> Double {
      let buffer = scratch.baseAddress.unsafelyUnwrapped, values = closest.baseAddress.unsafelyUnwrapped
      var total = 0.0
      for b in 0..<blockCount {
        let start = b &* seedingBlockSize, count = min(n, start &+ seedingBlockSize) &- start
        minima(W.self, points + start &* d, dimension: d, centre: points + candidate &* d, count: count,
               closest: UnsafePointer(values + start), into: buffer)
        total += laneSum(UnsafePointer(buffer), weights: nil, count: count)
      }
      return total
    }

    /// Whether no `Float` distance from `c` to a vector in node `v`'s box can be below
    /// `reach[v]`: the box's exact squared distance from `c` is at least `L` (each gap rounded
    /// down by twice the rounding of its two subtractions, then the squares and sum by
    /// `(d + 2)·2⁻⁵²`), and the `Float` distance is at least `(1 − 2γ)·L − 2⁻¹⁰⁰`.
    @inline(__always)
    private func isFar(_ v: Int, from c: UnsafePointer<Float>) -> Bool {
      let middle = tree.middle.baseAddress.unsafelyUnwrapped + v &* d
      let half = tree.half.baseAddress.unsafelyUnwrapped + v &* d
      var gaps = 0.0
      for j in 0..<d {
        let offset = (Double(c[j]) - middle[j]).magnitude
        let gap = (offset - half[j]) - (offset + half[j]) * 0x1p-51
        if gap > 0 { gaps += gap * gap }
      }
      let lower = gaps * (1 - Double(d + 2) * 0x1p-52) * (1 - spread) - 0x1p-100
      return lower >= Double(reach[v])
    }

    /// `Δ(c)` in `Double` (each term `Dᵢ − dᵢ` rounded once, summed in tree order) and an upper
    /// bound on how many terms it holds.
    private func lowering(by candidate: Int) -> (Double, Int) {
      var reduction = 0.0, terms = 0
      lowering(node: 0, centre: points + candidate &* d, reduction: &reduction, terms: &terms)
      return (reduction, terms)
    }

    private func lowering(node v: Int, centre c: UnsafePointer<Float>, reduction: inout Double, terms: inout Int) {
      if isFar(v, from: c) { return }
      if tree.isLeaf(v) {
        let first = Int(tree.start[v]), last = Int(tree.end[v])
        terms &+= last &- first
        reduction += leafLowering(from: first, to: last, centre: c)
      } else {
        lowering(node: v + 1, centre: c, reduction: &reduction, terms: &terms)
        lowering(node: Int(tree.right[v]), centre: c, reduction: &reduction, terms: &terms)
      }
    }

    @inline(__always)
    private func leafLowering(from first: Int, to last: Int, centre c: UnsafePointer<Float>) -> Double {
      let rows = tree.sortedPoints.baseAddress.unsafelyUnwrapped, near = self.near.baseAddress.unsafelyUnwrapped
      var i = first
      var sum = 0.0
      if W.self == Width2.self {
        let centre = (SIMD4<Float>(repeating: c[0]), SIMD4<Float>(repeating: c[1]))
        var lanes = SIMD4<Double>()
        while i &+ 4 <= last {
          let dist = Self.pairDistances(rows + i &* 2, from: centre)
          let old = UnsafeRawPointer(near + i).loadUnaligned(as: SIMD4<Float>.self)
          let wideOld = SIMD4<Double>(Double(old[0]), Double(old[1]), Double(old[2]), Double(old[3]))
          let lowered = dist.replacing(with: old, where: .!(dist .< old))
          let wideNew = SIMD4<Double>(Double(lowered[0]), Double(lowered[1]), Double(lowered[2]), Double(lowered[3]))
          lanes += wideOld - wideNew
          i &+= 4
        }
        sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
      }
      while i < last {
        let dist = squaredDistance(rows + i &* d, c, dimension: d)
        if dist < near[i] { sum += Double(near[i]) - Double(dist) }
        i &+= 1
      }
      return sum
    }

    /// The squared distances of the 4 pairs at `rows` (lane `r`: the `r`-th) from `centre`
    /// (its two coordinates splatted): ``squaredDistance(_:_:dimension:)``'s operations per lane.
    @inline(__always)
    private static func pairDistances(
      _ rows: UnsafePointer<Float>, from centre: (SIMD4<Float>, SIMD4<Float>)
    ) -> SIMD4<Float> {
      let raw = UnsafeRawPointer(rows)
      let a = raw.loadUnaligned(as: SIMD4<Float>.self)
      let b = raw.loadUnaligned(fromByteOffset: 16, as: SIMD4<Float>.self)
      let t0 = SIMD4(a[0], a[2], b[0], b[2]) - centre.0, t1 = SIMD4(a[1], a[3], b[1], b[3]) - centre.1
      return t0 * t0 + t1 * t1
    }

    /// `candidate` joins the centres: the minima it lowers (tree order and vector order), the
    /// per-node maxima, and every block sum; returns the new potential.
    private func accept(_ candidate: Int) -> Double {
      _ = accept(node: 0, centre: points + candidate &* d)
      return sumBlocks()
    }

    /// Lowers the minima below node `v` to their distances from `c` where smaller; returns the
    /// node's new largest minimum.
    private func accept(node v: Int, centre c: UnsafePointer<Float>) -> Float {
      if isFar(v, from: c) { return reach[v] }
      var top: Float = 0
      if tree.isLeaf(v) {
        let rows = tree.sortedPoints.baseAddress.unsafelyUnwrapped, near = self.near.baseAddress.unsafelyUnwrapped
        let order = tree.order.baseAddress.unsafelyUnwrapped, closest = self.closest.baseAddress.unsafelyUnwrapped
        let first = Int(tree.start[v]), last = Int(tree.end[v])
        var i = first
        if W.self == Width2.self {
          let centre = (SIMD4<Float>(repeating: c[0]), SIMD4<Float>(repeating: c[1]))
          var tops = SIMD4<Float>(repeating: 0)
          while i &+ 4 <= last {
            let dist = Self.pairDistances(rows + i &* 2, from: centre)
            let old = UnsafeRawPointer(near + i).loadUnaligned(as: SIMD4<Float>.self)
            let new = old.replacing(with: dist, where: dist .< old)
            UnsafeMutableRawPointer(near + i).storeBytes(of: new, as: SIMD4<Float>.self)
            // Unchanged lanes store their own value: cheaper than branching on each.
            for lane in 0..<4 { closest[Int(order[i &+ lane])] = new[lane] }
            tops = tops.replacing(with: new, where: new .> tops)
            i &+= 4
          }
          top = max(max(tops[0], tops[1]), max(tops[2], tops[3]))
        }
        while i < last {
          let dist = squaredDistance(rows + i &* d, c, dimension: d)
          if dist < near[i] {
            near[i] = dist
            closest[Int(order[i])] = dist
          }
          top = max(top, near[i])
          i &+= 1
        }
      } else {
        top = max(accept(node: v + 1, centre: c), accept(node: Int(tree.right[v]), centre: c))
      }
      reach[v] = top
      return top
    }
  }
}
