import Foundation
import Palettization

/// Re-runs a sweep from its manifest and checks every run against the recorded hashes.
public struct Reproducer {
  public var manifestURL: URL
  /// Progress and notes; `nil` is quiet. Results go to the report either way.
  public var log: (@Sendable (String) -> Void)?
  /// Thread budget for re-running (as `sweep --threads`); results do not depend on it.
  public var threads: Int

  public init(
    manifestURL: URL, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
    log: (@Sendable (String) -> Void)? = nil
  ) {
    self.manifestURL = manifestURL
    self.threads = max(1, threads)
    self.log = log
  }

  /// The verdict: one line per run (`g1-p1 seed=0 workers=1: match`) plus notes about inputs and
  /// result files, and whether anything mismatched.
  public struct Report: Sendable {
    public var lines: [String]
    public var mismatches: Int
    public var matched: Int
  }

  /// Re-runs every run the manifest records.
  /// - Throws: ``ManifestError`` / ``ExperimentError`` / model errors when the manifest or its
  ///   inputs cannot be used at all (the CLI exits 2).
  public func run() throws -> Report {
    let manifest = try RunManifest.load(contentsOf: manifestURL)
    let folder = manifestURL.deletingLastPathComponent()
    let experimentURL = URL(fileURLWithPath: manifest.experiment.path, relativeTo: folder).standardizedFileURL
    let experiment = try Experiment.parse(Data(manifest.experiment.content.utf8), file: experimentURL)
    var lines: [String] = []
    var mismatches = 0

    if let onDisk = try? Data(contentsOf: experimentURL), SHA256Hasher.hex(of: onDisk) != manifest.experiment.sha256 {
      lines.append("note: \(manifest.experiment.path) changed since the run; re-running the recorded experiment")
    }
    let runner = SweepRunner(experiment: experiment, log: log)
    // A synthesised checkpoint is (re)written when the model loads: load it before its files
    // are hashed, so a fresh checkout can reproduce (and the hashes check the synthesiser).
    var loaded: SweepRunner.Context?
    if case .synthesizedCheckpoint = experiment.model { loaded = try runner.prepareContext() }
    for input in manifest.inputs {
      let url = URL(fileURLWithPath: input.path, relativeTo: folder).standardizedFileURL
      guard let (sha, _) = try? SHA256Hasher.hex(ofFile: url) else {
        throw ManifestError(file: manifestURL.path, problem: "input \(input.role) \(input.path) cannot be read")
      }
      if sha != input.sha256 {
        lines.append("input changed: \(input.role) \(input.path) has sha256 \(sha), the run used \(input.sha256)")
      }
    }

    // The results CSV on disk must still hold what the run wrote; with an evaluation, the
    // summary CSV too (it holds the run-level evaluation values).
    func readRuns(_ path: String, header: [String], what: String, key: ([String]) -> String) -> [String: [[String]]] {
      do {
        let table = try CSVTable(contentsOf: URL(fileURLWithPath: path, relativeTo: folder).standardizedFileURL)
        guard table.header == header else {
          lines.append("MISMATCH \(what) file \(path): its header is not the \(header.count) columns of a \(what) file")
          mismatches += 1
          return [:]
        }
        return Dictionary(grouping: table.rows, by: key)
      } catch {
        lines.append("MISMATCH \(what) file \(path): \(error)")
        mismatches += 1
        return [:]
      }
    }
    let rowsOnDisk = readRuns(manifest.outputs.csv, header: ResultColumns.tensors, what: "results", key: ResultColumns.runKey(ofTensorRow:))
    let summaryOnDisk = manifest.evaluation == nil ? [:]
      : readRuns(manifest.outputs.summary, header: ResultColumns.summary, what: "summary", key: ResultColumns.runKey(ofSummaryRow:))

    let seeds = manifest.seeds.compactMap(UInt64.init)
    let allRuns = SweepRun.all(points: experiment.gridPoints, seeds: seeds, workers: experiment.workers)
    let runsByKey = Dictionary(uniqueKeysWithValues: allRuns.map { ($0.key, $0) })
    let context = try loaded ?? runner.prepareContext()
    var current: RunEvaluation.BLASIdentity?
    if let evaluator = context.evaluator {
      try evaluator.prepareReference(threads: threads)
      current = try SweepEvaluator.currentBLAS()
      let recorded = (manifest.evaluation?.openblas ?? []).map(\.core).joined(separator: ", ")
      lines.append("evaluation: recorded on OpenBLAS core \(recorded.isEmpty ? "(none)" : recorded); this machine: \(current.map(\.core) ?? "?"); "
        + "values are compared bit for bit on the same core and build, else within tolerance")
    }
    if let calibrator = context.calibrator {
      let (calibrationLines, mismatch) = try Self.reproduceCalibration(
        manifest: manifest, folder: folder, calibrator: calibrator, threads: threads, current: try SweepEvaluator.currentBLAS())
      lines += calibrationLines
      if mismatch { mismatches += 1 }
    }
    var matched = 0
    let progress = ProgressLine(total: manifest.runs.count, log: log)
    // Re-run every recorded run the experiment still has, side by side within the thread
    // budget as `sweep` does; verdicts are printed in manifest order.
    let known = manifest.runs.compactMap { runsByKey[$0.runKey] }
    let executedRuns = try RunScheduler(threads: threads).execute(known) { run in
      let executed = try runner.execute(run, in: context)
      progress.advance(label: "\(run.point.id) seed=\(run.seed) workers=\(run.workers)")
      return executed
    }
    let executedByKey = Dictionary(zip(known.map(\.key), executedRuns), uniquingKeysWith: { a, _ in a })
    for record in manifest.runs {
      let key = record.runKey
      let label = "\(record.configID) seed=\(record.seed) workers=\(record.workers)"
      guard let executed = executedByKey[key] else {
        lines.append("\(label): MISMATCH the experiment has no such run")
        mismatches += 1
        continue
      }
      var problems: [String] = []
      let recorded = Dictionary(record.tensors.map { ($0.name, $0.sha256) }, uniquingKeysWith: { a, _ in a })
      let fresh = Dictionary(executed.record.tensors.map { ($0.name, $0.sha256) }, uniquingKeysWith: { a, _ in a })
      for name in Set(recorded.keys).union(fresh.keys).sorted() where recorded[name] != fresh[name] {
        problems.append("tensor \(name) sha256 \(fresh[name] ?? "missing") != recorded \(recorded[name] ?? "missing")")
      }
      if problems.isEmpty && executed.record.resultSHA256 != record.resultSHA256 {
        problems.append("result_sha256 \(executed.record.resultSHA256) != recorded \(record.resultSHA256)")
      }
      if executed.record.rowsSHA256 != record.rowsSHA256 {
        problems.append("CSV rows of the re-run (rows_sha256 \(executed.record.rowsSHA256)) differ from the recorded \(record.rowsSHA256)")
      }
      if let onDisk = rowsOnDisk[key] {
        let diskHash = ResultHashing.hash(rows: onDisk, header: ResultColumns.tensors)
        if diskHash != record.rowsSHA256 {
          problems.append("rows in \(manifest.outputs.csv) (rows_sha256 \(diskHash)) differ from the recorded \(record.rowsSHA256)")
        }
      } else if !executed.rows.isEmpty {
        problems.append("no rows for this run in \(manifest.outputs.csv)")
      }
      let (evaluationProblems, comparison) = Self.evaluationProblems(
        record: record, executed: executed, manifest: manifest, summaryRow: summaryOnDisk[key]?.first, rows: rowsOnDisk[key],
        current: current)
      problems += evaluationProblems
      let how: String
      switch comparison {
      case nil: how = ""
      case .bitwise: how = " (evaluation bit for bit)"
      case .tolerance(let recorded): how = " (evaluation within tolerance: recorded on \(recorded), this machine \(current?.core ?? "?"))"
      }
      if problems.isEmpty {
        lines.append("\(label): match" + how)
        matched += 1
      } else {
        lines.append("\(label): MISMATCH " + problems.joined(separator: "; ") + how)
        mismatches += 1
      }
    }
    return Report(lines: lines, mismatches: mismatches, matched: matched)
  }
}
