import ArgumentParser
import Foundation
import PaletteHarness

extension Harness {
  struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run an experiment's grid of configs × seeds × workers; write CSV, summary and manifest.",
      discussion: """
        Writes <output>.csv (one row per tensor), <name>.summary.csv (one row per run) and
        <name>.manifest.json beside it, atomically. Progress goes to stderr.

        Example:
          harness sweep experiments/w4.json
          harness sweep experiments/w4.json --shard 0/2   # then: harness merge ...
        """)

    @Argument(help: ArgumentHelp("The experiment file.", valueName: "E.json"))
    var experiment: String

    @Option(help: ArgumentHelp("Run only slice i of n (0-based) of the runs; outputs get a .shardIofN tag.", valueName: "i/n"))
    var shard: String?

    @Flag(help: "No progress on stderr.")
    var quiet = false

    @Option(help: "Thread budget: runs execute side by side while their worker counts fit (default: the number of cores). Results do not depend on it.")
    var threads: Int?

    func validate() throws {
      if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
      if let shard, Shard(shard) == nil { throw ValidationError("--shard must be i/n with 0 <= i < n, found '\(shard)'") }
    }

    func run() throws {
      try reportingErrors {
        let experiment = try Experiment.load(contentsOf: fileURL(experiment))
        let runner = SweepRunner(
          experiment: experiment, shard: shard.flatMap(Shard.init),
          threads: threads ?? ProcessInfo.processInfo.activeProcessorCount, log: quiet ? nil : printError)
        let outcome = try runner.run()
        printError("wrote \(outcome.resultsURL.path) (\(outcome.results.rows.count) rows), \(outcome.summaryURL.lastPathComponent), \(outcome.manifestURL.lastPathComponent)")
        // With a thread budget above 1, runs overlap, so their engine times sum past the wall
        // time; `harness bench --experiment` measures the overhead of one grid point alone.
        printError("sweep: \(String(format: "%.2f", outcome.seconds)) s wall; engine time summed over runs \(String(format: "%.2f", outcome.engineSeconds)) s")
      }
    }
  }

  struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Join the outputs of every --shard run into the files an unsharded sweep writes.",
      discussion: """
        Example:
          harness sweep experiments/w4.json --shard 0/2
          harness sweep experiments/w4.json --shard 1/2
          harness merge results/w4.shard0of2.manifest.json results/w4.shard1of2.manifest.json
        """)

    @Argument(help: ArgumentHelp("The shard manifests.", valueName: "shard.manifest.json"))
    var manifests: [String]

    func run() throws {
      try reportingErrors {
        let url = try SweepMerger.merge(manifests: manifests.map(fileURL))
        printError("wrote \(url.path)")
      }
    }
  }
}
