import Foundation
@testable import PaletteHarness

/// What tests read back from a finished sweep's output files.
enum SweepOutputs {
  /// The deterministic content of a sweep's three outputs (timing columns aside): equal for
  /// two sweeps that computed the same results, however they were interrupted, sharded or
  /// resumed.
  static func deterministic(_ experiment: Experiment) throws -> [String] {
    [try SyntheticSweep.withoutTiming(experiment.output), try SyntheticSweep.withoutTiming(experiment.summaryURL),
     String(decoding: try Data(contentsOf: experiment.manifestURL), as: UTF8.self)]
  }

  /// A CSV's rows as dictionaries by column name, in file order.
  static func records(_ url: URL) throws -> [[String: String]] {
    let table = try CSVTable(contentsOf: url)
    return table.rows.map { Dictionary(uniqueKeysWithValues: zip(table.header, $0)) }
  }
}
