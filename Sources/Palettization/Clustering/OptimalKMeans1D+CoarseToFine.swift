/// Exact optimal 1-D k-means by certified pruning of the layered dynamic programme, coarse to
/// fine.
///
/// Think of a partition of points `0..<n` into `k` runs as a path through nodes `(c, j)`:
/// "`c` runs done, the next starts at position `j`", from `(0, 0)` to `(k, n)`. Write `F[c][j]`
/// for the optimal cost of points `0..<j` in `c` runs and `G[c][j]` for that of `j..<n` in
/// `k − c` runs. Node `(c, j)` lies on an optimal path only if `F[c][j] + G[c][j] = OPT`, so
/// given any lower bounds `LF ≤ F`, `LG ≤ G` and any upper bound `U ≥ OPT`, a node with
/// `LF + LG > U` lies on no optimal path and can be dropped — and the dynamic programme
/// restricted to the remaining nodes still finds an optimum.
///
/// Lower bounds come from a coarse version of the same programme: positions are grouped into
/// slots (at most `g` positions and at most `span` in value, so that slots stay small against
/// the runs both in the dense middle and in heavy tails), and a run starting anywhere in slot
/// `a` and ending anywhere in slot `s` costs at least `C(hi(a), lo(s))`, the cost of the points
/// strictly between the slots (removing points never raises a run's sum of squared deviations;
/// `C` is 0 when the slots meet). `C(i, j)` extended by 0 for `i >= j` is still Monge
/// (superadditivity of the sum of squared deviations over disjoint runs), so each coarse layer
/// is again a row-minima problem for SMAWK. Once the windows of neighbouring layers have moved
/// apart, an edge cost per slot (`edgeCosts`) adds back most of what the slot's own points
/// cost. The upper bound is the best of: the exact programme on the first level's slot middles,
/// and Lloyd's iterations from that and from each level's coarse optimum. A level that pruned at least half its
/// slots runs again at the same size (the edge costs grew); otherwise surviving slots are split
/// 4-fold, until slots are single positions, where the programme restricted to the nodes that
/// could not be excluded is exact. Each level's survivors hold every optimal path (by
/// induction), so the result is exactly optimal; only the work depends on the data.
///
/// Measured (release, one core): 588k distinct Laplace values, k = 16: levels of 1k–35k nodes,
/// the exact level 2.4k nodes (the full programme: 9.4M rows). Windows narrow only while the
/// slack of all `k − 1` boundaries is small against moving one boundary: for 15M values and
/// k = 256 they stay about ten runs wide and the search gives up at its node budget.
///
/// The comparison `LF + LG > U + tolerance` leaves a margin of `8·ε·(k+1)·√n` times the total
/// sum of squares for the rounding of the prefix sums, so rounding can widen the windows but
/// not cut an optimal path.
final class CoarseToFineSearch {
  let costs: SegmentCosts
  let clusters: Int
  /// Most nodes (slots summed over layers) a level may hold; a level that would need more
  /// (pruning that fails to narrow the windows) makes `optimalStarts` give up.
  let nodeBudget: Int
  /// Factor by which slots shrink from one level to the next.
  static let refinement = 4

  /// The slots of one level: layer `c`'s slots are `lo[t]...hi[t]` for
  /// `t ∈ layerStart[c]..<layerStart[c+1]`, disjoint and ascending.
  struct Level {
    var layerStart: [Int] = [0]
    var lo: [Int32] = []
    var hi: [Int32] = []
    /// Most positions in a slot.
    var slotSize: Int
    /// Widest value range `x[hi−1] − x[lo]` of a slot's undecided points (unless it has only
    /// one): heavy tails need slots narrow in value, the dense middle narrow in count.
    var span: Double

    init(slotSize: Int, span: Double = .infinity) {
      self.slotSize = slotSize
      self.span = span
    }

