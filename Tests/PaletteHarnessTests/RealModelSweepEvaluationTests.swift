import Encoder
import Foundation
import Palettization
import Testing
@testable import PaletteHarness

/// A sweep with `evaluate.embedding` on the real MiniLM (models/minilm from scripts/setup;
/// these tests fail, not skip, without it), on 16 sentences of the evaluation corpus.
@Suite("Real model: sweeps with model-output evaluation")
struct RealModelSweepEvaluationTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  static let modelDirectory = root.appendingPathComponent("models/minilm")

  @Test("output_snr_db equals ‖XWᵀ‖²/‖XΔᵀ‖² from captured inputs; the summary equals harness evaluate on the exported model")
  func sweepMatchesDirectEvaluation() throws {
    try #require(FileManager.default.fileExists(atPath: Self.modelDirectory.appendingPathComponent("vocab.txt").path),
                 "run scripts/setup to fetch \(Self.modelDirectory.path)")
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("real-sweep-eval-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let sentences = Array(try SentenceCorpus.read(Self.root.appendingPathComponent("experiments/corpus/eval.txt")).prefix(16))
    let corpus = folder.appendingPathComponent("corpus.txt")
    try Data(sentences.joined(separator: "\n").utf8).write(to: corpus)
    let modelFile = Self.modelDirectory.appendingPathComponent("model.safetensors")
    let doc: [String: Any] = [
      "name": "real", "model": ["safetensors": modelFile.path], "config": "default", "seeds": [0], "workers": [2],
      "output": "results/real.csv",
      "evaluate": ["embedding": ["corpus": "corpus.txt", "max_sentences": 16, "batch_size": 8]],
    ]
    let experimentURL = folder.appendingPathComponent("real.json")
    try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys]).write(to: experimentURL)
    let outcome = try SweepRunner(experiment: try Experiment.load(contentsOf: experimentURL), threads: 2).run()
    let header = outcome.summary.header, summary = try #require(outcome.summary.rows.first)
    func cell(_ row: [String], _ column: String, in header: [String] = ResultColumns.tensors) -> String {
      row[header.firstIndex(of: column) ?? 0]
    }

    // `harness evaluate` on the same config's exported file.
    let model = try Model.load(safetensors: modelFile)
    let palettized = try KMeansPalettizer(model: model, config: KMeansPalettizerConfig()).prepare(numWorkers: 2, seed: 0)
    let compressed = folder.appendingPathComponent("default.safetensors")
    try CompressedModelFile.write(palettized, model: model, to: compressed)
    let direct = try EmbeddingJob(modelDirectory: Self.modelDirectory, corpus: corpus, palettized: compressed, threads: 1, batchSize: 8).evaluate()
    #expect(cell(summary, "mean_cosine", in: header) == CSVNumber.format(direct.meanCosine))
    #expect(cell(summary, "min_cosine", in: header) == CSVNumber.format(direct.minCosine))
    #expect(cell(summary, "neighbour_agreement", in: header) == direct.neighbourAgreement.map(CSVNumber.format))

    // One Linear's output SNR from its captured fp32 inputs, by plain float64 loops.
    let name = "encoder.layer.0.attention.output.dense.weight"
    let encoder = try SentenceEncoder(modelDirectory: Self.modelDirectory)
    var inputs: [[Double]] = []
    for ids in encoder.tokenize(sentences) {
      _ = encoder.model.forward([ids], blas: encoder.blas, threads: 1) { layer, site, rows, width in
        guard layer == 0, site == .attentionOutput else { return }
        for t in 0..<(rows.count / width) { inputs.append((0..<width).map { Double(rows[t * width + $0]) }) }
      }
    }
    let weight = try model.tensor(named: name).values
    let reconstruction = try #require(palettized.palettized.first { $0.name == name }).result.reconstruct().values
    func energy(_ w: [Double]) -> Double {
      var sum = 0.0
      for x in inputs {
        for o in 0..<384 {
          var dot = 0.0
          for j in 0..<384 { dot += x[j] * w[o * 384 + j] }
          sum += dot * dot
        }
      }
      return sum
    }
    let expected = 10 * log10(energy(weight.map(Double.init)) / energy(zip(weight, reconstruction).map { Double($0) - Double($1) }))
    let rows = outcome.results.rows
    let row = try #require(rows.first { cell($0, "tensor") == name })
    let recorded = try #require(CSVNumber.parse(cell(row, "output_snr_db")))
    #expect(abs(recorded - expected) <= 1e-6, "\(recorded) vs \(expected)")
    #expect(recorded > 10 && recorded < 30)
    // Every encoder Linear has a finite output SNR; the pooler, which no input reaches, none.
    #expect(rows.count == 37)
    for row in rows {
      let value = cell(row, "output_snr_db")
      if cell(row, "tensor") == "pooler.dense.weight" { #expect(value == "") } else { #expect(CSVNumber.parse(value)?.isFinite == true) }
    }
    #expect(outcome.manifest.evaluation?.openblas.count == 1)
  }
}
