extension ScalarKMeans {
  /// The working state for clustering blocks of 16-bit floats (fp16, bf16) through a histogram
  /// of their bit patterns: a weight stored in 16 bits has at most 65,536 distinct values, so
  /// everything the optimal 1-D k-means needs — the distinct values, their counts or summed
  /// sensitivities, and the cluster of each — fits in tables indexed by the bit pattern.
  ///
  /// The tables have a fixed size, ``bins`` entries each, whatever the block size, and one
  /// value is reused for every block of a tensor; a block pass touches only the bins its values
  /// occupy (and resets only those), so a block of `n` values with `u` distinct ones costs
  /// O(n + u log u) time and no memory that grows with `n`.
  struct HalfHistogram {
    /// Number of 16-bit patterns.
    static let bins = 1 << 16

    let format: WeightDType
    /// Elements per bit pattern in the current block (`-0` is counted as `+0`).
    private(set) var counts: [Int]
    /// One bit per pattern: occupied in the current block (zero between blocks).
    private var occupancy: [UInt64]
    /// Summed sensitivities per bit pattern, in element order (allocated on first use).
    private(set) var weightSums: [Double]
    /// The occupied patterns of the current block in ascending order of value.
    var occupied: ArraySlice<UInt16> { patterns[0..<occupiedCount] }
    /// Storage of ``occupied``: room for every pattern.
    private var patterns: [UInt16]
    private var occupiedCount = 0
    /// Per bit pattern of the current block: the index of its cluster in ``cluster``'s
    /// centroids. Entries of unoccupied patterns are stale.
    private(set) var clusterOfPattern: [UInt8]

    /// Empty tables for `format` (``WeightDType/float16`` or ``WeightDType/bfloat16``).
    init(format: WeightDType) {
      precondition(format == .float16 || format == .bfloat16, "HalfHistogram needs F16 or BF16, got \(format)")
      self.format = format
      counts = [Int](repeating: 0, count: Self.bins)
      occupancy = [UInt64](repeating: 0, count: Self.bins / 64)
      weightSums = []
      patterns = [UInt16](repeating: 0, count: Self.bins)
      clusterOfPattern = [UInt8](repeating: 0, count: Self.bins)
    }

    /// Bytes held by the tables: the same for every block size (``bins`` counts, cluster
    /// indices and occupied patterns, plus summed sensitivities once any block had them).
    var scratchByteCount: Int {
      counts.capacity * MemoryLayout<Int>.stride + occupancy.capacity * MemoryLayout<UInt64>.stride
        + weightSums.capacity * MemoryLayout<Double>.stride
        + patterns.capacity * MemoryLayout<UInt16>.stride + clusterOfPattern.capacity
    }

    /// The value of bit pattern `bits` (exact).
    @inline(__always)
    func value(_ bits: UInt16) -> Float {
      format == .bfloat16 ? BFloat16.float(fromBits: bits) : FloatConversion.float16Table[Int(bits)]
    }

    /// Whether pattern `bits` is ±∞ or NaN (all exponent bits set, in either format).
    @inline(__always)
    static func isNonFinite(_ bits: UInt16, format: WeightDType) -> Bool {
      format == .bfloat16 ? bits & 0x7F80 == 0x7F80 : bits & 0x7C00 == 0x7C00
    }

