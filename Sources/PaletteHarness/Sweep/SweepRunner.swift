import Dispatch
import Foundation
import Palettization

/// Runs an experiment's sweep, or one shard of it, as journaled work units, and writes its
/// results CSV, summary CSV and manifest.
///
/// The sweep is cut into ``WorkUnit``s (run × tensor chunk, see ``UnitPolicy``). Every finished
/// unit is journaled at once (``SweepJournal``); `resume` skips the units whose entry verifies.
/// A whole sweep assembles its outputs from all units in plan order once they are done, so the
/// outputs are byte-identical (timing columns aside) however the work was cut, sharded, killed
/// and resumed; a shard (``run(shard:seeds:)``) only journals its units, and
/// ``SweepMerger/merge(experiment:log:)`` assembles the outputs when every shard is done.
public struct SweepRunner: Sendable {
  public var experiment: Experiment
  /// Skip units whose journal entry verifies; without it a whole sweep starts over (removing an
  /// earlier journal) and a shard re-runs all of its units.
  public var resume: Bool
  /// How runs are cut into units.
  public var unitPolicy: UnitPolicy
  /// Progress and warnings go here (stderr in the CLI); `nil` is quiet.
  public var log: (@Sendable (String) -> Void)?
  /// Thread budget: units execute concurrently while their worker counts fit in it (two
  /// 1-worker units share a 2-core machine). Results do not depend on it.
  public var threads: Int

  public init(
    experiment: Experiment, threads: Int = ProcessInfo.processInfo.activeProcessorCount, resume: Bool = false,
    unitPolicy: UnitPolicy = .standard, log: (@Sendable (String) -> Void)? = nil
  ) {
    self.experiment = experiment
    self.threads = max(1, threads)
    self.resume = resume
    // A model-output evaluation needs every reconstructed tensor of a run inside one unit.
    self.unitPolicy = experiment.embeddingEvaluation == nil ? unitPolicy : .wholeRuns
    self.log = log
  }

  /// What a whole sweep produced.
  public struct Outcome: Sendable {
    public var results: CSVTable
    public var summary: CSVTable
    public var manifest: RunManifest
    /// The files written.
    public var resultsURL: URL
    public var summaryURL: URL
    public var manifestURL: URL
    /// Wall-clock seconds of this process, and engine seconds summed over all units (those
    /// resumed from the journal included, as journaled).
    public var seconds: Double
    public var engineSeconds: Double
    /// Units run by this process and units taken from the journal.
    public var unitsRun: Int
    public var unitsResumed: Int
    /// Model-output evaluation: seconds spent evaluating runs, summed over all units (as
    /// journaled); the seconds this process spent on the fp32 reference (encoder, embeddings,
    /// Gram matrices); runs this process evaluated (the others of the same result hash were
    /// served from its cache). All 0 without an evaluation.
    public var evaluationSeconds: Double = 0
    public var referenceSeconds: Double = 0
    public var evaluationsComputed: Int = 0
    /// Activation calibration (`sensitivities.calibration`): how many times this process
    /// computed the sensitivities (0 when no run needed them or the journal had them), and the
    /// seconds it took.
    public var calibrationsComputed: Int = 0
    public var calibrationSeconds: Double = 0
  }

  /// What one shard did.
  public struct ShardOutcome: Sendable {
    public var shard: Shard
    /// Units of this shard: run now, and found journaled (with `resume`).
    public var units: Int
    public var unitsRun: Int
    public var unitsResumed: Int
    /// Units of the whole sweep, and how many have a journal entry now.
    public var totalUnits: Int
    public var journaledUnits: Int
    public var journal: URL
    public var seconds: Double
    public var engineSeconds: Double
    /// Seconds the shard's units spent evaluating runs (0 without an evaluation).
    public var evaluationSeconds: Double = 0
  }

