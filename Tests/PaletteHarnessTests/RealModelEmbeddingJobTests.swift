import Encoder
import Foundation
import Palettization
import Testing
@testable import PaletteHarness

/// `harness embed` / `harness evaluate` logic on the real MiniLM (models/minilm from
/// scripts/setup; these tests fail, not skip, without it).
@Suite("Real model: embed and evaluate jobs")
struct RealModelEmbeddingJobTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  static let modelDirectory = root.appendingPathComponent("models/minilm")
  static let testSentences = root.appendingPathComponent("Tests/EncoderTests/Resources/sentences.txt")
  static let reference = root.appendingPathComponent("Tests/EncoderTests/Resources/reference_embeddings.npy")

  static func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("embed-job-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  static func requireModel() throws {
    try #require(FileManager.default.fileExists(atPath: modelDirectory.appendingPathComponent("vocab.txt").path),
                 "run scripts/setup to fetch \(modelDirectory.path)")
  }

  @Test("embed writes a float32 .npy within 1e-5 of sentence-transformers' embeddings")
  func embedMatchesReference() throws {
    try Self.requireModel()
    let output = try Self.temporaryFolder().appendingPathComponent("e.npy")
    let job = EmbeddingJob(modelDirectory: Self.modelDirectory, corpus: Self.testSentences, palettized: nil, threads: 2, batchSize: 64)
    try job.embed(to: output)
    let written = try NumPyFile.read(output), reference = try NumPyFile.read(Self.reference)
    #expect(written.rows == reference.rows && written.dimension == 384)
    #expect(zip(written.values, reference.values).allSatisfy { abs($0 - $1) <= 1e-5 })
  }

  @Test("--palettized: the file's reconstructions replace the weights; evaluate compares with fp32")
  func palettizedEvaluation() throws {
    try Self.requireModel()
    let folder = try Self.temporaryFolder()
    let model = try Model.load(safetensors: Self.modelDirectory.appendingPathComponent("model.safetensors"))
    let result = try KMeansPalettizer(model: model, config: KMeansPalettizerConfig()).prepare(numWorkers: 2, seed: 0)
    let compressed = folder.appendingPathComponent("w4.safetensors")
    try CompressedModelFile.write(result, model: model, to: compressed)
    let corpus = folder.appendingPathComponent("corpus.txt")
    let sentences = Array(try SentenceCorpus.read(Self.root.appendingPathComponent("experiments/corpus/eval.txt")).prefix(48))
    try Data(sentences.joined(separator: "\n").utf8).write(to: corpus)

    let job = EmbeddingJob(modelDirectory: Self.modelDirectory, corpus: corpus, palettized: compressed, threads: 2, batchSize: 16)
    let fidelity = try job.evaluate()
    // Independently: the in-memory reconstructions, the fp32 encoder, the metric.
    let encoder = try SentenceEncoder(modelDirectory: Self.modelDirectory)
    let replaced = try encoder.replacingWeights(Dictionary(uniqueKeysWithValues: result.palettized.map { ($0.name, $0.result.reconstruct().values) }))
    let expected = EmbeddingFidelity(reference: encoder.encode(sentences, batchSize: 16, threads: 1),
                                     candidate: replaced.encode(sentences, batchSize: 16, threads: 1))
    #expect(fidelity == expected)
    #expect(fidelity.sentences == 48)
    // 4-bit per-tensor MiniLM keeps most of the direction but not every neighbour.
    #expect(fidelity.meanCosine > 0.9 && fidelity.meanCosine < 0.995, "\(fidelity.meanCosine)")
    #expect(fidelity.minCosine <= fidelity.meanCosine)
  }

  @Test("a palettized file whose tensors do not fit the model is an error naming the tensor")
  func mismatchedPalettizedFile() throws {
    try Self.requireModel()
    let folder = try Self.temporaryFolder()
    let name = "encoder.layer.0.attention.self.query.weight"
    let values = (0..<64).map { Float($0 % 7) / 7 }
    let small = try Model(tensors: [(name, Tensor(shape: [8, 8], values: values))])
    let result = try KMeansPalettizer(model: small, config: KMeansPalettizerConfig()).prepare(numWorkers: 1, seed: 0)
    let compressed = folder.appendingPathComponent("other.safetensors")
    try CompressedModelFile.write(result, model: small, to: compressed)
    let encoder = try SentenceEncoder(modelDirectory: Self.modelDirectory)
    #expect(throws: EncoderError(file: compressed.path, problem: "palettized tensor '\(name)' has shape [8, 8], the model's has [384, 384]")) {
      try EmbeddingJob.reconstructed(encoder, from: compressed)
    }
    let renamed = try Model(tensors: [("decoder.proj.weight", Tensor(shape: [8, 8], values: values))])
    let other = try KMeansPalettizer(model: renamed, config: KMeansPalettizerConfig()).prepare(numWorkers: 1, seed: 0)
    try CompressedModelFile.write(other, model: renamed, to: compressed)
    #expect(throws: EncoderError(file: compressed.path, problem: "palettized tensor 'decoder.proj.weight' is not a parameter of the model in the encoder (6 layers, hidden 384, vocabulary 30522)")) {
      try EmbeddingJob.reconstructed(encoder, from: compressed)
    }
  }
}
