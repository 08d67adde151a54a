import ArgumentParser
import Foundation
import PaletteHarness

extension Harness {
  struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write a sharded sweep's outputs from its journal once every shard is done.",
      discussion: """
        Reads <name>.journal/ beside the experiment's outputs, checks that every work unit of \
        the sweep is journaled and verifies, and writes the CSV, summary and manifest exactly as \
        an unsharded sweep does (timing columns aside); then removes the journal. Nothing is \
        computed: missing units are listed and nothing is written (finish them with \
        `harness sweep E.json --shard i/n --resume`, or all at once with `harness sweep E.json \
        --resume`). This is what the merge job of `harness slurm` runs.

        Example:
          harness sweep experiments/w4.json --shard 0/2 --resume
          harness sweep experiments/w4.json --shard 1/2 --resume
          harness merge experiments/w4.json
        """)

    @Argument(help: ArgumentHelp("The experiment file the shards ran.", valueName: "E.json"))
    var experiment: String

    func validate() throws {
      if experiment.hasSuffix(".manifest.json") {
        throw ValidationError("harness merge takes the experiment file (E.json): shards now journal their work units in <name>.journal/ beside the outputs instead of writing shard manifests")
      }
    }

    func run() throws {
      try reportingErrors {
        let experiment = try Experiment.load(contentsOf: fileURL(experiment))
        let outcome = try SweepMerger.merge(experiment: experiment, log: printError)
        printError("wrote \(outcome.resultsURL.path) (\(outcome.results.rows.count) rows), \(outcome.summaryURL.lastPathComponent), \(outcome.manifestURL.lastPathComponent) from \(outcome.unitsResumed) journaled units")
      }
    }
  }
}
