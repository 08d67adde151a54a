import Dispatch

/// Palettizes one weight tensor: optional pruning, per-channel scaling, blocking, joint sparse
/// detection, clustering, LUT rounding or quantization, and metrics (SPEC section 3).
public enum TensorPalettizer {
  /// Palettizes `weight` under `spec`.
  ///
  /// In order: `options.pruning` (if any) zeroes elements of the weight; with
  /// `spec.sparsityDetectionThreshold` set, a (pruned) weight with enough exact zeros is
  /// palettized on its nonzero vectors only (``SparsityMask``); otherwise every vector is
  /// clustered. Metrics compare the reconstruction with `weight` **as given, before pruning**,
  /// so the pruning error counts in `inertia` and `snrDB`; `zeroFraction` is that of the
  /// weight after pruning (what detection saw).
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
  /// - Throws: ``PalettizationError/shape(_:)`` when the shape does not fit the spec or the
  ///   `n:m` pruning pattern (callers skip the tensor), `.spec` for an invalid spec or pruning,
  ///   `.random` for an unknown generator.
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
    let layout = try checkedLayout(
      shape: weight.shape, spec: spec, op: op, sensitivity: sensitivity, pruning: options.pruning)
    let nonFinite = weight.values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
    if nonFinite > 0 { throw .shape(.nonFiniteValues(count: nonFinite)) }
    if spec.clusterDim > 1 && !GSLRandom.availableGenerators.contains(generator) {
      throw .random(.unknownGenerator(generator, available: GSLRandom.availableGenerators))
    }

    var input = weight
    if let pruning = options.pruning {
      do { input = try pruning.prune(weight, op: op) } catch { throw .shape(error) }
    }
    let zeroCount = Self.zeroCount(input.values)
    let selection = SparseSelection.isDetected(
      zeroCount: zeroCount, count: input.count, threshold: spec.sparsityDetectionThreshold)
      ? SparseSelection(support: input.values, layout: layout) : nil

