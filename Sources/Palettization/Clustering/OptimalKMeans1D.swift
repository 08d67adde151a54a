/// Globally optimal weighted k-means on the real line.
///
/// For sorted points `x[0] < … < x[n-1]` with weights `w > 0`, every optimal k-means partition
/// consists of contiguous runs, so the optimum is
/// `D[m][j] = min_{i<j} D[m-1][i] + cost(i, j)` where `cost(i, j)` is the weighted sum of
/// squared deviations of `x[i..<j]` from their weighted mean (Wang & Song 2011,
/// "Ckmeans.1d.dp: Optimal k-means clustering in one dimension by dynamic programming").
/// `cost` satisfies the quadrangle inequality, so each layer's matrix
/// `A[j][i] = D[m-1][i] + cost(i, j)` is totally monotone (Grønlund, Larsen, Mathiasen, Nielsen,
/// Schneider & Song 2017, "Fast exact k-means, k-medians and Bregman divergence clustering in
/// 1D"); its row minima are found by divide and conquer (`LayerMinima`).
///
/// The full programme costs O(k·n), so `solve` first tries two searches that find the same
/// optimum with less work (see `SegmentCosts.optimalStarts` for which runs when):
/// - `LagrangianSearch`: `f(k)` is convex, so a penalty per cluster turns the problem into one
///   programme without layers, O(n log n) per penalty, a handful of penalties;
/// - `CoarseToFineSearch`: certified pruning — lower bounds from a programme on groups of
///   positions and an upper bound from Lloyd's iterations exclude the nodes that lie on no
///   optimal path, and the exact programme runs only on the remaining windows.
/// When a search gives up (no hull vertex at `k`; windows that do not narrow) the full programme
/// runs instead.
///
/// Memory of the full programme stays linear: while `k·n` is at most `defaultTableLimit` the
/// optimal split of every layer is kept for backtracking; beyond that the forward pass instead
/// carries, for every end `j`, the start of the middle cluster of the optimum ending at `j`,
/// splits the problem there and recurses on both halves (Hirschberg's idea; about twice the
/// work, O(n) memory).
public enum OptimalKMeans1D {
  /// Largest `clusters × points` product for which the backtracking table is used
  /// (4 Mi entries of `Int32` = 16 MiB); larger problems use the linear-space recursion.
  static let defaultTableLimit = 1 << 22

  /// Globally optimal weighted 1-D k-means of sorted, distinct, positively weighted points.
  ///
  /// - Parameters:
  ///   - values: strictly increasing, finite; `n >= 1` of them.
  ///   - weights: one per value, each `> 0` and finite.
  ///   - k: wanted clusters, `>= 1`; `min(k, n)` clusters are returned (never an empty one).
  /// - Returns: `starts` — the index of each cluster's first value (`starts[0] == 0`, strictly
  ///   increasing); `centroids` — each cluster's weighted mean, ascending; `cost` — the optimal
  ///   objective `Σ w·(x − centroid)²`, summed in `Double` from the returned centroids.
  ///   Ties between equally good partitions are broken deterministically: the same input
  ///   always gives the same partition, whatever thread runs it.
  /// - Complexity: O(n log n) per penalty of the Lagrangian search (a handful of penalties on
  ///   real weights), O(k·n log n) in the worst case (the layered programme). O(n) memory
  ///   beyond the input (24 bytes of prefix sums and 24 bytes of search state per point, or at
  ///   most 4 Mi coarse-to-fine nodes of 28 bytes).
  public static func solve(
    values: UnsafeBufferPointer<Double>, weights: UnsafeBufferPointer<Double>, k: Int
  ) -> (starts: [Int], centroids: [Double], cost: Double) {
    solve(values: values, weights: weights, k: k, method: .automatic)
  }

  /// Array convenience for `solve(values:weights:k:)`.
  public static func solve(values: [Double], weights: [Double], k: Int)
    -> (starts: [Int], centroids: [Double], cost: Double)
  {
    values.withUnsafeBufferPointer { v in
      weights.withUnsafeBufferPointer { w in solve(values: v, weights: w, k: k) }
    }
  }

