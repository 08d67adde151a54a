import Encoder
import Foundation
import Testing
@testable import PaletteHarness
@testable import Palettization

/// Calibration sentences over the tiny vocabulary, none of them among the evaluation's first 10
/// (``TinyBERTDirectory/sentences``); the 6th lies beyond `max_sentences` 5.
private let calibrationSentences = [
  "the red cat ran under the green tree", "a blue bird sat on a big house.", "the small cat is green",
  "dogs and cats was small", "the mat is red, and the tree is blue", "a bird flew under the mat",
]

extension TinyBERTDirectory {
  var calibrationCorpus: URL { folder.appendingPathComponent("calibration.txt") }

  /// Writes `sentences` as the calibration corpus, one per line.
  func writeCalibrationCorpus(_ sentences: [String] = calibrationSentences) throws {
    try Data((sentences.joined(separator: "\n") + "\n").utf8).write(to: calibrationCorpus)
  }

  /// 2- and 4-bit per-tensor points, each with and without activation sensitivities calibrated
  /// on the first 5 calibration sentences in batches of 2, evaluated on the first 10 sentences.
  func calibratedDocument(seeds: [Int] = [0]) -> [String: Any] {
    document(overrides: [
      "sweep": [["n_bits": [2, 4], "sensitivity": ["none", "activation"]]],
      "seeds": seeds, "workers": [1],
      "sensitivities": ["calibration": ["corpus": "calibration.txt", "max_sentences": 5, "batch_size": 2]],
    ])
  }

  /// The activation sensitivities of the calibrated document computed directly, not through a
  /// sweep.
  func directCalibration() throws -> ActivationSensitivities {
    try ActivationCalibration(modelDirectory: modelDirectory, corpus: calibrationCorpus, maxSentences: 5, batchSize: 2)
      .run(encoder: SentenceEncoder(modelDirectory: modelDirectory))
  }
}

@Suite("Sweeps with activation calibration (tiny BERT)", .serialized)
struct SweepCalibrationTests {
  // MARK: experiment parsing

