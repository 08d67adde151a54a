/// Palettizing fp16 and bf16 weights straight from their stored bytes.
extension TensorPalettizer {
  /// Whether ``palettize(halfPrecision:shape:dtype:spec:options:op:sensitivity:)`` handles a
  /// weight of `dtype` under `spec` and `options` — scalar clustering (`clusterDim` 1) of blocks
  /// that are contiguous in storage (per-tensor, or grouped along the stored dimension 0),
  /// without per-channel scaling (which divides values into more than 65,536 distinct ones),
  /// not fast mode with sensitivities (whose per-grid-point sums cannot be reproduced bit
  /// for bit), and neither pruning nor joint sparse palettization (which change the values or
  /// select a subset of them first) — or the weight needs the `Float` path.
  public static func handlesHalfPrecision(
    dtype: WeightDType, shape: [Int], spec: PalettizationSpec, options: ClusteringOptions,
    op: OpKind?, weighted: Bool
  ) -> Bool {
    guard dtype == .float16 || dtype == .bfloat16, spec.clusterDim == 1, !spec.enablePerChannelScale,
      !(options.enableFastKMeansMode && weighted), options.pruning == nil,
      spec.sparsityDetectionThreshold == nil,
      let layout = try? WeightLayout(shape: shape, spec: spec, op: op), layout.count > 0
    else { return false }
    return layout.contiguousRange(block: 0) != nil
  }

