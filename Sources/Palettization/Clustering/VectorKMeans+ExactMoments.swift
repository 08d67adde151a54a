extension VectorKMeans {
  /// Exact, order-independent moments of groups of vectors (per coordinate `Σ v` and `Σ |v|`,
  /// and `Σ ‖v‖²`) in fixed point, with which ``FilteringLloyd`` proves what the update step's
  /// sequential sums and the `tol` test's sequential inertia would give without adding them
  /// vector by vector.
  ///
  /// **Fixed point.** A coordinate `x` is held as `v = round(x·2ᵖ)` (``Quantizer``), with `p`
  /// chosen per block so that every `|v| ≤ 2⁴⁷`; `|x − v·2⁻ᵖ| ≤ 2⁻ᵖ⁻¹`. Sums of `v` and `|v|`
  /// (below `n·2⁴⁷`) are exact in `Int128` for `n < 2³²` (`Σ‖x‖²` is a `Double`, see
  /// ``squares``), so a
  /// group's moments are the sum of its parts' in any order: a kd-tree node's are its
  /// children's, and a cluster's are those of the subtrees and searched vectors the
  /// assignment walk gave it.
  ///
  /// **Means.** The sequential `Double` sum `ŝ` of a cluster's `n` coordinates (``ClusterSums``)
  /// lies within `γₙ₋₁·Σ|x| ≤ n·2⁻⁵³·(1 + 2⁻²⁰)·Σ|x|` of their exact sum (Higham, "Accuracy and
  /// Stability of Numerical Algorithms", §4.2), which lies within `n·2⁻ᵖ` of the fixed-point
  /// sum. ``means(counts:into:)`` widens that to an interval `[lo, hi]` of `Double`s; because
  /// `x ↦ Float(x / n)` is monotone, `Float(lo / n) == Float(hi / n)` (bitwise) proves the
  /// mean the sums would give. On MiniLM's weights at 4 bits, 55 of 283,520 centroid
  /// coordinates over 8,860 passes were left undecided (0.02%); their pass falls back to the
  /// sequential sums.
  ///
  /// **Inertia.** A cluster's `Σ‖x − c‖² = Σ‖x‖² − 2c·Σx + n‖c‖²` is evaluated from the moments
  /// with a bound on its distance to the sequential inertia (``inertia(centroids:counts:)``).
  ///
  /// A value type over storage it allocates; its owner calls ``deallocate()``.
  struct ExactMoments {
    let rows: Int
    let dimension: Int
    let quantizer: Quantizer
    /// `rows × 2d`: per row, `Σ vⱼ` for each `j`, then a bound `≥ Σ |vⱼ|` for each `j`.
    let values: UnsafeMutableBufferPointer<Int128>
    /// Per row: `Σ ‖x‖²` in `Double`. Every `xⱼ²` of a `Float` is exact in `Double`, so this is a
    /// sum of `d·n` exact terms in some order, within `γ_{dn−1}` of its value whatever the order.
    let squares: UnsafeMutableBufferPointer<Double>

    /// `Int128`s per row.
    var stride: Int { 2 * dimension }

    /// `v = round(x·2ᵖ)` for the coordinates of one block.
    struct Quantizer {
      /// `2ᵖ` and `2⁻ᵖ`.
      let scale: Double
      let unit: Double

      /// `p` such that `|x|·2ᵖ < 2⁴⁷` for `|x| ≤ largest` (`p = 0` when `largest` is 0).
      init(largest: Double) {
        let p = largest > 0 ? 46 - Int(largest.exponent) : 0
        scale = Double(sign: .plus, exponent: p, significand: 1)
        unit = Double(sign: .plus, exponent: -p, significand: 1)
      }

      /// `x·2ᵖ` rounded to the nearest integer. The product is exact in `Double` (a
      /// power-of-two scaling far from its range's ends) and below `2⁴⁷`, so adding and
      /// subtracting `1.5·2⁵²` rounds it (to even on ties) and nothing else.
      @inline(__always) func callAsFunction(_ x: Float) -> Int64 {
        Int64((Double(x) * scale + Quantizer.rounding) - Quantizer.rounding)
      }

      /// The same for 4 coordinates, as integral Doubles.
      @inline(__always) func lanes(_ x: SIMD4<Double>) -> SIMD4<Double> {
        (x * scale + SIMD4(repeating: Quantizer.rounding)) - SIMD4(repeating: Quantizer.rounding)
      }

      /// An integer `≥ |v|` for every coordinate `x` of a box `middle ± half`.
      func peak(middle: Double, half: Double) -> Int64 {
        let far = max((middle - half).magnitude, (middle + half).magnitude) * (1 + 0x1p-50)
        return Int64((far * scale).rounded(.up)) + 1
      }

      private static let rounding: Double = 0x1.8p52
    }

    init(rows: Int, dimension: Int, quantizer: Quantizer) {
      self.rows = rows
      self.dimension = dimension
      self.quantizer = quantizer
      values = .allocate(capacity: rows * 2 * dimension)
      values.initialize(repeating: 0)
      squares = .allocate(capacity: rows)
      squares.initialize(repeating: 0)
    }

    func deallocate() {
      values.deallocate()
      squares.deallocate()
    }

    func reset() {
      values.update(repeating: 0)
      squares.update(repeating: 0)
    }

    /// Adds row `source` of `other` (same dimension) to row `row`.
    @inline(__always)
    func add<W: VectorWidth>(_: W.Type, row source: Int, of other: ExactMoments, to row: Int) {
      let stride = 2 &* W.value(dimension)
      let from = other.values.baseAddress.unsafelyUnwrapped + source &* stride
      let to = values.baseAddress.unsafelyUnwrapped + row &* stride
      for t in 0..<stride { to[t] &+= from[t] }
      squares[row] += other.squares[source]
    }

    /// Adds the vector `x` (`dimension` Floats) to row `row`.
    @inline(__always)
    func add<W: VectorWidth>(_: W.Type, vector x: UnsafePointer<Float>, to row: Int) {
      let d = W.value(dimension)
      let to = values.baseAddress.unsafelyUnwrapped + row &* (2 &* d)
      var norm = 0.0
      for j in 0..<d {
        let v = quantizer(x[j])
        to[j] &+= Int128(v)
        to[d &+ j] &+= Int128(v.magnitude)
        norm += Double(x[j]) * Double(x[j])
      }
      squares[row] += norm
    }

    /// Adds to row `row` the pairs (`dimension` 2) of a searched leaf that went to one centroid:
    /// `sums` of their fixed-point coordinates, `squares` of their `‖x‖²` (0 when not needed),
    /// `vectors` of them, and as their `Σ |v|` the bound `vectors · peaks` from the leaf's box.
    @inline(__always)
    func add(sums: (Int128, Int128), squares norms: Double, vectors: Int, peaks: UnsafePointer<Int64>, to row: Int) {
      let to = values.baseAddress.unsafelyUnwrapped + row &* 4
      to[0] &+= sums.0
      to[1] &+= sums.1
      to[2] &+= Int128(vectors) &* Int128(peaks[0])
      to[3] &+= Int128(vectors) &* Int128(peaks[1])
      squares[row] += norms
    }

    /// `x` as a `Double` within `2⁻⁵²·|x|` for `|x| < 2¹¹⁷` (two exact or correctly rounded
    /// conversions and one addition), without the standard library's generic conversion.
    @inline(__always) static func double(_ x: Int128) -> Double {
      let m = x.magnitude
      let high = UInt64(truncatingIfNeeded: m >> 64), low = UInt64(truncatingIfNeeded: m)
      let value = Double(high) * 0x1p64 + Double(low)
      return x < 0 ? -value : value
    }

    /// The sum of 4 lanes of integral Doubles below 2⁵³.
    @inline(__always) static func exact(_ lanes: SIMD4<Double>) -> Int128 {
      Int128((Int64(lanes[0]) &+ Int64(lanes[1])) &+ (Int64(lanes[2]) &+ Int64(lanes[3])))
    }

    /// The coordinate sums of row `row` (`dimension` 2).
    @inline(__always) func sums(of row: Int) -> (Int128, Int128) {
      (values[row &* 4], values[row &* 4 &+ 1])
    }

    /// The moments of the nodes of `tree`, children before parents.
    /// - Complexity: O(n·d + nodes·d).
    static func nodes(of tree: KDTree, quantizer: Quantizer) -> ExactMoments {
      let moments = ExactMoments(rows: tree.nodeCount, dimension: tree.dimension, quantizer: quantizer)
      let d = tree.dimension
      for v in Swift.stride(from: tree.nodeCount - 1, through: 0, by: -1) {
        if tree.isLeaf(v) {
          for i in Int(tree.start[v])..<Int(tree.end[v]) {
            moments.add(WidthAny.self, vector: tree.sortedPoints.baseAddress.unsafelyUnwrapped + i * d, to: v)
          }
        } else {
          moments.add(WidthAny.self, row: v + 1, of: moments, to: v)
          moments.add(WidthAny.self, row: Int(tree.right[v]), of: moments, to: v)
        }
      }
      return moments
    }

    /// The means that ``ClusterSums`` would give, `Float(ŝ / n)` per coordinate of each row with
    /// `counts[c] > 0` vectors (rows with none are left alone), written to `centroids` (`rows ×
    /// d`) when every one is proven; `false`, with `centroids` untouched, when any is not.
    /// `scratch` holds `rows × d` Floats.
    ///
    /// For a row of `n` vectors with fixed-point sums `S`, `A` (`≥ Σ|v|`), unit `u = 2⁻ᵖ` and
    /// `s = Double(S)·u`: `|ŝ − s| ≤ n·2⁻⁵³·(1 + 2⁻²⁰)·(A + n)·u + n·u + 2⁻⁵²·|s|` (the
    /// sequential rounding against `Σ|x| ≤ (A + n/2)·u`, the rounding to fixed point, and the
    /// conversion of `S`), enlarged by `2⁻⁴⁰` of itself for its own rounding.
    /// - Complexity: O(rows·d).
    func means(counts: UnsafePointer<Int>, into centroids: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) -> Bool {
      let d = dimension, unit = quantizer.unit
      for c in 0..<rows where counts[c] > 0 {
        let row = values.baseAddress.unsafelyUnwrapped + c * stride
        let n = Double(counts[c])
        for j in 0..<d {
          let s = ExactMoments.double(row[j]) * unit
          let magnitudes = ExactMoments.double(row[d + j] &+ Int128(counts[c])) * unit * (1 + 0x1p-50)
          let bound = (n * 0x1p-53 * (1 + 0x1p-20) * magnitudes + n * unit + 0x1p-52 * s.magnitude) * (1 + 0x1p-40)
          let lo = Float((s - bound).nextDown / n), hi = Float((s + bound).nextUp / n)
          guard lo.bitPattern == hi.bitPattern else { return false }
          scratch[c * d + j] = lo
        }
      }
      for c in 0..<rows where counts[c] > 0 {
        for j in 0..<d { centroids[c * d + j] = scratch[c * d + j] }
      }
      return true
    }

    /// The inertia `Σᵢ ‖xᵢ − c(aᵢ)‖²` of the vectors these rows (clusters) hold against
    /// `centroids` (`rows × d`), as an estimate of the sequential sum
    /// (``VectorKMeans/inertia(_:dimension:weights:centroids:assignment:)``).
    ///
    /// Per row, `I = Q − 2·Σⱼ cⱼSⱼ + n·‖c‖²` from the moments in `Double` (`Q = Σ‖x‖²`,
    /// `Sⱼ = Σxⱼ`). Its distance to the exact `Σ‖x − c‖²` is bounded by: `Q`'s summation
    /// (`d·n·2⁻⁵³·(1 + 2⁻²⁰)·Q`); each `Sⱼ`'s rounding to fixed point and conversion
    /// (`n·u + 2⁻⁵²·|Sⱼ|`, times `2|cⱼ|`); and the evaluation, `(2d + 6)·2⁻⁵³` of the sum of the
    /// magnitudes of its terms. The sequential sum is within `(n + d + 2)·2⁻⁵³·(1 + 2⁻¹⁰)` of
    /// the exact inertia (each term's `d + 2` roundings and `n − 1` additions; Higham §3.1,
    /// §4.2). Every bound is enlarged by `2⁻³⁰` of itself for its own rounding.
    /// - Complexity: O(rows·d).
    func inertia(centroids: UnsafePointer<Float>, counts: UnsafePointer<Int>, vectors: Int) -> InertiaEstimate {
      let d = dimension, unit = quantizer.unit
      var total = 0.0, error = 0.0, magnitude = 0.0
      for c in 0..<rows where counts[c] > 0 {
        let row = values.baseAddress.unsafelyUnwrapped + c * stride
        let n = Double(counts[c])
        let q = squares[c]
        var cross = 0.0, crossMagnitude = 0.0, norm = 0.0, sumError = 0.0
        for j in 0..<d {
          let centre = Double(centroids[c * d + j])
          let s = ExactMoments.double(row[j]) * unit
          cross += centre * s
          crossMagnitude += (centre * s).magnitude
          norm += centre * centre
          sumError += 2 * centre.magnitude * (n * unit + 0x1p-52 * s.magnitude)
        }
        let value = q - 2 * cross + n * norm
        let terms = q + 2 * crossMagnitude + n * norm
        error += Double(d) * n * 0x1p-53 * (1 + 0x1p-20) * q + sumError + Double(2 * d + 6) * 0x1p-53 * terms
        total += value
        magnitude += value.magnitude
      }
      // The additions over rows.
      error += Double(rows) * 0x1p-53 * magnitude
      error *= 1 + 0x1p-30
      let sequential = Double(vectors + d + 2) * 0x1p-53 * (1 + 0x1p-10) * (total.magnitude + error)
      return InertiaEstimate(value: total, bound: (error + sequential) * (1 + 0x1p-30))
    }
  }
}
