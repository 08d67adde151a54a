/// Cuts a sweep's runs into ``WorkUnit``s under a ``UnitPolicy``, deterministically.
enum UnitPlanner {
  /// What the planner needs of one run: its selected tensors with their estimated costs, in plan
  /// order, and whether the whole grid point was rejected (then the run is one zero-cost unit).
  struct RunWork {
    var run: SweepRun
    var tensors: [(name: String, cost: Int)]
    var rejected: Bool

    /// The run's cost: its tensors' (0 when rejected: nothing runs).
    var cost: Int { rejected ? 0 : tensors.reduce(0) { $0 + $1.cost } }
  }

  /// Every unit of `runs`, runs in order, chunks in order.
  ///
  /// Under ``UnitPolicy/balanced(targetUnits:)`` a run of cost `c` gets
  /// `min(tensors, ceil(c / limit))` chunks with `limit = ceil(total / targetUnits)`; chunk `k`
  /// starts at the first tensor whose preceding run cost reaches `k / chunks` of the run's cost
  /// (so a run with one dominant tensor may get fewer chunks). Integer arithmetic only.
  /// - Complexity: O(total tensors).
  static func units(_ runs: [RunWork], policy: UnitPolicy) -> [WorkUnit] {
    var limit = Int.max
    if case .balanced(let target) = policy {
      precondition(target >= 1, "targetUnits must be at least 1")
      let total = runs.reduce(0) { $0 + $1.cost }
      limit = max(1, (total + target - 1) / target)
    }
    var units: [WorkUnit] = []
    for work in runs {
      let runCost = work.cost
      var wanted = 1
      if limit != Int.max, !work.rejected, work.tensors.count > 1 {
        wanted = min(work.tensors.count, max(1, (runCost + limit - 1) / limit))
      }
      var starts = [0]
      var before = 0
      for (i, t) in work.tensors.enumerated() {
        if starts.count < wanted, i > starts[starts.count - 1], before * wanted >= starts.count * runCost {
          starts.append(i)
        }
        before += t.cost
      }
      for (k, start) in starts.enumerated() {
        let end = k + 1 < starts.count ? starts[k + 1] : work.tensors.count
        let slice = work.tensors[start..<end]
        units.append(WorkUnit(
          index: units.count, run: work.run, chunk: k, chunks: starts.count, tensors: slice.map(\.name),
          cost: work.rejected ? 0 : slice.reduce(0) { $0 + $1.cost }))
      }
    }
    return units
  }
}
