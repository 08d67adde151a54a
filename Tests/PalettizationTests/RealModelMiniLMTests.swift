import Foundation
import Testing
@testable import Palettization

/// The real MiniLM-L6 weights fetched by `scripts/setup` (models/minilm/model.safetensors).
/// These tests fail, not skip, when the file is missing: setup must have fetched it.
enum MiniLM {
  static var url: URL {
    URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("models/minilm/model.safetensors")
  }
}

@Suite("Real model: MiniLM-L6 from scripts/setup")
struct RealModelMiniLMTests {
  @Test("default config palettizes every Linear weight (36 encoder + pooler), nothing else; SNR > 15 dB")
  func defaultConfig() throws {
    try #require(FileManager.default.fileExists(atPath: MiniLM.url.path), "run scripts/setup to fetch \(MiniLM.url.path)")
    let model = try Model.load(safetensors: MiniLM.url)
    let result = try KMeansPalettizer(model: model, config: KMeansPalettizerConfig()).prepare(numWorkers: 2, seed: 0)
    let names = Set(result.palettized.map(\.name))
    let expected = Set((0..<6).flatMap { layer in
      ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
       "intermediate.dense", "output.dense"].map { "encoder.layer.\(layer).\($0).weight" }
    } + ["pooler.dense.weight"])
    #expect(expected.count == 37)
    #expect(names == expected)
    #expect(result.warnings.isEmpty)
    for (name, r) in result.palettized {
      #expect(r.metrics.snrDB.isFinite && r.metrics.snrDB > 15, "\(name): \(r.metrics.snrDB) dB")
      #expect(r.spec == PalettizationSpec())
    }
    // Embeddings and LayerNorms are untouched (inferred types: Embedding, LayerNorm).
    for outcome in result.outcomes where outcome.name.contains("embeddings") || outcome.name.contains("LayerNorm") {
      #expect(outcome.result == nil, "\(outcome.name)")
    }
    #expect(model.tree.module(named: "embeddings.word_embeddings")?.type == "torch.nn.modules.sparse.Embedding")
    #expect(model.inferenceNotes.contains { $0.contains("pooler.dense") && $0.contains("Linear") })
  }
}
