import Encoder
import Foundation
import Testing
@testable import PaletteHarness
@testable import Palettization

private func outputs(_ experiment: Experiment) throws -> [String] { try SweepOutputs.deterministic(experiment) }
private func records(_ url: URL) throws -> [[String: String]] { try SweepOutputs.records(url) }

/// Replaces the cell of `column` in the first data row of the CSV at `url` by `transform` of it.
private func tamper(_ url: URL, column: String, row: Int = 0, _ transform: (String) -> String) throws {
  let table = try CSVTable(contentsOf: url)
  let index = try #require(table.header.firstIndex(of: column))
  var rows = table.rows
  rows[row][index] = transform(rows[row][index])
  try Data(CSVTable(header: table.header, rows: rows).encoded().utf8).write(to: url)
}

/// `x` with its last digit changed.
private func nudged(_ x: String) -> String { String(x.dropLast()) + (x.last == "1" ? "2" : "1") }

@Suite("Sweeps with model-output evaluation (tiny BERT)", .serialized)
struct SweepEvaluationTests {
  @Test("summary metrics and output SNRs of every run equal a direct computation from the engine's reconstructions")
  func valuesEqualDirectComputation() throws {
    let tiny = try TinyBERTDirectory()
    let experiment = try tiny.writeExperiment(tiny.document())
    let outcome = try SweepRunner(experiment: experiment, threads: 2).run()
    #expect(outcome.summary.rows.count == 12)

    let encoder = try tiny.encoder()
    let sentences = Array(TinyBERTDirectory.sentences.prefix(10))
    let reference = encoder.encode(sentences, batchSize: 4, threads: 1)
    // Every Linear's fp32 inputs, captured one sentence at a time.
    var inputs: [String: [[Double]]] = [:]
    for ids in encoder.tokenize(sentences) {
      _ = encoder.model.forward([ids], blas: encoder.blas, threads: 1) { layer, site, rows, width in
        for name in site.weightNames(layer: layer) {
          for t in 0..<(rows.count / width) { inputs[name, default: []].append((0..<width).map { Double(rows[t * width + $0]) }) }
        }
      }
    }
    func energy(_ x: [[Double]], _ w: [Float], rows: Int) -> Double {
      let width = w.count / rows
      var sum = 0.0
      for token in x {
        for o in 0..<rows {
          var dot = 0.0
          for j in 0..<width { dot += token[j] * Double(w[o * width + j]) }
          sum += dot * dot
        }
      }
      return sum
    }

    let model = try Model.load(safetensors: tiny.modelFile)
    let tensorRows = try records(experiment.output)
    for summary in try records(experiment.summaryURL) {
      let seed = try #require(UInt64(summary["seed"] ?? ""))
      let vector = summary["config_id"]?.hasPrefix("g2") == true
      let bits = vector ? 2 : (summary["config_id"] == "g1-p1" ? 2 : 4)
      let spec = vector ? #"{"n_bits": \#(bits), "cluster_dim": 2}"# : #"{"n_bits": \#(bits)}"#
      let config = try KMeansPalettizerConfig.load(json: #"{"kmeans_palettization_config": {"global_config": {"enable_fast_kmeans_mode": \#(!vector), "op_state_spec": {"weight": \#(spec)}}}}"#)
      let palettized = try KMeansPalettizer(model: model, config: config).prepare(numWorkers: 1, seed: seed)
      let reconstructions = Dictionary(uniqueKeysWithValues: palettized.palettized.map { ($0.name, $0.result.reconstruct().values) })
      let candidate = try encoder.replacingWeights(reconstructions).encode(sentences, batchSize: 4, threads: 1)
      let fidelity = EmbeddingFidelity(reference: reference, candidate: candidate)
      #expect(summary["mean_cosine"] == CSVNumber.format(fidelity.meanCosine))
      #expect(summary["min_cosine"] == CSVNumber.format(fidelity.minCosine))
      #expect(summary["neighbour_agreement"] == fidelity.neighbourAgreement.map(CSVNumber.format))
      #expect(fidelity.meanCosine < 0.9999, "the 2/4-bit tiny model should move its embeddings")

      let run = tensorRows.filter { $0["config_id"] == summary["config_id"] && $0["seed"] == summary["seed"] && $0["workers"] == summary["workers"] }
      #expect(run.count == 13)
      for row in run {
        let name = try #require(row["tensor"])
        guard let x = inputs[name] else {
          #expect(name == "pooler.dense.weight" && row["output_snr_db"] == "", "\(name)")
          continue
        }
        let w = try #require(tiny.parameters[name]), rows = w.shape[0]
        let delta = zip(w.values, try #require(reconstructions[name])).map { Float(Double($0) - Double($1)) }
        let direct = 10 * log10(energy(x, w.values, rows: rows) / energy(x, delta, rows: rows))
        let recorded = try #require(CSVNumber.parse(row["output_snr_db"] ?? ""))
        #expect(abs(recorded - direct) <= 1e-6, "\(name): \(recorded) vs \(direct)")
      }
    }
  }

  @Test("runs with equal result hashes are evaluated once, also side by side; the values do not depend on who computed them or on threads")
  func evaluatedOncePerHash() throws {
    let tiny = try TinyBERTDirectory()
    // 2 grid points × seeds 0, 1: 4 runs, 2 distinct result hashes (scalar clustering has no RNG).
    let doc = tiny.document(overrides: ["sweep": [["n_bits": [2, 4]]], "workers": [1]])
    let experiment = try tiny.writeExperiment(doc)
    let outcome = try SweepRunner(experiment: experiment, threads: 2).run()
    #expect(outcome.summary.rows.count == 4)
    #expect(outcome.evaluationsComputed == 2)
    #expect(outcome.evaluationSeconds > 0 && outcome.referenceSeconds > 0)
    let summaries = try records(experiment.summaryURL)
    for point in ["g1-p1", "g1-p2"] {
      let values = Set(summaries.filter { $0["config_id"] == point }.map { [$0["mean_cosine"], $0["min_cosine"], $0["neighbour_agreement"]] })
      #expect(values.count == 1)
    }
    let first = try outputs(experiment)

    // The whole default document (12 runs: 8 scalar with 2 hashes, 4 vector with 2) with one
    // thread, in another process-order: 4 evaluations, and the same values for the scalar runs.
    let other = try TinyBERTDirectory()
    let all = try other.writeExperiment(other.document())
    #expect(try SweepRunner(experiment: all, threads: 1).run().evaluationsComputed == 4)
    let again = try TinyBERTDirectory()
    _ = try SweepRunner(experiment: try again.writeExperiment(doc), threads: 1).run()
    #expect(try outputs(try again.writeExperiment(doc)) == first)
  }

  @Test("ComputeOnce: concurrent callers of one key wait for the first; a failure frees the key")
  func computeOnce() throws {
    let cache = ComputeOnce<Int>()
    let results = LogLines()
    DispatchQueue.concurrentPerform(iterations: 8) { i in
      let key = "k\(i % 2)"
      let value = try? cache.value(for: key) {
        Thread.sleep(forTimeInterval: 0.05)
        return i % 2 + 10
      }.value
      results.append("\(key)=\(value.map(String.init) ?? "error")")
    }
    #expect(cache.computations == 2)
    #expect(Set(results.lines) == ["k0=10", "k1=11"] && results.lines.count == 8)

    struct Failure: Error {}
    #expect(throws: Failure.self) { try cache.value(for: "bad") { throw Failure() } }
    #expect(try cache.value(for: "bad") { 7 } == (7, true))
    #expect(cache.computations == 4)
  }

  @Test("a resumed, a sharded-and-merged and an uninterrupted evaluated sweep give the same outputs; merge evaluates nothing")
  func resumeShardsMerge() throws {
    let reference = try TinyBERTDirectory()
    let experiment = try reference.writeExperiment(reference.document())
    _ = try SweepRunner(experiment: experiment, threads: 2).run()
    let expected = try outputs(experiment)
    #expect(expected[2].contains("\"evaluation\""))

    // Killed after shard 0 of 2 (its entries journaled), resumed as a whole sweep.
    let resumedDir = try TinyBERTDirectory()
    let resumedExperiment = try resumedDir.writeExperiment(resumedDir.document())
    let shard = try SweepRunner(experiment: resumedExperiment, threads: 2).run(shard: Shard(index: 0, count: 2))
    #expect(shard.totalUnits == 12)  // whole-run units: one per run
    #expect(shard.unitsRun == shard.units && shard.units > 0 && shard.units < 12)
    let units = SweepJournal.folder(for: resumedExperiment).appendingPathComponent("units")
    for file in try FileManager.default.contentsOfDirectory(atPath: units.path) where file.hasSuffix(".json") {
      let entry = try JSONSerialization.jsonObject(with: Data(contentsOf: units.appendingPathComponent(file))) as? [String: Any]
      let evaluation = try #require(entry?["evaluation"] as? [String: String])
      #expect(evaluation["mean_cosine"]?.isEmpty == false, "\(file)")
    }
    let resumed = try SweepRunner(experiment: resumedExperiment, threads: 2, resume: true).run()
    #expect(resumed.unitsResumed == shard.units && resumed.unitsRun == 12 - shard.units)
    #expect(try outputs(resumedExperiment) == expected)

    // Two shards in separate processes' stead, then the merge step.
    let merged = try TinyBERTDirectory()
    let mergedExperiment = try merged.writeExperiment(merged.document())
    for i in 0..<2 { _ = try SweepRunner(experiment: mergedExperiment, threads: 1).run(shard: Shard(index: i, count: 2)) }
    let outcome = try SweepMerger.merge(experiment: mergedExperiment)
    #expect(outcome.evaluationsComputed == 0 && outcome.referenceSeconds == 0)
    #expect(try outputs(mergedExperiment) == expected)
  }

  @Test("the harness executable: two shard processes evaluate their runs, merge computes nothing, reproduce matches")
  func shardProcesses() throws {
    let binary = try #require(HarnessBinary.current)
    let harness = URL(fileURLWithPath: binary.path).deletingLastPathComponent().appendingPathComponent("harness")
    try #require(FileManager.default.isExecutableFile(atPath: harness.path), "no harness executable at \(harness.path); build it first (swift build)")
    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
      let process = Process()
      process.executableURL = harness
      process.arguments = arguments
      let out = Pipe(), err = Pipe()
      process.standardOutput = out
      process.standardError = err
      try process.run()
      let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      process.waitUntilExit()
      return (process.terminationStatus, stdout, stderr)
    }
    let reference = try TinyBERTDirectory()
    let referenceExperiment = try reference.writeExperiment(reference.document())
    _ = try SweepRunner(experiment: referenceExperiment).run()

    let tiny = try TinyBERTDirectory()
    let experiment = try tiny.writeExperiment(tiny.document())
    for i in 0..<2 {
      let shard = try run(["sweep", tiny.experimentURL.path, "--shard", "\(i)/2", "--resume", "--threads", "2"])
      #expect(shard.status == 0, "\(shard.stderr)")
      #expect(shard.stderr.contains("evaluation: fp32 reference of 10 sentences in "), "\(shard.stderr)")
      #expect(shard.stderr.contains("; evaluation "), "\(shard.stderr)")
    }
    let merge = try run(["merge", tiny.experimentURL.path])
    #expect(merge.status == 0, "\(merge.stderr)")
    #expect(!merge.stderr.contains("fp32 reference"), "\(merge.stderr)")
    #expect(try outputs(experiment) == outputs(referenceExperiment))
    let reproduce = try run(["reproduce", experiment.manifestURL.path, "--quiet"])
    #expect(reproduce.status == 0, "\(reproduce.stdout)\(reproduce.stderr)")
    #expect(reproduce.stdout.split(separator: "\n").filter { $0.hasSuffix(": match (evaluation bit for bit)") }.count == 12, "\(reproduce.stdout)")
  }

  @Test("reproduce matches bit for bit, reports tampered evaluation values, and compares within tolerance on another OpenBLAS core")
  func reproduce() throws {
    let tiny = try TinyBERTDirectory()
    let experiment = try tiny.writeExperiment(tiny.document(overrides: ["sweep": [["n_bits": [2, 4]]], "workers": [1]]))
    let outcome = try SweepRunner(experiment: experiment, threads: 2).run()
    let core = try SweepEvaluator.currentBLAS().core
    let report = try Reproducer(manifestURL: outcome.manifestURL).run()
    #expect(report.mismatches == 0 && report.matched == 4)
    #expect(report.lines.first == "evaluation: recorded on OpenBLAS core \(core); this machine: \(core); values are compared bit for bit on the same core and build, else within tolerance")
    #expect(report.lines.dropFirst().allSatisfy { $0.hasSuffix(": match (evaluation bit for bit)") }, "\(report.lines)")

    // A summary metric changed on disk.
    let summaries = try records(experiment.summaryURL)
    try tamper(experiment.summaryURL, column: "min_cosine", nudged)
    let tampered = try Reproducer(manifestURL: outcome.manifestURL).run()
    #expect(tampered.mismatches == 1)
    let line = try #require(tampered.lines.first { $0.contains("MISMATCH") })
    let original = try #require(summaries.first?["min_cosine"])
    #expect(line == "g1-p1 seed=0 workers=1: MISMATCH min_cosine in tiny.summary.csv is '\(nudged(original))', the manifest records '\(original)' (evaluation bit for bit)")
    try tamper(experiment.summaryURL, column: "min_cosine") { _ in original }

    // An output SNR changed on disk: the rows hash ignores it, the evaluation record does not.
    try tamper(experiment.output, column: "output_snr_db", nudged)
    let snr = try Reproducer(manifestURL: outcome.manifestURL).run()
    #expect(snr.mismatches == 1)
    #expect(snr.lines.contains { $0.hasPrefix("g1-p1 seed=0 workers=1: MISMATCH output_snr_db in tiny.csv (output_snr_sha256 ") })
  }

  @Test("reproduce compares within tolerance when the values were recorded on another OpenBLAS core, and says so")
  func reproduceAcrossCores() throws {
    let tiny = try TinyBERTDirectory()
    let experiment = try tiny.writeExperiment(tiny.document(overrides: ["sweep": [["n_bits": [2]]], "seeds": [0], "workers": [1]]))
    let outcome = try SweepRunner(experiment: experiment, threads: 1).run()
    let current = try SweepEvaluator.currentBLAS()
    // Pretend the sweep ran on a Haswell machine.
    var manifest = try RunManifest.load(contentsOf: outcome.manifestURL)
    manifest.evaluation?.openblas[0].core = "Haswell"
    manifest.evaluation?.openblas[0].config = "OpenBLAS 0.3.21 DYNAMIC_ARCH Haswell"
    manifest.runs[0].evaluation?.openblasCore = "Haswell"
    try manifest.encoded().write(to: outcome.manifestURL)
    let report = try Reproducer(manifestURL: outcome.manifestURL).run()
    #expect(report.mismatches == 0)
    #expect(report.lines.last == "g1-p1 seed=0 workers=1: match (evaluation within tolerance: recorded on Haswell (OpenBLAS 0.3.21 DYNAMIC_ARCH Haswell), this machine \(current.core))")

    // A recorded mean cosine 1e-5 away (beyond the 2e-6 tolerance), consistently on disk.
    let recorded = try #require(manifest.runs[0].evaluation?.meanCosine)
    let moved = CSVNumber.format(try #require(CSVNumber.parse(recorded)) - 1e-5)
    manifest.runs[0].evaluation?.meanCosine = moved
    try manifest.encoded().write(to: outcome.manifestURL)
    try tamper(experiment.summaryURL, column: "mean_cosine") { _ in moved }
    let far = try Reproducer(manifestURL: outcome.manifestURL).run()
    #expect(far.mismatches == 1)
    #expect(far.lines.last?.hasPrefix("g1-p1 seed=0 workers=1: MISMATCH mean_cosine re-evaluated '\(recorded)' differs from the recorded '\(moved)' by more than 2e-06") == true, "\(far.lines)")
  }

  @Test("the evaluation columns are left out of every rows hash: the same sweep without evaluation has the same hashes")
  func hashesIgnoreEvaluation() throws {
    let tiny = try TinyBERTDirectory()
    let doc = tiny.document(overrides: ["sweep": [["n_bits": [2]]], "seeds": [0], "workers": [1]])
    let evaluated = try SweepRunner(experiment: try tiny.writeExperiment(doc), threads: 1).run().manifest
    var plain = doc
    plain.removeValue(forKey: "evaluate")
    let unevaluated = try SweepRunner(experiment: try tiny.writeExperiment(plain), threads: 1).run()
    #expect(evaluated.outputs.csvDeterministicSHA256 == unevaluated.manifest.outputs.csvDeterministicSHA256)
    #expect(evaluated.runs.map(\.rowsSHA256) == unevaluated.manifest.runs.map(\.rowsSHA256))
    #expect(evaluated.evaluation?.sentences == 10 && evaluated.evaluation?.batchSize == 4)
    #expect(evaluated.runs[0].evaluation != nil && unevaluated.manifest.runs[0].evaluation == nil)
    #expect(unevaluated.manifest.evaluation == nil)
    // Without an evaluation the columns are there and empty.
    let row = try #require(try records(unevaluated.resultsURL).first)
    #expect(row["output_snr_db"] == "")
    #expect(try records(unevaluated.summaryURL).first?["mean_cosine"] == "")
  }

  @Test("a corpus with fewer sentences than max_sentences is used whole and recorded")
  func fewerSentences() throws {
    let tiny = try TinyBERTDirectory()
    let experiment = try tiny.writeExperiment(tiny.document(maxSentences: 500, overrides: ["sweep": [["n_bits": [4]]], "seeds": [0], "workers": [1]]))
    let log = LogLines()
    let outcome = try SweepRunner(experiment: experiment, threads: 1, log: log.append).run()
    #expect(log.lines.contains("note: evaluate.embedding: \(tiny.corpus.path) holds 12 sentences, fewer than max_sentences 500; evaluating all 12"))
    #expect(outcome.manifest.evaluation?.sentences == 12 && outcome.manifest.evaluation?.maxSentences == 500)
    #expect(outcome.manifest.evaluation?.encoderFiles.map(\.path) == [
      "config.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "sentence_bert_config.json",
      "modules.json", "1_Pooling/config.json",
    ].map { "../tiny/\($0)" })
  }

