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
  private let arg: UnsafeMutablePointer<Int32>
  /// `iota[t] == t`: the column list of a layer's top SMAWK call, without building one.
  private let iota: UnsafeMutablePointer<Int32>
  /// Reduced column lists of the SMAWK recursion: level sizes n/2 + n/4 + … fit in n + 64.
  private let colScratch: UnsafeMutablePointer<Int32>
  /// Values of the REDUCE stack (live during one REDUCE only; at most n/2 + 1 rows reduce).
  private let stackValues: UnsafeMutablePointer<Double>
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
    iota = .allocate(capacity: n + 1)
    for t in 0...n { iota[t] = Int32(t) }
    colScratch = .allocate(capacity: n + 64)
    stackValues = .allocate(capacity: n / 2 + 2)
  }

  deinit {
    prev.deallocate()
    cur.deallocate()
    arg.deallocate()
    iota.deallocate()
    colScratch.deallocate()
    stackValues.deallocate()
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
    for m in 2...clusters {
      swap(&prev, &cur)
      let rows = (a + m)...(a + m + slack)
      let firstCol = a + m - 1
      // Every row of a layer has as many candidate columns as there are rows.
      smawk(rowStart: rows.lowerBound, stride: 1, rowCount: rows.count,
            cols: iota + firstCol, colCount: rows.count, scratch: colScratch)
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

  /// `D[m−1][i] + cost(i, j)` given `rowSums = prefix[j]`, or +∞ where the last run would be
  /// empty (`i >= j`).
  @inline(__always)
  private func entry(_ j: Int, _ rowSums: SegmentCosts.Prefix, _ i: Int) -> Double {
    i < j ? prev[i] + SegmentCosts.cost(from: costs.prefix[i], to: rowSums) : .infinity
  }

  /// SMAWK (Aggarwal, Klawe, Moran, Shor & Wilber 1987): leftmost row minima of the totally
  /// monotone matrix `entry` on rows `rowStart + t·stride` (`t < rowCount`) and the increasing
  /// column list `cols`; writes `cur[row]` and `arg[row]`.
  ///
  /// REDUCE keeps at most one column per row (a column is dropped only when a column to its
  /// left is no worse, so ties keep the leftmost); the odd rows recurse on the survivors; each
  /// even row then scans only between its neighbours' minima. The value of each REDUCE stack
  /// entry at its own row is cached, so a comparison costs one evaluation. About 7.6
  /// evaluations per row on Laplace-distributed data.
  private func smawk(
    rowStart: Int, stride: Int, rowCount: Int,
    cols: UnsafePointer<Int32>, colCount: Int, scratch: UnsafeMutablePointer<Int32>
  ) {
    if rowCount == 0 { return }
    let prefix = costs.prefix
    var reduced = cols
    var reducedCount = colCount
    var freeScratch = scratch
    if colCount > rowCount {
      var top = 0
      for t in 0..<colCount {
        let c = Int(cols[t])
        while top > 0 {
          let row = rowStart &+ (top &- 1) &* stride
          if stackValues[top &- 1] > entry(row, prefix[row], c) { top &-= 1 } else { break }
        }
        if top < rowCount {
          let row = rowStart &+ top &* stride
          scratch[top] = Int32(truncatingIfNeeded: c)
          stackValues[top] = entry(row, prefix[row], c)
          top &+= 1
        }
      }
      reduced = UnsafePointer(scratch)
      reducedCount = top
      freeScratch = scratch + top
    }
    smawk(rowStart: rowStart + stride, stride: 2 * stride, rowCount: rowCount / 2,
          cols: reduced, colCount: reducedCount, scratch: freeScratch)
    var position = 0
    var t = 0
    while t < rowCount {
      let row = rowStart &+ t &* stride
      let rowSums = prefix[row]
      let lastCol = t &+ 1 < rowCount ? arg[row &+ stride] : reduced[reducedCount &- 1]
      var bestCol = reduced[position]
      var best = entry(row, rowSums, Int(bestCol))
      while reduced[position] != lastCol {
        position &+= 1
        let c = reduced[position]
        let value = entry(row, rowSums, Int(c))
        if value < best {
          best = value
          bestCol = c
        }
      }
      cur[row] = best
      arg[row] = bestCol
      t &+= 2
    }
  }
}
