extension VectorKMeans {
  /// ``seedPlusPlus(_:dimension:weights:k:trials:random:fused:)`` with a step's candidates
  /// evaluated block by block: all of a step's candidates are drawn from the same masses before
  /// any is evaluated, so each block of ``seedingBlockSize`` vectors is read once and, while in
  /// L1, gives every candidate's block sum (the minima go to a block-sized scratch, never to
  /// memory); then only the winner's minima are written, in place. The draws, minima, block sums
  /// (vectorised, same lanes and order) and potentials are the same values as the one-candidate-
  /// at-a-time evaluation, so the seeds are the same.
  ///
  /// Measured (release, shared 2-core VM, 294,912 Laplace 2-vectors, k = 16, 4 trials, 5
  /// restarts): 685 M instructions against 754 M (callgrind), about 28 instead of 64 bytes of
  /// memory traffic per vector and step, 17–23 ms against 21–35 ms per seeding (noisy VM). A
  /// hand-written SIMD loop fusing minima and sums compiled to slower code (Swift's lane masks
  /// become compare/and/or sequences); the compiler vectorises the minima loop well on its own.
  /// - Complexity: O(k·trials·n·d) time, O(n + trials·n / 256) extra memory.
  static func seedBlocked<W: VectorWidth>(
    _: W.Type, _ points: UnsafeBufferPointer<Float>, dimension: Int, weights: UnsafeBufferPointer<Float>?,
    k: Int, trials: Int, random: GSLRandom
  ) -> [Int] {
    let d = W.value(dimension)
    let n = points.count / d
    precondition(n >= 1 && k >= 1 && trials >= 1, "seeding needs vectors, k >= 1 and trials >= 1")
    let blockCount = (n + seedingBlockSize - 1) / seedingBlockSize
    // Per vector: squared distance to the nearest chosen centre (initially 1: mass = weight).
    // Per block: its sum for `closest`, then per candidate of a step.
    let closest = UnsafeMutableBufferPointer<Float>.allocate(capacity: n)
    let partials = UnsafeMutableBufferPointer<Double>.allocate(capacity: (trials + 1) * blockCount)
    let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: seedingBlockSize)
    defer {
      closest.deallocate()
      partials.deallocate()
      scratch.deallocate()
    }
    closest.initialize(repeating: 1)
    partials.initialize(repeating: 0)
    scratch.initialize(repeating: 0)
    // Non-nil: n >= 1, blockCount >= 1.
    let base = points.baseAddress.unsafelyUnwrapped, nearest = closest.baseAddress.unsafelyUnwrapped
    let closestSums = partials.baseAddress.unsafelyUnwrapped, candidateSums = closestSums + blockCount
    let w = weights?.baseAddress, buffer = scratch.baseAddress.unsafelyUnwrapped

    for b in 0..<blockCount {
      let start = b &* seedingBlockSize, end = min(n, start &+ seedingBlockSize)
      closestSums[b] = laneSum(UnsafePointer(nearest + start), weights: w.map { $0 + start }, count: end &- start)
    }
    @inline(__always) func pick(_ u: Double) -> Int {
      draw(u, masses: UnsafeBufferPointer(closest), blockSums: UnsafeBufferPointer(start: closestSums, count: blockCount),
           weights: weights)
    }
    /// The potential of each of `candidates`, and their block sums in `candidateSums`.
    func evaluate(_ candidates: [Int]) -> [Double] {
      var totals = [Double](repeating: 0, count: candidates.count)
      for b in 0..<blockCount {
        let start = b &* seedingBlockSize, count = min(n, start &+ seedingBlockSize) &- start
        for (t, candidate) in candidates.enumerated() {
          minima(W.self, base + start &* d, dimension: d, centre: base + candidate &* d, count: count,
                 closest: UnsafePointer(nearest + start), into: buffer)
          let s = laneSum(UnsafePointer(buffer), weights: w.map { $0 + start }, count: count)
          candidateSums[t &* blockCount &+ b] = s
          totals[t] += s
        }
      }
      return totals
    }
    /// `candidate` joins the centres: its minima and block sums become the current ones.
    func accept(_ candidate: Int, slot t: Int) {
      minima(W.self, base, dimension: d, centre: base + candidate &* d, count: n,
             closest: UnsafePointer(nearest), into: nearest)
      (closestSums).update(from: candidateSums + t &* blockCount, count: blockCount)
    }

    let first = pick(random.nextUniform())
    var chosen = [first]
    closest.update(repeating: .infinity)
    _ = evaluate([first])
    accept(first, slot: 0)