  /// How `solve` searches (tests compare the paths).
  enum Method {
    /// Coarse to fine with pruning, falling back to the full programme.
    case automatic
    /// The full layered programme with this backtracking-table limit (0 forces the
    /// linear-space recursion).
    case layers(tableLimit: Int)
    /// Coarse to fine even on tiny inputs, with this first slot size (`nil`: the default) and
    /// node budget; empty starts and a NaN cost if it gives up.
    case coarseToFine(initialSlotSize: Int?, nodeBudget: Int)
    /// The Lagrangian search alone; empty starts and a NaN cost if it gives up.
    case lagrangian
  }

  /// Array convenience for `solve(values:weights:k:method:)`.
  static func solve(values: [Double], weights: [Double], k: Int, method: Method)
    -> (starts: [Int], centroids: [Double], cost: Double)
  {
    values.withUnsafeBufferPointer { v in
      weights.withUnsafeBufferPointer { w in solve(values: v, weights: w, k: k, method: method) }
    }
  }

  /// `solve` with an explicit method.
  static func solve(
    values: UnsafeBufferPointer<Double>, weights: UnsafeBufferPointer<Double>, k: Int,
    method: Method
  ) -> (starts: [Int], centroids: [Double], cost: Double) {
    let n = values.count
    precondition(n >= 1, "OptimalKMeans1D needs at least one value")
    precondition(weights.count == n, "OptimalKMeans1D needs one weight per value")
    precondition(k >= 1, "OptimalKMeans1D needs k >= 1")
    for t in 0..<n {
      precondition(values[t].isFinite && weights[t].isFinite && weights[t] > 0,
                   "OptimalKMeans1D needs finite values and positive finite weights")
      precondition(t == 0 || values[t - 1] < values[t],
                   "OptimalKMeans1D needs strictly increasing values")
    }
    let costs = SegmentCosts(values: values, weights: weights)
    let clusters = min(k, n)
    let starts: [Int]
    switch method {
    case .automatic:
      starts = costs.optimalStarts(clusters: clusters, value: { values[$0] })
    case .layers(let tableLimit):
      starts = costs.optimalStartsByLayers(clusters: clusters, tableLimit: tableLimit)
    case _ where clusters == 1 || clusters == n:
      starts = Array(0..<clusters)  // the searches need 2 <= clusters < n
    case .coarseToFine(let initialSlotSize, let nodeBudget):
      starts = CoarseToFineSearch(costs: costs, value: { values[$0] }, clusters: clusters, nodeBudget: nodeBudget,
                                  initialSlotSize: initialSlotSize).optimalStarts() ?? []
    case .lagrangian:
      starts = LagrangianSearch(costs: costs, value: { values[$0] }, clusters: clusters).optimalStarts() ?? []
    }
    guard !starts.isEmpty else { return ([], [], .nan) }
    let (centroids, cost) = costs.centroidsAndCost(
      starts: starts, value: { values[$0] }, weight: { weights[$0] })
    return (starts, centroids, cost)
  }
}

/// Prefix sums of one sorted point set, giving any run's clustering cost in O(1).
///
/// Values are shifted by their weighted mean before summing so that `Σw·x²` and `(Σw·x)²/Σw`
/// stay small and their difference (the run's variance) keeps its digits. A rounding-negative
/// difference is clamped to 0.
final class SegmentCosts {
  /// Sums of `w`, `w·(x−shift)` and `w·(x−shift)²` over a prefix of the points, kept together
  /// so one segment cost touches two cache lines, not six.
  struct Prefix {
    var w: Double
    var s1: Double
    var s2: Double
  }

  let count: Int
  let shift: Double
  /// `prefix[t]`: the sums over points `0..<t`, for `t` in `0...count`.
  let prefix: UnsafeMutablePointer<Prefix>

  /// Builds the sums for `values` (sorted, distinct) with positive `weights`.
  init<V: BinaryFloatingPoint>(values: UnsafeBufferPointer<V>, weights: UnsafeBufferPointer<Double>) {
    let n = values.count
    count = n
    var totalW = 0.0
    var totalWX = 0.0
    for t in 0..<n {
      totalW += weights[t]
      totalWX += weights[t] * Double(values[t])
    }
    shift = totalW > 0 ? totalWX / totalW : 0
    prefix = .allocate(capacity: n + 1)
    var running = Prefix(w: 0, s1: 0, s2: 0)
    prefix[0] = running
    for t in 0..<n {
      let weight = weights[t]
      let d = Double(values[t]) - shift
      running.w += weight
      running.s1 += weight * d
      running.s2 += weight * d * d
      prefix[t + 1] = running
    }
  }

