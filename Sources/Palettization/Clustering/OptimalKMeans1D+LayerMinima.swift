/// Row minima of one layer of `OptimalKMeans1D`'s programme, `D[m][j] = min_{i<j} D[m−1][i] +
/// cost(i, j)`, by divide and conquer over the rows on structure-of-arrays prefix sums.
///
/// The layer matrix is totally monotone, so the leftmost argmin of row `j` bounds those of the
/// rows above it from above and of the rows below it from below: solve the middle row by a scan,
/// then each half with its narrowed column range (Galil & Park 1992, "Dynamic programming with
/// convexity, concavity and sparsity"). That is O(n log n) entries against SMAWK's O(n), but every
/// entry is one branch-light step of a straight scan, two lanes at a time, where SMAWK's REDUCE
/// compares along a stack with a division on its critical path and a data-dependent branch.
/// Measured (release, one core) on MiniLM's 1,320 fast-mode blocks of 16 rows (~2,300 distinct
/// values, k = 16), the full programme: 2.66 s with SMAWK, 2.25 s by divide and conquer, 2.07 s
/// with the lower bounds of `compute`.
///
/// Both find the leftmost minimum of each row from the same entries evaluated by the same
/// arithmetic (`SegmentCosts.cost`), so the results are bit-for-bit those of SMAWK.
struct LayerMinima {
  /// `Σw`, `Σw·(x−shift)`, `Σw·(x−shift)²` over prefixes `0..<t`, as separate arrays.
  let w: UnsafePointer<Double>
  let s1: UnsafePointer<Double>
  let s2: UnsafePointer<Double>
  /// `D[m−1][i]`.
  let previous: UnsafePointer<Double>
  /// `previousArgument[j]`: the leftmost optimal start of the last of `m − 1` runs ending at `j`,
  /// set for `j` in `firstRow−1...lastRow−1`. With one run more the last run starts no earlier
  /// (the monotonicity behind Knuth and Yao's speed-up, from the quadrangle inequality), so it
  /// bounds row `j`'s scan from below; the last row, which layer `m − 1` does not reach, takes
  /// `previousArgument[j − 1]`, a bound on row `j − 1` and so on row `j`.
  let previousArgument: UnsafePointer<Int32>
  /// Receives `D[m][j]`.
  let value: UnsafeMutablePointer<Double>
  /// Receives the leftmost optimal start `i` of the last run ending at `j`.
  let argument: UnsafeMutablePointer<Int32>

  /// Fills rows `firstRow...lastRow` from columns `firstColumn..<j` each, each row's scan
  /// bounded below by the previous layer's argmin. Measured on MiniLM's 8-bit, 16-row fast-mode
  /// blocks (k = 256, 2 workers): 15.7 s with SMAWK, 12.0 s by divide and conquer, 11.5 s with
  /// the lower bounds (scanning rows one after the other between the bounds, when those windows
  /// are short, made no measurable difference and was dropped).
  /// - Precondition: `firstColumn < firstRow`.
  /// - Complexity: O((rows + columns) · log rows) entries.
  func compute(firstRow: Int, lastRow: Int, firstColumn: Int) {
    solve(rows: firstRow...lastRow, columns: firstColumn...(lastRow - 1), lastRow: lastRow)
  }

  /// The previous layer's argmin that bounds row `j`'s from below.
  @inline(__always)
  private func lowerBound(_ j: Int, lastRow: Int) -> Int {
    Int(previousArgument[j < lastRow ? j : j - 1])
  }

  private func solve(rows: ClosedRange<Int>, columns: ClosedRange<Int>, lastRow: Int) {
    var rows = rows
    var columns = columns
    // The upper half recurses, the lower half loops: depth stays log₂(rows).
    while true {
      let j = (rows.lowerBound + rows.upperBound) >> 1
      let last = min(columns.upperBound, j - 1)
      let first = min(max(columns.lowerBound, lowerBound(j, lastRow: lastRow)), last)
      let (best, at) = scan(row: j, from: first, through: last)
      value[j] = best
      argument[j] = Int32(truncatingIfNeeded: at)
      if rows.lowerBound < j { solve(rows: rows.lowerBound...(j - 1), columns: columns.lowerBound...at, lastRow: lastRow) }
      guard j < rows.upperBound else { return }
      rows = (j + 1)...rows.upperBound
      columns = at...columns.upperBound
    }
  }

  /// The leftmost minimum of `previous[i] + cost(i, j)` over `i` in `first...last`.
  @inline(__always)
  private func scan(row j: Int, from first: Int, through last: Int) -> (Double, Int) {
    let wj = w[j]
    let s1j = s1[j]
    let s2j = s2[j]
    var i = first
    var best = Double.infinity
    var at = first
    if last - first >= 3 {
      // Lane l holds the leftmost minimum of columns ≡ first + l (mod 2).
      let wj2 = SIMD2(repeating: wj)
      let s1j2 = SIMD2(repeating: s1j)
      let s2j2 = SIMD2(repeating: s2j)
      var best2 = SIMD2<Double>(repeating: .infinity)
      var at2 = SIMD2<Int64>(Int64(first), Int64(first + 1))
      var index = at2
      let zero = SIMD2<Double>(repeating: 0)
      while i < last {
        let weight = wj2 - SIMD2(w[i], w[i + 1])
        let sum = s1j2 - SIMD2(s1[i], s1[i + 1])
        var c = (s2j2 - SIMD2(s2[i], s2[i + 1])) - sum * sum / weight
        c.replace(with: zero, where: .!(c .> zero))
        let v = SIMD2(previous[i], previous[i + 1]) + c
        let better = v .< best2
        best2.replace(with: v, where: better)
        at2.replace(with: index, where: better)
        index &+= 2
        i &+= 2
      }
      if best2[1] < best2[0] || (best2[1] == best2[0] && at2[1] < at2[0]) {
        best = best2[1]
        at = Int(at2[1])
      } else {
        best = best2[0]
        at = Int(at2[0])
      }
    }
    while i <= last {
      let weight = wj - w[i]
      let sum = s1j - s1[i]
      let c = (s2j - s2[i]) - sum * sum / weight
      let v = previous[i] + (c > 0 ? c : 0)
      if v < best {  // later columns win only when strictly smaller: the leftmost minimum
        best = v
        at = i
      }
      i &+= 1
    }
    return (best, at)
  }
}
