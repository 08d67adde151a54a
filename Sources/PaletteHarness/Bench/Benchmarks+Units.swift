import Foundation

extension Benchmarks {
  /// A whole sweep of the experiment at `experimentURL`, written to a temporary folder, run as
  /// the default chunked work units (``UnitPolicy/standard``) against the same sweep with one
  /// unit per run (the baseline: how sweeps ran before runs were cut), both journaled, in one
  /// process, with `threads` threads. Checks that both write the same deterministic CSV hash.
  /// What it shows: the cost (or gain) of cutting runs into units, and of journaling each unit
  /// (one `fsync`ed file per unit). An experiment's `evaluate` key is ignored: evaluated sweeps
  /// always run one unit per run.
  public func sweepUnits(_ experimentURL: URL, threads: Int) throws -> Measurement {
    var experiment = try Experiment.load(contentsOf: experimentURL)
    experiment.embeddingEvaluation = nil
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("palettelab-bench-units-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    experiment.output = folder.appendingPathComponent("\(experiment.name).csv")
    func sweep(_ policy: UnitPolicy) throws -> (hash: String, units: Int) {
      let outcome = try SweepRunner(experiment: experiment, threads: threads, unitPolicy: policy).run()
      return (outcome.manifest.outputs.csvDeterministicSHA256, outcome.unitsRun)
    }
    let whole = try time { try sweep(.wholeRuns) }
    log(String(format: "baseline: sweep %@ as one unit per run (%d units), %d threads: %.2f s", experiment.name, whole.result.units, threads, whole.seconds))
    let units = try time { try sweep(.standard) }
    guard units.result.hash == whole.result.hash else {
      throw ExperimentError(file: experimentURL.path, keyPath: "", problem: "chunked units and whole runs gave different results (csv sha256 \(units.result.hash) vs \(whole.result.hash))")
    }
    let m = Measurement(
      name: "sweep \(experiment.name) as \(units.result.units) chunked units, \(threads) threads", seconds: units.seconds,
      cpuSeconds: units.cpu, baseline: "one unit per run", ratio: units.seconds / whole.seconds,
      note: "\(whole.result.units) runs; identical deterministic CSV (sha256 \(units.result.hash.prefix(12))…)")
    log(format(m))
    return m
  }
}
