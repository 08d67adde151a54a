import Foundation
import Palettization

extension Benchmarks {
  /// Joint sparse palettization against dense palettization of the same model (issue 11's
  /// speed target: at 50 % sparsity, joint costs no more than dense).
  ///
  /// Setup, outside every timed region: every float tensor of `url` is read into memory once
  /// (so no variant pays for reading the file), and a second in-memory copy has every tensor
  /// the config selects pruned by magnitude to 50 %. Then, per config (the default 4-bit
  /// per-tensor, and the `w4` preset whose 16-row blocks exercise reserve-zero LUTs), with
  /// `workers` workers:
  /// - baseline: the dense model, dense palettization;
  /// - the pruned model, `sparsity_detection_threshold` 0.3 (joint: nonzeros only, masks);
  /// - the pruned model, dense palettization (same input, no joint step);
  /// - the dense model with pruning inside each tensor's unit of work, then joint (what a sweep
  ///   with `prune` runs).
  /// Each figure is a ratio to the baseline of its config, measured in the same run. The joint
  /// variants are checked to have produced a mask for every palettized tensor.
  public func sparse(_ url: URL, workers: Int) throws -> [Measurement] {
    var out = try sparseTensor()
    let file = try Model.load(safetensors: url)
    var dense: [(name: String, tensor: Tensor)] = []
    for name in file.tensorNames where try file.describe(name).weightDType != nil {
      dense.append((name, try file.tensor(named: name)))
    }
    let denseModel = try Model(tensors: dense)
    let half = PruningSpec.magnitude(sparsity: 0.5)
    let configs: [(String, KMeansPalettizerConfig)] = [
      ("default config (4-bit per-tensor, fast mode)", KMeansPalettizerConfig()),
      ("w4 preset (4-bit grouped axis 0 g16)", KMeansPalettizerConfig.presets.w4()),
    ]
    for (label, config) in configs {
      let plan = try KMeansPalettizer(model: denseModel, config: config).plan
      let ops = Dictionary(uniqueKeysWithValues: plan.filter { $0.spec != nil }.map { ($0.name, $0.op?.kind) })
      let pruned = try Model(tensors: try dense.map { entry in
        guard let op = ops[entry.name] else { return entry }
        return (entry.name, try half.prune(entry.tensor, op: op))
      })
      let joint = plan.map { entry -> ResolvedTensor in
        var e = entry
        e.spec?.sparsityDetectionThreshold = 0.3
        return e
      }
      let baseline = try time { try KMeansPalettizer(model: denseModel, plan: plan).prepare(numWorkers: workers, seed: 0) }
      log("baseline: \(label), dense model, dense palettization, \(workers) workers: "
        + String(format: "%.1f ms (CPU %.1f ms), model SNR %.3f dB, %.4f bits/weight", baseline.seconds * 1e3,
                 baseline.cpu * 1e3, baseline.result.snrDB, baseline.result.bitsPerWeight))
      let variants: [(String, KMeansPalettizer, Bool)] = [
        ("joint (threshold 0.3) on the 50%-pruned model", KMeansPalettizer(model: pruned, plan: joint), true),
        ("dense on the 50%-pruned model", KMeansPalettizer(model: pruned, plan: plan), false),
        ("pruning in each unit of work, then joint", KMeansPalettizer(model: denseModel, plan: joint).withPruning(half), true),
      ]
      for (name, palettizer, expectMasks) in variants {
        let r = try time { try palettizer.prepare(numWorkers: workers, seed: 0) }
        let masks = r.result.palettized.filter { $0.result.mask != nil }.count
        guard masks == (expectMasks ? r.result.palettized.count : 0) else {
          throw ExperimentError(file: url.path, keyPath: "", problem: "bench variant '\(name)': \(masks) of \(r.result.palettized.count) tensors were jointly palettized")
        }
        let m = Measurement(
          name: "\(label): \(name), \(workers) workers", seconds: r.seconds, cpuSeconds: r.cpu,
          baseline: "dense palettization of the dense model", ratio: r.seconds / baseline.seconds,
          note: String(format: "CPU ratio %.2f; %d tensors (%d joint), model SNR %.3f dB vs the model's own weights, %.4f bits/weight",
                       r.cpu / baseline.cpu, r.result.palettized.count, masks, r.result.snrDB, r.result.bitsPerWeight))
        out.append(m)
        log(format(m))
      }
    }
    return out
  }

  /// The single-tensor form: the engine bench's 1536×384 Laplace tensor, 4-bit per-tensor fast
  /// mode, dense against joint on its 50 %-magnitude-pruned copy (pruned outside the timing).
  func sparseTensor() throws -> [Measurement] {
    let t = try Self.laplaceTensor(rows: 1536, columns: 384)
    let pruned = try PruningSpec.magnitude(sparsity: 0.5).prune(t, op: .linear)
    var out: [Measurement] = []
    for spec in [PalettizationSpec(nBits: 4), PalettizationSpec(nBits: 4, granularity: .perGroupedChannel(axis: 0, groupSize: 16))] {
      let label = spec.granularity == .perTensor ? "per-tensor" : "grouped g16"
      let dense = try time { try TensorPalettizer.palettize(t, spec: spec, op: .linear) }
      var jointSpec = spec
      jointSpec.sparsityDetectionThreshold = 0.3
      let joint = try time { try TensorPalettizer.palettize(pruned, spec: jointSpec, op: .linear) }
      guard joint.result.mask != nil else {
        throw ExperimentError(file: "bench", keyPath: "", problem: "the pruned tensor was not palettized jointly")
      }
      let m = Measurement(
        name: "1536x384 Laplace 4-bit \(label) fast: joint on the 50%-pruned copy", seconds: joint.seconds, cpuSeconds: joint.cpu,
        baseline: "dense palettization of the dense tensor", ratio: joint.seconds / dense.seconds,
        note: String(format: "dense %.2f ms (CPU %.2f ms); CPU ratio %.2f", dense.seconds * 1e3, dense.cpu * 1e3, joint.cpu / dense.cpu))
      out.append(m)
      log(format(m))
    }
    return out
  }
}
