import Foundation
import Palettization

/// Assembles a ``RunManifest`` for an experiment whose manifest goes to `manifestURL`.
struct ManifestBuilder {
  var experiment: Experiment
  var manifestURL: URL

  /// `url` relative to the manifest's folder (`../models/minilm/model.safetensors`).
  func relative(_ url: URL) -> String {
    RelativePath.from(manifestURL.deletingLastPathComponent(), to: url)
  }

  /// The input files of `experiment` by role (`model`, or `model.index` and one `model.shard`
  /// per shard of a sharded checkpoint; `modules`, `config`, `sensitivities` or
  /// `calibration_corpus`; with an evaluation, `evaluation_corpus` and each `encoder` file
  /// beside the model).
  /// - Throws: ``CheckpointError`` when a checkpoint's index or shards cannot be listed.
  static func inputFiles(of experiment: Experiment) throws -> [(role: String, url: URL)] {
    var files: [(role: String, url: URL)] = []
    var checkpoint: (URL, modules: URL?)?
    switch experiment.model {
    case .safetensors(let model, let modules): checkpoint = (model, modules)
    case .synthesizedCheckpoint(let synth, let modules): checkpoint = (synth.folder, modules)
    case .synthetic: break
    }
    if let (model, modules) = checkpoint {
      // A sharded checkpoint: its index and every shard, each with its own hash.
      let parts = try SafeTensorsCheckpoint.files(at: model)
      if let index = parts.index {
        files.append(("model.index", index))
        files += parts.shards.map { ("model.shard", $0) }
      } else {
        files += parts.shards.map { ("model", $0) }
      }
      if let modules { files.append(("modules", modules)) }
    }
    if case .file(let config) = experiment.config { files.append(("config", config)) }
    switch experiment.sensitivities {
    case .file(let s)?: files.append(("sensitivities", s))
    case .calibration(let settings)?: files.append(("calibration_corpus", settings.corpus))
    case nil: break
    }
    if let evaluation = experiment.embeddingEvaluation, case .safetensors(let model, _) = experiment.model {
      files.append(("evaluation_corpus", evaluation.corpus))
      files += SweepEvaluator.encoderFiles(beside: model).map { ("encoder", $0) }
    }
    return files
  }

  /// The input files of the experiment with their hashes.
  func inputs() throws -> [RunManifest.InputRecord] {
    return try Self.inputFiles(of: experiment).map { role, url in
      let (sha, bytes) = try SHA256Hasher.hex(ofFile: url)
      return RunManifest.InputRecord(role: role, path: relative(url), sha256: sha, bytes: bytes)
    }
  }

  /// The manifest; `evaluation` is the sweep's evaluator with each run's
  /// ``UnitResult/evaluation`` values, in run order; `calibration` the sweep's calibrator with
  /// the metadata of the sensitivities its runs used (`nil` when none did).
  func build(
    seeds: [UInt64], seedsDrawn: Bool, results: CSVTable, resultsURL: URL, summaryURL: URL,
    runs: [RunManifest.RunRecord], evaluation: (SweepEvaluator, [[String: String]])? = nil,
    calibration: (SweepCalibrator, CalibrationMetadata?)? = nil
  ) throws -> RunManifest {
    let inputs = try inputs()
    var manifest = RunManifest(
      format: RunManifest.formatName, harnessVersion: HarnessVersion.current,
      gitCommit: RunEnvironment.gitCommit(in: experiment.file.deletingLastPathComponent()),
      swiftVersion: RunEnvironment.swiftVersion, gslVersion: GSLRandom.gslVersion,
      os: RunEnvironment.os, arch: RunEnvironment.arch, generator: experiment.generator,
      seeds: seeds.map(String.init), seedsDrawn: seedsDrawn, workers: experiment.workers,
      experiment: .init(
        path: relative(experiment.file), sha256: SHA256Hasher.hex(of: experiment.content),
        content: String(decoding: experiment.content, as: UTF8.self)),
      inputs: inputs,
      outputs: .init(
        csv: relative(resultsURL), summary: relative(summaryURL),
        csvDeterministicSHA256: ResultHashing.hash(rows: results.rows, header: results.header)),
      runs: runs,
      evaluation: evaluation.map { evaluator, values in
        RunManifest.EvaluationRecord(evaluator: evaluator, runValues: values, inputs: inputs, relative: relative)
      })
    manifest.calibration = calibration.map { calibrator, used in
      RunManifest.CalibrationRecord(
        calibrator: calibrator, sensitivities: used, file: experiment.calibrationURL, inputs: inputs, relative: relative)
    }
    return manifest
  }
}

/// Relative paths between file URLs.
enum RelativePath {
  /// The path of `target` relative to folder `base`, with `..` as needed.
  static func from(_ base: URL, to target: URL) -> String {
    let b = base.standardizedFileURL.resolvingSymlinksInPath().pathComponents
    let t = target.standardizedFileURL.resolvingSymlinksInPath().pathComponents
    var common = 0
    while common < b.count, common < t.count, b[common] == t[common] { common += 1 }
    let ups = Array(repeating: "..", count: b.count - common)
    let parts = ups + t[common...]
    return parts.isEmpty ? "." : parts.joined(separator: "/")
  }
}
