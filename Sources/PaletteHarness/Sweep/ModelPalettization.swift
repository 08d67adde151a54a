import Dispatch
import Foundation
import Palettization

/// `harness palettize`: one model, one config → a per-tensor report and an optional
/// compressed export.
public struct ModelPalettization {
  public var model: URL
  public var modules: URL?
  public var config: URL?
  public var seed: UInt64?
  public var workers: Int
  public var generator: String
  public var sensitivities: URL?
  public var report: URL?
  public var output: URL?
  /// Pruning run on every selected tensor before it is palettized (`--prune`).
  public var pruning: PruningSpec?
  /// An output above this many bytes is written as shards with an index (see
  /// ``CompressedModelFile/writeCheckpoint(_:model:to:maxShardBytes:)``).
  public var maxShardBytes: Int

  public init(
    model: URL, modules: URL? = nil, config: URL? = nil, seed: UInt64? = nil, workers: Int = 1,
    generator: String = "mt19937", sensitivities: URL? = nil, report: URL? = nil, output: URL? = nil,
    pruning: PruningSpec? = nil,
    maxShardBytes: Int = CompressedModelFile.defaultMaxShardBytes
  ) {
    self.maxShardBytes = maxShardBytes
    self.model = model
    self.modules = modules
    self.config = config
    self.seed = seed
    self.workers = workers
    self.generator = generator
    self.sensitivities = sensitivities
    self.report = report
    self.output = output
    self.pruning = pruning
  }

  /// Sets ``pruning`` from `--prune`'s JSON text (see ``PruningSpec/parse(json:source:)``).
  public mutating func setPruning(json text: String) throws(ExperimentError) {
    pruning = try PruningSpec.parse(json: text)
  }

  /// Runs it; `log` gets notes, warnings, progress and the totals. Returns the report table.
  @discardableResult
  public func run(log: @escaping @Sendable (String) -> Void) throws -> CSVTable {
    let model = try Model.load(safetensors: self.model, modules: modules)
    for note in model.inferenceNotes { log("note: \(note)") }
    let config = try self.config.map { try KMeansPalettizerConfig.load(contentsOf: $0) } ?? KMeansPalettizerConfig()
    let seed = self.seed ?? UInt64.random(in: 0...(1 << 53))
    if self.seed == nil { log("seed: \(seed) (drawn; pass --seed \(seed) to repeat this run)") }
    let sensitivities = try self.sensitivities.map { try Model.load(safetensors: $0) }
    let palettizer = try KMeansPalettizer(model: model, config: config).withPruning(pruning)
    // A misspelt or missing name would otherwise silently cluster that tensor unweighted.
    if let sensitivities, let note = Self.uncoveredNote(plan: palettizer.plan, sensitivities: sensitivities,
                                                        source: self.sensitivities?.path ?? "sensitivities") {
      log(note)
    }
    let start = DispatchTime.now().uptimeNanoseconds
    let result = try palettizer.prepare(
      numWorkers: workers, seed: seed, generator: generator, sensitivities: sensitivities,
      progress: { done, total, name in log("[\(done)/\(total)] \(name)") })
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    for warning in result.warnings { log("warning: \(warning)") }

    let run = SweepRun(index: 0, point: GridPoint(id: "palettize", grid: 0, overrides: []), seed: seed, workers: workers)
    let rows = RowPrefix(run: run, generator: generator, sensitivity: self.sensitivities == nil ? .none : .file)
    var table = CSVTable(header: ResultColumns.tensors, source: report?.path ?? "<report>")
    for outcome in result.outcomes {
      switch outcome {
      case .palettized(let entry, let r, let s): table.append(rows.row(entry: entry, result: r, seconds: s))
      case .skipped(let entry, let reason):
        table.append(rows.row(entry: entry, shape: try model.describe(entry.name).shape, status: "skipped", message: reason))
      case .untouched: continue
      }
    }
    if let report { try table.write(to: report) }
    if let output {
      let files = try CompressedModelFile.writeCheckpoint(result, model: model, to: output, maxShardBytes: maxShardBytes)
      if files.count > 1 { log("wrote \(files.count - 1) shards and \(files[files.count - 1].path)") }
    }
    log("palettized \(result.palettized.count) tensors (\(result.palettizedParameters) parameters) in \(String(format: "%.3f", seconds)) s: "
      + "SNR \(String(format: "%.2f", result.snrDB)) dB, \(String(format: "%.4f", result.bitsPerWeight)) bits/weight")
    return table
  }

  /// `note: <source> has no entry for N selected tensor(s), clustered unweighted: …` for the
  /// tensors `plan` selects that `sensitivities` does not cover; `nil` when it covers them all.
  static func uncoveredNote(plan: [ResolvedTensor], sensitivities: Model, source: String) -> String? {
    let names = Set(sensitivities.tensorNames)
    let missing = plan.filter { $0.spec != nil && !names.contains($0.name) }.map(\.name)
    guard !missing.isEmpty else { return nil }
    return "note: \(source) has no entry for \(missing.count) selected tensor(s), clustered unweighted: \(missing.joined(separator: ", "))"
  }
}
