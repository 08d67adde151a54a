/// The buffers and kernels of `OptimalKMeans1D`'s layer-by-layer dynamic programme.
///
/// Layer `m` of a subproblem on points `a..<b` split into `K` runs holds, for every end `j`,
/// `D[m][j]` = the optimal cost of `a..<j` in `m` runs and `arg[j]` = the smallest optimal start
/// of the last run. Only rows `j ∈ [a+m, b−K+m]` can lie on a full solution, so only those are
/// computed; the candidate starts are `i ∈ [a+m−1, j−1]`.
///
/// All buffers are sized once for the whole problem (O(n) doubles and `Int32`s) and reused by
/// every layer and every subproblem of the linear-space recursion.
final class LayerWorkspace {
  let costs: SegmentCosts
  private var prev: UnsafeMutablePointer<Double>
  private var cur: UnsafeMutablePointer<Double>
  private var arg: UnsafeMutablePointer<Int32>
  /// `arg` of the previous layer: a lower bound on this layer's (see `LayerMinima`).
  private var previousArg: UnsafeMutablePointer<Int32>
  /// The prefix sums as separate arrays (`Σw`, `Σw·x`, `Σw·x²`) for `LayerMinima`'s scans.
  private let sums: UnsafeMutablePointer<Double>
  /// Start of the middle run, per end `j`, for the linear-space recursion (allocated lazily).
  private var middlePrev: UnsafeMutablePointer<Int32>?
  private var middleCur: UnsafeMutablePointer<Int32>?

  init(costs: SegmentCosts) {
    self.costs = costs
    let n = costs.count
    precondition(n < Int(Int32.max), "OptimalKMeans1D handles fewer than 2^31 points")
    prev = .allocate(capacity: n + 1)
    cur = .allocate(capacity: n + 1)
    arg = .allocate(capacity: n + 1)
    previousArg = .allocate(capacity: n + 1)
    sums = .allocate(capacity: 3 * (n + 1))
    for t in 0...n {
      sums[t] = costs.prefix[t].w
      sums[n + 1 + t] = costs.prefix[t].s1
      sums[2 * (n + 1) + t] = costs.prefix[t].s2
    }
  }

  deinit {
    prev.deallocate()
    cur.deallocate()
    arg.deallocate()
    previousArg.deallocate()
    sums.deallocate()
    middlePrev?.deallocate()
    middleCur?.deallocate()
  }

  /// Appends the starts of an optimal partition of points `a..<b` into `clusters` runs.
  func appendStarts(from a: Int, to b: Int, clusters: Int, tableLimit: Int, into starts: inout [Int]) {
    assert(1 <= clusters && clusters <= b - a)
    if clusters == 1 {
      starts.append(a)
    } else if clusters == b - a {
      starts.append(contentsOf: a..<b)
    } else if clusters * (b - a) <= tableLimit {
      appendStartsByTable(from: a, to: b, clusters: clusters, into: &starts)
    } else {
      let split = middleSplit(from: a, to: b, clusters: clusters)
      let left = clusters / 2
      appendStarts(from: a, to: split, clusters: left, tableLimit: tableLimit, into: &starts)
      appendStarts(from: split, to: b, clusters: clusters - left, tableLimit: tableLimit, into: &starts)
    }
  }

  /// Runs layers `1...clusters` of the subproblem `a..<b`, calling `afterLayer(m, rows)` once
  /// `cur`/`arg` hold layer `m` (for `m >= 2`) on `rows`.
  private func forward(from a: Int, to b: Int, clusters: Int, afterLayer: (Int, ClosedRange<Int>) -> Void) {
    let slack = b - a - clusters
    for j in (a + 1)...(a + 1 + slack) {
      cur[j] = costs.cost(a, j)
      arg[j] = Int32(a)
    }
    let stride = costs.count + 1
    for m in 2...clusters {
      swap(&prev, &cur)
      swap(&previousArg, &arg)
      let rows = (a + m)...(a + m + slack)
      LayerMinima(w: sums, s1: sums + stride, s2: sums + 2 * stride, previous: prev,
                  previousArgument: previousArg, value: cur, argument: arg)
        .compute(firstRow: rows.lowerBound, lastRow: rows.upperBound, firstColumn: a + m - 1)
      afterLayer(m, rows)
    }
  }

  /// Full table of optimal splits, then backtracking. Memory `clusters × (b − a + 1)` `Int32`s.
  private func appendStartsByTable(from a: Int, to b: Int, clusters: Int, into starts: inout [Int]) {
    let width = b - a + 1
    var table = [Int32](repeating: 0, count: clusters * width)
    table.withUnsafeMutableBufferPointer { table in
      forward(from: a, to: b, clusters: clusters) { m, rows in
        for j in rows { table[(m - 1) * width + (j - a)] = arg[j] }
      }
    }
    var reversed: [Int] = []
    var end = b
    for m in stride(from: clusters, through: 2, by: -1) {
      end = Int(table[(m - 1) * width + (end - a)])
      reversed.append(end)
    }
    reversed.append(a)
    starts.append(contentsOf: reversed.reversed())
  }

  /// The start of run number `clusters / 2 + 1` in an optimal partition of `a..<b`, found in
  /// one forward pass with O(n) memory.
  private func middleSplit(from a: Int, to b: Int, clusters: Int) -> Int {
    let n = costs.count
    let mPrev = middlePrev ?? .allocate(capacity: n + 1)
    let mCur = middleCur ?? .allocate(capacity: n + 1)
    middlePrev = mPrev
    middleCur = mCur
    var carried = mPrev
    var fresh = mCur
    let middleLayer = clusters / 2 + 1
    forward(from: a, to: b, clusters: clusters) { m, rows in
      if m == middleLayer {
        for j in rows { carried[j] = arg[j] }
      } else if m > middleLayer {
        for j in rows { fresh[j] = carried[Int(arg[j])] }
        swap(&carried, &fresh)
      }
    }
    return Int(carried[b])
  }
}
