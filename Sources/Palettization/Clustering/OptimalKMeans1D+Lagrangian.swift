import Foundation

/// Exact optimal 1-D k-means with a cost independent of `k`, by Lagrangian relaxation of the
/// number of runs.
///
/// Write `f(c)` for the optimal cost with `c` runs. Because the run cost satisfies the quadrangle
/// inequality, `f` is convex in `c` (Aggarwal, Schieber & Tokuyama 1994, "Finding a minimum-weight
/// k-link path in graphs with the concave Monge property"). So for a penalty `λ ≥ 0` per run, an
/// optimum of the unconstrained problem `min over partitions of Σ (cost(run) + λ)` that happens
/// to have exactly `k` runs is an optimal `k`-partition. The unconstrained problem is the 1-D
/// programme `E[j] = min_{i<j} E[i] + cost(i, j) + λ`, whose argmin moves right with `j`; it is
/// solved online with a queue of candidate starts, each the best from some end on, and a
/// galloping search for where a new start overtakes the last one (Galil & Park 1992):
/// O(n log n) entries.
///
/// `λ` is found on the lower convex hull of the points `(c, f(c))`: a few guessed penalties
/// bracket `k` between hull vertices, then the slope between the two bracketing points gives a
/// hull vertex between them (or `k` itself). When `k` lies on a straight part of the hull (no
/// vertex at `k`, e.g. equally spaced, equally weighted points) or rounding stops the progress,
/// `optimalStarts` returns `nil` and the caller runs the layered programme.
///
/// See `SegmentCosts.optimalStarts` for the measurements that set where it is used.
final class LagrangianSearch {
  let costs: SegmentCosts
  let clusters: Int
  /// The value of point `t` (for the first penalty's density estimate).
  let value: (Int) -> Double
  /// Most penalised solves before giving up.
  let iterationLimit: Int
  /// `E[j]`, the penalised optimum of points `0..<j`.
  private let penalised: UnsafeMutablePointer<Double>
  /// The smallest optimal start of the last run ending at `j`.
  private let argument: UnsafeMutablePointer<Int32>
  /// The candidate queue: starts, and the first end from which each is the best. Entries
  /// leave at the front as `j` passes them, so the live part is short (MiniLM's blocks: about
  /// 70 entries); it is moved back to the buffer's start when it reaches the end, and the
  /// buffer grows only when the live part fills it — not `2·n` entries touched per solve.
  private var queueStart: UnsafeMutablePointer<Int32>
  private var queueFrom: UnsafeMutablePointer<Int32>
  private var queueCapacity: Int

  /// - Precondition: `2 <= clusters < costs.count < Int32.max`.
  /// - Parameter queueCapacity: the queue buffer's first size (tests use tiny ones to exercise
  ///   the moves and growth).
  init(costs: SegmentCosts, value: @escaping (Int) -> Double, clusters: Int, iterationLimit: Int = 64,
       queueCapacity: Int = 1024, coarseningThreshold: Int = 1 << 22, coarseCount: Int = 1 << 20) {
    let n = costs.count
    precondition(2 <= clusters && clusters < n && n < Int(Int32.max))
    self.costs = costs
    self.value = value
    self.clusters = clusters
    self.iterationLimit = iterationLimit
    self.coarseningThreshold = coarseningThreshold
    self.coarseCount = coarseCount
    penalised = .allocate(capacity: n + 1)
    argument = .allocate(capacity: n + 1)
    precondition(queueCapacity >= 1)
    self.queueCapacity = queueCapacity
    queueStart = .allocate(capacity: queueCapacity)
    queueFrom = .allocate(capacity: queueCapacity)
  }

  deinit {
    penalised.deallocate()
    argument.deallocate()
    queueStart.deallocate()
    queueFrom.deallocate()
  }

  /// The penalty whose solve gave `clusters` runs (set when `optimalStarts` succeeds).
  private(set) var penalty = Double.nan

  /// Problems of at least `coarseningThreshold` points first search the penalty on a coarse
  /// version (`coarseCount` points, each a run of consecutive points merged into its weighted
  /// mean), whose hull is nearly the same, so the full-size problem starts from a penalty that
  /// usually gives `k` at once. Measured (4096² Laplace, 15.4M distinct values, k = 256): 3
  /// coarse solves then 1 full one, 4.5 s in all, against 4 full solves and 7.1–7.8 s; with
  /// 131k coarse points the coarse hull was too far off (the full search still took 4 solves).
  let coarseningThreshold: Int
  let coarseCount: Int