    /// The pattern at element `t` of little-endian 16-bit data, `-0` folded into `+0`.
    @inline(__always)
    static func pattern(_ bytes: UnsafeRawBufferPointer, _ t: Int) -> UInt16 {
      let bits = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * t, as: UInt16.self))
      return bits == 0x8000 ? 0 : bits
    }

    /// Counts the block `bytes` (little-endian 16-bit values) and, when given, sums `weights`
    /// per pattern in element order; lists the occupied patterns in ascending order of value.
    /// Returns the number of non-finite values in the block.
    ///
    /// The counting pass increments a count per element and sets an occupancy bit on a
    /// pattern's first occurrence (no `-0` test: `-0`'s count is folded into `+0`'s
    /// afterwards); the occupied
    /// patterns then come out of the 8 KiB bitmap already in value order — negative patterns
    /// from the largest down, then the positive ones up — so no sort is needed. Measured on
    /// the `w4` preset over a 1.1 B-parameter bf16 checkpoint: sorting the occupied patterns
    /// with a comparison sort was 24% of the run.
    mutating func count(_ bytes: UnsafeRawBufferPointer, weights: UnsafeBufferPointer<Float>?) -> Int {
      let n = bytes.count / 2
      if weights != nil && weightSums.isEmpty { weightSums = [Double](repeating: 0, count: Self.bins) }
      let weighted = !weightSums.isEmpty
      do {
        let previous = occupied  // the previous block's patterns
        counts.withUnsafeMutableBufferPointer { counts in
          weightSums.withUnsafeMutableBufferPointer { sums in
            for b in previous {
              counts[Int(b)] = 0
              if weighted { sums[Int(b)] = 0 }
            }
          }
        }
      }
      counts.withUnsafeMutableBufferPointer { counts in
        occupancy.withUnsafeMutableBufferPointer { bits in
          for t in 0..<n {
            let b = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * t, as: UInt16.self)))
            // First occurrences are rare (a few thousand patterns per block), so the branch
            // predicts well; setting the bit on every element was 20% slower (its word is
            // read and written back by most neighbours).
            if counts[b] == 0 { bits[b >> 6] |= 1 << UInt64(b & 63) }
            counts[b] &+= 1
          }
          if bits[0x8000 >> 6] & 1 != 0 {  // -0 counts as +0
            counts[0] &+= counts[0x8000]
            counts[0x8000] = 0
            bits[0x8000 >> 6] &= ~1
            bits[0] |= 1
          }
        }
      }
      if let weights {
        weightSums.withUnsafeMutableBufferPointer { sums in
          for t in 0..<n { sums[Int(Self.pattern(bytes, t))] += Double(weights[t]) }
        }
      }
      occupiedCount = occupancy.withUnsafeMutableBufferPointer { bits in
        patterns.withUnsafeMutableBufferPointer { list in
          var m = 0
          for w in stride(from: Self.bins / 64 - 1, through: Self.bins / 128, by: -1) {
            var word = bits[w]
            while word != 0 {
              let bit = 63 - word.leadingZeroBitCount
              list[m] = UInt16(w * 64 + bit)
              m += 1
              word &= ~(1 << UInt64(bit))
            }
            bits[w] = 0
          }
          for w in 0..<(Self.bins / 128) {
            var word = bits[w]
            while word != 0 {
              list[m] = UInt16(w * 64 + word.trailingZeroBitCount)
              m += 1
              word &= word &- 1
            }
            bits[w] = 0
          }
          return m
        }
      }
      var nonFinite = 0
      for b in occupied where Self.isNonFinite(b, format: format) { nonFinite += counts[Int(b)] }
      return nonFinite
    }

    /// Clusters the counted block into at most `k` centroids exactly as
    /// ``ScalarKMeans/cluster(_:weights:k:mode:)`` clusters the same values widened to
    /// `Float`, and fills ``clusterOfPattern`` for every occupied pattern.
    ///
    /// Returns `nil` — the caller then takes the `Float` path — for fast mode with
    /// sensitivities (there the reference sums weights per rounding-grid point in element
    /// order, which per-pattern sums cannot reproduce bit for bit).
    /// - Precondition: the block has no non-finite value.
    /// - Complexity: O(u log u + k·u) for `u` occupied patterns.
    mutating func cluster(k: Int, mode: ScalarClusteringMode, weighted: Bool) -> [Float]? {
      precondition((1...256).contains(k), "ScalarKMeans needs k in 1...256, got \(k)")
      if case .fast = mode, weighted { return nil }
      if occupied.isEmpty { return [] }
      // At most k distinct values: they are the palette (as `existingPalette`).
      if occupied.count <= k {
        for (rank, b) in occupied.enumerated() { clusterOfPattern[Int(b)] = UInt8(rank) }
        return occupied.map { value($0) }
      }
      // Weights as the sorting path gets them: counts, or sensitivities summed in element
      // order; all-zero sensitivities mean unweighted (as `effectiveWeights`).
      let useWeights = weighted && occupied.contains { weightSums[Int($0)] > 0 }
      switch mode {
      case .exact:
        let points = occupied.map { value($0) }
        let weights = occupied.map { useWeights ? weightSums[Int($0)] : Double(counts[Int($0)]) }
        let clusters = PointClusters(points: points, weights: weights, k: k)
        assignInOrder(points, clusters, everyPointClustered: !weights.contains(0))
        return clusters.centroids.map { Float($0) }
      case .fast(let precision):
        // Each pattern's rounded point; equal points (and -0, +0) merge, counts add exactly.
        // Fast mode's rounding is monotone (fp16 cast, then in float32 a scaling, nearbyint and
        // a division; values beyond fp16 keep themselves and lie beyond every rounded one), so the points
        // of patterns in value order are already in order: equal ones are neighbours.
        let rounding = FastRounding(precision: precision)
        let rounded = occupied.map { rounding.rounded(value($0)) }
        var points: [Float] = []
        var weights: [Double] = []
        var lastKey: UInt32?
        for p in rounded.indices {
          let key = orderedKey(rounded[p])
          assert(lastKey.map { $0 <= key } ?? true, "fast-mode rounding must be monotone")
          let count = Double(counts[Int(occupied[p])])
          if key == lastKey {
            weights[weights.count - 1] += count
          } else {
            points.append(ScalarKMeans.value(ofKey: key))
            weights.append(count)
            lastKey = key
          }
        }
        let clusters = PointClusters(points: points, weights: weights, k: k)
        assignInOrder(rounded, clusters, everyPointClustered: true)
        return clusters.centroids.map { Float($0) }
      }
    }

    /// Sets ``clusterOfPattern`` of each occupied pattern from its point (`points[p]` for
    /// `occupied[p]`, ascending): `PointClusters.index(of:)`, which for points the DP clustered
    /// is the number of clusters after the first starting at or below the point — monotone, so
    /// one walk along the starts instead of a search per pattern.
    private mutating func assignInOrder(_ points: [Float], _ clusters: PointClusters, everyPointClustered: Bool) {
      guard everyPointClustered else {
        for (p, b) in occupied.enumerated() {
          clusterOfPattern[Int(b)] = UInt8(truncatingIfNeeded: clusters.index(of: points[p]))
        }
        return
      }
      let starts = clusters.first
      var c = 0
      let patterns = occupied
      clusterOfPattern.withUnsafeMutableBufferPointer { table in
        for (p, b) in patterns.enumerated() {
          while c + 1 < starts.count && starts[c + 1] <= points[p] { c += 1 }
          table[Int(b)] = UInt8(truncatingIfNeeded: c)
        }
      }
    }

    /// Gives `-0` the cluster of `+0`, so an element's pattern indexes ``clusterOfPattern``
    /// without folding `-0` first.
    mutating func copyZeroToNegativeZero() { clusterOfPattern[0x8000] = clusterOfPattern[0] }

    /// Moves every occupied pattern to its nearest entry of the final (dequantized) `lut`,
    /// keeping its cluster unless another entry is strictly nearer — per pattern what
    /// `BlockClusterer.reassign` does per element.
    mutating func reassign(toNearestOf lut: [Float]) {
      for b in occupied {
        let current = Int(clusterOfPattern[Int(b)])
        clusterOfPattern[Int(b)] = UInt8(BlockClusterer.nearestEntry(value(b), current: current, lut: lut))
      }
    }
  }
}
