import Foundation

/// `harness slurm`: a sweep as a Slurm job array of `shards` tasks plus a merge job.
///
/// Writes `<output folder>/<name>.slurm/array.sbatch` (task `i` runs `harness sweep E.json
/// --shard i/N --resume`, `--requeue` so a preempted task restarts and skips what it journaled)
/// and `merge.sbatch` (`harness merge E.json`, submitted with `--dependency=afterok:<array
/// job>`), both with absolute paths to this harness binary and the experiment. Logs go to
/// `<name>.slurm/logs/`, appended across restarts.
public struct SlurmSubmission: Sendable {
  public var experiment: Experiment
  /// Array tasks (`--array=0-(shards-1)`), one shard of the work units each.
  public var shards: Int
  /// `--partition`, `--time`; `nil` leaves them to the cluster's defaults.
  public var partition: String?
  public var time: String?
  /// `--cpus-per-task` of array tasks (and each task's `--threads`); default: the experiment's
  /// largest worker count, so its widest run gets its cores.
  public var cpusPerTask: Int?
  /// More `#SBATCH` lines for both jobs, e.g. `--mem=8G`, `--account=proj`.
  public var sbatchArguments: [String]
  /// Absolute path of the harness binary the jobs run.
  public var harness: String
  /// The `sbatch` command (a path, or a name looked up on `PATH`).
  public var sbatch: String

  public init(
    experiment: Experiment, shards: Int, partition: String? = nil, time: String? = nil, cpusPerTask: Int? = nil,
    sbatchArguments: [String] = [], harness: String, sbatch: String = "sbatch"
  ) {
    self.experiment = experiment
    self.shards = shards
    self.partition = partition
    self.time = time
    self.cpusPerTask = cpusPerTask
    self.sbatchArguments = sbatchArguments
    self.harness = harness
    self.sbatch = sbatch
  }

  /// `<output folder>/<name>.slurm`, its scripts and its `logs` folder.
  public var folder: URL {
    experiment.output.deletingLastPathComponent().appendingPathComponent("\(experiment.name).slurm", isDirectory: true)
  }
  public var arrayScriptURL: URL { folder.appendingPathComponent("array.sbatch") }
  public var mergeScriptURL: URL { folder.appendingPathComponent("merge.sbatch") }
  public var logsFolder: URL { folder.appendingPathComponent("logs", isDirectory: true) }

  /// Cores per array task.
  public var effectiveCPUsPerTask: Int { cpusPerTask ?? experiment.workers.max() ?? 1 }

  /// What the sweep looks like to the cluster.
  public struct Plan: Sendable, Equatable {
    /// Work units of the sweep, and how many are already journaled (a resumed submission).
    public var units: Int
    public var journaled: Int
    /// Units of the fullest task and its share of the estimated work (percent).
    public var largestTaskUnits: Int
    public var largestTaskShare: Double
  }

  /// Checks the settings and any existing journal, plans the units, and writes both scripts.
  /// - Throws: ``SlurmError`` for unusable settings, ``JournalError`` when a journal from
  ///   another experiment or binary is in the way (the tasks would refuse it).
  public func write() throws -> Plan {
    guard shards >= 1 else { throw SlurmError("--shards must be at least 1, found \(shards)") }
    guard effectiveCPUsPerTask >= 1 else { throw SlurmError("--cpus-per-task must be at least 1, found \(effectiveCPUsPerTask)") }
    for (name, value) in [("--partition", partition), ("--time", time)] {
      if let value, value.isEmpty || value.contains(where: \.isWhitespace) {
        throw SlurmError("\(name) must be one word without spaces, found '\(value)'")
      }
    }
    for argument in sbatchArguments where !argument.hasPrefix("-") || argument.contains(where: \.isNewline) {
      throw SlurmError("--sbatch-arg must be one sbatch option such as --mem=8G on one line, found '\(argument)'")
    }
    let plan = try planUnits()
    try FileManager.default.createDirectory(at: logsFolder, withIntermediateDirectories: true)
    try AtomicFile.write(Data(arrayScript().utf8), to: arrayScriptURL)
    try AtomicFile.write(Data(mergeScript().utf8), to: mergeScriptURL)
    for url in [arrayScriptURL, mergeScriptURL] {
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
    }
    return plan
  }

  /// The unit plan as the tasks will see it, and the journal's state.
  private func planUnits() throws -> Plan {
    let runner = SweepRunner(experiment: experiment)
    let context = try runner.prepareContext()
    // Drawn seeds are not known before the first task draws them; one stands in for the plan.
    let placeholder = experiment.seeds ?? [0]
    let journal = try SweepJournal.existing(for: experiment, expected: runner.expectedHeader(seeds: placeholder))
    let units = try runner.plan(seeds: journal?.seeds ?? placeholder, in: context).units
    let present = journal?.presentUnitIDs() ?? []
    let owners = Shard.owners(of: units, count: shards)
    var count = [Int](repeating: 0, count: shards)
    var cost = [Int](repeating: 0, count: shards)
    for (unit, owner) in zip(units, owners) {
      count[owner] += 1
      cost[owner] += unit.cost
    }
    let total = cost.reduce(0, +)
    let fullest = cost.indices.max { cost[$0] < cost[$1] } ?? 0
    return Plan(
      units: units.count, journaled: units.filter { present.contains($0.id) }.count, largestTaskUnits: count[fullest],
      largestTaskShare: total == 0 ? 100 / Double(shards) : Double(cost[fullest]) / Double(total) * 100)
  }

