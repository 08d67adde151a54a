import Dispatch
import Foundation
import Palettization
import Synchronization

/// The figures of the large-models issue: a sharded LLaMA-shaped checkpoint end to end, and the
/// working memory of single large tensors.
extension Benchmarks {
  /// Palettizes the checkpoint at `url` (a folder or index; `harness synth --preset llama-1b
  /// --shards 3` writes one) with the default config, `w4`, `w8` and — with `vector` — 4-bit
  /// `cluster_dim` 2, each on `workers` workers, against a read pass over the same weights with
  /// the same workers. Reports wall and CPU time, time per billion palettized parameters, and
  /// the peak resident set with its anonymous and file-backed parts.
  ///
  /// Every repetition starts from nothing held (the previous result is dropped first), and
  /// the kernel's peak is reset before it, so each peak is one run's.
  public func scale(_ url: URL, workers: Int, vector: Bool) throws -> [Measurement] {
    let (openSeconds, _, model) = try timeOnce { try Model.load(safetensors: url) }
    let shards = model.checkpoint?.shards.count ?? 0
    var parameters = 0
    for name in model.tensorNames where model.ties[name] == nil { parameters += try model.describe(name).count }
    log(String(format: "checkpoint %@: %d shards, %d tensors, %.3f B parameters; opened and validated in %.1f ms",
               url.path, shards, model.tensorNames.count, Double(parameters) / 1e9, openSeconds * 1e3))

    let runs = max(1, repetitions)
    var read = (seconds: Double.infinity, cpu: 0.0)
    var readPeak = MemorySampler.Peaks()
    for _ in 0..<runs {
      let sampler = MemorySampler()
      let r = try timeOnce { try Self.readPass(model, workers: workers) }
      readPeak = sampler.stop()
      if r.seconds < read.seconds { read = (r.seconds, r.cpu) }
    }
    log(String(format: "baseline: read pass over every float tensor (%d workers): %.2f s (CPU/wall %.2f), peak RSS %@",
               workers, read.seconds, read.cpu / read.seconds, Self.describe(readPeak)))

    let vectorConfig = ModuleKMeansPalettizerConfig(
      opStateSpec: ["weight": PalettizationSpec(nBits: 4, clusterDim: 2)], enableFastKMeansMode: false)
    var configs: [(name: String, config: KMeansPalettizerConfig, runs: Int)] = [
      ("default config (4-bit per-tensor, fast mode)", KMeansPalettizerConfig(), runs),
      ("w4 preset (4-bit grouped axis 0 g16)", KMeansPalettizerConfig.presets.w4(), runs),
      ("w8 preset (8-bit per-tensor)", KMeansPalettizerConfig.presets.w8(), runs),
      ("8-bit per-tensor, exact mode", KMeansPalettizerConfig(globalConfig: ModuleKMeansPalettizerConfig(
        opStateSpec: ["weight": PalettizationSpec(nBits: 8)], enableFastKMeansMode: false)), runs),
    ]
    // The vector config takes minutes on a 1B model: once is enough.
    if vector { configs.append(("4-bit cluster_dim 2 per-tensor", KMeansPalettizerConfig(globalConfig: vectorConfig), 1)) }

    var out: [Measurement] = []
    for (name, config, runs) in configs {
      let palettizer = try KMeansPalettizer(model: model, config: config)
      var best = (seconds: Double.infinity, cpu: 0.0)
      var worstPeak = MemorySampler.Peaks()
      var summary = ""
      var billions = 0.0
      for _ in 0..<runs {
        let sampler = MemorySampler()
        let r = try timeOnce { try palettizer.prepare(numWorkers: workers, seed: 0) }
        let peak = sampler.stop()
        if r.seconds < best.seconds { best = (r.seconds, r.cpu) }
        if peak.resident > worstPeak.resident { worstPeak = peak }
        let indexBytes = r.result.palettized.reduce(0) { $0 + $1.result.indices.count }
        billions = Double(r.result.palettizedParameters) / 1e9
        summary = String(
          format: "%d tensors, %.3f B parameters; model SNR %.3f dB, %.4f bits/weight; indices held %.0f MiB",
          r.result.palettized.count, billions, r.result.snrDB, r.result.bitsPerWeight, Double(indexBytes) / 1_048_576)
      }
      summary = String(format: "%.2f s (CPU %.2f s) per billion parameters; ", best.seconds / billions, best.cpu / billions) + summary
      let m = Measurement(
        name: "\(name), \(workers) workers", seconds: best.seconds, cpuSeconds: best.cpu,
        baseline: "read pass", ratio: best.seconds / read.seconds,
        note: summary + "; peak RSS " + Self.describe(worstPeak))
      out.append(m)
      log(format(m))
    }
    return out
  }