  deinit { prefix.deallocate() }

  /// Weighted sum of squared deviations of the points from `start` up to the prefix `end`
  /// (`start` below its index), given `end = prefix[j]`.
  @inline(__always)
  static func cost(from start: Prefix, to end: Prefix) -> Double {
    let weight = end.w - start.w
    let sum = end.s1 - start.s1
    let c = (end.s2 - start.s2) - sum * sum / weight
    return c > 0 ? c : 0
  }

  /// Weighted sum of squared deviations of points `i..<j` from their mean (`i < j`).
  @inline(__always)
  func cost(_ i: Int, _ j: Int) -> Double {
    SegmentCosts.cost(from: prefix[i], to: prefix[j])
  }

  /// Weighted mean of points `i..<j`.
  func mean(_ i: Int, _ j: Int) -> Double {
    shift + (prefix[j].s1 - prefix[i].s1) / (prefix[j].w - prefix[i].w)
  }

  /// Centroids of the runs starting at `starts`, and `Σ w·(x − centroid)²` computed directly
  /// (two-pass, not from the prefix sums, so the reported cost is accurate).
  func centroidsAndCost(
    starts: [Int], value: (Int) -> Double, weight: (Int) -> Double
  ) -> (centroids: [Double], cost: Double) {
    var centroids: [Double] = []
    centroids.reserveCapacity(starts.count)
    var cost = 0.0
    for (c, start) in starts.enumerated() {
      let end = c + 1 < starts.count ? starts[c + 1] : count
      let centre = mean(start, end)
      centroids.append(centre)
      for t in start..<end {
        let d = value(t) - centre
        cost += weight(t) * d * d
      }
    }
    return (centroids, cost)
  }

  /// Start indices of an optimal partition of all points into `clusters` runs, by the fastest
  /// exact search for the problem's size, falling back to the full layered programme when a
  /// search gives up.
  ///
  /// Measured (release, one core): the Lagrangian search, whose cost does not grow with `k`, is
  /// the fastest on small and medium problems — MiniLM's 1,320 fast-mode blocks of 16 rows
  /// (n ≈ 2,300): k = 16 in 0.9 s against 2.3 s for the layered programme (coarse to fine is
  /// slower still at this size), k = 256 in 2.1 s against 21 s; 96 exact blocks of 6,144 values,
  /// k = 16: 167 ms against 375 ms coarse to fine. On large `n` with few clusters the
  /// coarse-to-fine search wins: 588k distinct values, k = 16, 108 ms against 325 ms. Above 64
  /// clusters its windows stay wide (it gives up), so large `k` goes to the Lagrangian search.
  /// - Precondition: `1 <= clusters <= count`.
  /// - Parameter value: the value of point `t`.
  func optimalStarts(clusters: Int, value: @escaping (Int) -> Double) -> [Int] {
    guard clusters >= 2 && clusters < count else {
      return optimalStartsByLayers(clusters: clusters, tableLimit: OptimalKMeans1D.defaultTableLimit)
    }
    if clusters <= 64 && count >= 1 << 15,
       let starts = CoarseToFineSearch(costs: self, value: value, clusters: clusters).optimalStarts()
    {
      return starts
    }
    if let starts = LagrangianSearch(costs: self, value: value, clusters: clusters).optimalStarts() {
      return starts
    }
    return optimalStartsByLayers(clusters: clusters, tableLimit: OptimalKMeans1D.defaultTableLimit)
  }

  /// Start indices of an optimal partition by the full layered programme.
  /// - Precondition: `1 <= clusters <= count`.
  func optimalStartsByLayers(clusters: Int, tableLimit: Int) -> [Int] {
    let workspace = LayerWorkspace(costs: self)
    var starts: [Int] = []
    starts.reserveCapacity(clusters)
    workspace.appendStarts(from: 0, to: count, clusters: clusters, tableLimit: tableLimit,
                           into: &starts)
    return starts
  }
}