  /// Palettizes a 16-bit float weight given as its stored little-endian bytes, with the
  /// memory of a histogram instead of a copy: bitwise the same ``PalettizedTensor`` (LUTs,
  /// indices, metrics) as ``palettize(_:spec:options:op:seed:generator:sensitivity:threads:)``
  /// on the weight widened to `Float`.
  ///
  /// An fp16 or bf16 block holds at most 65,536 distinct values, so each block is one counting
  /// pass into a fixed 65,536-bin ``ScalarKMeans/HalfHistogram``, the optimal 1-D k-means (or
  /// fast mode's rounding) on its occupied bins, and one pass that writes every element's index
  /// from a per-pattern table while summing the squared error and signal in element order, in
  /// `Float64`, exactly as the `Float` path does. Working memory beyond the input bytes and
  /// the indices (one byte per element) is fixed, about 1.7 MiB — the histogram (~0.7 MiB, 0.5
  /// more with sensitivities) and two 65,536-entry `Double` tables of per-pattern squared error
  /// and value (1 MiB) — the same for a 4096-element block as for a 128k×4096 `lm_head`:
  /// nothing is sized by the tensor.
  ///
  /// - Precondition: ``handlesHalfPrecision(dtype:shape:spec:options:op:weighted:)`` is true,
  ///   and `bytes` holds the `shape`'s elements at `dtype`.
  /// - Throws: as the `Float` path: ``PalettizationError/spec(_:)`` for an invalid spec,
  ///   ``PalettizationError/shape(_:)`` for a shape that does not fit, a sensitivity of another
  ///   shape, or NaN/∞ values (counted over the whole weight).
  /// - Complexity: O(n + Σ u log u + k·u) for n elements and u occupied patterns per block.
  public static func palettize(
    halfPrecision bytes: UnsafeRawBufferPointer, shape: [Int], dtype: WeightDType,
    spec: PalettizationSpec, options: ClusteringOptions = ClusteringOptions(), op: OpKind? = nil,
    sensitivity: Tensor? = nil
  ) throws(PalettizationError) -> PalettizedTensor {
    let layout = try checkedLayout(shape: shape, spec: spec, op: op, sensitivity: sensitivity)
    precondition(
      handlesHalfPrecision(dtype: dtype, shape: shape, spec: spec, options: options, op: op, weighted: sensitivity != nil),
      "palettize(halfPrecision:) called for a weight the Float path must handle")
    precondition(bytes.count == layout.count * 2, "\(bytes.count) bytes cannot hold \(layout.count) 16-bit values")

    let k = spec.lutSize
    let mode: ScalarClusteringMode =
      options.enableFastKMeansMode ? .fast(roundingPrecision: options.roundingPrecision) : .exact
    var histogram = ScalarKMeans.HalfHistogram(format: dtype)
    var result = PalettizedTensor(
      spec: spec, options: options, layout: layout, dtype: dtype,
      lut: [], quantizedLUT: nil, lutScale: nil, lutZeroPoint: nil,
      indices: [], perChannelScale: nil,
      metrics: PalettizationMetrics(
        inertia: 0, signalEnergy: 0, snrDB: 0, bitsPerWeight: 0, iterations: 0, blocks: layout.blockCount))
    result.lut.reserveCapacity(layout.blockCount * k)
    // Every element's index is written below (the blocks cover the weight): no zero fill.
    var indices = [UInt8](unsafeUninitializedCapacity: layout.count) { _, initialized in initialized = layout.count }
    // Per pattern of the current block: squared error and squared value, as the Float path's
    // `measure` computes them per element (Double of the widened value and LUT entry).
    var squaredError = [Double](repeating: 0, count: ScalarKMeans.HalfHistogram.bins)
    var squaredValue = [Double](repeating: 0, count: ScalarKMeans.HalfHistogram.bins)
    var inertia = 0.0, energy = 0.0
    var zeros = 0

    for block in 0..<layout.blockCount {
      guard let range = layout.contiguousRange(block: block) else {
        preconditionFailure("half-precision blocks are contiguous (checked above)")
      }
      let blockBytes = UnsafeRawBufferPointer(rebasing: bytes[(2 * range.lowerBound)..<(2 * range.upperBound)])
      let nonFinite = withOptionalBuffer(sensitivity?.values) { weights in
        histogram.count(blockBytes, weights: weights.map { UnsafeBufferPointer(rebasing: $0[range]) })
      }
      if nonFinite > 0 { throw .shape(.nonFiniteValues(count: Self.nonFiniteCount(bytes, format: dtype))) }
      zeros += histogram.counts[0]  // ±0, folded into +0's bin
      guard let centroids = histogram.cluster(k: k, mode: mode, weighted: sensitivity != nil) else {
        preconditionFailure("fast mode with sensitivities takes the Float path (checked above)")
      }

      // Pad, round or quantize, and re-assign, as `BlockClusterer.cluster` does.
      let (lut, quantized) = blockLUT(centroids, count: centroids.count, dimension: 1, spec: spec, dtype: dtype)
      if quantized != nil { histogram.reassign(toNearestOf: lut) }
      result.appendBlock(lut: lut, quantized: quantized)

      for b in histogram.occupied {
        let w = Double(histogram.value(b))
        let r = w - Double(lut[Int(histogram.clusterOfPattern[Int(b)])])
        squaredError[Int(b)] = r * r
        squaredValue[Int(b)] = w * w
      }
      // -0 reads +0's entries (its error and square are +0's too).
      histogram.copyZeroToNegativeZero()
      squaredError[0x8000] = squaredError[0]
      squaredValue[0x8000] = squaredValue[0]
      histogram.clusterOfPattern.withUnsafeBufferPointer { table in
        squaredError.withUnsafeBufferPointer { errors in
          squaredValue.withUnsafeBufferPointer { values in
            indices.withUnsafeMutableBufferPointer { out in
              for (t, i) in range.enumerated() {
                let b = Int(UInt16(littleEndian: blockBytes.loadUnaligned(fromByteOffset: 2 * t, as: UInt16.self)))
                out[i] = table[b]
                inertia += errors[b]
                energy += values[b]
              }
            }
          }
        }
      }
    }
    result.indices = indices
    result.metrics = metrics(result, inertia: inertia, signalEnergy: energy)
    result.metrics.zeroFraction = layout.count == 0 ? 0 : Double(zeros) / Double(layout.count)
    return result
  }

  /// Number of ±∞ and NaN values in little-endian 16-bit data of `format`.
  static func nonFiniteCount(_ bytes: UnsafeRawBufferPointer, format: WeightDType) -> Int {
    var count = 0
    for t in 0..<(bytes.count / 2) {
      let bits = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * t, as: UInt16.self))
      if ScalarKMeans.HalfHistogram.isNonFinite(bits, format: format) { count += 1 }
    }
    return count
  }
}