    /// Appends `first...last` to the layer being built, cut into slots of at most `slotSize`
    /// positions and `span` in value.
    mutating func appendPositions(_ first: Int, _ last: Int, value: (Int) -> Double) {
      var start = first
      while start <= last {
        var end = min(last, start + slotSize - 1)
        if end > start + 1 && value(end - 1) - value(start) > span {
          // Largest end with x[end−1] − x[start] <= span (at least start + 1).
          let limit = value(start) + span
          var low = start + 1
          var high = end - 1
          while low < high {
            let middle = (low + high + 1) / 2
            if value(middle - 1) <= limit { low = middle } else { high = middle - 1 }
          }
          end = low
        }
        lo.append(Int32(truncatingIfNeeded: start))
        hi.append(Int32(truncatingIfNeeded: end))
        start = end + 1
      }
    }

    mutating func closeLayer() { layerStart.append(lo.count) }

    func layer(_ c: Int) -> Range<Int> { layerStart[c]..<layerStart[c + 1] }
  }

  /// Slot size of the first level (`nil`: about `max(256, 8k)` slots per layer).
  let initialSlotSize: Int?

  /// The value of point `t` (edge costs need exact values, not ones recovered from sums).
  let value: (Int) -> Double

  init(
    costs: SegmentCosts, value: @escaping (Int) -> Double, clusters: Int,
    nodeBudget: Int = 1 << 21, initialSlotSize: Int? = nil
  ) {
    self.costs = costs
    self.value = value
    self.clusters = clusters
    self.nodeBudget = nodeBudget
    self.initialSlotSize = initialSlotSize
  }

  /// Start indices of an optimal partition into `clusters` runs, or `nil` when a level would
  /// exceed the node budget (the caller then runs the full programme).
  /// - Precondition: `2 <= clusters < count`.
  func optimalStarts() -> [Int]? {
    let n = costs.count
    let k = clusters
    precondition(2 <= k && k < n)
    let slotsPerLayer = max(256, 8 * k)
    var level = Level(
      slotSize: max(1, initialSlotSize ?? (n + slotsPerLayer - 1) / slotsPerLayer),
      span: initialSlotSize == nil ? (value(n - 1) - value(0)) / Double(slotsPerLayer) : .infinity)
    level.appendPositions(0, 0, value: value)
    level.closeLayer()
    for c in 1..<k {
      level.appendPositions(c, n - k + c, value: value)
      level.closeLayer()
      guard level.lo.count <= nodeBudget else { return nil }
    }
    level.appendPositions(n, n, value: value)
    level.closeLayer()

    let tolerance = 8 * Double.ulpOfOne * Double(k + 1) * Double(n).squareRoot()
      * max(costs.prefix[n].s2, .leastNormalMagnitude)
    var upper = (starts: [Int](), cost: Double.infinity)
    var repeated = false
    while true {
      let total = level.lo.count
      let edge = edgeCosts(level)
      var exitF = [Double](repeating: 0, count: total)
      var argF = [Int32](repeating: 0, count: total)
      forward(level, edge: edge, exitF: &exitF, arg: &argF)
      let lowest = exitF[total - 1]
      guard lowest.isFinite else { return nil }
      let slotPath = backtrack(level, arg: argF)
      if level.slotSize == 1 {
        return slotPath.map { Int(level.lo[$0]) }
      }
      // Upper bound: the best partition with boundaries at slot middles (an exact programme on
      // those positions), then Lloyd — on the first level only; later levels rely on Lloyd from
      // their coarse optimum's slot middles. The extra programme on every level cost a fifth of
      // the search (588k distinct values, k = 16: 52–60 ms with it, 40 ms without).
      if !repeated && upper.cost == .infinity {
        var middles = Level(slotSize: 1)
        for c in 0...k {
          for t in level.layer(c) {
            let middle = Int32(truncatingIfNeeded: (Int(level.lo[t]) + Int(level.hi[t])) / 2)
            middles.lo.append(middle)
            middles.hi.append(middle)
          }
          middles.closeLayer()
        }
        var exitMiddle = [Double](repeating: 0, count: total)
        var argMiddle = [Int32](repeating: 0, count: total)
        forward(middles, edge: [Double](repeating: 0, count: total), exitF: &exitMiddle, arg: &argMiddle)
        if exitMiddle[total - 1].isFinite {
          let starts = backtrack(middles, arg: argMiddle).map { Int(middles.lo[$0]) }
          let candidate = costs.lloydUpperBound(starts, value: value)
          if candidate.cost < upper.cost { upper = candidate }
        }
      }
      var guess: [Int] = []
      for t in slotPath {
        let middle = (Int(level.lo[t]) + Int(level.hi[t])) / 2
        guess.append(max(middle, guess.last ?? 0))
      }
      let candidate = costs.lloydUpperBound(guess, value: value)
      if candidate.cost < upper.cost { upper = candidate }
      guard lowest <= upper.cost + tolerance else { return nil }  // rounding beyond the margin

      var exitG = [Double](repeating: 0, count: total)
      backward(level, edge: edge, exitG: &exitG)
      let limit = upper.cost + tolerance + 1e-12 * upper.cost
      var keptPositions = 0
      var keptSlots = 0
      for t in level.layerStart[1]..<level.layerStart[k] where exitF[t] + exitG[t] - edge[t] <= limit {
        keptPositions += Int(level.hi[t]) - Int(level.lo[t]) + 1
        keptSlots += 1
      }
      // Pruning that removed half the slots also moved the layers' windows apart, which raises
      // the edge costs: run the same slot size again before refining.
      let refine = 2 * keptSlots > level.layerStart[k] - level.layerStart[1]
      repeated = !refine
      var next = refine
        ? Level(slotSize: max(1, level.slotSize / Self.refinement), span: level.span / Double(Self.refinement))
        : Level(slotSize: level.slotSize, span: level.span)
      next.appendPositions(0, 0, value: value)
      next.closeLayer()
      for c in 1..<k {
        for t in level.layer(c) where exitF[t] + exitG[t] - edge[t] <= limit {
          next.appendPositions(Int(level.lo[t]), Int(level.hi[t]), value: value)
        }
        next.closeLayer()
        guard next.lo.count <= nodeBudget else { return nil }
      }
      next.appendPositions(n, n, value: value)
      next.closeLayer()
      level = next
    }
  }

