import Encoder
import Foundation
import Palettization

/// `harness calibrate --kind activation`: activation-aware sensitivities of a sentence
/// encoder's Linear weights from calibration sentences (see ``ActivationSensitivities`` for the
/// definition).
///
/// One fp32 forward pass over the sentences (``SentenceEncoder/linearInputMoments(_:batchSize:threads:)``)
/// sums every Linear's squared input columns over the real tokens in float64, in a fixed order;
/// the means become F32 tensors of each weight's shape. Every encoder Linear gets one (query,
/// key and value the same values, they read the same input); the pooler
/// (`pooler.dense.weight`) receives no input in the sentence-embedding pipeline and gets
/// none, so a palettizer clusters it unweighted. Embeddings and LayerNorms are not Linears and
/// get none either.
///
/// The result is bitwise identical for any ``threads``; ``batchSize`` and the CPU type
/// (OpenBLAS kernels) can change the last bits, and both are recorded in the metadata.
public struct ActivationCalibration: Sendable {
  /// The sentence-transformers model directory (`models/minilm`).
  public var modelDirectory: URL
  /// Calibration sentences, one per line (``SentenceCorpus``); keep them disjoint from the
  /// evaluation corpus.
  public var corpus: URL
  /// Use only the first N sentences (`nil`: all).
  public var maxSentences: Int?
  /// Sentences per batch of the forward pass.
  public var batchSize: Int
  /// Threads of the forward pass; the result does not depend on it.
  public var threads: Int
  /// The weights; `nil`: the directory's `model.safetensors`.
  public var weightsFile: URL?

  /// The files of a model directory that determine what reaches the Linears, hashed into the
  /// metadata (pooling and normalisation come after the last Linear).
  public static let modelFiles = ["config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json",
                                  "special_tokens_map.json", "sentence_bert_config.json"]

  /// - Precondition: `maxSentences`, `batchSize` and `threads` are at least 1.
  public init(
    modelDirectory: URL, corpus: URL, maxSentences: Int? = nil, batchSize: Int = 64, threads: Int = 1, weightsFile: URL? = nil
  ) {
    precondition(maxSentences.map { $0 >= 1 } ?? true, "maxSentences must be at least 1")
    precondition(batchSize >= 1 && threads >= 1, "batchSize and threads must be at least 1")
    self.modelDirectory = modelDirectory
    self.corpus = corpus
    self.maxSentences = maxSentences
    self.batchSize = batchSize
    self.threads = threads
    self.weightsFile = weightsFile
  }

  /// Reads the corpus, loads the model and computes the sensitivities.
  /// - Throws: ``EncoderError`` naming a missing or faulty corpus (checked first) or model
  ///   file; ``CalibrationError`` when a file cannot be hashed.
  public func run() throws -> ActivationSensitivities {
    let sentences = try calibrationSentences()
    return try run(encoder: SentenceEncoder(modelDirectory: modelDirectory, weightsFile: weightsFile), sentences: sentences)
  }

  /// Computes the sensitivities with an encoder already loaded from ``modelDirectory`` (a
  /// sweep that also evaluates loads it once).
  public func run(encoder: SentenceEncoder) throws -> ActivationSensitivities {
    try run(encoder: encoder, sentences: calibrationSentences())
  }

  /// The sentences calibration uses: the corpus's first ``maxSentences`` (all without a cap).
  /// - Throws: ``EncoderError`` naming the corpus when it is missing, not UTF-8 or empty.
  public func calibrationSentences() throws(EncoderError) -> [String] {
    let sentences = try SentenceCorpus.read(corpus)
    guard let maxSentences, sentences.count > maxSentences else { return sentences }
    return Array(sentences.prefix(maxSentences))
  }

  /// Computes the sensitivities of `sentences` (``calibrationSentences()`` when the caller has
  /// read them already) with an encoder loaded from ``modelDirectory`` and ``weightsFile``.
  func run(encoder: SentenceEncoder, sentences: [String]) throws -> ActivationSensitivities {
    let (tensors, moments) = Self.sensitivities(of: encoder, sentences: sentences, batchSize: batchSize, threads: threads)
    let corpusHash = try Self.sha256(of: corpus)
    let hashes = try modelFileHashes()
    var result = ActivationSensitivities(tensors: tensors, metadata: CalibrationMetadata(
      format: CalibrationMetadata.currentFormat, kind: .activation, corpusFile: corpus.lastPathComponent,
      corpusSHA256: corpusHash, maxSentences: maxSentences, sentences: moments.sentences,
      tokens: moments.tokens, batchSize: batchSize, model: modelDirectory.lastPathComponent, modelFiles: hashes,
      blasCore: encoder.blas.coreName, notWritten: Self.notWritten(encoder), sensitivitiesSHA256: "",
      harnessVersion: HarnessVersion.current))
    result.metadata.blasConfig = encoder.blas.configuration
    result.metadata.sensitivitiesSHA256 = result.contentSHA256
    return result
  }

  /// The sensitivity tensors of every encoder Linear weight for `sentences`, by weight name,
  /// and the input moments they come from: `Float(Σ_t x_t[j]² / T)` repeated over the
  /// weight's rows (mean in float64, rounded once to F32).
  /// - Precondition: `sentences` is not empty.
  /// - Complexity: the forward pass plus O(T · Σ width) for T tokens, then O(Σ weight sizes)
  ///   to fill the tensors.
  public static func sensitivities(of encoder: SentenceEncoder, sentences: [String], batchSize: Int, threads: Int)
    -> (tensors: [String: Tensor], moments: LinearInputMoments)
  {
    precondition(!sentences.isEmpty, "calibration needs at least one sentence")
    let moments = encoder.linearInputMoments(sentences, batchSize: batchSize, threads: threads)
    var tensors: [String: Tensor] = [:]
    for name in moments.sumsOfSquares.keys.sorted() {
      guard let means = moments.meanSquares(for: name), let shape = encoder.model.parameters[name]?.shape else { continue }
      let row = means.map { Float($0) }
      let rows = shape.reduce(1, *) / max(1, row.count)
      tensors[name] = Tensor(shape: shape, values: ActivationSensitivities.repeating(row, count: rows))
    }
    return (tensors, moments)
  }

  /// SHA-256 of each of ``modelFiles`` that exists (``weightsFile`` for `model.safetensors`), by
  /// file name: the metadata's `model_files`.
  /// - Throws: ``CalibrationError`` when a file cannot be read.
  func modelFileHashes() throws(CalibrationError) -> [String: String] {
    var hashes: [String: String] = [:]
    for name in Self.modelFiles {
      let url = name == "model.safetensors" ? weightsFile ?? modelDirectory.appendingPathComponent(name)
        : modelDirectory.appendingPathComponent(name)
      if FileManager.default.fileExists(atPath: url.path) { hashes[name] = try Self.sha256(of: url) }
    }
    return hashes
  }

  /// SHA-256 of the file at `url`, lowercase hex.
  static func sha256(of url: URL) throws(CalibrationError) -> String {
    do { return try SHA256Hasher.hex(ofFile: url).sha256 } catch {
      throw CalibrationError(file: url.path, kind: .unreadable(reason: error.localizedDescription))
    }
  }

  /// Linear weights of `encoder` that get no sensitivities: present, but reached by no input.
  static func notWritten(_ encoder: SentenceEncoder) -> [String] {
    LinearInputStatistics.unreachedWeights.filter { encoder.model.parameters[$0] != nil }.sorted()
  }
}