  struct Invalid: Sendable, CustomTestStringConvertible {
    var evaluate: String
    var model = #"{"safetensors": "m/model.safetensors"}"#
    var message: String
    var testDescription: String { message }
  }

  static let invalid: [Invalid] = [
    .init(evaluate: #"{}"#, message: #"/work/exp/e.json: evaluate must name an evaluation, e.g. {"embedding": {"corpus": "corpus/eval.txt", "max_sentences": 512}}"#),
    .init(evaluate: #"{"embeddings": {}}"#, message: "/work/exp/e.json: evaluate.embeddings is not a known key; expected one of embedding"),
    .init(evaluate: #"{"embedding": {"corpus": "c.txt", "max_sentences": 8, "batch": 4}}"#,
          message: "/work/exp/e.json: evaluate.embedding.batch is not a known key; expected one of batch_size, corpus, max_sentences"),
    .init(evaluate: #"{"embedding": {"max_sentences": 8}}"#, message: "/work/exp/e.json: evaluate.embedding is missing the required key 'corpus'"),
    .init(evaluate: #"{"embedding": {"corpus": "c.txt"}}"#, message: "/work/exp/e.json: evaluate.embedding is missing the required key 'max_sentences'"),
    .init(evaluate: #"{"embedding": {"corpus": "c.txt", "max_sentences": 0}}"#, message: "/work/exp/e.json: evaluate.embedding.max_sentences must be at least 1, found 0"),
    .init(evaluate: #"{"embedding": {"corpus": "c.txt", "max_sentences": "all"}}"#,
          message: #"/work/exp/e.json: evaluate.embedding.max_sentences must be an integer, found a string "all""#),
    .init(evaluate: #"{"embedding": {"corpus": "c.txt", "max_sentences": 8, "batch_size": 0}}"#,
          message: "/work/exp/e.json: evaluate.embedding.batch_size must be at least 1, found 0"),
    .init(evaluate: #"{"embedding": {"corpus": "", "max_sentences": 8}}"#, message: "/work/exp/e.json: evaluate.embedding.corpus must be a non-empty path"),
    .init(evaluate: #"{"embedding": {"corpus": "c.txt", "max_sentences": 8}}"#,
          model: #"{"synthetic": {"layers": [{"name": "a", "type": "torch.nn.modules.linear.Linear", "shape": [4, 4], "distribution": {"type": "gaussian", "sigma": 1}}]}}"#,
          message: "/work/exp/e.json: evaluate.embedding needs a safetensors model: the encoder reads the experiment's model.safetensors with the sentence-transformers files of its folder, and this experiment's model is synthetic"),
  ]

  @Test("invalid evaluate keys give errors naming the key path", arguments: invalid)
  func invalidDocuments(_ c: Invalid) {
    let document = #"{"name": "t", "model": \#(c.model), "config": "w4", "output": "o.csv", "evaluate": \#(c.evaluate)}"#
    do {
      _ = try Experiment.parse(Data(document.utf8), file: experimentFile)
      Issue.record("parsed without error: \(document)")
    } catch {
      #expect(error.description == c.message)
    }
  }

  @Test("a missing corpus, an empty corpus and a missing encoder file are errors naming the file, before any work")
  func missingFiles() throws {
    let tiny = try TinyBERTDirectory()
    let file = tiny.experimentURL.path
    var doc = tiny.document()
    doc["evaluate"] = ["embedding": ["corpus": "nowhere.txt", "max_sentences": 4]]
    #expect(throws: ExperimentError(file: file, keyPath: "evaluate.embedding.corpus",
                                    problem: "\(tiny.folder.appendingPathComponent("nowhere.txt").path): cannot read the corpus file (missing or unreadable)")) {
      try SweepRunner(experiment: try tiny.writeExperiment(doc)).run()
    }
    try Data("\n  \n".utf8).write(to: tiny.folder.appendingPathComponent("blank.txt"))
    doc["evaluate"] = ["embedding": ["corpus": "blank.txt", "max_sentences": 4]]
    #expect(throws: ExperimentError(file: file, keyPath: "evaluate.embedding.corpus",
                                    problem: "\(tiny.folder.appendingPathComponent("blank.txt").path): the corpus holds no sentences (every line is blank)")) {
      try SweepRunner(experiment: try tiny.writeExperiment(doc)).run()
    }
    try FileManager.default.removeItem(at: tiny.modelDirectory.appendingPathComponent("vocab.txt"))
    #expect(throws: ExperimentError(file: file, keyPath: "evaluate.embedding",
                                    problem: "needs the sentence-transformers files beside the model: \(tiny.modelDirectory.appendingPathComponent("vocab.txt").path) is missing (scripts/setup fetches MiniLM into models/minilm)")) {
      try SweepRunner(experiment: try tiny.writeExperiment(tiny.document())).run()
    }
    #expect(!FileManager.default.fileExists(atPath: SweepJournal.folder(for: try tiny.writeExperiment(tiny.document())).path))
  }
}