  /// Runs the whole sweep (the units not yet journaled, with `resume`), writes the outputs
  /// atomically, and removes the journal.
  /// - Parameter drawnSeeds: seeds to use when the experiment lists none and no journal has
  ///   them yet; `nil` draws one from the system (recorded in the journal and manifest).
  public func run(seeds drawnSeeds: [UInt64]? = nil) throws -> Outcome {
    let start = DispatchTime.now().uptimeNanoseconds
    var layout = try lay(startOver: !resume, seeds: drawnSeeds)
    var results = resume ? journaled(layout.units, in: layout.journal) : [:]
    let resumed = results.count
    let todo = layout.units.filter { results[$0.index] == nil }
    if resume {
      log?("resume: \(resumed) of \(layout.units.count) units already journaled in \(layout.journal.folder.path); running \(todo.count)")
    }
    for (unit, result) in zip(todo, try executeAndJournal(todo, layout: &layout, resumed: results)) {
      results[unit.index] = result
    }
    var outcome = try SweepMerger.finish(layout, results: layout.units.compactMap { results[$0.index] }, log: log)
    outcome.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    outcome.unitsRun = todo.count
    outcome.unitsResumed = resumed
    outcome.referenceSeconds = layout.referenceSeconds
    outcome.evaluationsComputed = layout.context.evaluator?.evaluationsComputed ?? 0
    outcome.calibrationsComputed = layout.context.calibrator?.computations ?? 0
    outcome.calibrationSeconds = layout.calibrationSeconds
    return outcome
  }

  /// Runs this shard's units (those not yet journaled, with `resume`), journaling each; writes
  /// no outputs. When every shard is done, ``SweepMerger/merge(experiment:log:)`` (`harness
  /// merge E.json`) assembles them.
  public func run(shard: Shard, seeds drawnSeeds: [UInt64]? = nil) throws -> ShardOutcome {
    let start = DispatchTime.now().uptimeNanoseconds
    var layout = try lay(startOver: false, seeds: drawnSeeds)
    let mine = shard.units(of: layout.units)
    let done = resume ? journaled(mine, in: layout.journal) : [:]
    let todo = mine.filter { done[$0.index] == nil }
    log?("shard \(shard): \(mine.count) of the sweep's \(layout.units.count) units"
      + (resume ? ", \(done.count) already journaled; running \(todo.count)" : ""))
    let ran = try executeAndJournal(todo, layout: &layout, resumed: done)
    let present = layout.journal.presentUnitIDs()
    return ShardOutcome(
      shard: shard, units: mine.count, unitsRun: todo.count, unitsResumed: done.count, totalUnits: layout.units.count,
      journaledUnits: layout.units.filter { present.contains($0.id) }.count, journal: layout.journal.folder,
      seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9,
      engineSeconds: ran.reduce(0) { $0 + $1.engineSeconds }, evaluationSeconds: ran.reduce(0) { $0 + $1.evaluationSeconds })
  }

  /// A sweep laid out: what its runs share, its journal, runs and units.
  struct Layout {
    var experiment: Experiment
    var context: Context
    var journal: SweepJournal
    var runs: [SweepRun]
    var units: [WorkUnit]
    /// Seconds this process spent on the evaluation's fp32 reference, and computing the
    /// calibration.
    var referenceSeconds = 0.0
    var calibrationSeconds = 0.0
  }

  /// Loads the model, opens (or with `startOver`, first removes) the journal, and plans the
  /// units. With `existingOnly` a missing journal is an error instead of being created.
  func lay(startOver: Bool, seeds drawnSeeds: [UInt64]?, existingOnly: Bool = false) throws -> Layout {
    let context = try prepareContext()
    let seeds = experiment.seeds ?? drawnSeeds ?? [UInt64.random(in: 0...(1 << 53))]
    let expected = try expectedHeader(seeds: seeds)
    let folder = SweepJournal.folder(for: experiment)
    if startOver, FileManager.default.fileExists(atPath: folder.path) {
      try FileManager.default.removeItem(at: folder)
      log?("note: removed the journal of an earlier, unfinished sweep (\(folder.path)); pass --resume to continue one instead")
    }
    let journal: SweepJournal
    if existingOnly {
      guard let found = try SweepJournal.existing(for: experiment, expected: expected) else {
        throw JournalError(file: folder.path, problem: "does not exist, so there is nothing to merge: run the shards first (harness sweep \(experiment.file.path) --shard i/n)")
      }
      journal = found
    } else {
      journal = try SweepJournal.open(for: experiment, expected: expected)
    }
    let (runs, units) = try plan(seeds: journal.seeds, in: context)
    return Layout(experiment: experiment, context: context, journal: journal, runs: runs, units: units)
  }