  /// A lower bound, per slot `s` of layer `c`, on the cost its undecided points (`lo(s)..<hi(s)`,
  /// which the boundary splits between runs `c` and `c + 1`) add to those runs beyond the runs'
  /// cores (the points strictly between slots, which `C` counts).
  ///
  /// Adding points `B` right of a core `A` raises its sum of squares by at least
  /// `W_A·W_B/(W_A+W_B)·(μ_B − μ_A)² ≥ W_B · W_A/(W_A+W_s) · (x[lo(s)] − μ_A)²` (and adding points
  /// on the core's other side first only moves `μ_A` away). The bound falls as the core
  /// shrinks, so the smallest core run `c` can have — from the last slot of layer `c − 1`
  /// before `s` — gives a per-weight charge `α` valid for every path; likewise `β` for run
  /// `c + 1` from the first slot of layer `c + 1` after `s`. However the boundary splits the
  /// slot, its points add at least `W_s · min(α, β)`. A core that may be empty gives 0. This
  /// term depends on the slot alone, so the coarse matrices stay Monge.
  private func edgeCosts(_ level: Level) -> [Double] {
    var edge = [Double](repeating: 0, count: level.lo.count)
    let prefix = costs.prefix
    for c in 1..<clusters {
      let before = level.layer(c - 1)
      let after = level.layer(c + 1)
      var a = before.lowerBound - 1  // last slot of layer c−1 with lo(a) < hi(s)
      var b = after.lowerBound  // first slot of layer c+1 with hi(b) > lo(s)
      for t in level.layer(c) {
        let lo = Int(level.lo[t])
        let hi = Int(level.hi[t])
        let slotWeight = prefix[hi].w - prefix[lo].w
        guard slotWeight > 0 else { continue }
        while a + 1 < before.upperBound && Int(level.lo[a + 1]) < hi { a += 1 }
        while b < after.upperBound && Int(level.hi[b]) <= lo { b += 1 }
        guard a >= before.lowerBound, b < after.upperBound else { continue }
        let leftCoreStart = Int(level.hi[a])
        let rightCoreEnd = Int(level.lo[b])
        guard leftCoreStart < lo && hi < rightCoreEnd else { continue }
        let leftWeight = prefix[lo].w - prefix[leftCoreStart].w
        let leftGap = value(lo) - costs.mean(leftCoreStart, lo)
        let alpha = leftWeight / (leftWeight + slotWeight) * leftGap * leftGap
        let rightWeight = prefix[rightCoreEnd].w - prefix[hi].w
        let rightGap = costs.mean(hi, rightCoreEnd) - value(hi - 1)
        let beta = rightWeight / (rightWeight + slotWeight) * rightGap * rightGap
        // A millionth off against the rounding of the means.
        edge[t] = max(0, slotWeight * min(alpha, beta) * (1 - 1e-6))
      }
    }
    return edge
  }