  static func parse(sensitivities: String?, sweep: String? = nil, model: String = #"{"safetensors": "m/model.safetensors"}"#)
    throws -> Experiment
  {
    var document = #"{"name": "t", "model": \#(model), "config": "w4", "output": "o.csv""#
    if let sensitivities { document += #", "sensitivities": \#(sensitivities)"# }
    if let sweep { document += #", "sweep": \#(sweep)"# }
    return try Experiment.parse(Data((document + "}").utf8), file: experimentFile)
  }

  @Test("sensitivities: a file path, or a calibration with and without batch_size; the grid key picks per point")
  func validSensitivities() throws {
    let file = try Self.parse(sensitivities: #""s.safetensors""#, sweep: #"{"sensitivity": ["none", "file"]}"#)
    guard case .file(let url)? = file.sensitivities else {
      Issue.record("not a file: \(String(describing: file.sensitivities))")
      return
    }
    #expect(url.path == "/work/exp/s.safetensors")
    #expect(file.defaultSensitivity == .file)
    #expect(file.gridPoints.map { file.sensitivity(of: $0) } == [.none, .file])

    let calibrated = try Self.parse(sensitivities: #"{"calibration": {"corpus": "c/cal.txt", "max_sentences": 8}}"#)
    guard case .calibration(let settings)? = calibrated.sensitivities else {
      Issue.record("not a calibration: \(String(describing: calibrated.sensitivities))")
      return
    }
    #expect(settings.corpus.path == "/work/exp/c/cal.txt" && settings.maxSentences == 8 && settings.batchSize == 64)
    // Without the grid key, every run uses the experiment's sensitivities.
    #expect(calibrated.defaultSensitivity == .activation)
    #expect(calibrated.gridPoints.map { calibrated.sensitivity(of: $0) } == [.activation])

    let batched = try Self.parse(
      sensitivities: #"{"calibration": {"corpus": "cal.txt", "max_sentences": 3, "batch_size": 7}}"#,
      sweep: #"{"n_bits": [2, 4], "sensitivity": ["activation", "none"]}"#)
    guard case .calibration(let b)? = batched.sensitivities else {
      Issue.record("not a calibration: \(String(describing: batched.sensitivities))")
      return
    }
    #expect(b.corpus.path == "/work/exp/cal.txt" && b.maxSentences == 3 && b.batchSize == 7)
    #expect(batched.gridPoints.map { batched.sensitivity(of: $0) } == [.activation, .none, .activation, .none])
    #expect(batched.gridPoints.map(\.label) == [
      "n_bits=2 sensitivity=activation", "n_bits=2 sensitivity=none", "n_bits=4 sensitivity=activation", "n_bits=4 sensitivity=none",
    ])

    let plain = try Self.parse(sensitivities: "null")
    #expect(plain.sensitivities == nil && plain.defaultSensitivity == SweepSensitivity.none)
  }

  struct Invalid: Sendable, CustomTestStringConvertible {
    var sensitivities: String?
    var sweep: String? = nil
    var model = #"{"safetensors": "m/model.safetensors"}"#
    var message: String
    var testDescription: String { message }
  }

  static let calibration = #"{"calibration": {"corpus": "c.txt", "max_sentences": 8}}"#

  static let invalid: [Invalid] = [
    .init(sensitivities: #"{"calibration": {"max_sentences": 8}}"#,
          message: "/work/exp/e.json: sensitivities.calibration is missing the required key 'corpus'"),
    .init(sensitivities: #"{"calibration": {"corpus": "c.txt"}}"#,
          message: "/work/exp/e.json: sensitivities.calibration is missing the required key 'max_sentences'"),
    .init(sensitivities: #"{"calibration": {"corpus": "c.txt", "max_sentences": 0}}"#,
          message: "/work/exp/e.json: sensitivities.calibration.max_sentences must be at least 1, found 0"),
    .init(sensitivities: #"{"calibration": {"corpus": "c.txt", "max_sentences": 8, "batch_size": 0}}"#,
          message: "/work/exp/e.json: sensitivities.calibration.batch_size must be at least 1, found 0"),
    .init(sensitivities: #"{"calibration": {"corpus": "c.txt", "max_sentences": 8, "sentences": 4}}"#,
          message: "/work/exp/e.json: sensitivities.calibration.sentences is not a known key; expected one of batch_size, corpus, max_sentences"),
    .init(sensitivities: #"{"calib": {"corpus": "c.txt", "max_sentences": 8}}"#,
          message: "/work/exp/e.json: sensitivities.calib is not a known key; expected one of calibration"),
    .init(sensitivities: #"{}"#,
          message: #"/work/exp/e.json: sensitivities must name how to compute them, e.g. {"calibration": {"corpus": "corpus/calibration.txt", "max_sentences": 256}}"#),
    .init(sensitivities: "4",
          message: #"/work/exp/e.json: sensitivities must be a sensitivities file path or {"calibration": {"corpus": …, "max_sentences": N}}, found 4"#),
    .init(sensitivities: calibration,
          model: #"{"synthetic": {"layers": [{"name": "a", "type": "torch.nn.modules.linear.Linear", "shape": [4, 4], "distribution": {"type": "gaussian", "sigma": 1}}]}}"#,
          message: "/work/exp/e.json: sensitivities.calibration needs a safetensors model: the encoder reads the experiment's model.safetensors with the sentence-transformers files of its folder, and this experiment's model is synthetic"),
    .init(sensitivities: calibration, sweep: #"{"sensitivity": ["none", "bogus"]}"#,
          message: #"/work/exp/e.json: sweep.sensitivity[1] must be one of none, activation, file, found "bogus""#),
    .init(sensitivities: nil, sweep: #"{"sensitivity": ["activation"]}"#,
          message: #"/work/exp/e.json: sweep.sensitivity[0] "activation" needs "sensitivities": {"calibration": {"corpus": …, "max_sentences": N}} in the experiment, which has none"#),
    .init(sensitivities: #""s.safetensors""#, sweep: #"[{"n_bits": [4]}, {"sensitivity": ["none", "activation"]}]"#,
          message: #"/work/exp/e.json: sweep[1].sensitivity[1] "activation" needs "sensitivities": {"calibration": {"corpus": …, "max_sentences": N}} in the experiment, which has a sensitivities file (sweep "file" to use it)"#),
    .init(sensitivities: nil, sweep: #"{"sensitivity": ["file"]}"#,
          message: #"/work/exp/e.json: sweep.sensitivity[0] "file" needs "sensitivities": "S.safetensors" in the experiment, which has none"#),
    .init(sensitivities: calibration, sweep: #"{"sensitivity": ["file"]}"#,
          message: #"/work/exp/e.json: sweep.sensitivity[0] "file" needs "sensitivities": "S.safetensors" in the experiment, which has a calibration (sweep "activation" to use it)"#),
  ]

  @Test("invalid sensitivities and sensitivity grid values give errors naming the key path", arguments: invalid)
  func invalidDocuments(_ c: Invalid) {
    do {
      let experiment = try Self.parse(sensitivities: c.sensitivities, sweep: c.sweep, model: c.model)
      Issue.record("parsed without error: \(String(describing: experiment.sensitivities))")
    } catch {
      #expect("\(error)" == c.message)
    }
  }

  // MARK: corpus overlap

  @Test("CorpusOverlap.find: nil when disjoint; distinct shared sentences counted once, the first in calibration order with both lines")
  func overlapOfLists() {
    #expect(CorpusOverlap.find(calibration: [(1, "a"), (2, "b")], evaluation: [(1, "A"), (3, "b ")]) == nil)
    #expect(CorpusOverlap.find(calibration: [(1, "a")], evaluation: []) == nil)
    // Shared: b, c, d. "b" comes first in calibration order (though "c" comes first in the
    // evaluation); "c" is twice in the evaluation and "b" twice in the calibration.
    let calibration = [(1, "a"), (2, "b"), (4, "c"), (5, "b"), (6, "d")]
    let evaluation = [(1, "x"), (3, "c"), (4, "b"), (7, "c"), (8, "d"), (9, "b")]
    #expect(CorpusOverlap.find(calibration: calibration, evaluation: evaluation)
            == CorpusOverlap(count: 3, sentence: "b", calibrationLine: 2, evaluationLine: 4))
    // Only a repeated sentence in common: counted once, both first lines.
    #expect(CorpusOverlap.find(calibration: [(2, "z"), (3, "q"), (5, "q")], evaluation: [(10, "q"), (11, "q")])
            == CorpusOverlap(count: 1, sentence: "q", calibrationLine: 3, evaluationLine: 10))
  }

  @Test("a calibration corpus sharing a used sentence with the evaluation corpus is an error naming both files, before any work")
  func overlapThroughSweep() throws {
    let tiny = try TinyBERTDirectory()
    // Line 3 is the evaluation's 4th sentence (line 4); line 4, the evaluation's 11th sentence,
    // lies beyond its max_sentences 10 and so is no overlap; line 6, the evaluation's 1st, lies
    // beyond the calibration's max_sentences 4.
    try tiny.writeCalibrationCorpus([
      "the red cat ran under the green tree", "", TinyBERTDirectory.sentences[3], TinyBERTDirectory.sentences[10],
      "dogs and cats was small", TinyBERTDirectory.sentences[0],
    ])
    var doc = tiny.calibratedDocument()
    doc["sensitivities"] = ["calibration": ["corpus": "calibration.txt", "max_sentences": 4]]
    let experiment = try tiny.writeExperiment(doc)
    let calibration = tiny.calibrationCorpus.path, evaluation = tiny.corpus.path
    let expected = ExperimentError(
      file: tiny.experimentURL.path, keyPath: "sensitivities.calibration.corpus",
      problem: "\(calibration) and evaluate.embedding.corpus \(evaluation) share 1 sentence among the 4 calibration and 10 evaluation "
        + "sentences used; the first is line 3 of \(calibration) and line 4 of \(evaluation): \"a small blue house\". Calibration "
        + "and evaluation sentences must be disjoint, or the evaluation measures sentences the sensitivities were fitted to")
    #expect(throws: expected) { try SweepRunner(experiment: experiment, threads: 1).run() }
    #expect(!FileManager.default.fileExists(atPath: SweepJournal.folder(for: experiment).path))
    #expect(!FileManager.default.fileExists(atPath: experiment.output.path))

    // With the calibration's max_sentences 6 the corpus's first sentence is used too: 2 shared.
    doc["sensitivities"] = ["calibration": ["corpus": "calibration.txt", "max_sentences": 6]]
    let wider = try tiny.writeExperiment(doc)
    do {
      _ = try SweepRunner(experiment: wider, threads: 1).run()
      Issue.record("an overlapping calibration corpus was accepted")
    } catch let error as ExperimentError {
      #expect(error.keyPath == "sensitivities.calibration.corpus")
      #expect(error.problem.contains("share 2 sentences among the 5 calibration and 10 evaluation sentences used; the first is line 3 of"),
              "\(error)")
    }

    // Disjoint within what is used: the sweep runs.
    doc["sensitivities"] = ["calibration": ["corpus": "calibration.txt", "max_sentences": 2]]
    try tiny.writeCalibrationCorpus(["the red cat ran under the green tree", TinyBERTDirectory.sentences[10], TinyBERTDirectory.sentences[0]])
    let disjoint = try tiny.writeExperiment(doc)
    #expect(try SweepRunner(experiment: disjoint, threads: 1).run().calibrationsComputed == 1)
  }

  // MARK: a calibrated sweep

  /// Runs the calibrated document (``TinyBERTDirectory/calibratedDocument(seeds:)``) on a new
  /// tiny directory, which the caller keeps alive while it reads the outputs.
  static func calibratedSweep(seeds: [Int] = [0], threads: Int = 1, log: (@Sendable (String) -> Void)? = nil)
    throws -> (tiny: TinyBERTDirectory, experiment: Experiment, outcome: SweepRunner.Outcome)
  {
    let tiny = try TinyBERTDirectory()
    try tiny.writeCalibrationCorpus()
    let experiment = try tiny.writeExperiment(tiny.calibratedDocument(seeds: seeds))
    return (tiny, experiment, try SweepRunner(experiment: experiment, threads: threads, log: log).run())
  }

  @Test("none × activation sweep: calibrated once; rows equal a direct palettization with and without the directly calibrated sensitivities")
  func sweepEqualsDirect() throws {
    let log = LogLines()
    let (tiny, experiment, outcome) = try Self.calibratedSweep(threads: 2, log: log.append)
    defer { withExtendedLifetime(tiny) {} }
    #expect(outcome.calibrationsComputed == 1)
    #expect(outcome.manifest.runs.count == 4)

    let direct = try tiny.directCalibration()
    #expect(direct.metadata.sentences == 5)
    let sensitivities = try direct.model()
    #expect(log.lines.contains { $0.hasPrefix("calibration: 5 sentences, \(direct.metadata.tokens) tokens, sensitivities sha256 \(direct.contentSHA256.prefix(12))…, computed in ") },
            "\(log.lines)")

    let model = try Model.load(safetensors: tiny.modelFile)
    let summaries = try SweepOutputs.records(experiment.summaryURL)
    let rows = try SweepOutputs.records(experiment.output)
    var hashesByPoint: [String: [String: String]] = [:]
    for run in outcome.manifest.runs {
      let summary = try #require(summaries.first { $0["config_id"] == run.configID })
      let bits = run.overrides.contains("n_bits=2") ? 2 : 4
      let activation = run.overrides.hasSuffix("sensitivity=activation")
      #expect(run.overrides.hasSuffix(activation ? "sensitivity=activation" : "sensitivity=none"))
      #expect(summary["sensitivity"] == (activation ? "activation" : "none"))
      let runRows = rows.filter { $0["config_id"] == run.configID }
      #expect(runRows.count == 13)
      #expect(runRows.allSatisfy { $0["sensitivity"] == summary["sensitivity"] })

      let config = try KMeansPalettizerConfig.load(
        json: #"{"kmeans_palettization_config": {"global_config": {"enable_fast_kmeans_mode": true, "op_state_spec": {"weight": {"n_bits": \#(bits)}}}}}"#)
      let palettized = try KMeansPalettizer(model: model, config: config)
        .prepare(numWorkers: 1, seed: 0, sensitivities: activation ? sensitivities : nil)
      let expected = Dictionary(uniqueKeysWithValues: palettized.palettized.map { ($0.name, ResultHashing.hash($0.result)) })
      let recorded = Dictionary(uniqueKeysWithValues: run.tensors.map { ($0.name, $0.sha256) })
      #expect(recorded.count == 13)
      #expect(recorded == expected, "\(run.overrides)")
      hashesByPoint[run.overrides] = recorded
    }
    // The sensitivities change the clustering: with them some tensor gets another palette.
    for bits in [2, 4] {
      let plain = try #require(hashesByPoint["n_bits=\(bits) sensitivity=none"])
      let weighted = try #require(hashesByPoint["n_bits=\(bits) sensitivity=activation"])
      #expect(plain.keys.contains { plain[$0] != weighted[$0] }, "n_bits \(bits)")
      // The pooler receives no input: no sensitivities, clustered unweighted either way.
      #expect(plain["pooler.dense.weight"] == weighted["pooler.dense.weight"])
    }

    // The manifest's calibration record and the sensitivities kept beside the results.
    let record = try #require(outcome.manifest.calibration)
    #expect(record.kind == "activation" && record.corpus == "../calibration.txt")
    #expect(record.corpusSHA256 == (try SHA256Hasher.hex(ofFile: tiny.calibrationCorpus).sha256))
    #expect(record.maxSentences == 5 && record.sentences == 5 && record.batchSize == 2)
    let recorded = try #require(record.sensitivities)
    #expect(recorded.sha256 == direct.metadata.sensitivitiesSHA256 && recorded.sha256 == direct.contentSHA256)
    #expect(recorded.file == "tiny.calibration.safetensors" && recorded.tokens == direct.metadata.tokens)
    #expect(experiment.calibrationURL.path == experiment.output.deletingLastPathComponent().appendingPathComponent("tiny.calibration.safetensors").path)
    let kept = try ActivationSensitivities.loadColumns(experiment.calibrationURL)
    #expect(kept.tensors == direct.tensors && kept.contentSHA256 == direct.contentSHA256)
    #expect(!FileManager.default.fileExists(atPath: SweepJournal.folder(for: experiment).path))
  }

  @Test("a sweep whose runs all use no sensitivities computes no calibration and records none")
  func noActivationRunNoCalibration() throws {
    let tiny = try TinyBERTDirectory()
    try tiny.writeCalibrationCorpus()
    var doc = tiny.calibratedDocument()
    doc["sweep"] = [["n_bits": [2], "sensitivity": ["none"]]]
    let experiment = try tiny.writeExperiment(doc)
    let outcome = try SweepRunner(experiment: experiment, threads: 1).run()
    #expect(outcome.calibrationsComputed == 0)
    #expect(outcome.manifest.calibration?.sensitivities == nil)
    #expect(outcome.manifest.calibration?.sentences == 5)
    #expect(!FileManager.default.fileExists(atPath: experiment.calibrationURL.path))
  }

  // MARK: resume

  /// Runs shard 0 of 2 of the calibrated document (2 seeds, 8 runs) as an interrupted sweep
  /// leaves it: the journal with its calibration and part of the units.
  static func interrupted(_ tiny: TinyBERTDirectory) throws -> (Experiment, SweepRunner.ShardOutcome) {
    try tiny.writeCalibrationCorpus()
    let experiment = try tiny.writeExperiment(tiny.calibratedDocument(seeds: [0, 1]))
    let shard = try SweepRunner(experiment: experiment, threads: 1).run(shard: Shard(index: 0, count: 2))
    #expect(shard.totalUnits == 8 && shard.unitsRun > 0 && shard.unitsRun < 8)
    let journal = SweepJournal.folder(for: experiment).appendingPathComponent("calibration.safetensors")
    try #require(FileManager.default.fileExists(atPath: journal.path), "shard 0 ran no activation run")
    #expect(!FileManager.default.fileExists(atPath: experiment.output.path))
    return (experiment, shard)
  }

  @Test("resuming with another calibration corpus (same size) is refused; an unchanged one is not re-computed")
  func resume() throws {
    let reference = try Self.calibratedSweep(seeds: [0, 1])
    defer { withExtendedLifetime(reference.tiny) {} }
    #expect(reference.outcome.calibrationsComputed == 1)
    let expected = try SweepOutputs.deterministic(reference.experiment)

    // The corpus edited after the interruption, keeping its size (so only its hash tells).
    let edited = try TinyBERTDirectory()
    let (editedExperiment, _) = try Self.interrupted(edited)
    let before = try SHA256Hasher.hex(ofFile: edited.calibrationCorpus)
    var sentences = calibrationSentences
    sentences[0] = "the red dog ran under the green tree"
    #expect(sentences[0].utf8.count == calibrationSentences[0].utf8.count)
    try edited.writeCalibrationCorpus(sentences)
    let after = try SHA256Hasher.hex(ofFile: edited.calibrationCorpus)
    #expect(after.bytes == before.bytes && after.sha256 != before.sha256)
    let folder = SweepJournal.folder(for: editedExperiment)
    let refused = JournalError(
      file: folder.path,
      problem: "was started with another calibration corpus: \(edited.calibrationCorpus.path) had sha256 \(before.sha256.prefix(12))…, "
        + "now \(after.sha256.prefix(12))…; its calibration and the units weighted with it are for the old sentences; "
        + "remove the journal (rm -r '\(folder.path)') to start over")
    #expect(throws: refused) { try SweepRunner(experiment: editedExperiment, threads: 1, resume: true).run() }
    #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("calibration.safetensors").path))

    // Unchanged: the journal's calibration is used, and the outputs equal an uninterrupted sweep's.
    let kept = try TinyBERTDirectory()
    let (keptExperiment, shard) = try Self.interrupted(kept)
    let journaled = try ActivationSensitivities.loadColumns(SweepJournal.folder(for: keptExperiment).appendingPathComponent("calibration.safetensors"))
    let log = LogLines()
    let resumed = try SweepRunner(experiment: keptExperiment, threads: 1, resume: true, log: log.append).run()
    #expect(resumed.calibrationsComputed == 0)
    #expect(resumed.unitsResumed == shard.unitsRun && resumed.unitsRun == 8 - shard.unitsRun)
    #expect(log.lines.contains { $0.hasPrefix("calibration: 5 sentences, ") && $0.hasSuffix(", from \(SweepJournal.folder(for: keptExperiment).path)/calibration.safetensors") },
            "\(log.lines)")
    #expect(resumed.manifest.calibration?.sensitivities?.sha256 == journaled.contentSHA256)
    #expect(try SweepOutputs.deterministic(keptExperiment) == expected)
  }

  @Test("two shards and a merge equal an uninterrupted sweep: the second shard and the merge use the journal's calibration")
  func shardsAndMerge() throws {
    let reference = try Self.calibratedSweep(seeds: [0, 1])
    defer { withExtendedLifetime(reference.tiny) {} }

    let tiny = try TinyBERTDirectory()
    let (experiment, _) = try Self.interrupted(tiny)
    let journal = SweepJournal.folder(for: experiment).appendingPathComponent("calibration.safetensors")
    let log = LogLines()
    let second = try SweepRunner(experiment: experiment, threads: 1, log: log.append).run(shard: Shard(index: 1, count: 2))
    #expect(second.unitsRun > 0)
    #expect(log.lines.contains { $0.hasPrefix("calibration: 5 sentences, ") && $0.hasSuffix(", from \(journal.path)") }, "\(log.lines)")
    #expect(!log.lines.contains { $0.contains("computed in") }, "\(log.lines)")
    let merged = try SweepMerger.merge(experiment: experiment)
    #expect(merged.calibrationsComputed == 0)
    #expect(try SweepOutputs.deterministic(experiment) == SweepOutputs.deterministic(reference.experiment))
  }

  @Test("a damaged journal calibration is an error naming the file, not silently re-computed")
  func damagedJournalCalibration() throws {
    let tiny = try TinyBERTDirectory()
    let (experiment, _) = try Self.interrupted(tiny)
    let folder = SweepJournal.folder(for: experiment)
    let file = folder.appendingPathComponent("calibration.safetensors")
    var bytes = try Data(contentsOf: file)
    bytes[bytes.count - 1] ^= 0x01
    try bytes.write(to: file)
    do {
      _ = try SweepRunner(experiment: experiment, threads: 1, resume: true).run()
      Issue.record("a damaged journal calibration was accepted")
    } catch let error as JournalError {
      #expect(error.file == file.path)
      #expect(error.problem.hasPrefix("cannot be used (\(file.path): its tensors hash to "), "\(error)")
      #expect(error.problem.hasSuffix("; remove the journal (rm -r '\(folder.path)') to start over"), "\(error)")
    }
    #expect(!FileManager.default.fileExists(atPath: experiment.output.path))
  }

  // MARK: reproduce

  @Test("reproduce: the calibration re-computes bit for bit; a tampered recorded hash or sensitivities file is a MISMATCH")
  func reproduce() throws {
    let sweep = try Self.calibratedSweep(threads: 2)
    defer { withExtendedLifetime(sweep.tiny) {} }
    let (experiment, outcome) = (sweep.experiment, sweep.outcome)
    let record = try #require(outcome.manifest.calibration?.sensitivities)

    let report = try Reproducer(manifestURL: outcome.manifestURL, threads: 2).run()
    #expect(report.mismatches == 0 && report.matched == 4, "\(report.lines)")
    #expect(report.lines.contains("calibration: match (sensitivities bit for bit, sha256 \(record.sha256.prefix(12))…; 5 sentences, \(record.tokens) tokens)"),
            "\(report.lines)")

    // The manifest records another hash.
    let original = try Data(contentsOf: outcome.manifestURL)
    var manifest = try RunManifest.load(contentsOf: outcome.manifestURL)
    let fake = String(repeating: "0", count: 64)
    manifest.calibration?.sensitivities?.sha256 = fake
    try manifest.encoded().write(to: outcome.manifestURL)
    let hashed = try Reproducer(manifestURL: outcome.manifestURL, threads: 2).run()
    #expect(hashed.mismatches == 1 && hashed.matched == 4, "\(hashed.lines)")
    #expect(hashed.lines.contains(
      "calibration: MISMATCH tiny.calibration.safetensors holds sensitivities sha256 \(record.sha256), the manifest records \(fake); "
        + "re-computed sensitivities sha256 \(record.sha256) != recorded \(fake) on the same OpenBLAS core and build"), "\(hashed.lines)")
    try original.write(to: outcome.manifestURL)

    // A byte of the kept sensitivities' tensor data changed (the file's last byte: an exponent
    // bit of the last value).
    var bytes = try Data(contentsOf: experiment.calibrationURL)
    bytes[bytes.count - 1] ^= 0x01
    try bytes.write(to: experiment.calibrationURL)
    let damaged = try Reproducer(manifestURL: outcome.manifestURL, threads: 2).run()
    #expect(damaged.mismatches == 1 && damaged.matched == 4, "\(damaged.lines)")
    let line = try #require(damaged.lines.first { $0.hasPrefix("calibration: ") })
    #expect(line.hasPrefix("calibration: MISMATCH the recorded sensitivities cannot be read: \(experiment.calibrationURL.path): its tensors hash to "),
            "\(line)")
    #expect(line.hasSuffix(", but its metadata records \(record.sha256); the file was changed after harness calibrate wrote it"), "\(line)")
  }

  @Test("reproduce with sensitivities recorded on another OpenBLAS core: equal values match bit for bit; the runs are re-run with the kept values, compared within tolerance")
  func reproduceOtherCore() throws {
    let sweep = try Self.calibratedSweep()
    defer { withExtendedLifetime(sweep.tiny) {} }
    let (experiment, outcome) = (sweep.experiment, sweep.outcome)
    let core = try SweepEvaluator.currentBLAS().core
    var manifest = try RunManifest.load(contentsOf: outcome.manifestURL)
    manifest.calibration?.sensitivities?.openblasCore = "Haswell"
    manifest.calibration?.sensitivities?.openblasConfig = "OpenBLAS 0.3.21 DYNAMIC_ARCH Haswell"
    try manifest.encoded().write(to: outcome.manifestURL)
    let record = try #require(manifest.calibration?.sensitivities)
    // The re-computation hashes to the record: nothing differs, whatever core recorded it.
    let same = try Reproducer(manifestURL: outcome.manifestURL).run()
    #expect(same.mismatches == 0 && same.matched == 4, "\(same.lines)")
    #expect(same.lines.contains { $0.hasPrefix("calibration: match (sensitivities bit for bit, sha256 \(record.sha256.prefix(12))…") }, "\(same.lines)")

    // The kept values of one weight's first input column scaled: a consistent file and record,
    // as if another core had computed them. By 1 + 2^-20 (within tolerance), then by 1000.
    let kept = try ActivationSensitivities.loadColumns(experiment.calibrationURL)
    let name = "encoder.layer.0.attention.self.query.weight"
    func keep(_ factor: Float) throws -> Double {
      var changed = kept
      let tensor = try #require(kept.tensors[name])
      let width = tensor.shape[1]
      var values = tensor.values
      for i in stride(from: 0, to: values.count, by: width) { values[i] *= factor }
      changed.tensors[name] = Tensor(shape: tensor.shape, values: values)
      changed.metadata.sensitivitiesSHA256 = changed.contentSHA256
      try changed.writeColumns(to: experiment.calibrationURL)
      var edited = manifest
      edited.calibration?.sensitivities?.sha256 = changed.contentSHA256
      edited.calibration?.sensitivities?.metadata = changed.metadata
      try edited.encoded().write(to: outcome.manifestURL)
      let (a, b) = (Double(tensor.values[0]), Double(values[0]))
      return abs(a - b) / max(abs(a), abs(b))
    }
    let elsewhere = "recorded on Haswell (OpenBLAS 0.3.21 DYNAMIC_ARCH Haswell), this machine \(core)"
    let near = try keep(1 + 0x1p-20)
    let tolerance = CSVNumber.format(Reproducer.CalibrationTolerance.standard.relative)
    #expect(near > 0 && near < Reproducer.CalibrationTolerance.standard.relative)
    let within = try Reproducer(manifestURL: outcome.manifestURL).run()
    #expect(within.lines.contains(
      "calibration: match within tolerance (\(elsewhere): largest relative difference \(CSVNumber.format(near)) <= \(tolerance); 5 sentences, "
        + "\(record.tokens) tokens); the runs are re-run with the recorded sensitivities of tiny.calibration.safetensors, so their results "
        + "are compared bit for bit"), "\(within.lines)")

    let far = try keep(1000)
    let beyond = try Reproducer(manifestURL: outcome.manifestURL).run()
    #expect(beyond.lines.contains(
      "calibration: MISMATCH re-computed sensitivities differ from the recorded by up to \(CSVNumber.format(far)) relative, more than \(tolerance) (\(elsewhere))"),
            "\(beyond.lines)")
    // The runs used the kept (scaled) values, not the re-computed ones: the activation runs no
    // longer reproduce, the unweighted ones do.
    for run in manifest.runs {
      let line = try #require(beyond.lines.first { $0.hasPrefix("\(run.configID) seed=0 workers=1: ") })
      if run.overrides.hasSuffix("sensitivity=activation") {
        #expect(line.contains(": MISMATCH "), "\(line)")
      } else {
        #expect(line.hasSuffix(": match") || line.contains(": match "), "\(line)")
      }
    }
  }
}
