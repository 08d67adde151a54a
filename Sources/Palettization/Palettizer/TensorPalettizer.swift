import Dispatch

/// Palettizes one weight tensor: per-channel scaling, blocking, clustering, LUT rounding or
/// quantization, and metrics (SPEC section 3).
public enum TensorPalettizer {
  /// Palettizes `weight` under `spec`.
  ///
  /// - Parameters:
  ///   - op: the op consuming the weight; decides the 2-D view (transposed conv groups along
  ///     axis 1 by default). `nil` for a tensor reached only through `moduleStateSpec`.
  ///   - seed: the tensor's seed (the model layer passes `SeedDerivation.derive(runSeed,
  ///     tensorName)`). Block `b` clusters with a fresh `generator` seeded
  ///     `SeedDerivation.derive(seed, "block/b")`, so the result does not depend on `threads`.
  ///     Scalar clustering is deterministic and draws nothing.
  ///   - sensitivity: optional per-element non-negative weights, the weight's shape.
  ///   - threads: blocks are spread over this many threads; the result is bitwise the same
  ///     for any value.
  ///   - vectorKernel: the Lloyd kernel of vector k-means (`nil`: the fastest); the result is
  ///     bitwise the same for any kernel.
  /// - Throws: ``PalettizationError/shape(_:)`` when the shape does not fit (callers skip the
  ///   tensor), `.spec` for an invalid spec, `.random` for an unknown generator.
  /// - Complexity: scalar: O(n) per block in fast mode plus the 1-D DP on the unique values;
  ///   exact mode adds a sort. Vector: O(nInit · iterations · n · K) distance work at worst.
  public static func palettize(
    _ weight: Tensor,
    spec: PalettizationSpec,
    options: ClusteringOptions = ClusteringOptions(),
    op: OpKind? = nil,
    seed: UInt64 = 0,
    generator: String = "mt19937",
    sensitivity: Tensor? = nil,
    threads: Int = 1,
    vectorKernel: VectorKMeans.Kernel? = nil
  ) throws(PalettizationError) -> PalettizedTensor {
    do { try spec.validate() } catch { throw .spec(error) }
    let layout: WeightLayout
    do { layout = try WeightLayout(shape: weight.shape, spec: spec, op: op) } catch { throw .shape(error) }
    if let sensitivity, sensitivity.shape != weight.shape {
      throw .shape(.sensitivityShapeMismatch(weight: weight.shape, sensitivity: sensitivity.shape))
    }
    let nonFinite = weight.values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
    if nonFinite > 0 { throw .shape(.nonFiniteValues(count: nonFinite)) }
    if spec.clusterDim > 1 && !GSLRandom.availableGenerators.contains(generator) {
      throw .random(.unknownGenerator(generator, available: GSLRandom.availableGenerators))
    }

    let perChannelScale = spec.enablePerChannelScale ? channelScales(weight) : nil
    let working = perChannelScale.map { scaled(weight, by: $0) } ?? weight.values
    let blocks = BlockClusterer(
      layout: layout, spec: spec, options: options, dtype: weight.dtype,
      values: working, sensitivity: sensitivity?.values, seed: seed, generator: generator,
      vectorKernel: vectorKernel)
    let outputs = blocks.run(threads: threads)

    var result = PalettizedTensor(
      spec: spec, options: options, layout: layout, dtype: weight.dtype,
      lut: [], quantizedLUT: nil, lutScale: nil, lutZeroPoint: nil,
      indices: [UInt8](repeating: 0, count: layout.count / spec.clusterDim),
      perChannelScale: perChannelScale,
      metrics: PalettizationMetrics(
        inertia: 0, signalEnergy: 0, snrDB: 0, bitsPerWeight: 0, iterations: 0,
        blocks: layout.blockCount))
    result.lut.reserveCapacity(layout.blockCount * spec.lutSize * spec.clusterDim)
    for (block, output) in outputs.enumerated() {
      result.lut += output.lut
      if let q = output.quantized {
        result.quantizedLUT = (result.quantizedLUT ?? []) + q.codes
        result.lutScale = (result.lutScale ?? []) + [q.scale]
        result.lutZeroPoint = (result.lutZeroPoint ?? []) + [q.zeroPoint]
      }
      if let range = layout.contiguousRange(block: block) {
        result.indices.replaceSubrange(range, with: output.assignment)
      } else {
        for (v, offset) in layout.indexOffsets(block: block).enumerated() {
          result.indices[offset] = output.assignment[v]
        }
      }
      result.metrics.iterations = max(result.metrics.iterations, output.iterations)
    }
    result.metrics = measure(result, against: weight)
    return result
  }

