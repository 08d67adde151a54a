import Foundation

extension RunManifest {
  /// The sweep's activation calibration (experiment key `sensitivities.calibration`): what it was
  /// computed from and, when a run used it, the sensitivities themselves.
  ///
  /// The sensitivities go through OpenBLAS (the forward pass's matrix products), whose kernels
  /// depend on the CPU type, so a re-computation on another core can differ in the last bits —
  /// and so would every result weighted with them. The sweep therefore keeps the values it used
  /// beside its results (``SensitivitiesRecord/file``, 83 KB for MiniLM), and `reproduce`
  /// re-runs with those when it cannot re-create them bit for bit (see
  /// ``Reproducer/CalibrationTolerance``).
  public struct CalibrationRecord: Codable, Sendable, Equatable {
    /// `activation`.
    public var kind: String
    /// The corpus, relative to the manifest's folder, and its SHA-256.
    public var corpus: String
    public var corpusSHA256: String
    /// `max_sentences` as the experiment gives it, and the sentences used (fewer when the corpus
    /// holds fewer).
    public var maxSentences: Int
    public var sentences: Int
    public var batchSize: Int
    /// The sensitivities the runs with `sensitivity` `activation` were weighted with; `nil` when
    /// no run used them (they are computed only for such runs).
    public var sensitivities: SensitivitiesRecord?

    enum CodingKeys: String, CodingKey {
      case kind, corpus, corpusSHA256 = "corpus_sha256", maxSentences = "max_sentences", sentences
      case batchSize = "batch_size", sensitivities
    }
  }

  /// Calibrated sensitivities: their file beside the results, their hash, and what computed them.
  public struct SensitivitiesRecord: Codable, Sendable, Equatable {
    /// The per-column file (``ActivationSensitivities/writeColumns(to:)``), relative to the
    /// manifest's folder: `<name>.calibration.safetensors`.
    public var file: String
    /// ``ActivationSensitivities/contentSHA256`` of the full tensors.
    public var sha256: String
    /// Real tokens the means are over.
    public var tokens: Int
    /// The OpenBLAS core and build configuration the forward pass ran on.
    public var openblasCore: String
    public var openblasConfig: String
    /// The file's whole metadata (model files' SHA-256, tensors not written, harness version, …).
    public var metadata: CalibrationMetadata

    enum CodingKeys: String, CodingKey {
      case file, sha256, tokens, openblasCore = "openblas_core", openblasConfig = "openblas_config", metadata
    }
  }
}

extension RunManifest.CalibrationRecord {
  /// The record of `calibrator`'s sweep; `sensitivities` are those the runs used (`nil` when none
  /// did), written to `file`. File hashes come from `inputs` (``ManifestBuilder/inputs()``),
  /// paths relative to the manifest's folder via `relative`.
  init(
    calibrator: SweepCalibrator, sensitivities: CalibrationMetadata?, file: URL, inputs: [RunManifest.InputRecord],
    relative: (URL) -> String
  ) {
    kind = SensitivityKind.activation.rawValue
    let corpus = relative(calibrator.settings.corpus)
    self.corpus = corpus
    corpusSHA256 = inputs.first { $0.path == corpus }?.sha256 ?? ""
    maxSentences = calibrator.settings.maxSentences
    sentences = calibrator.sentences.count
    batchSize = calibrator.settings.batchSize
    self.sensitivities = sensitivities.map { meta in
      RunManifest.SensitivitiesRecord(
        file: relative(file), sha256: meta.sensitivitiesSHA256, tokens: meta.tokens, openblasCore: meta.blasCore,
        openblasConfig: meta.blasConfig ?? "", metadata: meta)
    }
  }
}
