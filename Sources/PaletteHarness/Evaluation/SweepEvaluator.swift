import Dispatch
import Encoder
import Foundation
import Palettization

/// Evaluates every run of a sweep on the model's outputs (experiment key `evaluate.embedding`):
/// how close the palettized model's sentence embeddings stay to the fp32 model's, and each
/// palettized Linear's output SNR.
///
/// One evaluator serves a whole sweep (and `reproduce`): it reads the corpus and checks the
/// encoder's files when it is made, and loads the expensive part — the encoder, the fp32
/// embeddings of the first `max_sentences` sentences and the Linear-input Gram matrices on the
/// same sentences — once, on first use (``prepareReference(threads:)``), so a merge or a fully
/// journaled resume never loads it. A run is evaluated in memory from its reconstructed weights:
/// nothing is written. Runs with the same result hash (``ResultHashing/hash(tensors:)``) have
/// the same reconstruction, so they are evaluated once per evaluator, however they are
/// scheduled (``ComputeOnce``); their values are identical whichever run computed them.
///
/// Results do not depend on the thread count (the encoder guarantees it for a fixed batch size,
/// which the settings fix). They can differ in the last bits between CPU types: OpenBLAS picks
/// its kernels per CPU (``RunEvaluation/blas``).
public final class SweepEvaluator: @unchecked Sendable {
  // @unchecked: the stored properties are immutable; the caches synchronise themselves.

  /// The experiment's `evaluate.embedding` settings.
  public let settings: EmbeddingEvaluationSettings
  /// The experiment's model file, which the encoder reads.
  public let modelFile: URL
  /// The sentence-transformers files the encoder reads beside it (``encoderFiles(beside:)``).
  public let encoderFiles: [URL]
  /// The sentences evaluated: the corpus's first `max_sentences`.
  public let sentences: [String]
  /// ``sentences`` with their line numbers in the corpus (for the calibration's overlap check).
  let numberedSentences: [(line: Int, text: String)]
  /// Sentences in the whole corpus.
  public let corpusSentences: Int

  private let references = ComputeOnce<Reference>()
  private let runs = ComputeOnce<RunEvaluation>()
  /// `‖X Wᵀ‖²` of each fp32 weight, by name: the numerator of every output SNR of that weight.
  private let outputEnergies = ComputeOnce<Double>()

  /// What every run is compared with, computed once.
  struct Reference: Sendable {
    var encoder: SentenceEncoder
    var ids: [[Int32]]
    /// The fp32 embeddings, with their unit rows and nearest neighbours computed once.
    var embeddings: EmbeddingFidelity.Reference
    var statistics: LinearInputStatistics
    /// SHA-256 of the embeddings' float32 bits (row-major, little-endian).
    var sha256: String
    var blas: RunEvaluation.BLASIdentity
  }

  /// Reads the corpus and checks that the encoder's files are there; loads nothing else.
  /// - Throws: ``ExperimentError`` at `evaluate.embedding…` for a synthetic model, a missing
  ///   encoder file (naming it) or a corpus that cannot be read or holds no sentence.
  public init(experiment: Experiment, log: (@Sendable (String) -> Void)? = nil) throws(ExperimentError) {
    guard let settings = experiment.embeddingEvaluation else {
      preconditionFailure("the experiment has no evaluate.embedding")
    }
    let pass = try settings.preparePass(experiment: experiment, keyPath: "evaluate.embedding", purpose: "evaluating", log: log)
    self.settings = settings
    self.modelFile = pass.modelFile
    self.encoderFiles = pass.encoderFiles
    self.numberedSentences = pass.used
    self.sentences = pass.used.map(\.text)
    self.corpusSentences = pass.total
  }

