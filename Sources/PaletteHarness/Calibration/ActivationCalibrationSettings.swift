import Foundation

/// The experiment key `"sensitivities": {"calibration": {…}}`: compute activation-aware
/// sensitivities once per sweep (``SweepCalibrator``) instead of reading a file.
///
/// ```json
/// "sensitivities": {"calibration": {"corpus": "corpus/calibration.txt", "max_sentences": 256, "batch_size": 64}}
/// ```
///
/// The model is the experiment's `model.safetensors`, read by the encoder with the
/// sentence-transformers files of its folder, as for `evaluate.embedding`. The batch size is
/// part of the settings because it changes the last bits of the sensitivities (other shapes
/// reach the BLAS kernels); the thread count does not.
public struct ActivationCalibrationSettings: Sendable, Equatable {
  /// Calibration sentences, one per line (``Encoder/SentenceCorpus``), resolved against the
  /// experiment's folder. Must not share a sentence with the evaluation corpus.
  public var corpus: URL
  /// The first `maxSentences` sentences are used (all of them when the corpus holds fewer;
  /// the manifest records how many). At least 1.
  public var maxSentences: Int
  /// Sentences per batch of the forward pass (default 64). At least 1.
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
