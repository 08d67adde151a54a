import Foundation
import Testing
@testable import PaletteHarness

/// A stand-in `sbatch` that records its arguments and answers like the real one (`--parsable`
/// prints `id;cluster`), or fails like it.
private func fakeSbatch(in folder: URL, failing: Bool = false) throws -> (script: URL, calls: URL) {
  let calls = folder.appendingPathComponent("sbatch.calls")
  let script = folder.appendingPathComponent("sbatch")
  let body = failing
    ? "echo 'sbatch: error: Batch job submission failed: Invalid partition name specified' >&2\nexit 1"
    : "n=$(wc -l < '\(calls.path)' 2>/dev/null || echo 0)\necho \"$((4241 + n));testcluster\""
  try Data("#!/bin/sh\necho \"$*\" >> '\(calls.path)'\n\(body)\n".utf8).write(to: script)
  try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
  return (script, calls)
}

@Suite("harness slurm: scripts and submission", .serialized)
struct SlurmTests {
  @Test("array.sbatch runs every shard with --resume and --requeue; merge.sbatch merges; absolute paths")
  func scripts() throws {
    let sweep = try SyntheticSweep()
    let experiment = try sweep.experiment()
    let submission = SlurmSubmission(
      experiment: experiment, shards: 3, partition: "cpu", time: "00:30:00", sbatchArguments: ["--mem=4G", "--account=my proj"],
      harness: "/opt/palette lab/harness")
    let plan = try submission.write()
    #expect(plan.units >= 24 && plan.journaled == 0)  // 24 runs, the costlier ones in chunks
    #expect(plan.largestTaskUnits >= 8 && plan.largestTaskShare < 50)
    let folder = experiment.output.deletingLastPathComponent().appendingPathComponent("syn.slurm")
    #expect(submission.arrayScriptURL == folder.appendingPathComponent("array.sbatch"))
    let array = try String(contentsOf: submission.arrayScriptURL, encoding: .utf8).split(separator: "\n").map(String.init)
    let merge = try String(contentsOf: submission.mergeScriptURL, encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(array.first == "#!/bin/bash")
    for line in ["#SBATCH --array=0-2", "#SBATCH --requeue", "#SBATCH --open-mode=append", "#SBATCH --cpus-per-task=2",
                 "#SBATCH --partition=cpu", "#SBATCH --time=00:30:00", "#SBATCH --mem=4G", "#SBATCH --account=my proj",
                 "#SBATCH --output=\(folder.path)/logs/array-%A_%a.out"] {
      #expect(array.contains(line), "array.sbatch lacks \(line)")
    }
    #expect(array.last == "exec '/opt/palette lab/harness' sweep \(experiment.file.path) --shard \"${SLURM_ARRAY_TASK_ID}/3\" --resume --threads \"${SLURM_CPUS_PER_TASK:-2}\"")
    #expect(merge.last == "exec '/opt/palette lab/harness' merge \(experiment.file.path)")
    #expect(merge.contains("#SBATCH --cpus-per-task=1") && merge.contains("#SBATCH --mem=4G") && !merge.contains { $0.hasPrefix("#SBATCH --array") })
    // Every #SBATCH line comes before the first command, or sbatch ignores it.
    for lines in [array, merge] {
      let firstCommand = try #require(lines.firstIndex { !$0.hasPrefix("#") })
      #expect(!lines[firstCommand...].contains { $0.hasPrefix("#SBATCH") })
    }
    #expect(FileManager.default.isExecutableFile(atPath: submission.arrayScriptURL.path))
    var isFolder: ObjCBool = false
    #expect(FileManager.default.fileExists(atPath: submission.logsFolder.path, isDirectory: &isFolder) && isFolder.boolValue)
  }

  @Test("--submit submits the array, then the merge with afterok on the array's id")
  func submit() throws {
    let sweep = try SyntheticSweep()
    let (sbatch, calls) = try fakeSbatch(in: sweep.folder)
    let submission = SlurmSubmission(experiment: try sweep.experiment(), shards: 2, harness: "/h", sbatch: sbatch.path)
    _ = try submission.write()
    let ids = try submission.submit(stderr: { Issue.record("unexpected stderr: \($0)") })
    #expect(ids.array == "4242" && ids.merge == "4243")
    let lines = try String(contentsOf: calls, encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(lines == ["--parsable \(submission.arrayScriptURL.path)", "--parsable --dependency=afterok:4242 \(submission.mergeScriptURL.path)"])
  }

  @Test("sbatch's errors are shown as they are and the submission fails")
  func sbatchFails() throws {
    let sweep = try SyntheticSweep()
    let (sbatch, _) = try fakeSbatch(in: sweep.folder, failing: true)
    let submission = SlurmSubmission(experiment: try sweep.experiment(), shards: 2, partition: "nope", harness: "/h", sbatch: sbatch.path)
    _ = try submission.write()
    let seen = LogLines()
    do {
      _ = try submission.submit(stderr: seen.append)
      Issue.record("expected a failure")
    } catch let error as SlurmError {
      #expect(error.description == "\(sbatch.path) --parsable \(submission.arrayScriptURL.path) failed with exit status 1")
    }
    #expect(seen.lines == ["sbatch: error: Batch job submission failed: Invalid partition name specified"])
  }

  @Test("unusable settings are refused with the option named", arguments: [
    (["mem=4G"], nil as String?, "--sbatch-arg must be one sbatch option such as --mem=8G on one line, found 'mem=4G'"),
    (["--mem=4G\n#SBATCH --x"], nil, "--sbatch-arg must be one sbatch option such as --mem=8G on one line"),
    ([], "my partition", "--partition must be one word without spaces, found 'my partition'"),
  ])
  func badSettings(arguments: [String], partition: String?, message: String) throws {
    let sweep = try SyntheticSweep()
    let submission = SlurmSubmission(experiment: try sweep.experiment(), shards: 2, partition: partition, sbatchArguments: arguments, harness: "/h")
    do {
      _ = try submission.write()
      Issue.record("expected a refusal")
    } catch let error as SlurmError {
      #expect(error.description.hasPrefix(message), "got: \(error.description)")
    }
  }

  @Test("a journal of another experiment in the way is reported before anything is submitted; a matching one is counted")
  func journalInTheWay() throws {
    let sweep = try SyntheticSweep()
    let experiment = try sweep.experiment()
    let shard = try SweepRunner(experiment: experiment).run(shard: Shard(index: 0, count: 4))
    let plan = try SlurmSubmission(experiment: experiment, shards: 4, harness: "/h").write()
    #expect(plan.journaled == shard.units && plan.units == shard.totalUnits)
    let header = SweepJournal.folder(for: experiment).appendingPathComponent("header.json")
    var text = try String(contentsOf: header, encoding: .utf8)
    text = text.replacingOccurrences(of: SHA256Hasher.hex(of: experiment.content), with: String(repeating: "9", count: 64))
    try text.write(to: header, atomically: true, encoding: .utf8)
    #expect(throws: JournalError.self) { try SlurmSubmission(experiment: experiment, shards: 4, harness: "/h").write() }
  }
}
