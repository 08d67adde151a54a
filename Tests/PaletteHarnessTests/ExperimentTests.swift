import Foundation
import Testing
@testable import PaletteHarness
@testable import Palettization

/// A minimal valid experiment document with `overrides` merged in at the top level.
func experimentJSON(_ overrides: [String: Any] = [:], removing: [String] = []) throws -> Data {
  var doc: [String: Any] = [
    "name": "t",
    "model": ["synthetic": ["seed": 1, "layers": [
      ["name": "a", "type": "torch.nn.modules.linear.Linear", "shape": [32, 16], "distribution": ["type": "gaussian", "sigma": 0.1]],
    ]]],
    "config": "w8",
    "output": "out/t.csv",
  ]
  for (k, v) in overrides { doc[k] = v }
  for k in removing { doc.removeValue(forKey: k) }
  return try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys])
}

let experimentFile = URL(fileURLWithPath: "/work/exp/e.json")

@Suite("Experiment files and grid expansion")
struct ExperimentTests {
  @Test("a valid experiment parses; relative paths resolve against its folder")
  func parsesValid() throws {
    let e = try Experiment.parse(try experimentJSON([
      "seeds": [0, "18446744073709551615"], "workers": [1, 2], "generator": "ranlxd2",
      "sweep": ["n_bits": [2, 4], "granularity": ["per_tensor", ["type": "per_grouped_channel", "group_size": 8]]],
    ]), file: experimentFile)
    #expect(e.name == "t")
    #expect(e.output.path == "/work/exp/out/t.csv")
    #expect(e.summaryURL.path == "/work/exp/out/t.summary.csv")
    #expect(e.manifestURL.path == "/work/exp/out/t.manifest.json")
    #expect(e.seeds == [0, UInt64.max])
    #expect(e.workers == [1, 2])
    #expect(e.generator == "ranlxd2")
    #expect(e.config == .preset("w8"))
    guard case .synthetic(let model) = e.model else { Issue.record("expected a synthetic model"); return }
    #expect(model.layers.first?.distribution == .gaussian(sigma: 0.1))
  }

  @Test("a synth model source parses with its defaults; the folder resolves against the experiment")
  func parsesSynth() throws {
    let e = try Experiment.parse(try experimentJSON([
      "model": ["synth": ["preset": "tiny", "folder": "../models/t", "tie_embeddings": false], "modules": "m.json"],
    ]), file: experimentFile)
    guard case .synthesizedCheckpoint(let synth, let modules) = e.model else { Issue.record("expected synth"); return }
    var untied = SynthPreset.tiny
    untied.tieEmbeddings = false
    #expect(synth == SynthesizedCheckpoint(preset: untied, dtype: .bfloat16, shards: 1, seed: 0, folder: URL(fileURLWithPath: "/work/models/t")))
    #expect(modules?.path == "/work/exp/m.json")
  }