    let perChannelScale = spec.enablePerChannelScale ? channelScales(input, layout: layout) : nil
    let working = perChannelScale.map { scaled(input, by: $0, layout: layout) } ?? input.values
    let blocks = BlockClusterer(
      layout: layout, spec: spec, options: options, dtype: weight.dtype,
      values: working, sensitivity: sensitivity?.values, selection: selection, seed: seed,
      generator: generator, vectorKernel: vectorKernel)
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
      result.appendBlock(lut: output.lut, quantized: output.quantized)
      if let range = layout.contiguousRange(block: block) {
        result.indices.replaceSubrange(range, with: output.assignment)
      } else {
        for (v, offset) in layout.indexOffsets(block: block).enumerated() {
          result.indices[offset] = output.assignment[v]
        }
      }
      result.metrics.iterations = max(result.metrics.iterations, output.iterations)
    }
    result.mask = selection?.mask()
    result.metrics = measure(result, against: weight)
    result.metrics.zeroFraction = input.count == 0 ? 0 : Double(zeroCount) / Double(input.count)
    return result
  }

  /// Exact zeros (±0) in `values`, counted eight lanes at a time (the scalar reduce with an
  /// overflow check per element was a tenth of a dense fast-mode run).
  static func zeroCount(_ values: [Float]) -> Int {
    values.withUnsafeBufferPointer { x in
      var lanes = SIMD8<Int32>()
      var i = 0
      var total = 0
      while i + 8 <= x.count {
        let v = UnsafeRawBufferPointer(x).loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        lanes &-= unsafeBitCast(v .== 0, to: SIMD8<Int32>.self)  // true lanes are -1
        i += 8
        if i & 0xFFFFFF == 0 {  // flush before an Int32 lane could overflow
          total += Int(lanes.wrappedSum())
          lanes = SIMD8()
        }
      }
      total += Int(lanes.wrappedSum())
      for t in i..<x.count where x[t] == 0 { total += 1 }
      return total
    }
  }

  /// Per output channel (dim ``WeightLayout/outputAxis``), max |w| rounded to the weight's
  /// dtype; 0 becomes 1.
  static func channelScales(_ weight: Tensor, layout: WeightLayout) -> [Float] {
    let channels = layout.outputChannels
    var maxima = [Float](repeating: 0, count: channels)
    if layout.outputAxis == 0 {
      let perChannel = channels == 0 ? 0 : weight.count / channels
      for c in 0..<channels {
        for i in c * perChannel ..< (c + 1) * perChannel { maxima[c] = max(maxima[c], abs(weight.values[i])) }
      }
    } else {
      for i in weight.values.indices {
        let c = layout.outputChannel(ofElement: i)
        maxima[c] = max(maxima[c], abs(weight.values[i]))
      }
    }
    return maxima.map { m in
      let s = weight.dtype.round(m)
      return s == 0 ? 1 : s
    }
  }

  static func scaled(_ weight: Tensor, by scales: [Float], layout: WeightLayout) -> [Float] {
    var out = weight.values
    if layout.outputAxis == 0 {
      let perChannel = scales.isEmpty ? 0 : weight.count / scales.count
      for i in out.indices { out[i] /= scales[i / perChannel] }
    } else {
      for i in out.indices { out[i] /= scales[layout.outputChannel(ofElement: i)] }
    }
    return out
  }

  /// Inertia, SNR and bits per weight of `result` against the original `weight`. A sparse
  /// result pays one mask bit per element and `nBits` per stored vector instead of per vector.
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
    return metrics(result, inertia: inertia, signalEnergy: energy)
  }

  /// `result`'s metrics from its inertia and signal energy: SNR, and bits per weight from
  /// what it stores.
  static func metrics(_ result: PalettizedTensor, inertia: Double, signalEnergy energy: Double) -> PalettizationMetrics {
    let spec = result.spec
    let layout = result.layout
    let count = layout.count
    let lutEntryBits = spec.lutQSpec == nil ? result.dtype.bitWidth : 8
    var bits = Double(result.indices.count * spec.nBits)
    if let mask = result.mask { bits = Double(layout.count + mask.storedCount * spec.nBits) }
    bits += Double(layout.blockCount * spec.lutSize * spec.clusterDim * lutEntryBits)
    if let scales = result.perChannelScale { bits += Double(scales.count * result.dtype.bitWidth) }
    if let q = spec.lutQSpec { bits += Double(layout.blockCount * LUTQuantizer(q).parameterBitsPerBlock) }
    return PalettizationMetrics(
      inertia: inertia, signalEnergy: energy,
      snrDB: PalettizationMetrics.snrDB(signalEnergy: energy, inertia: inertia),
      bitsPerWeight: count == 0 ? 0 : bits / Double(count),
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
  /// Joint sparse palettization: only these vectors are clustered; `nil` clusters all.
  let selection: SparseSelection?
  let seed: UInt64
  let generator: String
  /// `nil`: ``VectorKMeans/Kernel/automatic(dimension:count:)``.
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
    defer {
      slots.deinitialize()
      slots.deallocate()
    }
    nonisolated(unsafe) let shared = slots
    DispatchQueue.concurrentPerform(iterations: workers) { t in
      for block in stride(from: t, to: count, by: workers) {
        shared[block] = cluster(block: block)
      }
    }
    return slots.map { $0! }
  }

  /// Clusters block `block`. With a ``selection``, only its nonzero vectors are clustered, into
  /// `K − 1` centroids after a reserved zero entry when the block reserves zero; every other
  /// vector of the block gets index 0.
  func cluster(block: Int) -> Output {
    let reserve = selection?.reservesZero(block: block) ?? false
    let reserved = reserve ? 1 : 0
    let k = spec.lutSize - reserved
    let d = spec.clusterDim
    // Joint sparse: the block's nonzero vectors (block order) and how many there are.
    let flags = selection?.flags[block]
    let selected = selection?.nonzeroCounts[block] ?? 0
    var centroids: [Float]
    var centroidCount: Int
    var assignment: [UInt8]
    var iterations = 0
    // The clustered values, when gathered (empty when a contiguous block is clustered in place).
    var points: [Float]

    if d == 1 {
      let range = layout.contiguousRange(block: block)
      var offsets = range == nil ? layout.elementOffsets(block: block) : []
      if let flags, range == nil {
        let all = offsets
        offsets = SparseSelection.compact(flags, count: selected) { all[$0] }
      }
      let mode: ScalarClusteringMode =
        options.enableFastKMeansMode ? .fast(roundingPrecision: options.roundingPrecision) : .exact
      let result: ScalarClustering
      if let range, flags == nil {
        // The block is a contiguous slice: cluster it in place, without a copy.
        points = []
        let weights: [Float]? = sensitivity.map { Array($0[range]) }
        result = values.withUnsafeBufferPointer { all in
          withOptionalBuffer(weights) { w in
            ScalarKMeans.cluster(UnsafeBufferPointer(rebasing: all[range]), weights: w, k: k, mode: mode)
          }
        }
      } else {
        func gather(_ source: [Float]) -> [Float] {
          source.withUnsafeBufferPointer { x in
            guard let range, let flags else { return offsets.map { x[$0] } }
            // A contiguous block's nonzeros, straight from the values (no offsets array).
            return SparseSelection.compact(flags, count: selected) { x[range.lowerBound + $0] }
          }
        }
        points = gather(values)
        let weights: [Float]? = sensitivity.map(gather)
        result = points.withUnsafeBufferPointer { p in
          withOptionalBuffer(weights) { w in ScalarKMeans.cluster(p, weights: w, k: k, mode: mode) }
        }
      }
      centroids = result.centroids
      centroidCount = result.centroids.count
      assignment = result.assignment
    } else {
      var offsets = layout.elementOffsets(block: block)
      if let flags {
        let all = offsets
        offsets = flags.indices.filter { flags[$0] }.flatMap { all[$0 * d ..< ($0 + 1) * d] }
      }
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
            kernel: vectorKernel)
        }
      }
      centroids = result.centroids
      centroidCount = result.centroidCount
      assignment = result.assignment
      iterations = result.iterations
    }

    if reserve {
      centroids = [Float](repeating: 0, count: d) + centroids
      centroidCount += 1
      assignment = assignment.map { $0 + 1 }
    }
    let (lut, quantized) = TensorPalettizer.blockLUT(centroids, count: centroidCount, dimension: d, spec: spec, dtype: dtype)
    if quantized != nil {
      if points.isEmpty, flags == nil, let range = layout.contiguousRange(block: block) {
        points = Array(values[range])
      }
      reassign(&assignment, points: points, lut: lut, dimension: d, sortedFrom: reserved)
    }
    if let flags {
      // Back to one index per vector of the block; unselected vectors hold 0.
      assignment = SparseSelection.expand(assignment, flags: flags)
    }
    return Output(lut: lut, quantized: quantized, assignment: assignment, iterations: iterations)
  }

  /// Moves each vector to its nearest LUT entry; a vector keeps its index unless another
  /// entry is strictly nearer, so the error never grows.
  /// - Parameter sortedFrom: scalar LUT entries from here on ascend (the dequantized LUT stays
  ///   sorted, as quantization is monotone); entries before it (a reserved zero) are checked
  ///   one by one.
  /// - Complexity: O(n log K) for scalars, O(n · K · d) for vectors.
  func reassign(_ assignment: inout [UInt8], points: [Float], lut: [Float], dimension d: Int, sortedFrom: Int = 0) {
    let k = lut.count / d
    if d == 1 {
      for v in assignment.indices {
        assignment[v] = UInt8(Self.nearestEntry(points[v], current: Int(assignment[v]), lut: lut, sortedFrom: sortedFrom))
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

extension BlockClusterer {
  /// The entry of the scalar `lut` nearest to `x`, keeping `current` unless another entry is
  /// strictly nearer. Entries from `sortedFrom` on ascend (binary search); entries before it
  /// (a reserved zero) are checked one by one.
  /// - Complexity: O(sortedFrom + log K).
  static func nearestEntry(_ x: Float, current: Int, lut: [Float], sortedFrom: Int = 0) -> Int {
    let k = lut.count
    var lo = sortedFrom, hi = k  // first sorted entry >= x
    while lo < hi {
      let mid = (lo + hi) / 2
      if lut[mid] < x { lo = mid + 1 } else { hi = mid }
    }
    var best = current
    var bestDistance = abs(x - lut[best])
    for entry in 0..<sortedFrom where abs(x - lut[entry]) < bestDistance {
      best = entry
      bestDistance = abs(x - lut[entry])
    }
    for entry in [lo - 1, lo] where entry >= 0 && entry < k {
      let dist = abs(x - lut[entry])
      if dist < bestDistance { best = entry; bestDistance = dist }
    }
    return best
  }
}

/// Calls `body` with a buffer over `array`, or `nil`.
@inline(__always)
func withOptionalBuffer<R>(_ array: [Float]?, _ body: (UnsafeBufferPointer<Float>?) -> R) -> R {
  guard let array else { return body(nil) }
  return array.withUnsafeBufferPointer { body($0) }
}

extension TensorPalettizer {
  /// A block's LUT from its first `count` centroids of `dimension` Floats (`centroids` may hold
  /// more): padded to ``PalettizationSpec/lutSize`` entries with the last centroid (one zero
  /// centroid when there are none) and rounded to `dtype`; with a ``PalettizationSpec/lutQSpec``
  /// quantized, its dequantized values rounded, and the codes returned too. The `Float` and the
  /// half-precision paths both finish their blocks here.
  static func blockLUT(
    _ centroids: [Float], count: Int, dimension d: Int, spec: PalettizationSpec, dtype: WeightDType
  ) -> (lut: [Float], quantized: LUTQuantizer.Block?) {
    var padded = count == 0 ? [Float](repeating: 0, count: d) : Array(centroids[0..<(count * d)])
    let last = Array(padded[(padded.count - d)...])
    for _ in max(count, 1)..<spec.lutSize { padded += last }
    guard let qspec = spec.lutQSpec else { return (padded.map(dtype.round), nil) }
    let q = LUTQuantizer(qspec).quantize(padded)
    return (q.dequantized.map(dtype.round), q)
  }
}

extension TensorPalettizer {
  /// The layout of a `shape` weight under `spec`, after the checks every entry point makes
  /// first: the spec (and `pruning`) valid, the shape fits, `sensitivity` has the weight's shape.
  /// - Throws: ``PalettizationError/spec(_:)`` or ``PalettizationError/shape(_:)``.
  static func checkedLayout(
    shape: [Int], spec: PalettizationSpec, op: OpKind?, sensitivity: Tensor?, pruning: PruningSpec? = nil
  ) throws(PalettizationError) -> WeightLayout {
    do {
      try spec.validate()
      try pruning?.validate(path: "prune")
    } catch { throw .spec(error) }
    let layout: WeightLayout
    do { layout = try WeightLayout(shape: shape, spec: spec, op: op) } catch { throw .shape(error) }
    if let sensitivity, sensitivity.shape != shape {
      throw .shape(.sensitivityShapeMismatch(weight: shape, sensitivity: sensitivity.shape))
    }
    return layout
  }
}