  /// Start indices of an optimal partition into `clusters` runs, or `nil` when the hull search
  /// does not reach `clusters` (the caller then runs the layered programme).
  /// - Parameter firstPenalty: the first penalty to try (default: estimated, see below).
  /// - Complexity: O(n log n) per penalised solve; on MiniLM's blocks 1.6 to 5 solves.
  func optimalStarts(firstPenalty: Double? = nil) -> [Int]? {
    let n = costs.count
    let k = Double(clusters)
    if firstPenalty == nil && n >= coarseningThreshold && clusters * 8 <= coarseCount,
       let guess = coarsePenalty()
    {
      return optimalStarts(firstPenalty: guess)
    }
    // Hull points bracketing k: (runs, cost); the ends are the trivial partitions.
    var left = (runs: 1, cost: costs.cost(0, n))
    var right = (runs: n, cost: 0.0)
    // Any penalty gives a true hull point, so guesses only cost solves. The first comes from
    // the high-resolution (Panter & Dite) estimate f(c) ≈ W·(∫p^{1/3})³/(12c²) for total weight
    // W, slope 2f(c)/c; until both sides of k hold a solve, the next re-fits f(c) ≈ A/c² to the
    // last one. Once bracketed (or after 8 guesses that did not move the count), the slope
    // between the bracketing points must give a vertex strictly inside the bracket, or k itself;
    // anything else means k lies on a straight part of the hull.
    // MiniLM's 16-row fast-mode blocks: 1.6 solves on average at k = 16, 4.0 at k = 64, 5.0 at
    // k = 256 (by slopes alone from the bracket of the trivial partitions: 6 at k = 16, 10 at
    // k = 256).
    var lambda = firstPenalty ?? estimatedPenalty()
    if !(lambda > 0 && lambda.isFinite) { lambda = 2 * left.cost / (k * k * k) }
    var secant = false
    var misses = 0
    for _ in 0..<iterationLimit {
      guard lambda.isFinite, lambda >= 0 else { return nil }
      solve(penalty: lambda)
      let found = runCount()
      if found == clusters {
        penalty = lambda
        return starts()
      }
      let cost = penalised[n] - lambda * Double(found)
      var inside = true
      if found > left.runs && found < clusters {
        left = (found, cost)
      } else if found < right.runs && found > clusters {
        right = (found, cost)
      } else {
        if secant { return nil }
        inside = false
        misses += 1
      }
      let bracketed = left.runs > 1 && right.runs < n
      secant = bracketed || misses >= 8
      if secant {
        lambda = (left.cost - right.cost) / Double(right.runs - left.runs)
      } else {
        // Move the right way by at least 2%, 20% after a guess that did not move the count.
        let guess = 2 * cost * Double(found) * Double(found) / (k * k * k)
        let step = misses == 0 ? 1.02 : 1.25
        lambda = found < clusters ? min(guess, lambda / step) : max(guess, lambda * step)
      }
    }
    return nil
  }

  /// The Panter–Dite slope at k, `2f(k)/k` with `f(k) ≈ W·(∫p^{1/3})³/(12k²)`, scaled by 0.85:
  /// the estimate runs high (Hölder, and f falls slower than 1/c² at small c); measured on
  /// MiniLM's blocks, the first solve then lands on k itself for k = 16 in over half the blocks
  /// (1.6 solves on average against 2.2 without the factor; 5.0 against 6.1 at k = 256, 4.0
  /// against 3.1 at k = 64).
  private func estimatedPenalty() -> Double {
    let k = Double(clusters)
    let integral = Self.densityIntegral(costs: costs, value: value, groups: max(32, 4 * clusters))
    return 0.85 * costs.prefix[costs.count].w * integral * integral * integral / (6 * k * k * k)
  }

  /// `∫ p^{1/3} dx` of the points' distribution, from about `groups` runs of equal weight: a run
  /// of weight share `s` spread over width `L` (from the midpoints to its neighbours) has density
  /// `s/L`, so contributes `s^{1/3}·L^{2/3}`. By Hölder this over-estimates the integral (the
  /// density is not constant within a run), so more runs give a better first penalty.
  /// - Complexity: O(n).
  static func densityIntegral(costs: SegmentCosts, value: (Int) -> Double, groups: Int) -> Double {
    let n = costs.count
    let groups = max(1, min(groups, n / 4))
    let total = costs.prefix[n].w
    var sum = 0.0
    var start = 0
    for g in 1...groups where start < n {
      let target = total * Double(g) / Double(groups)
      var end = start
      while end < n - 1 && costs.prefix[end + 1].w < target { end += 1 }
      let left = start == 0 ? value(0) : 0.5 * (value(start - 1) + value(start))
      let right = end == n - 1 ? value(n - 1) : 0.5 * (value(end) + value(end + 1))
      let share = (costs.prefix[end + 1].w - costs.prefix[start].w) / total
      sum += Foundation.cbrt(share) * Foundation.pow(right - left, 2.0 / 3.0)
      start = end + 1
    }
    return sum
  }

  /// The penalty that gives `clusters` runs on the coarse version of the problem (`nil` if
  /// that search gives up).
  private func coarsePenalty() -> Double? {
    let n = costs.count
    let group = (n + coarseCount - 1) / coarseCount
    var values: [Double] = []
    var weights: [Double] = []
    values.reserveCapacity(n / group + 1)
    weights.reserveCapacity(n / group + 1)
    var start = 0
    while start < n {
      let end = min(start + group, n)
      // Means of consecutive runs of sorted distinct points are strictly increasing.
      values.append(costs.mean(start, end))
      weights.append(costs.prefix[end].w - costs.prefix[start].w)
      start = end
    }
    return values.withUnsafeBufferPointer { coarseValues in
      weights.withUnsafeBufferPointer { coarseWeights in
        let coarse = SegmentCosts(values: coarseValues, weights: coarseWeights)
        let search = LagrangianSearch(costs: coarse, value: { coarseValues[$0] }, clusters: clusters)
        return search.optimalStarts(firstPenalty: nil) == nil ? nil : search.penalty
      }
    }
  }

