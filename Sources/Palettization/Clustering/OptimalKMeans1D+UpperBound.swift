extension SegmentCosts {
  /// Cost of the partition whose runs start at `starts` (strictly increasing, `starts[0] == 0`),
  /// from the prefix sums — the same evaluation the dynamic programme uses.
  func partitionCost(_ starts: [Int]) -> Double {
    var total = 0.0
    for (c, start) in starts.enumerated() {
      total += cost(start, c + 1 < starts.count ? starts[c + 1] : count)
    }
    return total
  }

  /// Improves a partition by Lloyd's iterations (centroids, then each boundary at the midpoint
  /// of its neighbours' centroids, found by binary search) and returns the best partition seen
  /// with its cost. Runs that become empty are dropped: any partition into at most `k` runs
  /// costs at least the optimum with `k` runs, so the result is an upper bound on the optimum.
  /// - Parameter starts: run starts, non-decreasing, `starts[0] == 0` (repeats are dropped).
  /// - Complexity: O(iterations · k · log n).
  func lloydUpperBound(_ starts: [Int], value: (Int) -> Double, iterations: Int = 64)
    -> (starts: [Int], cost: Double)
  {
    var current: [Int] = []
    for s in starts where s < count && (current.last.map { $0 < s } ?? true) { current.append(s) }
    if current.first != 0 { current.insert(0, at: 0) }
    var best = (starts: current, cost: partitionCost(current))
    var means = [Double](repeating: 0, count: current.count)
    for _ in 0..<iterations {
      let runs = current.count
      for c in 0..<runs { means[c] = mean(current[c], c + 1 < runs ? current[c + 1] : count) }
      var next = [0]
      next.reserveCapacity(runs)
      for c in 1..<max(runs, 1) {
        // First point above the midpoint, searched right of the previous new boundary.
        let midpoint = 0.5 * (means[c - 1] + means[c])
        var low = next[next.count - 1] + 1
        var high = count
        while low < high {
          let middle = (low + high) / 2
          if value(middle) > midpoint { high = middle } else { low = middle + 1 }
        }
        if low < count { next.append(low) }
      }
      if next == current { break }
      current = next
      let cost = partitionCost(current)
      if cost < best.cost { best = (current, cost) }
    }
    return best
  }
}
