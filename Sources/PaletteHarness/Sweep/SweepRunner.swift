import Dispatch
import Foundation
import Palettization

/// Runs an experiment's sweep and writes its results CSV, summary CSV and manifest.
public struct SweepRunner: Sendable {
  public var experiment: Experiment
  /// Run only this slice of the runs (`--shard i/n`); outputs get a `.shardIofN` tag.
  public var shard: Shard?
  /// Progress and warnings go here (stderr in the CLI); `nil` is quiet.
  public var log: (@Sendable (String) -> Void)?
  /// Thread budget: runs execute concurrently while their worker counts fit in it (two
  /// 1-worker runs share a 2-core machine). Results do not depend on it.
  public var threads: Int

  public init(
    experiment: Experiment, shard: Shard? = nil, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
    log: (@Sendable (String) -> Void)? = nil
  ) {
    self.experiment = experiment
    self.shard = shard
    self.threads = max(1, threads)
    self.log = log
  }

  /// What a sweep produced.
  public struct Outcome: Sendable {
    public var results: CSVTable
    public var summary: CSVTable
    public var manifest: RunManifest
    /// The files written.
    public var resultsURL: URL
    public var summaryURL: URL
    public var manifestURL: URL
    /// Wall-clock seconds of the whole sweep, and of the engine inside it.
    public var seconds: Double
    public var engineSeconds: Double
  }

  /// Output paths, with the shard tag when sharded.
  public var outputURLs: (results: URL, summary: URL, manifest: URL) {
    guard let shard else { return (experiment.output, experiment.summaryURL, experiment.manifestURL) }
    func tagged(_ url: URL, _ suffix: String) -> URL {
      url.deletingLastPathComponent().appendingPathComponent("\(experiment.name).\(shard.tag).\(suffix)")
    }
    return (tagged(experiment.output, "csv"), tagged(experiment.output, "summary.csv"), tagged(experiment.output, "manifest.json"))
  }

  /// Runs the sweep (or its shard) and writes the outputs atomically.
  /// - Parameter seeds: seeds to use when the experiment lists none (``reproduce`` passes the
  ///   recorded ones); `nil` draws one from the system.
  public func run(seeds drawnSeeds: [UInt64]? = nil) throws -> Outcome {
    let start = DispatchTime.now().uptimeNanoseconds
    let context = try prepareContext()

    let seedsDrawn = experiment.seeds == nil
    let seeds = experiment.seeds ?? drawnSeeds ?? [UInt64.random(in: 0...(1 << 53))]
    let runs = SweepRun.all(points: experiment.gridPoints, seeds: seeds, workers: experiment.workers)
      .filter { shard?.contains($0) ?? true }

    var results = CSVTable(header: ResultColumns.tensors, source: outputURLs.results.path)
    var summary = CSVTable(header: ResultColumns.summary, source: outputURLs.summary.path)
    var records: [RunManifest.RunRecord] = []
    var engineSeconds = 0.0
    var warned = Set<String>()
    let progress = ProgressLine(total: runs.count, log: log)
    let executedRuns = try RunScheduler(threads: threads).execute(runs) { run in
      let executed = try execute(run, in: context)
      progress.advance(label: "\(run.point.id) seed \(run.seed) workers \(run.workers)")
      return executed
    }
    // Outputs are assembled in run order, whatever order the runs finished in.
    for (run, executed) in zip(runs, executedRuns) {
      engineSeconds += executed.engineSeconds
      for row in executed.rows { results.append(row) }
      summary.append(executed.summary)
      records.append(executed.record)
      // A skip repeats for every seed and worker count of a grid point: say it once.
      for warning in executed.warnings where warned.insert("\(run.point.id) \(warning)").inserted {
        log?("warning: \(run.point.id): \(warning)")
      }
    }

    let urls = outputURLs
    let manifest = try ManifestBuilder(experiment: experiment, manifestURL: urls.manifest).build(
      seeds: seeds, seedsDrawn: seedsDrawn, results: results, resultsURL: urls.results,
      summaryURL: urls.summary, runs: records, shard: shard)
    try FileManager.default.createDirectory(at: urls.results.deletingLastPathComponent(), withIntermediateDirectories: true)
    try results.write(to: urls.results)
    try summary.write(to: urls.summary)
    try AtomicFile.write(try manifest.encoded(), to: urls.manifest)
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return Outcome(
      results: results, summary: summary, manifest: manifest, resultsURL: urls.results,
      summaryURL: urls.summary, manifestURL: urls.manifest, seconds: seconds, engineSeconds: engineSeconds)
  }

