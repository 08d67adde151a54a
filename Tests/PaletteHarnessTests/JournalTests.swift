import Foundation
import Testing
@testable import PaletteHarness
@testable import Palettization

/// A journal of the small synthetic experiment, opened with this test binary's identity.
private struct JournalFixture {
  let sweep: SyntheticSweep
  let experiment: Experiment
  let header: JournalHeader
  let journal: SweepJournal
  let unit: WorkUnit

  init() throws {
    sweep = try SyntheticSweep()
    experiment = try sweep.experiment()
    let binary = try #require(HarnessBinary.current)
    header = try JournalHeader.expected(for: experiment, binary: binary, seeds: [3, 4], seedsDrawn: false)
    journal = try SweepJournal.open(for: experiment, expected: header)
    let run = SweepRun(index: 0, point: experiment.gridPoints[0], seed: 3, workers: 1)
    unit = WorkUnit(index: 0, run: run, chunk: 0, chunks: 2, tensors: ["enc.0.weight", "enc.1.weight"], cost: 1536)
  }

  /// A result for `unit` with awkward values: CSV metacharacters, a subnormal, -0.0, inf.
  func result(id: String? = nil) -> UnitResult {
    var row = ResultColumns.tensors.map { "\($0) value" }
    row[0] = "g1-p1"
    row[ResultColumns.tensors.count - 1] = "a \"quoted\", comma\nand newline"
    return UnitResult(
      unit: id ?? unit.id, run: unit.run.key, tensors: unit.tensors, rows: [row, row.map { $0 + "!" }],
      results: [
        .init(name: "enc.0.weight", sha256: String(repeating: "ab", count: 32), numel: 768, inertia: .leastNonzeroMagnitude, signalEnergy: 0.1, bitsPerWeight: 4.0625),
        .init(name: "enc.1.weight", sha256: String(repeating: "cd", count: 32), numel: 768, inertia: -0.0, signalEnergy: .infinity, bitsPerWeight: 1 / 3),
      ],
      skipped: 1, rejection: nil, warnings: ["tensor 'x' skipped: why"], evaluation: ["mean_cosine": "0.987654321"],
      engineSeconds: 0.123456789)
  }
}

@Suite("Journal: entries, headers, refusal", .serialized)
struct JournalTests {
  @Test("an entry reads back to the same unit result, bit for bit")
  func roundTrip() throws {
    let f = try JournalFixture()
    #expect(f.journal.entry(for: f.unit) == .missing)
    try f.journal.write(f.result())
    #expect(f.journal.entry(for: f.unit) == .verified(f.result()))
    #expect(f.journal.presentUnitIDs() == [f.unit.id])
    // A rejected grid point's entry keeps its reason.
    var rejected = f.result()
    rejected.rejection = "enable_fast_kmeans_mode: true cannot be combined with cluster_dim 2 > 1"
    rejected.results = []
    try f.journal.write(rejected)
    #expect(f.journal.entry(for: f.unit) == .verified(rejected))
    // Reopening finds the same header.
    let again = try SweepJournal.open(for: f.experiment, expected: f.header)
    #expect(again.header == f.header && again.headerSHA256 == f.journal.headerSHA256)
  }

  @Test("damaged, foreign or mismatched entries are not used, and say why", arguments: [
    ("truncated", "is not a journal entry"),
    ("edited", "does not match its content_sha256 (the file was changed or damaged)"),
    ("format", "has format 'palettelab.journal-entry/0', expected 'palettelab.journal-entry/1'"),
    ("header", "was written under another journal header (header_sha256 000000000000…"),
    ("unit", "is for unit g1-p1.seed3.w1.9of9 of run g1-p1|3|1 with tensors enc.0.weight enc.1.weight, but the sweep plans g1-p1.seed3.w1.1of2"),
    ("columns", "has a row of 2 fields, the results have \(ResultColumns.tensors.count) columns"),
  ])
  func badEntries(kind: String, message: String) throws {
    let f = try JournalFixture()
    let url = f.journal.entryURL(unit: f.unit.id)
    var entry = try JournalEntry(f.result(), headerSHA256: f.journal.headerSHA256)
    switch kind {
    case "truncated":
      let data = try entry.encoded()
      try data.prefix(data.count / 2).write(to: url)
    case "edited":
      let text = String(decoding: try entry.encoded(), as: UTF8.self).replacingOccurrences(of: "4.0625", with: "4.0626")
      try Data(text.utf8).write(to: url)
    case "format":
      entry.format = "palettelab.journal-entry/0"
      try entry.encoded().write(to: url)
    case "header":
      try JournalEntry(f.result(), headerSHA256: String(repeating: "0", count: 64)).encoded().write(to: url)
    case "unit":
      try JournalEntry(f.result(id: "g1-p1.seed3.w1.9of9"), headerSHA256: f.journal.headerSHA256).encoded().write(to: url)
    default:
      var short = f.result()
      short.rows = [["a", "b"]]
      try JournalEntry(short, headerSHA256: f.journal.headerSHA256).encoded().write(to: url)
    }
    guard case .invalid(let why) = f.journal.entry(for: f.unit) else {
      Issue.record("\(kind): expected an unusable entry")
      return
    }
    #expect(why.hasPrefix(message), "got: \(why)")
  }

