import ArgumentParser
import Foundation
import PaletteHarness

extension Harness {
  struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run an experiment's grid of configs × seeds × workers; write CSV, summary and manifest.",
      discussion: """
        Writes <output>.csv (one row per tensor), <name>.summary.csv (one row per run) and \
        <name>.manifest.json beside it, atomically. Progress, with an ETA weighted by tensor \
        sizes and kind, goes to stderr.

        The sweep runs as work units (a run, or a chunk of a run's tensors); each finished unit \
        is journaled in <name>.journal/ beside the outputs, which is removed once the outputs are \
        written. After a kill or crash, --resume skips the journaled units; the outputs are the \
        same bytes (timing columns aside) as a sweep that never stopped. Without --resume a \
        sweep starts over. With --shard i/n the process runs only its share of the units and \
        journals them; `harness merge E.json` writes the outputs when every shard is done \
        (`harness slurm` sets this up as a Slurm job array).

        With "evaluate": {"embedding": {"corpus": …, "max_sentences": N}} every run's \
        palettized model is also evaluated in memory with the MiniLM sentence encoder: \
        output_snr_db per tensor, mean_cosine, min_cosine and neighbour_agreement per run \
        (runs with equal results are evaluated once). Such a sweep runs one unit per run. The \
        end of the sweep prints engine and evaluation seconds.

        With "sensitivities": {"calibration": {"corpus": …, "max_sentences": N}} the sweep \
        computes activation-aware sensitivities once (as `harness calibrate` does), journals \
        them, keeps them beside the results as <name>.calibration.safetensors and records them \
        in the manifest; the grid key "sensitivity": ["none", "activation"] sweeps without and \
        with them (a `sensitivity` column in both CSVs). Calibration and evaluation corpora must \
        not share a sentence. "sensitivities": "S.safetensors" (a file) is swept as "file".

        Example:
          harness sweep experiments/w4.json
          harness sweep experiments/w4.json --resume             # after a kill
          harness sweep experiments/w4.json --shard 0/2 --resume  # one machine
          harness sweep experiments/w4.json --shard 1/2 --resume  # another
          harness merge experiments/w4.json                      # when both are done
        """)

    @Argument(help: ArgumentHelp("The experiment file.", valueName: "E.json"))
    var experiment: String

    @Option(help: ArgumentHelp("Run only shard i of n (0-based) of the work units and journal them; no outputs until `harness merge`.", valueName: "i/n"))
    var shard: String?

    @Flag(help: "Continue from the journal: skip units whose journal entry verifies.")
    var resume = false

    @Flag(help: "No progress on stderr.")
    var quiet = false

    @Option(help: "Thread budget: units execute side by side while their worker counts fit (default: the number of cores). Results do not depend on it.")
    var threads: Int?

    func validate() throws {
      if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
      if let shard, Shard(shard) == nil { throw ValidationError("--shard must be i/n with 0 <= i < n, found '\(shard)'") }
    }

    func run() throws {
      try reportingErrors {
        let experiment = try Experiment.load(contentsOf: fileURL(experiment))
        let runner = SweepRunner(
          experiment: experiment, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount, resume: resume,
          log: quiet ? nil : printError)
        if let shard = shard.flatMap(Shard.init) {
          let outcome = try runner.run(shard: shard)
          printError("shard \(shard): ran \(outcome.unitsRun) of its \(outcome.units) units (\(outcome.unitsResumed) were journaled already) "
            + "in \(String(format: "%.2f", outcome.seconds)) s; \(outcome.journaledUnits) of the sweep's \(outcome.totalUnits) units are journaled in \(outcome.journal.path)"
            + (experiment.embeddingEvaluation != nil ? "; evaluation \(String(format: "%.2f", outcome.evaluationSeconds)) s" : ""))
          if outcome.journaledUnits == outcome.totalUnits {
            printError("every unit is journaled: harness merge \(experiment.file.path) writes the outputs")
          }
          return
        }
        let outcome = try runner.run()
        printError("wrote \(outcome.resultsURL.path) (\(outcome.results.rows.count) rows), \(outcome.summaryURL.lastPathComponent), \(outcome.manifestURL.lastPathComponent)"
          + (outcome.unitsResumed > 0 ? "; \(outcome.unitsResumed) of \(outcome.unitsRun + outcome.unitsResumed) units came from the journal" : ""))
        // With a thread budget above 1, units overlap, so their engine times sum past the wall
        // time; `harness bench --experiment` measures the overhead of one grid point alone.
        printError("sweep: \(String(format: "%.2f", outcome.seconds)) s wall; engine time summed over units \(String(format: "%.2f", outcome.engineSeconds)) s")
        if experiment.embeddingEvaluation != nil {
          printError("evaluation: \(String(format: "%.2f", outcome.evaluationSeconds)) s summed over units, fp32 reference "
            + "\(String(format: "%.2f", outcome.referenceSeconds)) s; \(outcome.evaluationsComputed) runs evaluated here, "
            + "the others of equal result hash taken from them")
        }
        if outcome.calibrationsComputed > 0 {
          printError("calibration: computed \(String(format: "%.2f", outcome.calibrationSeconds)) s")
        }
      }
    }
  }
}
