import Foundation

extension SweepJournal {
  /// `calibration.safetensors` in the journal: the sweep's activation sensitivities in their
  /// per-column form (``ActivationSensitivities/writeColumns(to:)``), written once by the first
  /// process that computed them and used by every other process of the sweep.
  public var calibrationURL: URL { folder.appendingPathComponent("calibration.safetensors") }

  /// The journaled calibration, verified, or `nil` when none is journaled yet.
  /// - Throws: ``JournalError`` naming the file when it is damaged (its tensors do not hash to
  ///   its metadata) or was computed with other settings than `settings` or from another corpus
  ///   than the header's.
  func calibration(settings: ActivationCalibrationSettings) throws(JournalError) -> ActivationSensitivities? {
    guard FileManager.default.fileExists(atPath: calibrationURL.path) else { return nil }
    let remove = JournalError.startOver(folder)
    let loaded: ActivationSensitivities
    do { loaded = try ActivationSensitivities.loadColumns(calibrationURL) } catch {
      throw JournalError(file: calibrationURL.path, problem: "cannot be used (\(error)); \(remove)")
    }
    let meta = loaded.metadata
    if meta.corpusSHA256 != header.calibrationCorpusSHA256 || meta.maxSentences != settings.maxSentences
      || meta.batchSize != settings.batchSize {
      throw JournalError(
        file: calibrationURL.path,
        problem: "was computed from corpus sha256 \(meta.corpusSHA256.prefix(12))…, max_sentences \(meta.maxSentences.map(String.init) ?? "all"), "
          + "batch_size \(meta.batchSize), not the sweep's \(header.calibrationCorpusSHA256.map { "\($0.prefix(12))…" } ?? "(none)"), "
          + "\(settings.maxSentences), \(settings.batchSize); \(remove)")
    }
    return loaded
  }

  /// Journals `sensitivities` as the sweep's calibration unless one is journaled already
  /// (exclusive create, so of several processes computing at once exactly one wins).
  /// - Returns: `true` when this call wrote the file.
  func writeCalibration(_ sensitivities: ActivationSensitivities) throws -> Bool {
    let staging = folder.appendingPathComponent(".calibration-\(UUID().uuidString).staging")
    defer { try? FileManager.default.removeItem(at: staging) }
    try sensitivities.writeColumns(to: staging)
    return try AtomicFile.createExclusively(try Data(contentsOf: staging), at: calibrationURL)
  }
}
