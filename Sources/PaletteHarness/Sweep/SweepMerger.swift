import Foundation

/// Joins work units into runs and runs into a sweep's outputs: the per-tensor CSV, the summary
/// CSV and the manifest, exactly as an unsharded sweep that never stopped writes them.
public enum SweepMerger {
  /// Assembles the outputs of a sharded sweep from its journal, once every shard is done
  /// (`harness merge E.json`, the Slurm merge job): writes the CSV, summary and manifest
  /// atomically and removes the journal.
  /// - Throws: ``JournalError`` when there is no journal, it belongs to another experiment or
  ///   binary, or units are missing or do not verify (naming them); nothing is written then.
  public static func merge(experiment: Experiment, log: (@Sendable (String) -> Void)? = nil) throws -> SweepRunner.Outcome {
    let start = DispatchTime.now().uptimeNanoseconds
    let runner = SweepRunner(experiment: experiment, resume: true, log: log)
    let layout = try runner.lay(startOver: false, seeds: nil, existingOnly: true)
    var results: [UnitResult] = []
    var missing: [String] = []
    var invalid: [String] = []
    for unit in layout.units {
      switch layout.journal.entry(for: unit) {
      case .verified(let result): results.append(result)
      case .missing: missing.append(unit.id)
      case .invalid(let why): invalid.append("\(layout.journal.entryURL(unit: unit.id).path) \(why)")
      }
    }
    guard missing.isEmpty && invalid.isEmpty else {
      var problem = "holds \(results.count) of the sweep's \(layout.units.count) units"
      if !missing.isEmpty {
        problem += "; missing: " + missing.prefix(8).joined(separator: ", ") + (missing.count > 8 ? " and \(missing.count - 8) more" : "")
      }
      if !invalid.isEmpty {
        problem += "; unusable: " + invalid.prefix(3).joined(separator: "; ") + (invalid.count > 3 ? " and \(invalid.count - 3) more" : "")
      }
      problem += ". Re-run the shards that own them (harness sweep E.json --shard i/n --resume), or finish the sweep here with harness sweep E.json --resume"
      throw JournalError(file: layout.journal.folder.path, problem: problem)
    }
    var outcome = try finish(layout, results: results, log: log)
    outcome.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    outcome.unitsResumed = results.count
    return outcome
  }

  /// Writes the outputs of `layout`'s sweep from `results` (one per unit, in unit order) and
  /// removes the journal.
  static func finish(_ layout: SweepRunner.Layout, results: [UnitResult], log: (@Sendable (String) -> Void)?) throws -> SweepRunner.Outcome {
    precondition(results.count == layout.units.count, "every unit needs its result")
    var byRun: [String: [UnitResult]] = [:]
    for result in results { byRun[result.run, default: []].append(result) }
    let experiment = layout.experiment
    let executed = layout.runs.map { run in assemble(run, byRun[run.key] ?? [], experiment: experiment) }
    let calibration = try journaledCalibration(layout, results: results)
    let outcome = try write(
      layout.runs, executed, experiment: experiment, seeds: layout.journal.seeds,
      seedsDrawn: layout.journal.header.seedsDrawn, evaluator: layout.context.evaluator,
      calibration: layout.context.calibrator.map { ($0, calibration) }, log: log)
    try layout.journal.remove()
    return outcome
  }

  /// The journal's calibration, when a unit was weighted with calibrated sensitivities, checked
  /// against every such unit's ``UnitResult/sensitivitiesSHA256`` (results weighted with
  /// different sensitivities are never mixed in one sweep).
  /// - Throws: ``JournalError`` naming the unit whose sensitivities are not the journal's.
  static func journaledCalibration(_ layout: SweepRunner.Layout, results: [UnitResult]) throws -> ActivationSensitivities? {
    guard let first = results.first(where: { $0.sensitivitiesSHA256 != nil }) else { return nil }
    let journal = layout.journal
    guard case .calibration(let settings) = layout.experiment.sensitivities,
          let calibration = try journal.calibration(settings: settings)
    else {
      throw JournalError(file: journal.folder.path, problem: "unit \(first.unit) was weighted with calibrated sensitivities "
        + "(sha256 \(first.sensitivitiesSHA256?.prefix(12) ?? "")…), but the journal holds no calibration.safetensors; "
        + JournalError.startOver(journal.folder))
    }
    // Hashed once (tens of MB of floats), not once per unit.
    let hash = calibration.contentSHA256
    if let other = results.first(where: { $0.sensitivitiesSHA256.map { $0 != hash } ?? false }) {
      throw JournalError(file: journal.folder.path, problem: "unit \(other.unit) was weighted with sensitivities sha256 "
        + "\(other.sensitivitiesSHA256?.prefix(12) ?? "")…, but the journal's calibration.safetensors has \(hash.prefix(12))…; "
        + "results weighted with different sensitivities are never mixed: " + JournalError.startOver(journal.folder))
    }
    return calibration
  }