  /// The files of a sentence-transformers model directory that the encoder reads besides
  /// `model`: its configuration, tokenizer and pipeline files, with the Pooling folder's
  /// `config.json` where the directory's `modules.json` names it (`1_Pooling` when it cannot be
  /// read).
  public static func encoderFiles(beside model: URL) -> [URL] {
    let folder = model.deletingLastPathComponent()
    var pooling = "1_Pooling"
    if let data = FileManager.default.contents(atPath: folder.appendingPathComponent("modules.json").path),
       let modules = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]], modules.count >= 2,
       let path = modules[1]["path"] as? String {
      pooling = path
    }
    var files = ["config.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json",
                 "sentence_bert_config.json", "modules.json"]
    let poolingConfig = pooling.isEmpty ? "config.json" : "\(pooling)/config.json"
    if !files.contains(poolingConfig) { files.append(poolingConfig) }
    return files.map { folder.appendingPathComponent($0) }
  }

  /// The OpenBLAS this process evaluates with.
  /// - Throws: ``EncoderError`` when OpenBLAS cannot be opened.
  public static func currentBLAS() throws -> RunEvaluation.BLASIdentity {
    let blas = try OpenBLAS.shared()
    return RunEvaluation.BLASIdentity(core: blas.coreName, config: blas.configuration)
  }

  /// How many runs this evaluator evaluated (not counting those served from its cache).
  public var evaluationsComputed: Int { runs.computations }

  /// Loads the encoder and computes the fp32 embeddings and Gram matrices, unless done already;
  /// returns the seconds it took (0 when it was done).
  /// - Parameter threads: the encoder's threads; the results do not depend on it.
  /// - Complexity: one forward pass over the sentences and O(T · Σ width²) for the Gram
  ///   matrices of T tokens.
  @discardableResult
  public func prepareReference(threads: Int) throws -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    let (_, computed) = try references.value(for: "fp32") { try loadReference(threads: threads) }
    return computed ? Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 : 0
  }

  /// The fp32 encoder of the reference (loaded, and the reference computed, on first use): the
  /// calibration of a sweep that also evaluates runs on it instead of loading its own.
  func referenceEncoder(threads: Int) throws -> SentenceEncoder {
    try reference(threads: threads).encoder
  }

  private func reference(threads: Int) throws -> Reference {
    try references.value(for: "fp32") { try loadReference(threads: threads) }.value
  }

  private func loadReference(threads: Int) throws -> Reference {
    let encoder = try SentenceEncoder(modelDirectory: modelFile.deletingLastPathComponent(), weightsFile: modelFile)
    let ids = encoder.tokenize(sentences)
    let (embeddings, statistics) = encoder.encodeWithLinearInputStatistics(ids: ids, batchSize: settings.batchSize, threads: threads)
    var hasher = SHA256Hasher()
    hasher.update(embeddings.values)
    return Reference(
      encoder: encoder, ids: ids, embeddings: EmbeddingFidelity.Reference(embeddings), statistics: statistics, sha256: hasher.hex(),
      blas: try Self.currentBLAS())
  }

  /// The evaluation of a run whose palettized tensors are `model`'s and whose result hash is
  /// `resultSHA256`, computed unless a run with the same hash was (or is being) evaluated by
  /// this evaluator; and the seconds this call spent computing (0 when served from the cache).
  ///
  /// - Parameter threads: the encoder's threads (the run's share of the budget).
  /// - Throws: ``EncoderError`` naming a palettized tensor that is not a parameter of the
  ///   encoder or has another shape.
  /// - Complexity: one forward pass over the sentences, two `dgemm`s per palettized Linear
  ///   (O(rows · width²)), and O(n² · d) for the neighbours of n sentences of dimension d.
  public func evaluate(_ model: PalettizedModel, resultSHA256: String, threads: Int) throws -> (evaluation: RunEvaluation, seconds: Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let (evaluation, computed) = try runs.value(for: resultSHA256) { try compute(model, threads: threads) }
    return (evaluation, computed ? Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 : 0)
  }

  private func compute(_ model: PalettizedModel, threads: Int) throws -> RunEvaluation {
    let reference = try reference(threads: threads)
    let tensors = model.palettized.map { (name: $0.name, tensor: $0.result) }
    let replacements = try EmbeddingJob.replacements(tensors, for: reference.encoder, source: modelFile.path)
    // The weight's output energy is computed once per sweep: half of the two `dgemm`s (0.37 of
    // 0.73 s CPU per MiniLM run).
    var outputSNR: [String: Double] = [:]
    for (name, _) in tensors {
      guard let gram = reference.statistics.gram(for: name), let weight = reference.encoder.model.parameters[name]?.values,
            let reconstruction = replacements[name]
      else { continue }
      let signal = try outputEnergies.value(for: name) { try gram.outputEnergy(weight.map(Double.init)) }.value
      outputSNR[name] = try gram.outputSNR(weight: weight, reconstruction: reconstruction, signalEnergy: signal)
    }
    let candidate = try reference.encoder.replacingWeights(replacements)
      .encode(ids: reference.ids, batchSize: settings.batchSize, threads: threads)
    return RunEvaluation(
      fidelity: EmbeddingFidelity(reference: reference.embeddings, candidate: candidate), outputSNR: outputSNR,
      blas: reference.blas, referenceSHA256: reference.sha256)
  }
}
