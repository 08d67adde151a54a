/// A matrix whose leftmost row minima move right (weakly) from row to row in every submatrix —
/// a totally monotone matrix, e.g. a Monge matrix with `+∞` outside a staircase whose finite
/// prefix of columns grows with the row.
protocol TotallyMonotoneMatrix {
  /// What an entry needs to know about its row, computed once per row and reused for every
  /// column the row is compared at.
  associatedtype Row
  /// The data of row `r`.
  func row(_ r: Int) -> Row
  /// The entry at `row` and column `col` (`+∞` where not allowed).
  func entry(_ row: Row, _ col: Int) -> Double
}

/// Buffers for SMAWK row minima on matrices of up to `rows × columns`, reused across calls.
final class RowMinima {
  let rowCapacity: Int
  let columnCapacity: Int
  /// Whether calls may have more columns than rows (REDUCE at the top level, which needs
  /// twice the scratch).
  let reducesAtTop: Bool
  /// `iota[t] == t`: the column list of a top-level call.
  private let iota: UnsafeMutablePointer<Int32>
  /// Reduced column lists of the recursion: each level keeps at most as many columns as it has
  /// rows, so the levels fit in `2·rows + 64` (`rows + 64` when there are no more columns
  /// than rows: the top level then reduces nothing).
  private let columnScratch: UnsafeMutablePointer<Int32>
  /// Values of the REDUCE stack at their rows (live during one REDUCE only).
  private let stackValues: UnsafeMutablePointer<Double>

  init(rows: Int, columns: Int) {
    rowCapacity = rows
    columnCapacity = columns
    reducesAtTop = columns > rows
    iota = .allocate(capacity: max(columns, 1))
    for t in 0..<columns { iota[t] = Int32(truncatingIfNeeded: t) }
    columnScratch = .allocate(capacity: (reducesAtTop ? 2 * rows : rows) + 64)
    stackValues = .allocate(capacity: (reducesAtTop ? rows : rows / 2) + 2)
  }

  deinit {
    iota.deallocate()
    columnScratch.deallocate()
    stackValues.deallocate()
  }

  /// Leftmost row minima of `matrix` on rows `0..<rows` and columns `0..<columns`: writes the
  /// minimum of row `r` to `value[r]` and its column to `column[r]`.
  ///
  /// SMAWK (Aggarwal, Klawe, Moran, Shor & Wilber 1987): REDUCE keeps at most one column per
  /// row (a column is dropped only when a column left of it is no worse, so ties keep the
  /// leftmost); the odd rows recurse on the survivors; each even row then scans only between
  /// its neighbours' minima. The value of each REDUCE stack entry at its own row is cached, so
  /// a comparison costs one evaluation.
  /// - Complexity: O(rows + columns) entries.
  func compute<M: TotallyMonotoneMatrix>(
    _ matrix: M, rows: Int, columns: Int,
    value: UnsafeMutablePointer<Double>, column: UnsafeMutablePointer<Int32>
  ) {
    precondition(rows <= rowCapacity && columns <= columnCapacity && (columns <= rows || reducesAtTop),
                 "RowMinima buffers too small")
    guard rows > 0 else { return }
    if columns == 0 {
      for r in 0..<rows {
        value[r] = .infinity
        column[r] = 0
      }
      return
    }
    solve(matrix, rowStart: 0, stride: 1, rowCount: rows, cols: iota, colCount: columns,
          scratch: columnScratch, value: value, column: column)
  }

  private func solve<M: TotallyMonotoneMatrix>(
    _ matrix: M, rowStart: Int, stride: Int, rowCount: Int,
    cols: UnsafePointer<Int32>, colCount: Int, scratch: UnsafeMutablePointer<Int32>,
    value: UnsafeMutablePointer<Double>, column: UnsafeMutablePointer<Int32>
  ) {
    if rowCount == 0 { return }
    var reduced = cols
    var reducedCount = colCount
    var freeScratch = scratch
    if colCount > rowCount {
      var top = 0
      for t in 0..<colCount {
        let c = Int(cols[t])
        while top > 0 {
          let row = matrix.row(rowStart &+ (top &- 1) &* stride)
          if stackValues[top &- 1] > matrix.entry(row, c) { top &-= 1 } else { break }
        }
        if top < rowCount {
          scratch[top] = Int32(truncatingIfNeeded: c)
          stackValues[top] = matrix.entry(matrix.row(rowStart &+ top &* stride), c)
          top &+= 1
        }
      }
      reduced = UnsafePointer(scratch)
      reducedCount = top
      freeScratch = scratch + top
    }
    solve(matrix, rowStart: rowStart + stride, stride: 2 * stride, rowCount: rowCount / 2,
          cols: reduced, colCount: reducedCount, scratch: freeScratch, value: value, column: column)
    var position = 0
    var t = 0
    while t < rowCount {
      let r = rowStart &+ t &* stride
      let row = matrix.row(r)
      let lastCol = t &+ 1 < rowCount ? column[r &+ stride] : reduced[reducedCount &- 1]
      var bestCol = reduced[position]
      var best = matrix.entry(row, Int(bestCol))
      while reduced[position] != lastCol {
        position &+= 1
        let c = reduced[position]
        let v = matrix.entry(row, Int(c))
        if v < best {
          best = v
          bestCol = c
        }
      }
      value[r] = best
      column[r] = bestCol
      t &+= 2
    }
  }
}