  /// One run's rows, summary row and manifest record from its units' results, in chunk order.
  static func assemble(_ run: SweepRun, _ parts: [UnitResult], experiment: Experiment) -> SweepRunner.Executed {
    let fixed = RowPrefix(run: run, generator: experiment.generator, sensitivity: experiment.sensitivity(of: run.point))
    let rows = parts.flatMap(\.rows)
    let tensors = parts.flatMap(\.results)
    let hashes = tensors.map { RunManifest.TensorHash(name: $0.name, sha256: $0.sha256) }
    let engineSeconds = parts.reduce(0) { $0 + $1.engineSeconds }
    var evaluation: [String: String] = [:]
    for part in parts { evaluation.merge(part.evaluation) { first, _ in first } }
    let rejection = parts.lazy.compactMap(\.rejection).first
    let summary = rejection.map {
      fixed.summaryRow(label: run.point.label, totals: nil, skipped: 0, errors: rows.count, seconds: 0, status: "error", message: $0)
    } ?? fixed.summaryRow(
      label: run.point.label, totals: RunTotals(tensors), skipped: parts.reduce(0) { $0 + $1.skipped }, errors: 0,
      evaluation: evaluation, seconds: engineSeconds, status: "ok", message: "")
    var record = RunManifest.RunRecord(
      configID: run.point.id, seed: "\(run.seed)", workers: run.workers, overrides: run.point.label,
      status: rejection == nil ? "ok" : "error", resultSHA256: ResultHashing.hash(tensors: hashes),
      rowsSHA256: ResultHashing.hash(rows: rows, header: ResultColumns.tensors), tensors: hashes)
    record.evaluation = RunManifest.RunEvaluationRecord(unitValues: evaluation, rows: rows)
    return SweepRunner.Executed(
      rows: rows, summary: summary, record: record, warnings: parts.flatMap(\.warnings),
      engineSeconds: engineSeconds, evaluation: evaluation, evaluationSeconds: parts.reduce(0) { $0 + $1.evaluationSeconds })
  }

  /// Writes the CSV, summary and manifest of `runs` (with their assembled outputs, in run order)
  /// atomically, and the calibrated sensitivities the runs used beside them
  /// (``Experiment/calibrationURL``); a skip warning is logged once per grid point.
  static func write(
    _ runs: [SweepRun], _ executed: [SweepRunner.Executed], experiment: Experiment, seeds: [UInt64], seedsDrawn: Bool,
    evaluator: SweepEvaluator?, calibration: (SweepCalibrator, ActivationSensitivities?)? = nil,
    log: (@Sendable (String) -> Void)?
  ) throws -> SweepRunner.Outcome {
    var results = CSVTable(header: ResultColumns.tensors, source: experiment.output.path)
    var summary = CSVTable(header: ResultColumns.summary, source: experiment.summaryURL.path)
    var records: [RunManifest.RunRecord] = []
    var engineSeconds = 0.0, evaluationSeconds = 0.0
    var warned = Set<String>()
    for (run, e) in zip(runs, executed) {
      engineSeconds += e.engineSeconds
      evaluationSeconds += e.evaluationSeconds
      for row in e.rows { results.append(row) }
      summary.append(e.summary)
      records.append(e.record)
      // A skip repeats for every seed and worker count of a grid point: say it once.
      for warning in e.warnings where warned.insert("\(run.point.id) \(warning)").inserted {
        log?("warning: \(run.point.id): \(warning)")
      }
    }
    let manifest = try ManifestBuilder(experiment: experiment, manifestURL: experiment.manifestURL).build(
      seeds: seeds, seedsDrawn: seedsDrawn, results: results, resultsURL: experiment.output,
      summaryURL: experiment.summaryURL, runs: records,
      evaluation: evaluator.map { ($0, executed.map(\.evaluation)) },
      calibration: calibration.map { calibrator, used in (calibrator, used?.metadata) })
    try FileManager.default.createDirectory(at: experiment.output.deletingLastPathComponent(), withIntermediateDirectories: true)
    if let used = calibration?.1 { try used.writeColumns(to: experiment.calibrationURL) }
    try results.write(to: experiment.output)
    try summary.write(to: experiment.summaryURL)
    try AtomicFile.write(try manifest.encoded(), to: experiment.manifestURL)
    return SweepRunner.Outcome(
      results: results, summary: summary, manifest: manifest, resultsURL: experiment.output,
      summaryURL: experiment.summaryURL, manifestURL: experiment.manifestURL, seconds: 0,
      engineSeconds: engineSeconds, unitsRun: 0, unitsResumed: 0, evaluationSeconds: evaluationSeconds)
  }
}