  /// The journal header this binary expects for a sweep of `seeds`.
  /// - Throws: ``JournalError`` when the running binary cannot be read (the header names it).
  func expectedHeader(seeds: [UInt64]) throws -> JournalHeader {
    guard let binary = HarnessBinary.current else {
      throw JournalError(file: "/proc/self/exe", problem: "cannot be read, so the journal cannot name the binary that wrote it")
    }
    return try JournalHeader.expected(for: experiment, binary: binary, seeds: seeds, seedsDrawn: experiment.seeds == nil)
  }

  /// The sweep's runs for `seeds` and their work units, in the order every process of the
  /// sweep (shards, merge, `harness slurm`) plans them.
  func plan(seeds: [UInt64], in context: Context) throws -> (runs: [SweepRun], units: [WorkUnit]) {
    let runs = SweepRun.all(points: experiment.gridPoints, seeds: seeds, workers: experiment.workers)
    return (runs, UnitPlanner.units(try runs.map { try work(of: $0, in: context) }, policy: unitPolicy))
  }

  /// The verified journal entries of `units`, by unit index; unusable entries are noted and
  /// their units run again.
  func journaled(_ units: [WorkUnit], in journal: SweepJournal) -> [Int: UnitResult] {
    var found: [Int: UnitResult] = [:]
    for unit in units {
      switch journal.entry(for: unit) {
      case .verified(let result): found[unit.index] = result
      case .invalid(let why): log?("note: \(journal.entryURL(unit: unit.id).path) \(why); running the unit again")
      case .missing: continue
      }
    }
    return found
  }

  /// Runs `units` within the thread budget, journaling each as soon as it is done. The
  /// evaluation's fp32 reference and the activation calibration, if the sweep has them and a
  /// unit needs them, are computed first on the whole budget.
  private func executeAndJournal(_ units: [WorkUnit], layout: inout Layout, resumed: [Int: UnitResult]) throws -> [UnitResult] {
    if !units.isEmpty, let evaluator = layout.context.evaluator {
      layout.referenceSeconds = try evaluator.prepareReference(threads: threads)
      log?("evaluation: fp32 reference of \(evaluator.sentences.count) sentences in \(String(format: "%.2f", layout.referenceSeconds)) s")
    }
    if let calibrator = layout.context.calibrator, units.contains(where: { experiment.sensitivity(of: $0.run.point) == .activation }) {
      let calibrated = try calibrator.prepare(threads: threads, journal: layout.journal)
      let what = "calibration: \(calibrated.metadata.sentences) sentences, \(calibrated.metadata.tokens) tokens, sensitivities sha256 \(calibrated.sha256.prefix(12))…"
      switch calibrated.source {
      case .computed(let seconds):
        layout.calibrationSeconds = seconds
        log?("\(what), computed in \(String(format: "%.2f", seconds)) s and journaled in \(layout.journal.calibrationURL.path)")
      case .journal(let race):
        log?("\(what), from \(layout.journal.calibrationURL.path)" + (race ? " (another process journaled its calibration first; this one's is not used)" : ""))
      case .installed:
        log?(what)
      }
      noteUncovered(calibrated.model, source: "sensitivity activation", in: layout.context)
    }
    let resumedCost = layout.units.filter { resumed[$0.index] != nil }.reduce(0) { $0 + $1.cost }
    let progress = ProgressLine(costs: units.map(\.cost), resumed: resumed.count, resumedCost: resumedCost, log: log)
    let context = layout.context
    let journal = layout.journal
    return try RunScheduler(threads: threads).execute(units) { unit in
      let result = try execute(unit, in: context)
      try journal.write(result)
      progress.advance(label: unit.label, cost: unit.cost)
      return result
    }
  }

