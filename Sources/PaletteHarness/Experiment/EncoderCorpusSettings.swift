import Encoder
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

extension EncoderCorpusSettings {
  /// What an encoder pass over this corpus needs from `experiment`, checked the same way for the
  /// evaluation and the calibration: a safetensors model with the sentence-transformers files
  /// beside it, and the corpus's first `maxSentences` sentences (with their line numbers); a
  /// corpus shorter than that is noted through `log` ("…; `purpose` all N").
  /// - Parameter keyPath: the experiment key, for messages (`evaluate.embedding`, …).
  /// - Throws: ``ExperimentError`` at `keyPath` for a synthetic model or a missing encoder file
  ///   (naming it), at `keyPath.corpus` for a corpus that cannot be read or holds no sentence.
  func preparePass(
    experiment: Experiment, keyPath: String, purpose: String, log: (@Sendable (String) -> Void)?
  ) throws(ExperimentError) -> (modelFile: URL, encoderFiles: [URL], used: [(line: Int, text: String)], total: Int) {
    func fail(_ keyPath: String, _ problem: String) -> ExperimentError {
      ExperimentError(file: experiment.file.path, keyPath: keyPath, problem: problem)
    }
    guard case .safetensors(let modelFile, _) = experiment.model else {
      throw fail(keyPath, "needs a safetensors model; this experiment's model is synthetic")
    }
    let files = SweepEvaluator.encoderFiles(beside: modelFile)
    if let missing = files.first(where: { !FileManager.default.fileExists(atPath: $0.path) }) {
      throw fail(keyPath,
                 "needs the sentence-transformers files beside the model: \(missing.path) is missing (scripts/setup fetches MiniLM into models/minilm)")
    }
    let all: [(line: Int, text: String)]
    do { all = try SentenceCorpus.readNumbered(corpus) } catch { throw fail("\(keyPath).corpus", error.description) }
    if all.count < maxSentences {
      log?("note: \(keyPath): \(corpus.path) holds \(all.count) sentences, fewer than max_sentences \(maxSentences); \(purpose) all \(all.count)")
    }
    return (modelFile, files, Array(all.prefix(maxSentences)), all.count)
  }
}

/// `"evaluate": {"embedding": {…}}`: evaluate every run's palettized model on its sentence
/// embeddings. The corpus is the evaluation's.
public typealias EmbeddingEvaluationSettings = EncoderCorpusSettings

/// `"sensitivities": {"calibration": {…}}`: compute activation-aware sensitivities once per
/// sweep instead of reading a file. The corpus must not share a sentence with the evaluation's.
public typealias ActivationCalibrationSettings = EncoderCorpusSettings
