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
  /// `∫ p^{1/3}` of the points' distribution, estimated (see `densityIntegral(costs:value:groups:)`).
  let densityIntegral: Double
  /// Most penalised solves before giving up.
  let iterationLimit: Int
  /// `E[j]`, the penalised optimum of points `0..<j`.
  private let penalised: UnsafeMutablePointer<Double>
  /// The smallest optimal start of the last run ending at `j`.
  private let argument: UnsafeMutablePointer<Int32>
  /// Runs in that optimum of `0..<j`.
  private let runs: UnsafeMutablePointer<Int32>
  /// The candidate queue: starts, and the first end from which each is the best.
  private let queueStart: UnsafeMutablePointer<Int32>
  private let queueFrom: UnsafeMutablePointer<Int32>

  /// - Precondition: `2 <= clusters < costs.count < Int32.max`.
  init(costs: SegmentCosts, value: (Int) -> Double, clusters: Int, iterationLimit: Int = 64) {
    let n = costs.count
    precondition(2 <= clusters && clusters < n && n < Int(Int32.max))
    self.costs = costs
    densityIntegral = Self.densityIntegral(costs: costs, value: value, groups: max(32, 4 * clusters))
    self.clusters = clusters
    self.iterationLimit = iterationLimit
    penalised = .allocate(capacity: n + 1)
    argument = .allocate(capacity: n + 1)
    runs = .allocate(capacity: n + 1)
    queueStart = .allocate(capacity: n + 1)
    queueFrom = .allocate(capacity: n + 1)
  }

  deinit {
    penalised.deallocate()
    argument.deallocate()
    runs.deallocate()
    queueStart.deallocate()
    queueFrom.deallocate()
  }

  /// Start indices of an optimal partition into `clusters` runs, or `nil` when the hull search
  /// does not reach `clusters` (the caller then runs the layered programme).
  /// - Complexity: O(n log n) per penalised solve; on MiniLM's blocks about ten solves.
  func optimalStarts() -> [Int]? {
    let n = costs.count
    let k = Double(clusters)
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
    // k = 256 (from the bracket of the trivial partitions by slopes alone: 6, 6, 10).
    let totalWeight = costs.prefix[n].w
    let integral = densityIntegral
    // 0.85: the estimate runs high (Hölder, and f falls slower than 1/c² at small c); measured
    // on MiniLM's blocks, the first solve then lands on k itself for k = 16 in over half the
    // blocks (1.6 solves on average against 2.2 without it; 5.0 against 6.1 at k = 256, 4.0
    // against 3.1 at k = 64).
    var lambda = 0.85 * totalWeight * integral * integral * integral / (6 * k * k * k)
    if !(lambda > 0 && lambda.isFinite) { lambda = 2 * left.cost / (k * k * k) }
    var secant = false
    var misses = 0
    for _ in 0..<iterationLimit {
      guard lambda.isFinite, lambda >= 0 else { return nil }
      solve(penalty: lambda)
      let found = Int(runs[n])
      if found == clusters { return starts() }
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

  /// Fills `penalised`, `argument` and `runs` for `E[j] = min_{i<j} E[i] + cost(i, j) + λ`.
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
    runs[0] = 0
    var head = 0
    var tail = 1
    queueStart[0] = 0
    queueFrom[0] = 1
    for j in 1...n {
      while head + 1 < tail && Int(queueFrom[head + 1]) <= j { head += 1 }
      let i = Int(queueStart[head])
      penalised[j] = candidate(i, j) + lambda
      argument[j] = Int32(truncatingIfNeeded: i)
      runs[j] = runs[i] + 1
      guard j < n else { break }
      // Start j for ends after j: drop queue entries it beats from their first end on.
      while tail > head {
        let back = Int(queueStart[tail - 1])
        let from = max(Int(queueFrom[tail - 1]), j + 1)
        if candidate(j, from) < candidate(back, from) { tail -= 1 } else { break }
      }
      if tail == head {
        queueStart[tail] = Int32(truncatingIfNeeded: j)
        queueFrom[tail] = Int32(truncatingIfNeeded: j + 1)
        tail += 1
        continue
      }
      // First end where j beats the last entry (which wins at its own first end): galloping,
      // then binary search. The crossing is usually within two positions (MiniLM's blocks at
      // k = 16: log₂ of the distance 1.05 on average against 9.2 for the range), so this takes
      // about 3 comparisons where a plain binary search over the range takes 10.
      let back = Int(queueStart[tail - 1])
      let start = max(Int(queueFrom[tail - 1]), j + 1)
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
        queueStart[tail] = Int32(truncatingIfNeeded: j)
        queueFrom[tail] = Int32(truncatingIfNeeded: low)
        tail += 1
      }
    }
  }
}