  /// What every run of a sweep shares: the model, the resolved base plan, the sensitivities
  /// file, the calibrator and the model-output evaluator when the experiment has them.
  public struct Context: Sendable {
    public var model: Model
    public var basePlan: [ResolvedTensor]
    /// The experiment's sensitivities file (`"sensitivities": "S.safetensors"`), loaded.
    public var sensitivities: Model?
    public var evaluator: SweepEvaluator?
    /// Computes `"sensitivities": {"calibration": …}` when a run needs them.
    public var calibrator: SweepCalibrator? = nil
  }

  /// Loads the model (once per sweep), the config and the sensitivities file, resolves the plan,
  /// and makes the evaluator and the calibrator (which load their encoder only when a run needs
  /// it; the calibrator checks its corpus against the evaluation's now).
  public func prepareContext() throws -> Context {
    let model = try SweepModelLoader.model(experiment.model, generator: experiment.generator)
    for note in model.inferenceNotes { log?("note: \(note)") }
    let config = try SweepModelLoader.config(experiment.config, experimentFile: experiment.file.path)
    let basePlan = try KMeansPalettizer(model: model, config: config).plan
    var sensitivities: Model?
    if case .file(let url) = experiment.sensitivities { sensitivities = try Model.load(safetensors: url) }
    let evaluator = try experiment.embeddingEvaluation.map { _ in try SweepEvaluator(experiment: experiment, log: log) }
    var calibrator: SweepCalibrator?
    if case .calibration = experiment.sensitivities { calibrator = try SweepCalibrator(experiment: experiment, evaluator: evaluator, log: log) }
    let context = Context(model: model, basePlan: basePlan, sensitivities: sensitivities, evaluator: evaluator, calibrator: calibrator)
    if let sensitivities, experiment.gridPoints.contains(where: { experiment.sensitivity(of: $0) == .file }) {
      noteUncovered(sensitivities, source: "sensitivities file", in: context)
    }
    return context
  }

  /// Notes, once, the tensors the base plan selects that `sensitivities` has no entry for: the
  /// runs using them cluster those tensors unweighted (the pooler under activation sensitivities,
  /// which no input reaches).
  private func noteUncovered(_ sensitivities: Model, source: String, in context: Context) {
    if let note = ModelPalettization.uncoveredNote(plan: context.basePlan, sensitivities: sensitivities, source: source) {
      log?(note)
    }
  }

  /// The sensitivities a run's k-means is weighted with (``Experiment/sensitivity(of:)``) and,
  /// for calibrated ones, their hash; the calibration is prepared here if it was not before
  /// (``SweepCalibrator/prepare(threads:journal:)`` without a journal).
  func sensitivities(of run: SweepRun, in context: Context) throws -> (model: Model?, sha256: String?) {
    switch experiment.sensitivity(of: run.point) {
    case .none: return (nil, nil)
    case .file: return (context.sensitivities, nil)
    case .activation:
      guard let calibrator = context.calibrator else {
        preconditionFailure("sensitivity activation without sensitivities.calibration passed Experiment.parse")
      }
      let calibrated = try calibrator.prepare(threads: run.workers, journal: nil)
      return (calibrated.model, calibrated.sha256)
    }
  }

  /// The rows, summary row and manifest record of one run.
  struct Executed {
    var rows: [[String]]
    var summary: [String]
    var record: RunManifest.RunRecord
    var warnings: [String]
    var engineSeconds: Double
    /// Run-level values of the run's units (``UnitResult/evaluation``).
    var evaluation: [String: String]
    var evaluationSeconds: Double = 0
  }

  /// Runs one whole run as a single unit and assembles its outputs (``Reproducer``, benchmarks).
  func execute(_ run: SweepRun, in context: Context) throws -> Executed {
    let units = UnitPlanner.units([try work(of: run, in: context)], policy: .wholeRuns)
    return SweepMerger.assemble(run, try units.map { try execute($0, in: context) }, experiment: experiment)
  }

