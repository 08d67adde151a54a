import Foundation

/// A pass of the experiment's sentence encoder over a corpus: the settings shared by the
/// experiment keys `"evaluate": {"embedding": {…}}` (``EmbeddingEvaluationSettings``, see
/// ``SweepEvaluator``) and `"sensitivities": {"calibration": {…}}`
/// (``ActivationCalibrationSettings``, see ``SweepCalibrator``).
///
/// ```json
/// {"corpus": "corpus/eval.txt", "max_sentences": 512, "batch_size": 64}
/// ```
///
/// The model is the experiment's `model.safetensors`, read by the encoder together with the
/// sentence-transformers files of its folder (``SweepEvaluator/encoderFiles(beside:)``). The
/// batch size is part of the settings because it changes the last bits of what the pass computes
/// (other shapes reach the BLAS kernels); the thread count does not.
public struct EncoderCorpusSettings: Sendable, Equatable {
  /// One sentence per line (``Encoder/SentenceCorpus``), resolved against the experiment's
  /// folder.
  public var corpus: URL
  /// The first `maxSentences` sentences are used (all of them when the corpus holds fewer;
  /// the manifest records how many). At least 1.
  public var maxSentences: Int
  /// Sentences per encoder batch (default 64). At least 1.
  public var batchSize: Int

  /// The batch size when the experiment gives none.
  public static let defaultBatchSize = 64

  /// - Precondition: `maxSentences` and `batchSize` are at least 1.
  public init(corpus: URL, maxSentences: Int, batchSize: Int = defaultBatchSize) {
    precondition(maxSentences >= 1 && batchSize >= 1, "maxSentences and batchSize must be at least 1")
    self.corpus = corpus
    self.maxSentences = maxSentences
    self.batchSize = batchSize
  }
}

/// `"evaluate": {"embedding": {…}}`: evaluate every run's palettized model on its sentence
/// embeddings. The corpus is the evaluation's.
public typealias EmbeddingEvaluationSettings = EncoderCorpusSettings

/// `"sensitivities": {"calibration": {…}}`: compute activation-aware sensitivities once per
/// sweep instead of reading a file. The corpus must not share a sentence with the evaluation's.
public typealias ActivationCalibrationSettings = EncoderCorpusSettings