  /// What every run of a sweep shares: the model, the resolved base plan, the sensitivities.
  public struct Context: Sendable {
    public var model: Model
    public var basePlan: [ResolvedTensor]
    public var sensitivities: Model?
  }

  /// Loads the model (once per sweep), the config and the sensitivities, and resolves the plan.
  public func prepareContext() throws -> Context {
    let model = try SweepModelLoader.model(experiment.model, generator: experiment.generator)
    for note in model.inferenceNotes { log?("note: \(note)") }
    let config = try SweepModelLoader.config(experiment.config, experimentFile: experiment.file.path)
    let basePlan = try KMeansPalettizer(model: model, config: config).plan
    let sensitivities = try experiment.sensitivities.map { try Model.load(safetensors: $0) }
    return Context(model: model, basePlan: basePlan, sensitivities: sensitivities)
  }

  /// The rows, summary row and manifest record of one run.
  struct Executed {
    var rows: [[String]]
    var summary: [String]
    var record: RunManifest.RunRecord
    var warnings: [String]
    var engineSeconds: Double
  }

  /// Applies the run's grid point to every selected tensor of `basePlan` and palettizes.
  func execute(_ run: SweepRun, in context: Context) throws -> Executed {
    let model = context.model
    var plan = context.basePlan
    var rejection: String?
    for i in plan.indices {
      guard let spec = plan[i].spec else { continue }
      let (newSpec, newOptions) = run.point.apply(to: spec, options: plan[i].options ?? ClusteringOptions())
      plan[i].spec = newSpec
      plan[i].options = newOptions
      if rejection == nil { rejection = Self.validate(newSpec, newOptions) }
    }
    let selected = plan.filter { $0.spec != nil }
    let fixed = RowPrefix(run: run, generator: experiment.generator)

    if let rejection {
      let rows = selected.map { entry in
        fixed.row(entry: entry, shape: (try? model.describe(entry.name).shape) ?? [], status: "error", message: rejection)
      }
      let record = RunManifest.RunRecord(
        configID: run.point.id, seed: "\(run.seed)", workers: run.workers, overrides: run.point.label,
        status: "error", resultSHA256: ResultHashing.hash(tensors: []), rowsSHA256: ResultHashing.hash(rows: rows, header: ResultColumns.tensors),
        tensors: [])
      let summary = fixed.summaryRow(label: run.point.label, palettized: nil, skipped: 0, errors: rows.count, seconds: 0, status: "error", message: rejection)
      return Executed(rows: rows, summary: summary, record: record, warnings: [], engineSeconds: 0)
    }

    let start = DispatchTime.now().uptimeNanoseconds
    let palettized = try KMeansPalettizer(model: model, plan: plan).prepare(
      numWorkers: run.workers, seed: run.seed, generator: experiment.generator, sensitivities: context.sensitivities)
    let engineSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9

    var rows: [[String]] = []
    var tensorHashes: [RunManifest.TensorHash] = []
    var skipped = 0
    for outcome in palettized.outcomes {
      switch outcome {
      case .palettized(let entry, let result, let seconds):
        rows.append(fixed.row(entry: entry, result: result, seconds: seconds))
        tensorHashes.append(.init(name: entry.name, sha256: ResultHashing.hash(result)))
      case .skipped(let entry, let reason):
        skipped += 1
        rows.append(fixed.row(entry: entry, shape: (try? model.describe(entry.name).shape) ?? [], status: "skipped", message: reason))
      case .untouched:
        continue
      }
    }
    let record = RunManifest.RunRecord(
      configID: run.point.id, seed: "\(run.seed)", workers: run.workers, overrides: run.point.label,
      status: "ok", resultSHA256: ResultHashing.hash(tensors: tensorHashes),
      rowsSHA256: ResultHashing.hash(rows: rows, header: ResultColumns.tensors), tensors: tensorHashes)
    let summary = fixed.summaryRow(
      label: run.point.label, palettized: palettized, skipped: skipped, errors: 0,
      seconds: engineSeconds, status: "ok", message: "")
    return Executed(rows: rows, summary: summary, record: record, warnings: palettized.warnings, engineSeconds: engineSeconds)
  }

  /// Why a spec/options pair cannot run, or `nil`.
  static func validate(_ spec: PalettizationSpec, _ options: ClusteringOptions) -> String? {
    do { try spec.validate() } catch { return error.description }
    if spec.clusterDim > 1 && options.enableFastKMeansMode {
      return "enable_fast_kmeans_mode: true cannot be combined with cluster_dim \(spec.clusterDim) > 1 (vector palettization needs fast mode off)"
    }
    return nil
  }
}