  /// Slot index per layer `0..<k` of the lower-bound optimum (leftmost argmins), from layer `k`
  /// back; layer 0's slot is position 0.
  private func backtrack(_ level: Level, arg: [Int32]) -> [Int] {
    var path = [Int](repeating: 0, count: clusters)
    var t = level.layerStart[clusters]
    for c in stride(from: clusters - 1, through: 0, by: -1) {
      t = level.layerStart[c] + Int(arg[t])
      path[c] = t
    }
    return path
  }

  /// Fills `exitF` (per slot, a lower bound on `F` plus the slot's edge cost; exact `F` when
  /// slots are single positions) and `arg` (the minimising slot of the previous layer, as an
  /// index into that layer).
  private func forward(_ level: Level, edge: [Double], exitF lowerF: inout [Double], arg: inout [Int32]) {
    let widest = (0...clusters).map { level.layer($0).count }.max() ?? 1
    let minima = RowMinima(rows: widest, columns: widest + 1)
    let prefix = costs.prefix
    level.lo.withUnsafeBufferPointer { lo in
      level.hi.withUnsafeBufferPointer { hi in
        lowerF.withUnsafeMutableBufferPointer { lowerF in
          arg.withUnsafeMutableBufferPointer { arg in
            guard let lo = lo.baseAddress, let hi = hi.baseAddress,
                  let lowerF = lowerF.baseAddress, let arg = arg.baseAddress else { return }
            lowerF[0] = 0
            for c in 1...clusters {
              let rows = level.layer(c)
              let cols = level.layer(c - 1)
              let matrix = ForwardSlots(
                prefix: prefix, rowLo: lo + rows.lowerBound, rowHi: hi + rows.lowerBound,
                colLo: lo + cols.lowerBound, colHi: hi + cols.lowerBound,
                colBound: lowerF + cols.lowerBound)
              minima.compute(matrix, rows: rows.count, columns: cols.count,
                             value: lowerF + rows.lowerBound, column: arg + rows.lowerBound)
              for t in rows { lowerF[t] += edge[t] }
            }
          }
        }
      }
    }
  }

