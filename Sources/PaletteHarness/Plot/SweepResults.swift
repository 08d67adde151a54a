import Foundation

/// The `ok` rows of a per-tensor results CSV written by `harness sweep`, ready to plot.
///
/// Columns read (others are ignored): `config_id, n_bits, granularity, cluster_dim,
/// lut_qspec, seed, workers, tensor, module_type, numel, inertia, snr_db, bits_per_weight,
/// status`, and when present `signal_energy`, `prune`, `sparsity_detection_threshold`, `sensitivity`. Rows whose `status` is not `ok` are counted and otherwise ignored, so their
/// numeric fields may be empty.
public struct SweepResults: Sendable, Equatable {
  /// The experiment's name: the CSV file name without its extension (`results/w4.csv` → `w4`).
  public var name: String
  /// The file the rows came from, for error messages.
  public var source: String
  /// Every `ok` row, in file order.
  public var rows: [SweepResultRow]
  /// Rows with status `skipped`.
  public var skippedCount: Int
  /// Rows with any status other than `ok` or `skipped`.
  public var errorCount: Int

  /// Reads and parses the results CSV at `url`.
  /// - Throws: ``CSVError`` for an unreadable or malformed file or a missing column;
  ///   ``PlotError`` for a bad number or when no row has status `ok`.
  public init(contentsOf url: URL) throws {
    try self.init(table: try CSVTable(contentsOf: url))
  }

  /// Parses the rows of `table`; the experiment name comes from `table.source`.
  /// - Throws: ``CSVError`` `.missingColumn`; ``PlotError`` `.badValue` (with the line) or
  ///   `.noOkRows`.
  /// - Complexity: O(rows).
  public init(table: CSVTable) throws {
    let source = table.source
    let c = try Columns(table)
    var rows: [SweepResultRow] = []
    var skipped = 0
    var errors = 0
    for (index, fields) in table.rows.enumerated() {
      switch fields[c.status] {
      case "ok": break
      case "skipped": skipped += 1; continue
      default: errors += 1; continue
      }
      let line = table.line(ofRow: index)
      func int(_ column: Int, _ name: String) throws(PlotError) -> Int {
        guard let value = Int(fields[column]), value >= 0 else {
          throw PlotError(file: source, line: line,
                          kind: .badValue(column: name, value: fields[column], expected: "a non-negative integer"))
        }
        return value
      }
      func double(_ column: Int, _ name: String) throws(PlotError) -> Double {
        guard let value = CSVNumber.parse(fields[column]) else {
          throw PlotError(file: source, line: line,
                          kind: .badValue(column: name, value: fields[column], expected: "a number"))
        }
        return value
      }
      let inertia = try double(c.inertia, "inertia")
      guard inertia >= 0 else {
        throw PlotError(file: source, line: line,
                        kind: .badValue(column: "inertia", value: fields[c.inertia], expected: "a number ≥ 0"))
      }
      rows.append(SweepResultRow(
        configID: fields[c.configID], nBits: fields[c.nBits],
        group: SeriesGroup(granularity: fields[c.granularity], clusterDim: fields[c.clusterDim],
                           lutQSpec: fields[c.lutQSpec], prune: c.prune.map { fields[$0] } ?? "none",
                           sparsityDetectionThreshold: c.threshold.map { fields[$0] } ?? "none",
                           sensitivity: c.sensitivity.map { fields[$0] } ?? "none"),
        seed: fields[c.seed], workers: try int(c.workers, "workers"), tensor: fields[c.tensor],
        moduleType: fields[c.moduleType], numel: try int(c.numel, "numel"), inertia: inertia,
        snrDB: try double(c.snrDB, "snr_db"), bitsPerWeight: try double(c.bitsPerWeight, "bits_per_weight"),
        line: line, recordedSignalEnergy: try c.signalEnergy.map { column throws(PlotError) in try double(column, "signal_energy") }))
    }
    guard !rows.isEmpty else {
      throw PlotError(file: source, kind: .noOkRows(rows: table.rows.count, skipped: skipped, errors: errors))
    }
    self.name = URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
    self.source = source
    self.rows = rows
    self.skippedCount = skipped
    self.errorCount = errors
  }

  /// Indices of the columns read, looked up once.
  private struct Columns {
    let configID, nBits, granularity, clusterDim, lutQSpec, seed, workers, tensor, moduleType,
        numel, inertia, snrDB, bitsPerWeight, status: Int
    /// Optional: older CSVs and hand-made ones may lack them.
    let signalEnergy, prune, threshold, sensitivity: Int?

    init(_ table: CSVTable) throws(CSVError) {
      configID = try table.columnIndex(named: "config_id")
      nBits = try table.columnIndex(named: "n_bits")
      granularity = try table.columnIndex(named: "granularity")
      clusterDim = try table.columnIndex(named: "cluster_dim")
      lutQSpec = try table.columnIndex(named: "lut_qspec")
      seed = try table.columnIndex(named: "seed")
      workers = try table.columnIndex(named: "workers")
      tensor = try table.columnIndex(named: "tensor")
      moduleType = try table.columnIndex(named: "module_type")
      numel = try table.columnIndex(named: "numel")
      inertia = try table.columnIndex(named: "inertia")
      snrDB = try table.columnIndex(named: "snr_db")
      signalEnergy = table.header.firstIndex(of: "signal_energy")
      prune = table.header.firstIndex(of: "prune")
      threshold = table.header.firstIndex(of: "sparsity_detection_threshold")
      sensitivity = table.header.firstIndex(of: "sensitivity")
      bitsPerWeight = try table.columnIndex(named: "bits_per_weight")
      status = try table.columnIndex(named: "status")
    }
  }
}