  /// Working memory of single large tensors at 8-bit exact mode: a bf16 `[rows, 4096]`
  /// `lm_head` through the histogram path (from its bytes), and — with `fp32` — an fp32
  /// `[32000, 4096]` through the `Float` path. Each reports the peak resident set above what
  /// was resident before the call (the input), less the result's indices (one byte per element).
  public func largeTensors(bf16Rows: Int, fp32: Bool) throws -> [Measurement] {
    var out: [Measurement] = []
    let spec = PalettizationSpec(nBits: 8)
    let exact = ClusteringOptions(enableFastKMeansMode: false)
    do {
      let count = bf16Rows * 4096
      let bytes = try Self.gaussianBytes(count: count, dtype: .bfloat16)
      let read = timeOnce {
        let sum = bytes.withUnsafeBytes { raw in
          (0..<count).reduce(0.0) { sum, t in
            let x = Double(BFloat16.float(fromBits: raw.loadUnaligned(fromByteOffset: 2 * t, as: UInt16.self)))
            return sum + x * x
          }
        }
        Self.sink.withLock { $0 += sum }  // keeps the pass from being optimised away
      }
      let before = MemorySampler.status()["VmRSS"] ?? 0
      let sampler = MemorySampler()
      let r = try timeOnce {
        try bytes.withUnsafeBytes { raw in
          try Result { () throws(PalettizationError) in
            try TensorPalettizer.palettize(halfPrecision: raw, shape: [bf16Rows, 4096], dtype: .bfloat16, spec: spec, options: exact)
          }.get()
        }
      }
      let peak = sampler.stop()
      let above = peak.resident - before - r.result.indices.count
      out.append(Measurement(
        name: "bf16 \(bf16Rows)x4096 lm_head, 8-bit exact, histogram path", seconds: r.seconds, cpuSeconds: r.cpu,
        baseline: "read pass over its bytes", ratio: r.seconds / read.seconds,
        note: String(format: "input %.0f MiB, indices %.0f MiB, peak %.1f MiB above input + indices; SNR %.3f dB",
                     Double(bytes.count) / 1_048_576, Double(r.result.indices.count) / 1_048_576,
                     Double(above) / 1_048_576, r.result.metrics.snrDB)))
      log(format(out[out.count - 1]))
    }
    if fp32 {
      let tensor = try Self.laplaceTensor(rows: 32000, columns: 4096)
      let read = timeOnce { Self.readPass(tensor) }
      let before = MemorySampler.status()["VmRSS"] ?? 0
      let sampler = MemorySampler()
      let r = try timeOnce { try TensorPalettizer.palettize(tensor, spec: spec, options: exact, op: .linear) }
      let peak = sampler.stop()
      let above = peak.resident - before
      out.append(Measurement(
        name: "fp32 32000x4096, 8-bit exact, Float path", seconds: r.seconds, cpuSeconds: r.cpu,
        baseline: "read pass", ratio: r.seconds / read.seconds,
        note: String(format: "input %.0f MiB; peak %.0f MiB above the input (indices %.0f MiB of it); SNR %.3f dB",
                     Double(tensor.count * 4) / 1_048_576, Double(above) / 1_048_576,
                     Double(r.result.indices.count) / 1_048_576, r.result.metrics.snrDB)))
      log(format(out[out.count - 1]))
    }
    return out
  }

  /// `2.41 GiB (anonymous 1.10 GiB, file-backed 1.31 GiB)`.
  static func describe(_ p: MemorySampler.Peaks) -> String {
    let g = 1_073_741_824.0
    return String(format: "%.2f GiB (sampled anonymous %.2f GiB, file-backed %.2f GiB)",
                  Double(p.resident) / g, Double(p.anonymous) / g, Double(p.fileBacked) / g)
  }

  /// Reads every float tensor of `model` once from its mapping (sum of squares), `workers`
  /// tensors at a time, releasing each tensor's pages after it as the palettizer does.
  static func readPass(_ model: Model, workers: Int) throws -> Double {
    guard let checkpoint = model.checkpoint else { return 0 }
    let names = model.tensorNames.filter { model.ties[$0] == nil }
    let next = Atomic<Int>(0)
    let total = Mutex<Double>(0)
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
      while true {
        let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
        if i >= names.count { return }
        guard let (file, info) = checkpoint.location(of: names[i]), let dtype = info.dtype.weightDType else { continue }
        let s = file.withUnsafeBytes(of: info) { raw -> Double in
          var sum = 0.0
          let width = dtype.bitWidth / 8
          for t in 0..<(raw.count / width) {
            let x: Float
            switch dtype {
            case .bfloat16: x = BFloat16.float(fromBits: raw.loadUnaligned(fromByteOffset: 2 * t, as: UInt16.self))
            case .float16: x = Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: 2 * t, as: UInt16.self)))
            case .float32: x = raw.loadUnaligned(fromByteOffset: 4 * t, as: Float.self)
            case .float64: x = Float(raw.loadUnaligned(fromByteOffset: 8 * t, as: Double.self))
            }
            sum += Double(x) * Double(x)
          }
          return sum
        }
        checkpoint.releasePages(of: names[i])
        total.withLock { $0 += s }
      }
    }
    let sum = total.withLock { $0 }
    sink.withLock { $0 += sum }
    return sum
  }

  /// `count` GSL Gaussian values (σ 0.02, mt19937 seed 1) as little-endian `dtype` bytes.
  static func gaussianBytes(count: Int, dtype: WeightDType) throws -> [UInt8] {
    let random = try GSLRandom(generator: "mt19937", seed: 1)
    let width = dtype.bitWidth / 8
    return [UInt8](unsafeUninitializedCapacity: count * width) { buffer, initialized in
      let raw = UnsafeMutableRawBufferPointer(buffer)
      for i in 0..<count {
        let v = Float(random.gaussian(sigma: 0.02))
        switch dtype {
        case .bfloat16: raw.storeBytes(of: BFloat16.bits(from: v).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
        default: raw.storeBytes(of: Float16(v).bitPattern.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
        }
      }
      initialized = count * width
    }
  }
}