  /// Fills `exitG` with lower bounds on `G` plus the edge cost per slot of layers `1..<k` (and
  /// 0 at layer `k`).
  private func backward(_ level: Level, edge: [Double], exitG lowerG: inout [Double]) {
    let widest = (0...clusters).map { level.layer($0).count }.max() ?? 1
    let minima = RowMinima(rows: widest, columns: widest + 1)
    var values = [Double](repeating: 0, count: widest)
    var columns = [Int32](repeating: 0, count: widest)
    let prefix = costs.prefix
    level.lo.withUnsafeBufferPointer { lo in
      level.hi.withUnsafeBufferPointer { hi in
        lowerG.withUnsafeMutableBufferPointer { lowerG in
          values.withUnsafeMutableBufferPointer { values in
            columns.withUnsafeMutableBufferPointer { columns in
              guard let lo = lo.baseAddress, let hi = hi.baseAddress, let lowerG = lowerG.baseAddress,
                    let values = values.baseAddress, let columns = columns.baseAddress else { return }
              lowerG[level.layerStart[clusters]] = 0
              for c in stride(from: clusters - 1, through: 1, by: -1) {
                let rows = level.layer(c)
                let cols = level.layer(c + 1)
                let matrix = BackwardSlots(
                  prefix: prefix, rowLo: lo + rows.lowerBound, rowHi: hi + rows.lowerBound,
                  rowCount: rows.count, colLo: lo + cols.lowerBound, colHi: hi + cols.lowerBound,
                  colCount: cols.count, colBound: lowerG + cols.lowerBound)
                minima.compute(matrix, rows: rows.count, columns: cols.count, value: values, column: columns)
                for r in 0..<rows.count {
                  let t = rows.upperBound - 1 - r
                  lowerG[t] = values[r] + edge[t]
                }
              }
            }
          }
        }
      }
    }
  }
}

/// A slot row of the coarse matrices: its bounds and the prefix sums at the end its runs meet.
private struct SlotRow {
  let sums: SegmentCosts.Prefix
  let lo: Int32
  let hi: Int32
}

/// `LF[c−1][a] + C(hi(a), lo(s))` on rows `s` (slots of layer `c`) and columns `a` (slots of
/// layer `c − 1`); `+∞` where no run can start in `a` and end in `s` (`lo(a) >= hi(s)`).
/// The finite columns of a row are a prefix that grows with the row, and the finite part is
/// Monge, so the matrix is totally monotone.
private struct ForwardSlots: TotallyMonotoneMatrix {
  let prefix: UnsafeMutablePointer<SegmentCosts.Prefix>
  let rowLo: UnsafePointer<Int32>
  let rowHi: UnsafePointer<Int32>
  let colLo: UnsafePointer<Int32>
  let colHi: UnsafePointer<Int32>
  let colBound: UnsafePointer<Double>

  @inline(__always)
  func row(_ r: Int) -> SlotRow {
    let lo = rowLo[r]
    return SlotRow(sums: prefix[Int(lo)], lo: lo, hi: rowHi[r])
  }

  @inline(__always)
  func entry(_ row: SlotRow, _ a: Int) -> Double {
    if colLo[a] >= row.hi { return .infinity }
    let h = colHi[a]
    if h >= row.lo { return colBound[a] }
    return colBound[a] + SegmentCosts.cost(from: prefix[Int(h)], to: row.sums)
  }
}

/// `LG[c+1][b] + C(hi(s), lo(b))` on rows `s` (slots of layer `c`) and columns `b` (slots of
/// layer `c + 1`), both in descending order so that the matrix has the forward one's shape
/// (reversing both orders keeps it Monge); `+∞` where `lo(s) >= hi(b)`.
private struct BackwardSlots: TotallyMonotoneMatrix {
  let prefix: UnsafeMutablePointer<SegmentCosts.Prefix>
  let rowLo: UnsafePointer<Int32>
  let rowHi: UnsafePointer<Int32>
  let rowCount: Int
  let colLo: UnsafePointer<Int32>
  let colHi: UnsafePointer<Int32>
  let colCount: Int
  let colBound: UnsafePointer<Double>

  @inline(__always)
  func row(_ r: Int) -> SlotRow {
    let s = rowCount &- 1 &- r
    let hi = rowHi[s]
    return SlotRow(sums: prefix[Int(hi)], lo: rowLo[s], hi: hi)
  }

  @inline(__always)
  func entry(_ row: SlotRow, _ column: Int) -> Double {
    let b = colCount &- 1 &- column
    if row.lo >= colHi[b] { return .infinity }
    let l = colLo[b]
    if row.hi >= l { return colBound[b] }
    return colBound[b] + SegmentCosts.cost(from: row.sums, to: prefix[Int(l)])
  }
}