    var draws = [Double](repeating: 0, count: trials)
    while chosen.count < k {
      for t in 0..<trials { draws[t] = random.nextUniform() }
      let candidates = draws.map(pick)
      let potentials = evaluate(candidates)
      var best = 0
      for t in 1..<trials where potentials[t] < potentials[best] { best = t }
      chosen.append(candidates[best])
      accept(candidates[best], slot: best)
    }
    return chosen
  }

  /// `new[i] = min(closest[i], ‖xᵢ − centre‖²)` for the `count` vectors at `points`
  /// (``squaredDistance(_:_:dimension:)``'s operations, written out for the common widths so
  /// that the loop vectorises); `new` may be `closest`.
  /// - Complexity: O(count·d).
  @inline(__always)
  static func minima<W: VectorWidth>(
    _: W.Type, _ points: UnsafePointer<Float>, dimension: Int, centre: UnsafePointer<Float>, count: Int,
    closest old: UnsafePointer<Float>, into new: UnsafeMutablePointer<Float>
  ) {
    let d = W.value(dimension)
    // The centre in registers: stores to `new` cannot alias it.
    let c0 = centre[0], c1 = d > 1 ? centre[1] : 0, c2 = d > 2 ? centre[2] : 0, c3 = d > 3 ? centre[3] : 0
    if W.self == Width2.self {
      for i in 0..<count {
        let x = points + i &* 2
        let t0 = x[0] - c0, t1 = x[1] - c1
        let dist = t0 * t0 + t1 * t1
        new[i] = dist < old[i] ? dist : old[i]
      }
    } else if W.self == Width4.self {
      for i in 0..<count {
        let x = points + i &* 4
        let t0 = x[0] - c0, t1 = x[1] - c1, t2 = x[2] - c2, t3 = x[3] - c3
        let dist = ((t0 * t0 + t1 * t1) + t2 * t2) + t3 * t3
        new[i] = dist < old[i] ? dist : old[i]
      }
    } else {
      for i in 0..<count {
        let dist = squaredDistance(points + i &* d, centre, dimension: d)
        new[i] = dist < old[i] ? dist : old[i]
      }
    }
  }

  /// ``blockSum(from:to:_:)`` of `wᵢ·values[i]` (or `values[i]`) over `count ≤ 256` values,
  /// its 8 accumulators held as 4 `SIMD2<Double>` (lanes 0–1, 2–3, 4–5, 6–7) fed 8 values at a
  /// time: every term, lane sum and their combination is the same operation on the same values.
  /// - Complexity: O(count).
  @inline(__always)
  static func laneSum(_ values: UnsafePointer<Float>, weights: UnsafePointer<Float>?, count: Int) -> Double {
    var a01 = SIMD2<Double>(), a23 = SIMD2<Double>(), a45 = SIMD2<Double>(), a67 = SIMD2<Double>()
    @inline(__always) func load(_ p: UnsafePointer<Float>) -> (SIMD4<Float>, SIMD4<Float>) {
      (UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self),
       UnsafeRawPointer(p + 4).loadUnaligned(as: SIMD4<Float>.self))
    }
    var i = 0
    if let weights {
      while i &+ 8 <= count {
        let (m, m4) = load(values + i), (v, v4) = load(weights + i)
        a01 += SIMD2<Double>(v.lowHalf) * SIMD2<Double>(m.lowHalf)
        a23 += SIMD2<Double>(v.highHalf) * SIMD2<Double>(m.highHalf)
        a45 += SIMD2<Double>(v4.lowHalf) * SIMD2<Double>(m4.lowHalf)
        a67 += SIMD2<Double>(v4.highHalf) * SIMD2<Double>(m4.highHalf)
        i &+= 8
      }
    } else {
      while i &+ 8 <= count {
        let (m, m4) = load(values + i)
        a01 += SIMD2<Double>(m.lowHalf)
        a23 += SIMD2<Double>(m.highHalf)
        a45 += SIMD2<Double>(m4.lowHalf)
        a67 += SIMD2<Double>(m4.highHalf)
        i &+= 8
      }
    }
    // The tail (the last block only) continues at lane 0.
    var lane = 0
    while i < count {
      let term = (weights.map { Double($0[i]) } ?? 1) * Double(values[i])
      switch lane {
      case 0: a01[0] += term
      case 1: a01[1] += term
      case 2: a23[0] += term
      case 3: a23[1] += term
      case 4: a45[0] += term
      case 5: a45[1] += term
      default: a67[0] += term
      }
      lane &+= 1
      i &+= 1
    }
    return ((a01[0] + a01[1]) + (a23[0] + a23[1])) + ((a45[0] + a45[1]) + (a67[0] + a67[1]))
  }
}