  @Test("a journal of another experiment, binary, GSL or input is refused with a clear message")
  func foreignJournal() throws {
    let f = try JournalFixture()
    let folder = f.journal.folder.path
    let remove = "remove the journal (rm -r '\(folder)') to start over"
    func refusal(_ change: (inout JournalHeader) -> Void) -> String {
      var other = f.header
      change(&other)
      do {
        _ = try SweepJournal.existing(for: f.experiment, expected: other)
        return "accepted"
      } catch { return error.description }
    }
    #expect(refusal { $0.experiment.sha256 = String(repeating: "1", count: 64) }
      == "\(folder): belongs to another experiment: it was started for content sha256 \(f.header.experiment.sha256.prefix(12))…, "
      + "\(f.experiment.file.path) has 111111111111…; \(remove)")
    #expect(refusal { $0.harness.sha256 = String(repeating: "2", count: 64); $0.harness.path = "/opt/new/harness" }
      == "\(folder): was written by another harness binary (\(f.header.harness.path), version \(HarnessVersion.current), sha256 "
      + "\(f.header.harness.sha256.prefix(12))…); this is /opt/new/harness, sha256 222222222222…. Results of different binaries "
      + "are never mixed: resume with that binary, or \(remove)")
    #expect(refusal { $0.gslVersion = "0.1" }.hasPrefix("\(folder): was written with GSL \(GSLRandom.gslVersion), this process has GSL 0.1"))
    #expect(refusal { $0.seeds = ["9"] } == "\(folder): was written for seeds 3, 4, the experiment lists 9; \(remove)")
    #expect(refusal { $0.inputs = [.init(role: "model", path: "/m.safetensors", bytes: 1, modified: "1.0")] }
      == "\(folder): was started without input model /m.safetensors; \(remove)")
    #expect(refusal { _ in } == "accepted")

    // An unreadable header, through the sweep itself.
    try Data("{\"format\": 1}".utf8).write(to: f.journal.headerURL)
    do {
      _ = try SweepRunner(experiment: f.experiment, resume: true).run()
      Issue.record("expected a refusal")
    } catch let error as JournalError {
      #expect(error.description.hasPrefix("\(f.journal.headerURL.path): is not a palettelab.journal/1 header ("))
      #expect(error.description.hasSuffix(remove))
    }
    // Without --resume a whole sweep starts over, replacing it.
    let log = LogLines()
    let outcome = try SweepRunner(experiment: f.experiment, log: log.append).run()
    #expect(outcome.unitsRun > 0 && outcome.unitsResumed == 0)
    #expect(log.lines.contains { $0.hasPrefix("note: removed the journal of an earlier, unfinished sweep") })
  }

  @Test("an experiment changed after the journal started: --resume refuses it, naming both hashes")
  func changedExperiment() throws {
    let sweep = try SyntheticSweep()
    let experiment = try sweep.experiment()
    _ = try SweepRunner(experiment: experiment).run(shard: Shard(index: 0, count: 2))
    var doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: sweep.experimentURL)) as? [String: Any])
    doc["seeds"] = [5, 4]
    try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys]).write(to: sweep.experimentURL)
    let changed = try sweep.experiment()
    #expect(changed.seeds == [5, 4])
    #expect(throws: JournalError.self) { try SweepRunner(experiment: changed, resume: true).run() }
    do {
      _ = try SweepRunner(experiment: changed, resume: true).run(shard: Shard(index: 1, count: 2))
      Issue.record("expected a refusal")
    } catch let error as JournalError {
      #expect(error.description.contains("belongs to another experiment"))
    }
  }
}

/// Collects log lines from any thread.
final class LogLines: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: [String] = []
  var lines: [String] { lock.withLock { stored } }
  var append: @Sendable (String) -> Void { { [self] line in lock.withLock { stored.append(line) } } }
}