  /// `#SBATCH` lines shared by both jobs.
  private func commonOptions() -> [String] {
    var lines: [String] = []
    if let partition { lines.append("#SBATCH --partition=\(partition)") }
    if let time { lines.append("#SBATCH --time=\(time)") }
    lines += sbatchArguments.map { "#SBATCH \($0)" }
    return lines
  }

  private var header: [String] {
    ["#!/bin/bash",
     "# Written by `harness slurm` for experiment \(experiment.file.path) (\(experiment.name)).",
     "# Submit both jobs: harness slurm \(ShellWord.quote(experiment.file.path)) --shards \(shards) --submit"]
  }

  /// The job array: task `i` of `N` runs shard `i/N` with `--resume`.
  public func arrayScript() -> String {
    let cpus = effectiveCPUsPerTask
    let lines = header + [
      "# Task i runs shard i/\(shards) of the sweep's work units and journals each finished unit in",
      "# \(SweepJournal.folder(for: experiment).path); a requeued or restarted task skips the units",
      "# already journaled (--resume). The merge job assembles the outputs when all tasks succeeded.",
      "#SBATCH --job-name=palettelab-\(experiment.name)",
      "#SBATCH --array=0-\(shards - 1)",
      "#SBATCH --requeue",
      "#SBATCH --open-mode=append",
      "#SBATCH --output=\(logsFolder.path)/array-%A_%a.out",
      "#SBATCH --cpus-per-task=\(cpus)",
    ] + commonOptions() + [
      "set -eu",
      "exec \(ShellWord.quote(harness)) sweep \(ShellWord.quote(experiment.file.path)) --shard \"${SLURM_ARRAY_TASK_ID}/\(shards)\" --resume --threads \"${SLURM_CPUS_PER_TASK:-\(cpus)}\"",
    ]
    return lines.joined(separator: "\n") + "\n"
  }

  /// The merge job: assembles the CSV, summary and manifest from the journal.
  public func mergeScript() -> String {
    let lines = header + [
      "# Runs after every array task succeeded (--dependency=afterok:<array job>): assembles",
      "# \(experiment.output.path), its summary and manifest from the journal, then removes it.",
      "#SBATCH --job-name=palettelab-\(experiment.name)-merge",
      "#SBATCH --requeue",
      "#SBATCH --open-mode=append",
      "#SBATCH --output=\(logsFolder.path)/merge-%j.out",
      "#SBATCH --cpus-per-task=1",
    ] + commonOptions() + [
      "set -eu",
      "exec \(ShellWord.quote(harness)) merge \(ShellWord.quote(experiment.file.path))",
    ]
    return lines.joined(separator: "\n") + "\n"
  }

  /// How to submit the written scripts by hand.
  public var submitCommand: String {
    "jid=$(\(sbatch) --parsable \(ShellWord.quote(arrayScriptURL.path))) && "
      + "\(sbatch) --dependency=afterok:${jid%%;*} \(ShellWord.quote(mergeScriptURL.path))"
  }

  /// Submits the array, then the merge job depending on it. `sbatch`'s own error output goes
  /// to `stderr` unchanged.
  /// - Returns: the two job ids.
  /// - Throws: ``SlurmError`` when `sbatch` fails or prints no job id.
  public func submit(stderr: (String) -> Void) throws -> (array: String, merge: String) {
    let array = try runSbatch(["--parsable", arrayScriptURL.path], stderr: stderr)
    do {
      let merge = try runSbatch(["--parsable", "--dependency=afterok:\(array)", mergeScriptURL.path], stderr: stderr)
      return (array, merge)
    } catch let error as SlurmError {
      throw SlurmError("\(error.problem); the array job \(array) was submitted: submit the merge by hand with "
        + "\(sbatch) --dependency=afterok:\(array) \(ShellWord.quote(mergeScriptURL.path))")
    }
  }

  private func runSbatch(_ arguments: [String], stderr: (String) -> Void) throws -> String {
    let process = Process()
    if sbatch.contains("/") {
      process.executableURL = URL(fileURLWithPath: sbatch)
      process.arguments = arguments
    } else {
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = [sbatch] + arguments
    }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    do { try process.run() } catch {
      throw SlurmError("cannot run \(sbatch): \(error.localizedDescription)")
    }
    // sbatch prints little; read stderr to the end first, then stdout (no pipe fills up).
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let errText = String(decoding: errData, as: UTF8.self)
    if !errText.isEmpty { stderr(errText.hasSuffix("\n") ? String(errText.dropLast()) : errText) }
    let command = "\(sbatch) \(arguments.joined(separator: " "))"
    guard process.terminationStatus == 0 else {
      throw SlurmError("\(command) failed with exit status \(process.terminationStatus)")
    }
    let text = String(decoding: outData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    let id = text.split(separator: ";").first.map(String.init) ?? ""
    guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
      throw SlurmError("\(command) printed '\(text)', not a job id")
    }
    return id
  }
}
