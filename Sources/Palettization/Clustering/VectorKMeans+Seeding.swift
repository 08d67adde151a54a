extension VectorKMeans {
  /// Vectors per partial sum of the seeding potential.
  static let seedingBlockSize = 256

  /// Greedy k-means++ seeding (Arthur & Vassilvitskii 2007; scikit-learn's `_kmeans_plusplus`):
  /// the indices of the `k` vectors chosen as initial centroids, in order.
  ///
  /// Draws, all with `random.nextUniform()`, in this order:
  /// 1. one draw `u` for the first centre, chosen with probability ∝ weight (uniform when
  ///    unweighted);
  /// 2. for each further centre, `trials` draws `u₀ … u_{L−1}`, all taken before any candidate is
  ///    evaluated; candidate `t` is drawn with probability ∝ `wᵢ·D²ᵢ` (`D²ᵢ` = squared distance
  ///    to the nearest centre chosen so far). Each candidate's potential `Σ wᵢ·min(D²ᵢ, ‖xᵢ − cand‖²)`
  ///    is computed and the lowest wins (the earliest candidate on ties); nothing else is drawn.
  ///
  /// A draw `u` against per-vector masses `mᵢ` (`wᵢ`, or `wᵢ·D²ᵢ`) picks the first vector whose
  /// running prefix sum exceeds `u·M` (`M` the total mass) — scikit-learn's
  /// `searchsorted(cumsum(m), u·M)` except that a vector of mass 0 is never picked. The prefix
  /// sums are taken in a fixed blocked order: each block of ``seedingBlockSize`` vectors is
  /// summed with 8 interleaved `Double` accumulators combined as `((a₀+a₁)+(a₂+a₃))+((a₄+a₅)+(a₆+a₇))`
  /// (lane = position in block mod 8); block sums are added sequentially to give the prefix at
  /// each block start and the total; inside the chosen block the prefix continues sequentially.
  /// Potentials are the same sequential sum of block sums. If the total mass is 0 (all weight
  /// sits on vectors already chosen) the candidate is `min(⌊u·n⌋, n − 1)`.
  ///
  /// `fused: false` evaluates candidates as the implementation before the kd-tree kernel did
  /// (``Kernel/reference``); `true` evaluates a step's candidates block by block
  /// (`seedBlocked`): the same values, faster. ``seedTree(_:dimension:tree:k:trials:random:)``
  /// (the kd-tree kernel's, unweighted) bounds them through a tree and gives the same seeds.
  ///
  /// - Precondition: `points` holds at least one vector; `k ≥ 1`, `trials ≥ 1`.
  /// - Complexity: O(k·trials·n·d) time, O(n) extra memory.
  static func seedPlusPlus(
    _ points: UnsafeBufferPointer<Float>, dimension d: Int, weights: UnsafeBufferPointer<Float>?,
    k: Int, trials: Int, random: GSLRandom, fused: Bool = true
  ) -> [Int] {
    switch d {
    case 2: return seedPlusPlus(Width2.self, points, dimension: d, weights: weights, k: k, trials: trials, random: random, fused: fused)
    case 4: return seedPlusPlus(Width4.self, points, dimension: d, weights: weights, k: k, trials: trials, random: random, fused: fused)
    case 8: return seedPlusPlus(Width8.self, points, dimension: d, weights: weights, k: k, trials: trials, random: random, fused: fused)
    default: return seedPlusPlus(WidthAny.self, points, dimension: d, weights: weights, k: k, trials: trials, random: random, fused: fused)
    }
  }

  private static func seedPlusPlus<W: VectorWidth>(
    _: W.Type, _ points: UnsafeBufferPointer<Float>, dimension: Int, weights: UnsafeBufferPointer<Float>?,
    k: Int, trials: Int, random: GSLRandom, fused: Bool
  ) -> [Int] {
    if fused {
      return seedBlocked(W.self, points, dimension: dimension, weights: weights, k: k, trials: trials, random: random)
    }
    let d = W.value(dimension)
    let n = points.count / d
    precondition(n >= 1 && k >= 1 && trials >= 1, "seeding needs vectors, k >= 1 and trials >= 1")
    let blockCount = (n + seedingBlockSize - 1) / seedingBlockSize
    // Per-vector squared distance to the nearest chosen centre (initially 1: mass = weight),
    // the candidate being evaluated, and the best candidate so far; with their block sums.
    // Raw buffers, swapped as pointers: array closures kept the kernel from being specialised.
    let distances = UnsafeMutableBufferPointer<Float>.allocate(capacity: 3 * n)
    let partials = UnsafeMutableBufferPointer<Double>.allocate(capacity: 3 * blockCount)
    defer {
      distances.deallocate()
      partials.deallocate()
    }
    distances.initialize(repeating: 1)
    partials.initialize(repeating: 0)
    // Non-nil: n >= 1.
    let floats = distances.baseAddress.unsafelyUnwrapped, doubles = partials.baseAddress.unsafelyUnwrapped
    var closest = floats, trial = floats + n, best = floats + 2 * n
    var closestSums = doubles, trialSums = doubles + blockCount, bestSums = doubles + 2 * blockCount

    for b in 0..<blockCount {
      closestSums[b] = blockSum(from: b * seedingBlockSize, to: min(n, (b + 1) * seedingBlockSize)) { i in
        (weights.map { Double($0[i]) } ?? 1) * Double(closest[i])
      }
    }
    @inline(__always) func pick(_ u: Double) -> Int {
      draw(u, masses: UnsafeBufferPointer(start: closest, count: n),
           blockSums: UnsafeBufferPointer(start: closestSums, count: blockCount), weights: weights)
    }
    @inline(__always) func potential(_ candidate: Int) -> Double {
      evaluate(W.self, points, dimension: d, weights: weights, candidate: candidate, count: n,
               closest: closest, into: trial, blockSums: trialSums, blockCount: blockCount)
    }
    let first = pick(random.nextUniform())
    var chosen = [first]
    closest.update(repeating: .infinity, count: n)
    _ = potential(first)
    swap(&closest, &trial)
    swap(&closestSums, &trialSums)

    var draws = [Double](repeating: 0, count: trials)
    while chosen.count < k {
      for t in 0..<trials { draws[t] = random.nextUniform() }
      var bestPotential = Double.infinity
      var bestCandidate = -1
      for u in draws {
        let candidate = pick(u)
        let p = potential(candidate)
        if bestCandidate < 0 || p < bestPotential {
          bestPotential = p
          bestCandidate = candidate
          swap(&trial, &best)
          swap(&trialSums, &bestSums)
        }
      }
      chosen.append(bestCandidate)
      swap(&closest, &best)
      swap(&closestSums, &bestSums)
    }
    return chosen
  }

  /// Writes `min(closest[i], ‖xᵢ − x_candidate‖²)` into `trial` and the block sums of
  /// `wᵢ·trial[i]` into `blockSums`; returns their sequential sum (the candidate's potential).
  ///
  /// Each block is done in two loops (the minima, then their sum) so that the first vectorises.
  @inline(__always)
  private static func evaluate<W: VectorWidth>(
    _: W.Type, _ points: UnsafeBufferPointer<Float>, dimension: Int, weights: UnsafeBufferPointer<Float>?,
    candidate: Int, count n: Int, closest old: UnsafeMutablePointer<Float>, into new: UnsafeMutablePointer<Float>,
    blockSums sums: UnsafeMutablePointer<Double>, blockCount: Int
  ) -> Double {
    let d = W.value(dimension)
    guard let base = points.baseAddress else { return 0 }
    let centre = base + candidate &* d
    var total = 0.0
    for b in 0..<blockCount {
      let start = b &* seedingBlockSize, end = min(n, start &+ seedingBlockSize)
      minima(W.self, base + start &* d, dimension: d, centre: centre, count: end &- start, closest: old + start, into: new + start)
      let s: Double
      if let weights {
        s = blockSum(from: start, to: end) { Double(weights[$0]) * Double(new[$0]) }
      } else {
        s = blockSum(from: start, to: end) { Double(new[$0]) }
      }
      sums[b] = s
      total += s
    }
    return total
  }

  /// Sum of `term(i)` for `i` in `start..<end` with 8 interleaved accumulators (lane `(i − start) mod 8`)
  /// combined as `((a₀+a₁)+(a₂+a₃))+((a₄+a₅)+(a₆+a₇))`; `term` is called once per `i`, in order.
  @inline(__always)
  private static func blockSum(from start: Int, to end: Int, _ term: (Int) -> Double) -> Double {
    var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0, a4 = 0.0, a5 = 0.0, a6 = 0.0, a7 = 0.0
    var i = start
    while i + 8 <= end {
      a0 += term(i); a1 += term(i + 1); a2 += term(i + 2); a3 += term(i + 3)
      a4 += term(i + 4); a5 += term(i + 5); a6 += term(i + 6); a7 += term(i + 7)
      i += 8
    }
    // The tail (the last block only) continues at lane 0.
    if i < end { a0 += term(i); i += 1 }
    if i < end { a1 += term(i); i += 1 }
    if i < end { a2 += term(i); i += 1 }
    if i < end { a3 += term(i); i += 1 }
    if i < end { a4 += term(i); i += 1 }
    if i < end { a5 += term(i); i += 1 }
    if i < end { a6 += term(i) }
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
  }

  /// The vector picked by draw `u` against masses `wᵢ·masses[i]` (see ``seedPlusPlus(_:dimension:weights:k:trials:random:)``).
  static func draw(
    _ u: Double, masses: UnsafeBufferPointer<Float>, blockSums: UnsafeBufferPointer<Double>,
    weights: UnsafeBufferPointer<Float>?
  ) -> Int {
    let n = masses.count
    let total = blockSums.reduce(0, +)
    guard total > 0 else { return min(Int(u * Double(n)), n - 1) }
    let r = u * total
    func mass(_ i: Int) -> Double { (weights.map { Double($0[i]) } ?? 1) * Double(masses[i]) }
    var prefix = 0.0
    var lastPositiveBlock = 0
    for b in 0..<blockSums.count {
      let start = b * seedingBlockSize, end = min(n, start + seedingBlockSize)
      if blockSums[b] > 0 { lastPositiveBlock = b }
      let next = prefix + blockSums[b]
      if next > r {
        var running = prefix
        var lastPositive = start
        for i in start..<end {
          let m = mass(i)
          guard m > 0 else { continue }
          lastPositive = i
          running += m
          if running > r { return i }
        }
        // The in-block running sum rounds differently from the block sum: take its last mass.
        return lastPositive
      }
      prefix = next
    }
    // Unreachable while u < 1 (the loop's final prefix is `total`); kept for safety.
    let start = lastPositiveBlock * seedingBlockSize
    return (start..<min(n, start + seedingBlockSize)).last { mass($0) > 0 } ?? start
  }
}
