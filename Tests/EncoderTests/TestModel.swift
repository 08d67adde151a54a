import Foundation
import Testing
@testable import Encoder

/// Paths of the real model (fetched by `scripts/setup` into models/minilm) and of the committed
/// PyTorch references. Tests that need the model fail, not skip, when it is missing.
enum Fixtures {
  static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  static let modelDirectory = root.appendingPathComponent("models/minilm")
  static let resources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources")
  static let sentences = resources.appendingPathComponent("sentences.txt")
  static let referenceIDs = resources.appendingPathComponent("reference_ids.json")
  static let referenceEmbeddings = resources.appendingPathComponent("reference_embeddings.npy")
  static let evalCorpus = root.appendingPathComponent("experiments/corpus/eval.txt")

  /// The MiniLM encoder, loaded once per test process.
  static func miniLM() throws -> SentenceEncoder {
    try #require(FileManager.default.fileExists(atPath: modelDirectory.appendingPathComponent("vocab.txt").path),
                 "run scripts/setup to fetch \(modelDirectory.path)")
    return try loaded.get()
  }
  private static let loaded = Result { try SentenceEncoder(modelDirectory: modelDirectory) }

  /// The reference token ids written by scripts/reference_embeddings.py.
  static func referenceTokenIDs() throws -> [[Int32]] {
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: referenceIDs)) as? [String: Any]
    let ids = try #require(object?["ids"] as? [[Int]])
    return ids.map { $0.map(Int32.init) }
  }
}
