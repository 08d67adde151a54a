import Encoder
import Foundation
import Palettization
@testable import PaletteHarness

/// A tiny random sentence-transformers BERT directory on disk (hidden 16, 2 heads,
/// intermediate 32, 2 layers, a 30-token vocabulary, a pooler), a corpus over its words, and an
/// experiment that sweeps it with `evaluate.embedding` — so sweeps with evaluation run in
/// milliseconds. Weights come from a seeded SplitMix64, so failures replay.
final class TinyBERTDirectory {
  static let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "dog", "ran",
                       "a", "big", "small", "red", "blue", "house", "tree", "bird", "flew", "over", "under", ".",
                       ",", "and", "is", "was", "##s", "green"]
  static let config = BERTConfig(hiddenSize: 16, layerCount: 2, headCount: 2, intermediateSize: 32,
                                 layerNormEpsilon: 1e-12, maxPositions: 32, vocabularySize: tokens.count)
  static let sentences = [
    "the cat sat on the mat.", "a dog ran over the house", "the big red bird flew over a tree",
    "a small blue house", "the green tree was big, and the house was small", "cats and dogs ran",
    "the bird is red", "a mat on the tree", "the dog sat under a blue tree.", "birds flew over houses",
    "the small cat is green", "a big dog and a small cat sat on a mat",
  ]

  let folder: URL
  var modelDirectory: URL { folder.appendingPathComponent("tiny") }
  var modelFile: URL { modelDirectory.appendingPathComponent("model.safetensors") }
  var corpus: URL { folder.appendingPathComponent("corpus.txt") }
  var experimentURL: URL { folder.appendingPathComponent("exp.json") }
  let parameters: [String: Tensor]

  /// Writes the model directory and the corpus; ``writeExperiment(_:)`` writes an experiment.
  init(seed: UInt64 = 3) throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("palettelab-tinybert-\(UUID().uuidString)")
    let pooling = folder.appendingPathComponent("tiny/1_Pooling")
    try FileManager.default.createDirectory(at: pooling, withIntermediateDirectories: true)
    var state = seed
    func next() -> Float {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      z ^= z >> 31
      return Float(z >> 40) / Float(1 << 24) * 2 - 1
    }
    var parameters: [String: Tensor] = [:]
    var writer = SafeTensorsWriter()
    for (name, shape) in BERTModel.requiredShapes(Self.config) + BERTModel.unusedShapes(Self.config) {
      var values = (0..<shape.reduce(1, *)).map { _ in next() * 0.5 }
      if name.hasSuffix("LayerNorm.weight") { values = values.map { 1 + $0 * 0.2 } }
      let tensor = Tensor(shape: shape, values: values)
      parameters[name] = tensor
      writer.append(SafeTensorsEntry(name: name, tensor: tensor))
    }
    self.parameters = parameters
    try writer.write(to: modelFile)
    func json(_ object: Any, _ path: String) throws {
      try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: modelDirectory.appendingPathComponent(path))
    }
    try json(["model_type": "bert", "hidden_act": "gelu", "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
              "intermediate_size": 32, "max_position_embeddings": 32, "vocab_size": Self.tokens.count, "type_vocab_size": 2,
              "layer_norm_eps": 1e-12], "config.json")
    try json(["do_lower_case": true, "tokenizer_class": "BertTokenizer"], "tokenizer_config.json")
    try json(["unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]", "mask_token": "[MASK]"],
             "special_tokens_map.json")
    try json(["max_seq_length": 32, "do_lower_case": false], "sentence_bert_config.json")
    try json([["idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"],
              ["idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"],
              ["idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"]], "modules.json")
    try json(["word_embedding_dimension": 16, "pooling_mode_mean_tokens": true], "1_Pooling/config.json")
    try Data((Self.tokens.joined(separator: "\n") + "\n").utf8).write(to: modelDirectory.appendingPathComponent("vocab.txt"))
    try Data((Self.sentences.joined(separator: "\n") + "\n").utf8).write(to: corpus)
  }

  deinit { try? FileManager.default.removeItem(at: folder) }

  /// The document of an experiment on the tiny model: 2- and 4-bit per-tensor scalar points,
  /// seeds 0 and 1, workers 1 and 2 (8 runs, 2 distinct result hashes), and a vector point
  /// (2 distinct hashes over the seeds), evaluating `maxSentences` sentences; `overrides`
  /// replace top-level keys.
  func document(maxSentences: Int = 10, overrides: [String: Any] = [:]) -> [String: Any] {
    var doc: [String: Any] = [
      "name": "tiny",
      "model": ["safetensors": "tiny/model.safetensors"],
      "config": "default",
      "sweep": [
        ["n_bits": [2, 4]],
        ["enable_fast_kmeans_mode": [false], "n_bits": [2], "cluster_dim": [2]],
      ],
      "seeds": [0, 1],
      "workers": [1, 2],
      "output": "results/tiny.csv",
      "evaluate": ["embedding": ["corpus": "corpus.txt", "max_sentences": maxSentences, "batch_size": 4]],
    ]
    for (key, value) in overrides { doc[key] = value }
    return doc
  }

  /// Writes `doc` as the experiment file and loads it.
  @discardableResult
  func writeExperiment(_ doc: [String: Any]) throws -> Experiment {
    try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys, .prettyPrinted]).write(to: experimentURL)
    return try Experiment.load(contentsOf: experimentURL)
  }

  /// The fp32 encoder of the directory, built from parts (not through the harness).
  func encoder() throws -> SentenceEncoder {
    let tokenizer = try BertTokenizer(vocabulary: Vocabulary(tokens: Self.tokens), settings: TokenizerSettings(maxLength: 32))
    return try SentenceEncoder(tokenizer: tokenizer, model: BERTModel(config: Self.config, parameters: parameters),
                               pooling: SentencePooling(normalize: true))
  }
}