  /// `run`'s plan: the base plan with the grid point applied to every selected tensor, the
  /// selected entries in plan order, and why the grid point is rejected as a whole, if it is.
  func resolvedPlan(_ run: SweepRun, in context: Context) -> (selected: [ResolvedTensor], rejection: String?) {
    var plan = context.basePlan
    var rejection: String?
    for i in plan.indices {
      guard let spec = plan[i].spec else { continue }
      let (newSpec, newOptions) = run.point.apply(to: spec, options: plan[i].options ?? ClusteringOptions())
      plan[i].spec = newSpec
      plan[i].options = newOptions
      if rejection == nil { rejection = Self.validate(newSpec, newOptions) }
    }
    return (plan.filter { $0.spec != nil }, rejection)
  }

  /// What the unit planner needs of `run`: its selected tensors with estimated costs.
  func work(of run: SweepRun, in context: Context) throws -> UnitPlanner.RunWork {
    let (selected, rejection) = resolvedPlan(run, in: context)
    var tensors: [(name: String, cost: Int)] = []
    for entry in selected {
      tensors.append((entry.name, WorkCost.estimate(count: try context.model.describe(entry.name).count, spec: entry.spec)))
    }
    return UnitPlanner.RunWork(run: run, tensors: tensors, rejected: rejection != nil)
  }

  /// Palettizes one unit's tensors (or writes its error rows when the grid point is rejected).
  func execute(_ unit: WorkUnit, in context: Context) throws -> UnitResult {
    let model = context.model
    let (selected, rejection) = resolvedPlan(unit.run, in: context)
    let names = Set(unit.tensors)
    let plan = selected.filter { names.contains($0.name) }
    let fixed = RowPrefix(run: unit.run, generator: experiment.generator, sensitivity: experiment.sensitivity(of: unit.run.point))
    var result = UnitResult(
      unit: unit.id, run: unit.run.key, tensors: unit.tensors, rows: [], results: [], skipped: 0,
      rejection: rejection, warnings: [], evaluation: [:], engineSeconds: 0)

    if let rejection {
      result.rows = plan.map { entry in
        fixed.row(entry: entry, shape: (try? model.describe(entry.name).shape) ?? [], status: "error", message: rejection)
      }
      return result
    }

    let sensitivities = try sensitivities(of: unit.run, in: context)
    result.sensitivitiesSHA256 = sensitivities.sha256
    let start = DispatchTime.now().uptimeNanoseconds
    let palettized = try KMeansPalettizer(model: model, plan: plan).prepare(
      numWorkers: unit.run.workers, seed: unit.run.seed, generator: experiment.generator, sensitivities: sensitivities.model)
    result.engineSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    result.warnings = palettized.warnings
    result.results = palettized.palettized.map { UnitResult.TensorResult(name: $0.name, result: $0.result) }

    // The model-output evaluation: under `UnitPolicy.wholeRuns` this unit is its whole run, so
    // `palettized` holds every reconstructed tensor of the run. Per-tensor values go into the
    // rows, run-level ones into `result.evaluation` (journaled with the unit, handed to the
    // run's assembly in `SweepMerger.assemble`).
    var outputSNR: [String: Double] = [:]
    if let evaluator = context.evaluator {
      precondition(unit.chunks == 1, "a model-output evaluation needs whole-run units")
      let hash = ResultHashing.hash(tensors: result.results.map { RunManifest.TensorHash(name: $0.name, sha256: $0.sha256) })
      let (evaluation, seconds) = try evaluator.evaluate(palettized, resultSHA256: hash, threads: unit.run.workers)
      result.evaluation = evaluation.unitValues
      result.evaluationSeconds = seconds
      outputSNR = evaluation.outputSNR
    }

    for outcome in palettized.outcomes {
      switch outcome {
      case .palettized(let entry, let r, let seconds):
        result.rows.append(fixed.row(entry: entry, result: r, outputSNR: outputSNR[entry.name], seconds: seconds))
      case .skipped(let entry, let reason):
        result.skipped += 1
        result.rows.append(fixed.row(entry: entry, shape: (try? model.describe(entry.name).shape) ?? [], status: "skipped", message: reason))
      case .untouched:
        continue
      }
    }
    return result
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