  /// Per output channel (dim 0), max |w| rounded to the weight's dtype; 0 becomes 1.
  static func channelScales(_ weight: Tensor) -> [Float] {
    let channels = weight.shape[0]
    let perChannel = channels == 0 ? 0 : weight.count / channels
    return (0..<channels).map { c in
      var m: Float = 0
      for i in c * perChannel ..< (c + 1) * perChannel { m = max(m, abs(weight.values[i])) }
      let s = weight.dtype.round(m)
      return s == 0 ? 1 : s
    }
  }

  static func scaled(_ weight: Tensor, by scales: [Float]) -> [Float] {
    let perChannel = scales.isEmpty ? 0 : weight.count / scales.count
    var out = weight.values
    for i in out.indices { out[i] /= scales[i / perChannel] }
    return out
  }

  /// Inertia, SNR and bits per weight of `result` against the original `weight`.
  static func measure(_ result: PalettizedTensor, against weight: Tensor) -> PalettizationMetrics {
    let reconstruction = result.reconstruct()
    var inertia = 0.0, energy = 0.0
    weight.values.withUnsafeBufferPointer { original in
      reconstruction.values.withUnsafeBufferPointer { rebuilt in
        for i in original.indices {
          let w = Double(original[i])
          let r = w - Double(rebuilt[i])
          inertia += r * r
          energy += w * w
        }
      }
    }
    let spec = result.spec
    let layout = result.layout
    let lutEntryBits = spec.lutQSpec == nil ? weight.dtype.bitWidth : 8
    var bits = Double(result.indices.count * spec.nBits)
    bits += Double(layout.blockCount * spec.lutSize * spec.clusterDim * lutEntryBits)
    if let scales = result.perChannelScale { bits += Double(scales.count * weight.dtype.bitWidth) }
    if let q = spec.lutQSpec { bits += Double(layout.blockCount * LUTQuantizer(q).parameterBitsPerBlock) }
    return PalettizationMetrics(
      inertia: inertia, signalEnergy: energy,
      snrDB: PalettizationMetrics.snrDB(signalEnergy: energy, inertia: inertia),
      bitsPerWeight: weight.count == 0 ? 0 : bits / Double(weight.count),
      iterations: result.metrics.iterations, blocks: layout.blockCount)
  }
}

/// Clusters every block of one weight; blocks are independent units of work.
struct BlockClusterer: Sendable {
  let layout: WeightLayout
  let spec: PalettizationSpec
  let options: ClusteringOptions
  let dtype: WeightDType
  /// The (per-channel scaled) values being clustered.
  let values: [Float]
  let sensitivity: [Float]?
  let seed: UInt64
  let generator: String
  /// `nil`: ``VectorKMeans/Kernel/automatic(dimension:k:count:)``.
  let vectorKernel: VectorKMeans.Kernel?

  struct Output: Sendable {
    /// `K × clusterDim` entries used for reconstruction (padded, dtype-rounded or dequantized).
    var lut: [Float]
    var quantized: LUTQuantizer.Block?
    /// Per vector of the block, in block vector order.
    var assignment: [UInt8]
    var iterations: Int
  }

  /// Runs every block on `threads` threads; thread `t` takes blocks `t, t + threads, …`.
  /// Each block writes only its own slot, so the output is the same for any thread count.
  func run(threads: Int) -> [Output] {
    let count = layout.blockCount
    let workers = max(1, min(threads, count))
    if workers == 1 { return (0..<count).map(cluster(block:)) }
    let slots = UnsafeMutableBufferPointer<Output?>.allocate(capacity: count)
    slots.initialize(repeating: nil)
    defer { slots.deallocate() }
    nonisolated(unsafe) let shared = slots
    DispatchQueue.concurrentPerform(iterations: workers) { t in
      for block in stride(from: t, to: count, by: workers) {
        shared[block] = cluster(block: block)
      }
    }
    return slots.map { $0! }
  }