  @Test("grid expansion: cartesian product, canonical field order, union of grids, stable ids")
  func gridExpansion() throws {
    let e = try Experiment.parse(try experimentJSON([
      "sweep": [
        ["granularity": ["per_tensor", ["type": "per_grouped_channel", "axis": 0, "group_size": 16]], "n_bits": [2, 3, 4]],
        ["enable_fast_kmeans_mode": [false], "cluster_dim": [2, 4], "lut_qspec": [NSNull(), ["dtype": "int8"]]],
      ],
    ]), file: experimentFile)
    let points = e.gridPoints
    #expect(points.count == 6 + 4)
    // n_bits is declared before granularity, so it varies slowest whatever the key order.
    #expect(points.prefix(3).map(\.label) == [
      "n_bits=2 granularity=per_tensor",
      "n_bits=2 granularity=per_grouped_channel(axis=0,group_size=16)",
      "n_bits=3 granularity=per_tensor",
    ])
    #expect(points.map(\.id) == (1...6).map { "g1-p\($0)" } + (1...4).map { "g2-p\($0)" })
    #expect(points[6].label == "cluster_dim=2 lut_qspec=none enable_fast_kmeans_mode=false")
    let (spec, options) = points[7].apply(to: PalettizationSpec(nBits: 8), options: ClusteringOptions())
    #expect(spec == PalettizationSpec(nBits: 8, clusterDim: 2, lutQSpec: QuantizationSpec(dtype: .int8, qscheme: .symmetric)))
    #expect(options.enableFastKMeansMode == false)
    // Runs: points × seeds × workers, workers fastest.
    let runs = SweepRun.all(points: Array(points.prefix(2)), seeds: [5, 6], workers: [1, 2])
    #expect(runs.map(\.key) == ["g1-p1|5|1", "g1-p1|5|2", "g1-p1|6|1", "g1-p1|6|2", "g1-p2|5|1", "g1-p2|5|2", "g1-p2|6|1", "g1-p2|6|2"])
  }

  @Test("prune and sparsity_detection_threshold sweep: prune varies slowest; they land in options and spec")
  func pruneAndThresholdGrid() throws {
    let e = try Experiment.parse(try experimentJSON([
      "sweep": ["sparsity_detection_threshold": [NSNull(), 0.3], "n_bits": [2],
                "prune": [NSNull(), ["method": "magnitude", "sparsity": 0.5], ["method": "n_m", "n": 2, "m": 4]]],
    ]), file: experimentFile)
    let points = e.gridPoints
    #expect(points.map(\.label) == [
      "prune=none n_bits=2 sparsity_detection_threshold=none", "prune=none n_bits=2 sparsity_detection_threshold=0.3",
      "prune=magnitude:0.5 n_bits=2 sparsity_detection_threshold=none", "prune=magnitude:0.5 n_bits=2 sparsity_detection_threshold=0.3",
      "prune=n_m:2:4 n_bits=2 sparsity_detection_threshold=none", "prune=n_m:2:4 n_bits=2 sparsity_detection_threshold=0.3",
    ])
    let (spec, options) = points[5].apply(to: PalettizationSpec(nBits: 4), options: ClusteringOptions())
    #expect(spec == PalettizationSpec(nBits: 2, sparsityDetectionThreshold: 0.3))
    #expect(options.pruning == .nM(n: 2, m: 4))
    let (dense, plain) = points[0].apply(to: PalettizationSpec(sparsityDetectionThreshold: 0.5), options: ClusteringOptions(pruning: .magnitude(sparsity: 0.1)))
    #expect(dense.sparsityDetectionThreshold == nil && plain.pruning == nil)
  }

  struct Invalid: Sendable, CustomTestStringConvertible {
    var document: String
    var message: String
    var testDescription: String { message }
  }

  static let invalid: [Invalid] = [
    .init(document: "{", message: "/work/exp/e.json: is not valid JSON"),
    .init(document: #"[1]"#, message: "/work/exp/e.json: must be an object, found a list"),
    .init(document: #"{"name": "t", "model": {"synthetic": {"layers": []}}, "config": "w4", "output": "o.csv", "colour": 1}"#,
          message: "/work/exp/e.json: colour is not a known key; expected one of config, evaluate, generator, model, name, output, seeds, sensitivities, sweep, workers"),
    .init(document: #"{"model": {"safetensors": "m.safetensors"}, "config": "w4", "output": "o.csv"}"#,
          message: "/work/exp/e.json: is missing the required key 'name'"),
    .init(document: #"{"name": "a/b", "model": {"safetensors": "m.safetensors"}, "config": "w4", "output": "o.csv"}"#,
          message: #"/work/exp/e.json: name must be a non-empty file-name-safe string (letters, digits, - _ .), found "a/b""#),
    .init(document: #"{"name": "t", "model": {"safetensors": 3}, "config": "w4", "output": "o.csv"}"#,
          message: "/work/exp/e.json: model.safetensors must be a string, found a number 3"),
    .init(document: #"{"name": "t", "model": {}, "config": "w4", "output": "o.csv"}"#,
          message: "/work/exp/e.json: model must give 'safetensors' (a checkpoint path), 'synthetic' (layers to generate) or 'synth' (a checkpoint to synthesise)"),
    .init(document: #"{"name": "t", "model": {"safetensors": "m", "synth": {"preset": "tiny", "folder": "f"}}, "config": "w4", "output": "o.csv"}"#,
          message: "/work/exp/e.json: model must give one of 'safetensors', 'synthetic' or 'synth', not 'safetensors' and 'synth'"),
    .init(document: #"{"name": "t", "model": {"synth": {"preset": "llama-70b", "folder": "f"}}, "config": "w4", "output": "o.csv"}"#,
          message: #"/work/exp/e.json: model.synth.preset must be one of tiny, llama-1b, llama-7b-layer, found "llama-70b""#),
    .init(document: #"{"name": "t", "model": {"synth": {"preset": "tiny"}}, "config": "w4", "output": "o.csv"}"#,
          message: "/work/exp/e.json: model.synth must have 'preset' (tiny, llama-1b, llama-7b-layer) and 'folder'"),
    .init(document: #"{"name": "t", "model": {"synth": {"preset": "tiny", "folder": "f", "dtype": "int8"}}, "config": "w4", "output": "o.csv"}"#,
          message: #"/work/exp/e.json: model.synth.dtype must be bf16, fp16 or fp32, found "int8""#),
    .init(document: #"{"name": "t", "model": {"synth": {"preset": "tiny", "folder": "f", "shards": 0}}, "config": "w4", "output": "o.csv"}"#,
          message: "/work/exp/e.json: model.synth.shards must be a shard count in 1...999, found 0"),
    .init(document: #"{"name": "t", "model": {"synthetic": {"layers": [{"name": "a", "type": "Linear", "shape": [2, 2], "distribution": {"type": "gaussian", "sigma": 1}}]}}, "config": "w4", "output": "o.csv"}"#,
          message: #"/work/exp/e.json: model.synthetic.layers[0].type must be a fully-qualified type such as torch.nn.modules.linear.Linear, found "Linear""#),
    .init(document: #"{"name": "t", "model": {"synthetic": {"layers": [{"name": "a", "type": "x.L", "shape": [2, 0], "distribution": {"type": "gaussian", "sigma": 1}}]}}, "config": "w4", "output": "o.csv"}"#,
          message: "/work/exp/e.json: model.synthetic.layers[0].shape[1] must be a positive dimension, found 0"),
    .init(document: #"{"name": "t", "model": {"synthetic": {"layers": [{"name": "a", "type": "x.L", "shape": [2], "distribution": {"type": "cauchy"}}]}}, "config": "w4", "output": "o.csv"}"#,
          message: #"/work/exp/e.json: model.synthetic.layers[0].distribution.type must be one of gaussian, laplace, student_t, found "cauchy""#),
    .init(document: #"{"name": "t", "model": {"safetensors": "m.safetensors"}, "config": "w5", "output": "o.csv"}"#,
          message: #"/work/exp/e.json: config must be a preset (default, w4, w6, w8), a .yaml/.yml/.json config path, or an inline config object; found "w5""#),
    .init(document: #"{"name": "t", "model": {"safetensors": "m.safetensors"}, "config": "w4", "output": "o.csv", "sweep": {"n_bits": [4, 5]}}"#,
          message: "/work/exp/e.json: sweep.n_bits[1] 5 is not one of 1, 2, 3, 4, 6, 8"),
    .init(document: #"{"name": "t", "model": {"safetensors": "m.safetensors"}, "config": "w4", "output": "o.csv", "sweep": {"bits": [4]}}"#,
          message: "/work/exp/e.json: sweep.bits is not a known key; expected one of cluster_dim, enable_fast_kmeans_mode, enable_per_channel_scale, granularity, lut_qspec, n_bits, prune, rounding_precision, sensitivity, sparsity_detection_threshold"),
    .init(document: #"{"name": "t", "model": {"safetensors": "m.safetensors"}, "config": "w4", "output": "o.csv", "sweep": {"sparsity_detection_threshold": [null, 2]}}"#,
          message: "/work/exp/e.json: sweep.sparsity_detection_threshold[1] must be in [0, 1] or null, found 2"),
    .init(document: #"{"name": "t", "model": {"safetensors": "m.safetensors"}, "config": "w4", "output": "o.csv", "sweep": {"prune": [null, {"method": "magnitude", "sparsity": 1.5}]}}"#,
          message: "/work/exp/e.json: sweep.prune[1].sparsity 1.5 must be in [0, 1]"),
    .init(document: #"{"name": "t", "model": {"safetensors": "m.safetensors"}, "config": "w4", "output": "o.csv", "sweep": {"prune": [{"method": "n_m", "n": 4, "m": 2}]}}"#,
          message: "/work/exp/e.json: sweep.prune[0].n 4 must be in 1...m (m = 2)"),
    .init(document: #"{"name": "t", "model": {"safetensors": "m.safetensors"}, "config": "w4", "output": "o.csv", "sweep": {"prune": [{"method": "random", "sparsity": 0.5}]}}"#,
          message: #"/work/exp/e.json: sweep.prune[0].method must be magnitude or n_m, found "random""#),
    .init(document: #"{"name": "t", "model": {"safetensors": "m.safetensors"}, "config": "w4", "output": "o.csv", "sweep": {"prune": [{"method": "n_m", "n": 2}]}}"#,
          message: "/work/exp/e.json: sweep.prune[0] is missing 'm' (the run length)"),
    .init(document: #"{"name": "t", "model": {"safetensors": "m.safetensors"}, "config": "w4", "output": "o.csv", "sweep": {"prune": [{"method": "magnitude", "sparsity": 0.5, "n": 2}]}}"#,
          message: "/work/exp/e.json: sweep.prune[0] has 'n', which method magnitude does not take"),
    .init(document: #"{"name": "t", "model": {"safetensors": "m.safetensors"}, "config": "w4", "output": "o.csv", "sweep": [{"granularity": [{"type": "per_grouped_channel", "axis": 2, "group_size": 4}]}]}"#,
          message: "/work/exp/e.json: sweep[0].granularity[0].axis must be 0 or 1, found 2"),
    .init(document: #"{"name": "t", "model": {"safetensors": "m.safetensors"}, "config": "w4", "output": "o.csv", "sweep": {"lut_qspec": [{"dtype": "int4"}]}}"#,
          message: #"/work/exp/e.json: sweep.lut_qspec[0].dtype must be one of int8, uint8, float8_e4m3fn, float8_e5m2, found "int4""#),
    .init(document: #"{"name": "t", "model": {"safetensors": "m.safetensors"}, "config": "w4", "output": "o.csv", "seeds": [-1]}"#,
          message: "/work/exp/e.json: seeds[0] must be a seed in 0...2^53 (write larger seeds as strings), found -1"),
    .init(document: #"{"name": "t", "model": {"safetensors": "m.safetensors"}, "config": "w4", "output": "o.csv", "workers": [0]}"#,
          message: "/work/exp/e.json: workers[0] must be a worker count in 1...256, found 0"),
    .init(document: #"{"name": "t", "model": {"safetensors": "m.safetensors"}, "config": "w4", "output": "o.csv", "generator": "mt"}"#,
          message: "/work/exp/e.json: generator \"mt\" is not a GSL generator; available: "),
    .init(document: #"{"name": "t", "model": {"safetensors": "m.safetensors"}, "config": "w4", "output": "o.txt"}"#,
          message: #"/work/exp/e.json: output must name a .csv file, found "o.txt""#),
    .init(document: #"{"name": "t", "model": {"safetensors": "m.safetensors"}, "config": "w4", "output": "o.csv", "sweep": {"enable_fast_kmeans_mode": ["no"]}}"#,
          message: #"/work/exp/e.json: sweep.enable_fast_kmeans_mode[0] must be true or false, found a string "no""#),
  ]

  @Test("invalid experiment documents give errors naming the file, key path and problem", arguments: invalid)
  func invalidDocuments(_ c: Invalid) {
    do {
      _ = try Experiment.parse(Data(c.document.utf8), file: experimentFile)
      Issue.record("parsed without error: \(c.document)")
    } catch {
      #expect(error.description.hasPrefix(c.message), "got: \(error.description)")
    }
  }
}
