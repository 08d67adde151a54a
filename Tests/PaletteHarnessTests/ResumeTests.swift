import Foundation
import Testing
@testable import PaletteHarness
@testable import Palettization
#if canImport(Glibc)
  import Glibc
#endif

private func outputs(_ experiment: Experiment) throws -> [String] { try SweepOutputs.deterministic(experiment) }

/// An experiment slow enough to be killed part-way (vector k-means, 48 units of ~10-50 ms).
private func slowExperiment(in folder: URL) throws -> URL {
  let url = folder.appendingPathComponent("slow.json")
  let layers = (0..<4).map { i -> [String: Any] in
    ["name": "enc.\(i)", "type": "torch.nn.modules.linear.Linear", "shape": [128, 64],
     "distribution": ["type": "laplace", "scale": 0.02]]
  }
  let doc: [String: Any] = [
    "name": "slow",
    "model": ["synthetic": ["seed": 5, "layers": layers]],
    "config": ["kmeans_palettization_config": ["global_config": ["op_state_spec": ["weight": ["n_bits": 4]]]]],
    "sweep": [["enable_fast_kmeans_mode": [false], "cluster_dim": [2], "n_bits": [3, 4]]],
    "seeds": [1, 2, 3, 4, 5, 6],
    "workers": [1],
    "output": "results/slow.csv",
  ]
  try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys]).write(to: url)
  return url
}

/// The `harness` executable built beside this test binary.
func harnessExecutable() throws -> URL {
  let binary = try #require(HarnessBinary.current)
  let url = URL(fileURLWithPath: binary.path).deletingLastPathComponent().appendingPathComponent("harness")
  try #require(FileManager.default.isExecutableFile(atPath: url.path), "no harness executable at \(url.path); build it first (swift build)")
  return url
}

@Suite("Resume: partial journals, SIGKILL", .serialized)
struct ResumeTests {
  @Test("a sweep resumed from a partial journal (one entry missing, one damaged) equals a full sweep")
  func resumeEqualsFull() throws {
    let reference = try SyntheticSweep()
    let full = try SweepRunner(experiment: try reference.experiment()).run()
    #expect(full.unitsResumed == 0)
    let expected = try outputs(try reference.experiment())

    let sweep = try SyntheticSweep()
    let experiment = try sweep.experiment()
    let shard = try SweepRunner(experiment: experiment).run(shard: Shard(index: 0, count: 3))
    #expect(shard.unitsRun == shard.units && shard.units > 2)
    #expect(!FileManager.default.fileExists(atPath: experiment.output.path))
    let folder = SweepJournal.folder(for: experiment).appendingPathComponent("units")
    let entries = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
    #expect(entries.count == shard.units)
    try FileManager.default.removeItem(at: folder.appendingPathComponent(entries[0]))
    try Data("{\"format\":".utf8).write(to: folder.appendingPathComponent(entries[1]))

    let log = LogLines()
    let resumed = try SweepRunner(experiment: experiment, resume: true, log: log.append).run()
    #expect(resumed.unitsResumed == shard.units - 2)
    #expect(resumed.unitsRun == shard.totalUnits - shard.units + 2)
    #expect(log.lines.contains { $0.contains(entries[1]) && $0.hasSuffix("running the unit again") })
    #expect(log.lines.contains { $0.hasPrefix("resume: \(shard.units - 2) of \(shard.totalUnits) units already journaled") })
    #expect(try outputs(experiment) == expected)
    #expect(!FileManager.default.fileExists(atPath: SweepJournal.folder(for: experiment).path))
  }

  @Test("the same outputs for whole-run units and chunked units, any thread budget")
  func policyIndependent() throws {
    let a = try SyntheticSweep()
    _ = try SweepRunner(experiment: try a.experiment(), threads: 1, unitPolicy: .wholeRuns).run()
    let b = try SyntheticSweep()
    _ = try SweepRunner(experiment: try b.experiment(), threads: 3, unitPolicy: .balanced(targetUnits: 1000)).run()
    #expect(try outputs(try a.experiment()) == outputs(try b.experiment()))
  }

  @Test("a real harness sweep killed with SIGKILL part-way, twice, resumes to the outputs of a sweep that never stopped")
  func sigkill() throws {
    let harness = try harnessExecutable()
    let reference = try SyntheticSweep()
    let referenceExperiment = try Experiment.load(contentsOf: try slowExperiment(in: reference.folder))
    _ = try SweepRunner(experiment: referenceExperiment).run()
    let expected = try outputs(referenceExperiment)

    let sweep = try SyntheticSweep()
    let experimentURL = try slowExperiment(in: sweep.folder)
    let experiment = try Experiment.load(contentsOf: experimentURL)
    let units = SweepJournal.folder(for: experiment).appendingPathComponent("units")
    func entries() -> [String] {
      ((try? FileManager.default.contentsOfDirectory(atPath: units.path)) ?? []).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
    }
    var killedAt: [Int] = []
    for round in 0..<2 {
      let process = Process()
      process.executableURL = harness
      process.arguments = ["sweep", experimentURL.path, "--quiet", "--threads", "2"] + (round > 0 ? ["--resume"] : [])
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      let before = entries().count
      let deadline = Date().addingTimeInterval(120)
      while process.isRunning, entries().count < before + 3, Date() < deadline { usleep(5_000) }
      try #require(process.isRunning, "the sweep finished before it could be killed (round \(round)); make the experiment slower")
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)
      killedAt.append(entries().count)
      // No outputs yet, and every entry on disk is whole and checks out.
      #expect(!FileManager.default.fileExists(atPath: experiment.output.path))
      #expect(!FileManager.default.fileExists(atPath: experiment.manifestURL.path))
      for name in entries() {
        let entry = try JSONDecoder().decode(JournalEntry.self, from: Data(contentsOf: units.appendingPathComponent(name)))
        #expect(try entry.contentHash() == entry.contentSHA256, "\(name)")
      }
    }
    #expect(killedAt[0] >= 3 && killedAt[1] >= killedAt[0] + 3)

    let finish = Process()
    finish.executableURL = harness
    finish.arguments = ["sweep", experimentURL.path, "--resume", "--threads", "2"]
    let stderr = Pipe()
    finish.standardOutput = FileHandle.nullDevice
    finish.standardError = stderr
    try finish.run()
    let text = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    finish.waitUntilExit()
    #expect(finish.terminationStatus == 0, "\(text)")
    #expect(text.contains("resume: \(killedAt[1]) of 48 units already journaled"), "\(text)")
    #expect(try outputs(experiment) == expected)
    #expect(!FileManager.default.fileExists(atPath: SweepJournal.folder(for: experiment).path))
  }
}
