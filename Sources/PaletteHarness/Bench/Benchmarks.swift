import Dispatch
import Foundation
import Palettization
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// `harness bench`: the performance figures the issues ask for, each reported with its ratio to
/// a baseline measured in the same run (these machines are shared and noisy: ratios travel,
/// absolute times do not).
public struct Benchmarks {
  /// One measured variant.
  public struct Measurement: Sendable {
    public var name: String
    public var seconds: Double
    /// User + system CPU seconds, to show parallel speed-up (CPU/wall).
    public var cpuSeconds: Double
    public var baseline: String
    public var ratio: Double
    public var note: String
  }

  public var repetitions: Int
  public var log: @Sendable (String) -> Void

  public init(repetitions: Int = 3, log: @escaping @Sendable (String) -> Void) {
    self.repetitions = repetitions
    self.log = log
  }

  /// Best-of-`repetitions` wall time of `body`, with the CPU time of that repetition.
  func time<R>(_ body: () throws -> R) rethrows -> (seconds: Double, cpu: Double, result: R) {
    var best = try timeOnce(body)
    for _ in 1..<max(1, repetitions) {
      let r = try timeOnce(body)
      best = r.seconds < best.seconds ? r : (best.seconds, best.cpu, r.result)
    }
    return best
  }

  /// One timed call (wall and CPU seconds) and its result.
  func timeOnce<R>(_ body: () throws -> R) rethrows -> (seconds: Double, cpu: Double, result: R) {
    let cpu0 = Self.cpuSeconds()
    let t0 = DispatchTime.now().uptimeNanoseconds
    let r = try body()
    return (Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9, Self.cpuSeconds() - cpu0, r)
  }

