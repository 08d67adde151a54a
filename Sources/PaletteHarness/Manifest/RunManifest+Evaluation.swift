import Foundation

extension RunManifest {
  /// The sweep's model-output evaluation (experiment key `evaluate.embedding`): what it ran on.
  ///
  /// The evaluation columns go through OpenBLAS, whose kernels depend on the CPU type, so they
  /// are kept out of the rows hashes and recorded here and per run (``RunEvaluationRecord``);
  /// `reproduce` compares them bit for bit on the same OpenBLAS core and build, within
  /// ``Reproducer/EvaluationTolerance`` elsewhere.
  public struct EvaluationRecord: Codable, Sendable, Equatable {
    /// `embedding`.
    public var kind: String
    /// The corpus, relative to the manifest's folder, and its SHA-256.
    public var corpus: String
    public var corpusSHA256: String
    /// `max_sentences` as the experiment gives it, and the sentences evaluated (fewer when the
    /// corpus holds fewer).
    public var maxSentences: Int
    public var sentences: Int
    public var batchSize: Int
    /// The sentence-transformers files the encoder read beside the model (whose hash is in
    /// ``RunManifest/inputs``).
    public var encoderFiles: [FileHash]
    /// Each OpenBLAS the runs were evaluated on (one unless shards ran on different CPU types),
    /// in run order of first use.
    public var openblas: [BLASRecord]

    enum CodingKeys: String, CodingKey {
      case kind, corpus, corpusSHA256 = "corpus_sha256", maxSentences = "max_sentences", sentences
      case batchSize = "batch_size", encoderFiles = "encoder_files", openblas
    }
  }

  /// A file relative to the manifest's folder and its SHA-256.
  public struct FileHash: Codable, Sendable, Equatable {
    public var path: String
    public var sha256: String
  }

  /// One OpenBLAS the evaluation ran on: the core type it chose for the CPU, its build
  /// configuration, and the SHA-256 of the fp32 reference embeddings it computed.
  public struct BLASRecord: Codable, Sendable, Equatable {
    public var core: String
    public var config: String
    public var referenceEmbeddingsSHA256: String

    enum CodingKeys: String, CodingKey {
      case core, config, referenceEmbeddingsSHA256 = "reference_embeddings_sha256"
    }
  }

  /// One run's model-output evaluation: the summary values as written in the summary CSV, a
  /// hash of its `output_snr_db` cells, and the OpenBLAS core it was computed on.
  public struct RunEvaluationRecord: Codable, Sendable, Equatable {
    public var meanCosine: String
    public var minCosine: String
    public var neighbourAgreement: String
    /// ``ResultHashing/hash(outputSNROf:)`` of the run's per-tensor rows.
    public var outputSNRSHA256: String
    /// ``BLASRecord/core`` of the OpenBLAS that computed the values.
    public var openblasCore: String

    enum CodingKeys: String, CodingKey {
      case meanCosine = "mean_cosine", minCosine = "min_cosine", neighbourAgreement = "neighbour_agreement"
      case outputSNRSHA256 = "output_snr_sha256", openblasCore = "openblas_core"
    }

    /// The record of a run from its units' ``UnitResult/evaluation`` values and its rows;
    /// `nil` when the run was not evaluated.
    init?(unitValues values: [String: String], rows: [[String]]) {
      guard !values.isEmpty else { return nil }
      meanCosine = values["mean_cosine"] ?? ""
      minCosine = values["min_cosine"] ?? ""
      neighbourAgreement = values["neighbour_agreement"] ?? ""
      outputSNRSHA256 = ResultHashing.hash(outputSNROf: rows)
      openblasCore = values[RunEvaluation.blasCoreKey] ?? ""
    }

    /// The value recorded for summary column `column` (``RunEvaluation/summaryColumns``).
    func value(of column: String) -> String {
      switch column {
      case "mean_cosine": return meanCosine
      case "min_cosine": return minCosine
      default: return neighbourAgreement
      }
    }
  }
}

extension RunManifest.EvaluationRecord {
  /// The record of `evaluator`'s sweep, whose runs' unit values are `runValues` (run order);
  /// file hashes come from `inputs` (``ManifestBuilder/inputs()``), paths relative to the
  /// manifest's folder via `relative`.
  init(evaluator: SweepEvaluator, runValues: [[String: String]], inputs: [RunManifest.InputRecord], relative: (URL) -> String) {
    func hash(_ url: URL) -> String { inputs.first { $0.path == relative(url) }?.sha256 ?? "" }
    kind = "embedding"
    corpus = relative(evaluator.settings.corpus)
    corpusSHA256 = hash(evaluator.settings.corpus)
    maxSentences = evaluator.settings.maxSentences
    sentences = evaluator.sentences.count
    batchSize = evaluator.settings.batchSize
    encoderFiles = evaluator.encoderFiles.map { RunManifest.FileHash(path: relative($0), sha256: hash($0)) }
    var seen: [RunManifest.BLASRecord] = []
    for values in runValues where !values.isEmpty {
      let record = RunManifest.BLASRecord(
        core: values[RunEvaluation.blasCoreKey] ?? "", config: values[RunEvaluation.blasConfigKey] ?? "",
        referenceEmbeddingsSHA256: values[RunEvaluation.referenceKey] ?? "")
      if !seen.contains(record) { seen.append(record) }
    }
    openblas = seen
  }
}
