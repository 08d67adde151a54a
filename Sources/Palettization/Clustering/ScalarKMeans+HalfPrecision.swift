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
    /// Summed sensitivities per bit pattern, in element order (allocated on first use).
    private(set) var weightSums: [Double]
    /// The occupied patterns of the current block, ascending by value after ``cluster``.
    private(set) var occupied: [UInt16]
    /// Per bit pattern of the current block: the index of its cluster in ``cluster``'s
    /// centroids. Entries of unoccupied patterns are stale.
    private(set) var clusterOfPattern: [UInt8]

    /// Empty tables for `format` (``WeightDType/float16`` or ``WeightDType/bfloat16``).
    init(format: WeightDType) {
      precondition(format == .float16 || format == .bfloat16, "HalfHistogram needs F16 or BF16, got \(format)")
      self.format = format
      counts = [Int](repeating: 0, count: Self.bins)
      weightSums = []
      occupied = []
      occupied.reserveCapacity(Self.bins)
      clusterOfPattern = [UInt8](repeating: 0, count: Self.bins)
    }

    /// Bytes held by the tables: the same for every block size (``bins`` counts, cluster
    /// indices and occupied patterns, plus summed sensitivities once any block had them).
    var scratchByteCount: Int {
      counts.capacity * MemoryLayout<Int>.stride + weightSums.capacity * MemoryLayout<Double>.stride
        + occupied.capacity * MemoryLayout<UInt16>.stride + clusterOfPattern.capacity
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
    /// per pattern in element order. Returns the number of non-finite values in the block.
    mutating func count(_ bytes: UnsafeRawBufferPointer, weights: UnsafeBufferPointer<Float>?) -> Int {
      let n = bytes.count / 2
      for b in occupied {
        counts[Int(b)] = 0
        if !weightSums.isEmpty { weightSums[Int(b)] = 0 }
      }
      occupied.removeAll(keepingCapacity: true)
      if weights != nil && weightSums.isEmpty { weightSums = [Double](repeating: 0, count: Self.bins) }
      counts.withUnsafeMutableBufferPointer { counts in
        for t in 0..<n {
          let b = Int(Self.pattern(bytes, t))
          if counts[b] == 0 { occupied.append(UInt16(b)) }
          counts[b] &+= 1
        }
      }
      if let weights {
        weightSums.withUnsafeMutableBufferPointer { sums in
          for t in 0..<n { sums[Int(Self.pattern(bytes, t))] += Double(weights[t]) }
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
      // Numeric order: sign-magnitude patterns, negative ones reversed (as `orderedKey`).
      occupied.sort { a, b in
        let ka = a & 0x8000 != 0 ? ~a : a | 0x8000
        let kb = b & 0x8000 != 0 ? ~b : b | 0x8000
        return ka < kb
      }
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
        for (p, b) in occupied.enumerated() {
          clusterOfPattern[Int(b)] = UInt8(truncatingIfNeeded: clusters.index(of: points[p]))
        }
        return clusters.centroids.map { Float($0) }
      case .fast(let precision):
        // Each pattern's rounded point; equal points (and -0, +0) merge, counts add exactly.
        let rounding = FastRounding(precision: precision)
        let rounded = occupied.map { rounding.rounded(value($0)) }
        var order = Array(rounded.indices)
        order.sort { orderedKey(rounded[$0]) < orderedKey(rounded[$1]) }
        var points: [Float] = []
        var weights: [Double] = []
        var lastKey: UInt32?
        for p in order {
          let key = orderedKey(rounded[p])
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
        for (p, b) in occupied.enumerated() {
          clusterOfPattern[Int(b)] = UInt8(truncatingIfNeeded: clusters.index(of: rounded[p]))
        }
        return clusters.centroids.map { Float($0) }
      }
    }

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