  func cluster(block: Int) -> Output {
    let k = spec.lutSize
    let d = spec.clusterDim
    var centroids: [Float]
    var centroidCount: Int
    var assignment: [UInt8]
    var iterations = 0
    var points: [Float]

    if d == 1 {
      let range = layout.contiguousRange(block: block)
      let offsets = range == nil ? layout.elementOffsets(block: block) : []
      let weights: [Float]? = sensitivity.map { s in range.map { Array(s[$0]) } ?? offsets.map { s[$0] } }
      let mode: ScalarClusteringMode =
        options.enableFastKMeansMode ? .fast(roundingPrecision: options.roundingPrecision) : .exact
      let result: ScalarClustering
      if let range {
        // The block is a contiguous slice: cluster it in place, without a copy.
        points = []
        result = values.withUnsafeBufferPointer { all in
          withOptionalBuffer(weights) { w in
            ScalarKMeans.cluster(UnsafeBufferPointer(rebasing: all[range]), weights: w, k: k, mode: mode)
          }
        }
      } else {
        points = offsets.map { values[$0] }
        result = points.withUnsafeBufferPointer { p in
          withOptionalBuffer(weights) { w in ScalarKMeans.cluster(p, weights: w, k: k, mode: mode) }
        }
      }
      centroids = result.centroids
      centroidCount = result.centroids.count
      assignment = result.assignment
    } else {
      let offsets = layout.elementOffsets(block: block)
      points = offsets.map { values[$0] }
      let weights: [Float]? = sensitivity.map { s in
        stride(from: 0, to: offsets.count, by: d).map { start in
          (start ..< start + d).reduce(Float(0)) { $0 + s[offsets[$1]] }
        }
      }
      // A fresh generator per block: the unit of work that may run on any thread.
      let random: GSLRandom
      do {
        random = try GSLRandom(generator: generator, seed: SeedDerivation.derive(seed, "block/\(block)"))
      } catch {
        preconditionFailure("generator \(generator) was validated before clustering: \(error)")
      }
      let result = points.withUnsafeBufferPointer { p in
        withOptionalBuffer(weights) { w in
          VectorKMeans.cluster(
            p, dimension: d, weights: w, k: k, config: options.vectorKMeansConfig, random: random,
            kernel: vectorKernel ?? .automatic(dimension: d, k: k, count: p.count / d))
        }
      }
      centroids = result.centroids
      centroidCount = result.centroidCount
      assignment = result.assignment
      iterations = result.iterations
    }

    // Pad to K entries with the last centroid.
    if centroidCount == 0 { centroids = [Float](repeating: 0, count: d); centroidCount = 1 }
    let last = Array(centroids[(centroidCount - 1) * d ..< centroidCount * d])
    for _ in centroidCount..<k { centroids += last }

    guard let qspec = spec.lutQSpec else {
      return Output(lut: centroids.map(dtype.round), quantized: nil, assignment: assignment, iterations: iterations)
    }
    let quantized = LUTQuantizer(qspec).quantize(centroids)
    let lut = quantized.dequantized.map(dtype.round)
    if points.isEmpty, let range = layout.contiguousRange(block: block) { points = Array(values[range]) }
    reassign(&assignment, points: points, lut: lut, dimension: d)
    return Output(lut: lut, quantized: quantized, assignment: assignment, iterations: iterations)
  }

  /// Moves each vector to its nearest LUT entry; a vector keeps its index unless another
  /// entry is strictly nearer, so the error never grows.
  /// - Complexity: O(n log K) for scalars (the dequantized LUT stays sorted, as quantization
  ///   is monotone), O(n · K · d) for vectors.
  func reassign(_ assignment: inout [UInt8], points: [Float], lut: [Float], dimension d: Int) {
    let k = lut.count / d
    if d == 1 {
      for v in assignment.indices {
        let x = points[v]
        var lo = 0, hi = k  // first entry >= x
        while lo < hi {
          let mid = (lo + hi) / 2
          if lut[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        var best = Int(assignment[v])
        var bestDistance = abs(x - lut[best])
        for entry in [lo - 1, lo] where entry >= 0 && entry < k {
          let dist = abs(x - lut[entry])
          if dist < bestDistance { best = entry; bestDistance = dist }
        }
        assignment[v] = UInt8(best)
      }
      return
    }
    for v in assignment.indices {
      func distance(_ entry: Int) -> Float {
        var s: Float = 0
        for e in 0..<d {
          let diff = points[v * d + e] - lut[entry * d + e]
          s += diff * diff
        }
        return s
      }
      var best = Int(assignment[v])
      var bestDistance = distance(best)
      for entry in 0..<k {
        let dist = distance(entry)
        if dist < bestDistance { best = entry; bestDistance = dist }
      }
      assignment[v] = UInt8(best)
    }
  }
}

/// Calls `body` with a buffer over `array`, or `nil`.
@inline(__always)
func withOptionalBuffer<R>(_ array: [Float]?, _ body: (UnsafeBufferPointer<Float>?) -> R) -> R {
  guard let array else { return body(nil) }
  return array.withUnsafeBufferPointer { body($0) }
}
