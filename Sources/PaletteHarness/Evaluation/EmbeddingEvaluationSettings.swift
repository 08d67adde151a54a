import Foundation

/// The experiment key `"evaluate": {"embedding": {…}}`: evaluate every run's palettized model on
/// its sentence embeddings (see ``SweepEvaluator``).
///
/// ```json
/// "evaluate": {"embedding": {"corpus": "corpus/eval.txt", "max_sentences": 512, "batch_size": 64}}
/// ```
///
/// The model is the experiment's `model.safetensors`, read by the encoder together with the
/// sentence-transformers files of its folder (`config.json`, `vocab.txt`, …; see
/// ``encoderFiles``). The batch size is part of the settings because it changes the last bits
/// of the embeddings (other shapes reach the BLAS kernels); the thread count does not.
public struct EmbeddingEvaluationSettings: Sendable, Equatable {
  /// One sentence per line (``Encoder/SentenceCorpus``), resolved against the experiment's folder.
  public var corpus: URL
  /// The first `maxSentences` sentences are used (all of them when the corpus holds fewer;
  /// the manifest records how many). At least 1.
  public var maxSentences: Int
  /// Sentences per encoder batch (default 64). At least 1.
  public var batchSize: Int

  /// The batch size when the experiment gives none.
  public static let defaultBatchSize = 64

  public init(corpus: URL, maxSentences: Int, batchSize: Int = defaultBatchSize) {
    precondition(maxSentences >= 1 && batchSize >= 1, "maxSentences and batchSize must be at least 1")
    self.corpus = corpus
    self.maxSentences = maxSentences
    self.batchSize = batchSize
  }

  /// The sentence-transformers files the encoder reads beside `model.safetensors`, relative to
  /// the model's folder; `pooling` is the Pooling module's folder as `modules.json` names it.
  public static func encoderFiles(pooling: String = "1_Pooling") -> [String] {
    var files = ["config.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json",
                 "sentence_bert_config.json", "modules.json"]
    let poolingConfig = pooling.isEmpty ? "config.json" : "\(pooling)/config.json"
    if !files.contains(poolingConfig) { files.append(poolingConfig) }
    return files
  }
}