  /// User + system CPU seconds of this process so far.
  static func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
      + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
  }

  /// A GSL Laplace tensor (mt19937 seed 1, scale 0.02).
  public static func laplaceTensor(rows: Int, columns: Int, seed: UInt64 = 1) throws -> Tensor {
    let random = try GSLRandom(generator: "mt19937", seed: seed)
    var values = [Float](repeating: 0, count: rows * columns)
    for i in values.indices { values[i] = Float(random.laplace(scale: 0.02)) }
    return Tensor(shape: [rows, columns], values: values)
  }

  /// One pass over the values (sum of squares in Double): the baseline every engine figure is
  /// divided by. The sum is kept in ``sink`` so the optimiser cannot drop the pass.
  static func readPass(_ t: Tensor) -> Double {
    let s = t.values.reduce(0.0) { $0 + Double($1) * Double($1) }
    sink.withLock { $0 += s }
    return s
  }

  static let sink = Mutex<Double>(0)

  /// The single-tensor engine figures of the engine-core issue.
  public func engine(large: Bool) throws -> [Measurement] {
    let t = try Self.laplaceTensor(rows: 1536, columns: 384)
    let base = time { Self.readPass(t) }
    var out: [Measurement] = []
    func measure(_ name: String, _ spec: PalettizationSpec, _ options: ClusteringOptions, tensor: Tensor, baseline: (String, Double)) throws {
      let r = try time { try TensorPalettizer.palettize(tensor, spec: spec, options: options, op: .linear, seed: 1) }
      let note = String(format: "SNR %.3f dB, %d iterations", r.result.metrics.snrDB, r.result.metrics.iterations)
      out.append(Measurement(name: name, seconds: r.seconds, cpuSeconds: r.cpu, baseline: baseline.0, ratio: r.seconds / baseline.1, note: note))
      log(format(out.last!))
    }
    let baseline = ("read pass 1536x384", base.seconds)
    log(String(format: "baseline: one read pass over 1536x384 fp32: %.3f ms", base.seconds * 1e3))
    let fast = ClusteringOptions()
    let exact = ClusteringOptions(enableFastKMeansMode: false)
    try measure("scalar 4-bit per-tensor, fast mode (1536x384)", PalettizationSpec(nBits: 4), fast, tensor: t, baseline: baseline)
    try measure("scalar 4-bit per-tensor, exact mode (1536x384)", PalettizationSpec(nBits: 4), exact, tensor: t, baseline: baseline)
    try measure("scalar 4-bit grouped axis 0 g16 (96 blocks), exact (1536x384)",
                PalettizationSpec(nBits: 4, granularity: .perGroupedChannel(axis: 0, groupSize: 16)), exact, tensor: t, baseline: baseline)
    try measure("vector cluster_dim 2, 4-bit per-tensor, default k-means (1536x384)",
                PalettizationSpec(nBits: 4, clusterDim: 2), exact, tensor: t, baseline: baseline)
    if large {
      let big = try Self.laplaceTensor(rows: 4096, columns: 4096)
      let bigBase = time { Self.readPass(big) }
      let before = MemorySampler.status()["VmRSS"] ?? 0
      let sampler = MemorySampler()
      let r = try time { try TensorPalettizer.palettize(big, spec: PalettizationSpec(nBits: 8), options: exact, op: .linear) }
      let peak = sampler.stop().resident
      let peakAbove = Double(peak - before) / 1_048_576
      let m = Measurement(
        name: "scalar 8-bit per-tensor, exact mode (4096x4096)", seconds: r.seconds, cpuSeconds: r.cpu,
        baseline: "read pass 4096x4096", ratio: r.seconds / bigBase.seconds,
        note: String(format: "SNR %.3f dB; peak RSS %.0f MiB above the input (process peak %.0f MiB)", r.result.metrics.snrDB, peakAbove,
                      Double(peak) / 1_048_576))
      out.append(m)
      log(format(m))
    }
    return out
  }

  /// Whole-model figures of the models issue: `model` palettized with the default config, the
  /// `w4` preset and 4-bit `cluster_dim` 2, each against a plain read of the weights.
  public func model(_ url: URL, workers: Int) throws -> [Measurement] {
    let model = try Model.load(safetensors: url)
    let read = try time { () throws -> Double in
      var s = 0.0
      for name in model.tensorNames where try model.describe(name).weightDType != nil {
        s += Self.readPass(try model.tensor(named: name))
      }
      return s
    }
    log("baseline: plain read of every float tensor of \(url.lastPathComponent): \(String(format: "%.1f", read.seconds * 1e3)) ms")
    let vector = ModuleKMeansPalettizerConfig(
      opStateSpec: ["weight": PalettizationSpec(nBits: 4, clusterDim: 2), "in_proj_weight": PalettizationSpec(nBits: 4, clusterDim: 2)],
      enableFastKMeansMode: false)
    let configs: [(String, KMeansPalettizerConfig)] = [
      ("default config (4-bit per-tensor, fast mode)", KMeansPalettizerConfig()),
      ("w4 preset (4-bit grouped axis 0 g16)", KMeansPalettizerConfig.presets.w4()),
      ("4-bit cluster_dim 2 per-tensor", KMeansPalettizerConfig(globalConfig: vector)),
    ]
    var out: [Measurement] = []
    for (name, config) in configs {
      let palettizer = try KMeansPalettizer(model: model, config: config)
      let sampler = MemorySampler()
      let r = try time { try palettizer.prepare(numWorkers: workers, seed: 0) }
      let peak = sampler.stop().resident
      let m = Measurement(
        name: "\(name), \(workers) workers", seconds: r.seconds, cpuSeconds: r.cpu,
        baseline: "plain read", ratio: r.seconds / read.seconds,
        note: String(format: "%d tensors, model SNR %.3f dB, %.4f bits/weight, peak RSS %.0f MiB (this config's runs)",
                     r.result.palettized.count, r.result.snrDB, r.result.bitsPerWeight, Double(peak) / 1_048_576))
      out.append(m)
      log(format(m))
    }
    return out
  }

  /// One grid point of an experiment, run the way `sweep` runs it (model load, plan, every seed
  /// and worker count, CSV rows, hashes), against the engine time inside it: the harness
  /// overhead. Nothing is written. An experiment's `evaluate` key is ignored (the evaluation is
  /// work of its own, printed by `sweep`).
  public func sweepPoint(_ experimentURL: URL, configID: String?) throws -> Measurement {
    var experiment = try Experiment.load(contentsOf: experimentURL)
    experiment.embeddingEvaluation = nil
    let points = experiment.gridPoints
    let chosen: GridPoint? = configID.map { id in points.first { $0.id == id } } ?? points.first
    guard let point = chosen else {
      throw ExperimentError(file: experimentURL.path, keyPath: "sweep", problem: "has no grid point '\(configID ?? "")'; ids: \(points.map(\.id).joined(separator: ", "))")
    }
    let runner = SweepRunner(experiment: experiment, threads: 1)
    let seeds = experiment.seeds ?? [0]
    let runs = SweepRun.all(points: [point], seeds: seeds, workers: experiment.workers)
    var engine = 0.0
    let r = try time { () throws -> Int in
      engine = 0
      let context = try runner.prepareContext()
      var table = CSVTable(header: ResultColumns.tensors)
      for run in runs {
        let executed = try runner.execute(run, in: context)
        engine += executed.engineSeconds
        for row in executed.rows { table.append(row) }
      }
      _ = ResultHashing.hash(rows: table.rows, header: table.header)
      return table.rows.count
    }
    let overhead = (r.seconds - engine) / r.seconds * 100
    let m = Measurement(
      name: "sweep point \(point.id) (\(point.label)), \(runs.count) runs", seconds: r.seconds, cpuSeconds: r.cpu,
      baseline: "engine time inside it", ratio: r.seconds / engine,
      note: "\(r.result) rows; engine \(String(format: "%.1f", engine * 1e3)) ms; harness overhead \(String(format: "%.1f", overhead))% (model load, plan, rows, hashes)")
    log(format(m))
    return m
  }

  /// `name: 12.3 ms (CPU 24.1 ms, CPU/wall 1.96) = 41.0x read pass …; note`.
  public func format(_ m: Measurement) -> String {
    let ratio = m.seconds > 0 ? m.cpuSeconds / m.seconds : 0
    return "\(m.name): \(String(format: "%.1f", m.seconds * 1e3)) ms (CPU \(String(format: "%.1f", m.cpuSeconds * 1e3)) ms, "
      + "CPU/wall \(String(format: "%.2f", ratio))) = \(String(format: "%.1f", m.ratio))x \(m.baseline); \(m.note)"
  }
}
