import ArgumentParser
import Foundation
import PaletteHarness

extension Harness {
  struct Slurm: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run a sweep on a Slurm cluster: a job array of shards and a merge job.",
      discussion: """
        Writes <output folder>/<name>.slurm/array.sbatch (N tasks; task i runs `harness sweep \
        E.json --shard i/N --resume` with this binary, --requeue so a preempted task restarts \
        and skips the units it journaled) and merge.sbatch (`harness merge E.json`, to run with \
        --dependency=afterok:<array job>). Logs go to <name>.slurm/logs/. With --submit, calls \
        sbatch for both and prints the two job ids; sbatch's errors are shown as they are. \
        The output folder must be on a file system every node shares.

        If you scancel a running task yourself and then `scontrol requeue` it, Slurm keeps the \
        merge job waiting forever (DependencyNeverSatisfied); re-arm it with \
        `scontrol update JobId=<merge> Dependency=afterok:<array>_0:<array>_1:...` or submit \
        merge.sbatch again once the array is done. Requeues by preemption need nothing.

        Example:
          harness slurm experiments/w4.json --shards 8 --partition cpu \\
            --time 00:30:00 --sbatch-arg --mem=4G --submit
        """)

    @Argument(help: ArgumentHelp("The experiment file.", valueName: "E.json"))
    var experiment: String

    @Option(help: "Array tasks: the sweep's work units are spread over this many shards.")
    var shards: Int

    @Option(help: "Slurm partition for both jobs (default: the cluster's).")
    var partition: String?

    @Option(help: ArgumentHelp("Time limit of each job, in any sbatch --time form.", valueName: "T"))
    var time: String?

    @Option(name: .customLong("cpus-per-task"), help: "Cores per array task (default: the experiment's largest worker count).")
    var cpusPerTask: Int?

    @Option(
      name: .customLong("sbatch-arg"), parsing: .unconditionalSingleValue,
      help: ArgumentHelp("One more sbatch option for both jobs, e.g. --mem=4G; repeatable.", valueName: "ARG"))
    var sbatchArgs: [String] = []

    @Flag(help: "Submit both jobs with sbatch (otherwise only write the scripts and print how to submit).")
    var submit = false

    func validate() throws {
      guard shards >= 1 else { throw ValidationError("--shards must be at least 1") }
      if let cpusPerTask, cpusPerTask < 1 { throw ValidationError("--cpus-per-task must be at least 1") }
    }

    func run() throws {
      let submission = try reportingErrors { () throws -> SlurmSubmission in
        guard let binary = HarnessBinary.current else { throw SlurmError("cannot locate the running harness binary") }
        let submission = SlurmSubmission(
          experiment: try Experiment.load(contentsOf: fileURL(experiment)), shards: shards, partition: partition,
          time: time, cpusPerTask: cpusPerTask, sbatchArguments: sbatchArgs, harness: binary.path)
        let plan = try submission.write()
        printError("wrote \(submission.arrayScriptURL.path) (\(shards) tasks) and \(submission.mergeScriptURL.lastPathComponent)")
        printError("\(plan.units) work units, up to \(plan.largestTaskUnits) per task (the fullest task has "
          + "\(String(format: "%.0f", plan.largestTaskShare))% of the estimated work)"
          + (plan.journaled > 0 ? "; \(plan.journaled) are journaled already and will be skipped" : ""))
        if shards > plan.units { printError("note: \(shards - plan.units) of the \(shards) tasks get no unit (the sweep has \(plan.units))") }
        return submission
      }
      guard submit else {
        printError("submit with:")
        print(submission.submitCommand)
        return
      }
      do {
        let ids = try submission.submit(stderr: printError)
        print("array job \(ids.array)")
        print("merge job \(ids.merge)")
        printError("logs: \(submission.logsFolder.path); watch with: squeue -j \(ids.array),\(ids.merge)")
      } catch {
        printError("error: \((error as? LocalizedError)?.errorDescription ?? String(describing: error))")
        throw ExitCode(1)
      }
    }
  }
}
