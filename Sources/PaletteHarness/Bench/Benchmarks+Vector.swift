import Foundation
import Palettization

extension Benchmarks {
  /// The previous and the current vector k-means kernel on the same vectors, timed in one run.
  public struct KernelComparison: Sendable {
    public var name: String
    /// The previous implementation (``VectorKMeans/Kernel/reference``).
    public var reference: Measurement
    /// The kernel the engine picks (``VectorKMeans/Kernel/automatic(dimension:count:)``).
    public var current: Measurement
    /// Whether both gave bitwise the same LUTs, indices, inertia and iteration counts.
    public var identical: Bool
    /// `reference` time over `current` time.
    public var speedUp: Double { current.seconds > 0 ? reference.seconds / current.seconds : .infinity }
  }

  /// The vector k-means figures of the vector-speed issue: each variant palettized with the
  /// previous kernel (the baseline) and the current one, repetitions alternating between the
  /// two so that both see the same machine load; best of ``repetitions`` each.
  ///
  /// The 1536×384 Laplace tensor (mt19937 seed 1), exact mode: per-tensor at `cluster_dim` 2
  /// with 4, 2, 6 and 8 bits, at `cluster_dim` 4 with 2 and 4 bits and at `cluster_dim` 8 with 4
  /// bits, and 4-bit `cluster_dim` 2 grouped along axis 0 by 16 (96 blocks of 3,072 vectors);
  /// then, given a model, the whole model at 4-bit `cluster_dim` 2 per-tensor on `workers`
  /// workers.
  public func vector(model url: URL?, workers: Int) throws -> [KernelComparison] {
    let t = try Self.laplaceTensor(rows: 1536, columns: 384)
    let grouped = Granularity.perGroupedChannel(axis: 0, groupSize: 16)
    let variants: [(bits: Int, dim: Int, granularity: Granularity)] = [
      (4, 2, .perTensor), (2, 2, .perTensor), (6, 2, .perTensor), (8, 2, .perTensor),
      (2, 4, .perTensor), (4, 4, .perTensor), (4, 8, .perTensor), (4, 2, grouped),
    ]
    var out: [KernelComparison] = []
    for (bits, dim, granularity) in variants {
      let spec = PalettizationSpec(nBits: bits, granularity: granularity, clusterDim: dim)
      let options = ClusteringOptions(enableFastKMeansMode: false)
      let blocks = granularity == .perTensor ? "per-tensor" : "grouped axis 0 g16"
      let comparison = try compare("\(bits)-bit cluster_dim \(dim) \(blocks) (1536x384)") { kernel in
        try TensorPalettizer.palettize(t, spec: spec, options: options, op: .linear, seed: 1, vectorKernel: kernel)
      } identical: {
        Self.identical($0, $1)
      } note: {
        String(format: "SNR %.3f dB, %d iterations", $0.metrics.snrDB, $0.metrics.iterations)
      }
      out.append(comparison)
    }
    guard let url else { return out }
    let model = try Model.load(safetensors: url)
    let spec = PalettizationSpec(nBits: 4, clusterDim: 2)
    let config = KMeansPalettizerConfig(globalConfig: ModuleKMeansPalettizerConfig(
      opStateSpec: ["weight": spec, "in_proj_weight": spec], enableFastKMeansMode: false))
    let palettizer = try KMeansPalettizer(model: model, config: config)
    let comparison = try compare("\(url.lastPathComponent) 4-bit cluster_dim 2 per-tensor, \(workers) workers") { kernel in
      try palettizer.prepare(numWorkers: workers, seed: 0, vectorKernel: kernel)
    } identical: { a, b in
      a.outcomes.count == b.outcomes.count
        && zip(a.palettized, b.palettized).allSatisfy { $0.name == $1.name && Self.identical($0.result, $1.result) }
    } note: {
      String(format: "%d tensors, model SNR %.3f dB", $0.palettized.count, $0.snrDB)
    }
    out.append(comparison)
    return out
  }

  /// Times `run` with the reference kernel and with the automatic one, alternating.
  private func compare<R>(
    _ name: String, _ run: (VectorKMeans.Kernel?) throws -> R, identical: (R, R) -> Bool, note: (R) -> String
  ) throws -> KernelComparison {
    var best = [(seconds: Double.infinity, cpu: 0.0), (seconds: Double.infinity, cpu: 0.0)]
    var results: [R?] = [nil, nil]
    for _ in 0..<max(1, repetitions) {
      for (slot, kernel) in [VectorKMeans.Kernel.reference, nil].enumerated() {
        let r = try timeOnce { try run(kernel) }
        if r.seconds < best[slot].seconds { best[slot] = (r.seconds, r.cpu) }
        results[slot] = r.result
      }
    }
    // Non-nil: the loop ran at least once.
    let old = results[0].unsafelyUnwrapped, new = results[1].unsafelyUnwrapped
    let same = identical(old, new)
    let reference = Measurement(
      name: "\(name), reference kernel", seconds: best[0].seconds, cpuSeconds: best[0].cpu,
      baseline: "reference kernel", ratio: 1, note: note(old))
    let current = Measurement(
      name: "\(name), current kernel", seconds: best[1].seconds, cpuSeconds: best[1].cpu,
      baseline: "reference kernel", ratio: best[1].seconds / best[0].seconds,
      note: note(new) + (same ? "; bitwise identical to the reference" : "; DIFFERS from the reference"))
    let comparison = KernelComparison(name: name, reference: reference, current: current, identical: same)
    log(format(reference))
    log(format(current) + String(format: " (speed-up %.2fx)", comparison.speedUp))
    return comparison
  }

  /// Bitwise equality of two palettizations of one tensor: LUT, quantized LUT and its
  /// parameters, indices, inertia, SNR and iteration count.
  static func identical(_ a: PalettizedTensor, _ b: PalettizedTensor) -> Bool {
    a.lut.map(\.bitPattern) == b.lut.map(\.bitPattern) && a.indices == b.indices
      && a.quantizedLUT == b.quantizedLUT && a.lutScale?.map(\.bitPattern) == b.lutScale?.map(\.bitPattern)
      && a.lutZeroPoint == b.lutZeroPoint
      && a.metrics.inertia.bitPattern == b.metrics.inertia.bitPattern
      && a.metrics.snrDB.bitPattern == b.metrics.snrDB.bitPattern
      && a.metrics.iterations == b.metrics.iterations
  }
}