  /// The number of runs of the last solve's optimum (its arguments followed from `n` back).
  private func runCount() -> Int {
    var count = 0
    var end = costs.count
    while end > 0 {
      end = Int(argument[end])
      count += 1
    }
    return count
  }

  /// Frees the slot at `tail`: moves the live entries `head..<tail` to the buffer's start, and
  /// doubles the buffer if they fill it.
  private func makeRoom(head: inout Int, tail: inout Int) {
    if head > 0 {
      queueStart.update(from: queueStart + head, count: tail - head)
      queueFrom.update(from: queueFrom + head, count: tail - head)
      tail -= head
      head = 0
    }
    guard tail == queueCapacity else { return }
    let capacity = 2 * queueCapacity
    let start = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
    let from = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
    start.update(from: queueStart, count: tail)
    from.update(from: queueFrom, count: tail)
    queueStart.deallocate()
    queueFrom.deallocate()
    queueStart = start
    queueFrom = from
    queueCapacity = capacity
  }

  /// The run starts of the last solve's optimum, by its arguments from `n` back.
  private func starts() -> [Int] {
    var reversed: [Int] = []
    var end = costs.count
    while end > 0 {
      end = Int(argument[end])
      reversed.append(end)
    }
    return reversed.reversed()
  }

  /// Fills `penalised` and `argument` for `E[j] = min_{i<j} E[i] + cost(i, j) + λ`.
  ///
  /// Queue entry `q` holds a start that is the best of the queue for ends from
  /// `queueFrom[q]` up to the next entry's; a newer start replaces older ones only where it is
  /// strictly better, so ties keep the smallest start. By the quadrangle inequality the
  /// advantage `E[i'] + cost(i', e) − E[i] − cost(i, e)` of a later start `i' > i` does not rise
  /// with `e`, which makes both the queue and the binary search valid.
  private func solve(penalty lambda: Double) {
    let n = costs.count
    let prefix = costs.prefix
    @inline(__always)
    func candidate(_ i: Int, _ e: Int) -> Double {
      penalised[i] + SegmentCosts.cost(from: prefix[i], to: prefix[e])
    }
    penalised[0] = 0
    // Local copies: the loop reads no class properties (makeRoom may replace the buffers).
    var (qs, qf, capacity) = (queueStart, queueFrom, queueCapacity)
    var head = 0
    var tail = 1
    qs[0] = 0
    qf[0] = 1
    for j in 1...n {
      while head + 1 < tail && Int(qf[head + 1]) <= j { head += 1 }
      let i = Int(qs[head])
      penalised[j] = candidate(i, j) + lambda
      argument[j] = Int32(truncatingIfNeeded: i)
      guard j < n else { break }
      // Start j for ends after j: drop queue entries it beats from their first end on.
      while tail > head {
        let back = Int(qs[tail - 1])
        let from = max(Int(qf[tail - 1]), j + 1)
        if candidate(j, from) < candidate(back, from) { tail -= 1 } else { break }
      }
      if tail == head {
        if tail == capacity {
          makeRoom(head: &head, tail: &tail)
          (qs, qf, capacity) = (queueStart, queueFrom, queueCapacity)
        }
        qs[tail] = Int32(truncatingIfNeeded: j)
        qf[tail] = Int32(truncatingIfNeeded: j + 1)
        tail += 1
        continue
      }
      // First end where j beats the last entry (which wins at its own first end): galloping,
      // then binary search. The crossing is usually within two positions (MiniLM's blocks at
      // k = 16: log₂ of the distance 1.05 on average against 9.2 for the range), so this takes
      // about 3 comparisons where a plain binary search over the range takes 10.
      let back = Int(qs[tail - 1])
      let start = max(Int(qf[tail - 1]), j + 1)
      var low = start + 1
      var high = n + 1
      var reach = 1
      while start + reach <= n {
        if candidate(j, start + reach) < candidate(back, start + reach) {
          high = start + reach
          break
        }
        low = start + reach + 1
        reach *= 2
      }
      while low < high {
        let middle = (low + high) >> 1
        if candidate(j, middle) < candidate(back, middle) { high = middle } else { low = middle + 1 }
      }
      if low <= n {
        if tail == capacity {
          makeRoom(head: &head, tail: &tail)
          (qs, qf, capacity) = (queueStart, queueFrom, queueCapacity)
        }
        qs[tail] = Int32(truncatingIfNeeded: j)
        qf[tail] = Int32(truncatingIfNeeded: low)
        tail += 1
      }
    }
  }
}
