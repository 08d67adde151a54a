import Foundation

/// The model-output evaluation values of a sweep's summary CSV (`<name>.summary.csv`), by run,
/// for the plot's embedding-fidelity charts.
///
/// Columns read: `config_id, seed, workers, mean_cosine, min_cosine, neighbour_agreement`. Runs
/// whose `mean_cosine` is empty (no evaluation, a rejected grid point) are left out;
/// `neighbour_agreement` may be empty (a one-sentence corpus).
public struct SweepFidelity: Sendable, Equatable {
  /// One run's values.
  public struct Values: Sendable, Equatable {
    public var meanCosine: Double
    public var minCosine: Double
    public var neighbourAgreement: Double?
  }

  /// Values by run key (``SweepRun/key(configID:seed:workers:)``).
  public var runs: [String: Values]

  /// Parses a summary table; `nil` when it has no evaluation columns or no evaluated run (a
  /// summary written before evaluations existed, or by an experiment without one).
  /// - Throws: ``CSVError`` for a missing `config_id`, `seed` or `workers` column;
  ///   ``PlotError`` `.badValue` for a cell that is not a number.
  public init?(table: CSVTable) throws {
    guard let mean = table.header.firstIndex(of: "mean_cosine"), let min = table.header.firstIndex(of: "min_cosine"),
          let agreement = table.header.firstIndex(of: "neighbour_agreement")
    else { return nil }
    let configID = try table.columnIndex(named: "config_id")
    let seed = try table.columnIndex(named: "seed"), workers = try table.columnIndex(named: "workers")
    var runs: [String: Values] = [:]
    for (index, row) in table.rows.enumerated() where !row[mean].isEmpty {
      func number(_ column: Int, _ name: String) throws(PlotError) -> Double {
        guard let value = CSVNumber.parse(row[column]) else {
          throw PlotError(file: table.source, line: table.line(ofRow: index),
                          kind: .badValue(column: name, value: row[column], expected: "a number"))
        }
        return value
      }
      runs[SweepRun.key(configID: row[configID], seed: row[seed], workers: row[workers])] = Values(
        meanCosine: try number(mean, "mean_cosine"), minCosine: try number(min, "min_cosine"),
        neighbourAgreement: row[agreement].isEmpty ? nil : try number(agreement, "neighbour_agreement"))
    }
    guard !runs.isEmpty else { return nil }
    self.runs = runs
  }

  /// The summary CSV at `url` (see ``init(table:)``).
  public init?(contentsOf url: URL) throws {
    try self.init(table: try CSVTable(contentsOf: url))
  }

  /// The values of the run a ``ModelPoint`` shows.
  public func values(of point: ModelPoint) -> Values? {
    runs[SweepRun.key(configID: point.configID, seed: point.seed, workers: "\(point.workers)")]
  }

  /// Where `plot` looks for the summary of a results CSV: beside it, `<stem>.summary.csv`
  /// (`results/w4.csv` → `results/w4.summary.csv`, as `harness sweep` names it when the output
  /// file is named after the experiment).
  public static func defaultSummaryURL(forResults url: URL) -> URL {
    url.deletingPathExtension().appendingPathExtension("summary.csv")
  }
}
