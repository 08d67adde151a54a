import Foundation

extension Reproducer {
  /// How far re-computed activation sensitivities may lie from the recorded ones when they were
  /// computed with another OpenBLAS core or build: the largest relative difference of any value.
  ///
  /// Measured on MiniLM against this machine's Cooperlake kernels with `OPENBLAS_CORETYPE`
  /// Nehalem, Core2, Penryn, Atom, Sandybridge, Haswell, SkylakeX, Prescott, Barcelona and Zen
  /// (and under `qemu-x86_64 -cpu Nehalem`): with the 512 sentences of
  /// experiments/corpus/calibration.txt the largest relative difference of any value was
  /// 5.2e-7–2.0e-6; with only 16 sentences (197 tokens) 2.1e-6–6.3e-6, always in a column whose
  /// mean square is tiny (GELU outputs near zero, down to 5e-6). 1e-4 leaves a factor 16 over the
  /// worst case seen, and still refuses sensitivities from another corpus or model, which differ
  /// by orders of magnitude more. Weighted with these sets, the 4-bit palettization kept every
  /// index but its LUTs differed in the last bits (2 of 10 cores on 512 sentences, all 10 on
  /// 16), hence the re-run with the kept values.
  public struct CalibrationTolerance: Sendable, Equatable {
    /// On `|a − b| / max(|a|, |b|)` of every sensitivity value.
    public var relative: Double

    public static let standard = CalibrationTolerance(relative: 1e-4)
  }

  /// Re-computes the sweep's calibration, compares it with the manifest's record, and gives the
  /// calibrator the sensitivities the runs are re-run with. Returns the report lines (one
  /// `calibration: …` line, `match` or `MISMATCH`) and whether it mismatched; nothing when the
  /// manifest records no calibrated sensitivities (no run used them).
  ///
  /// - On the same OpenBLAS core and build as recorded, the re-computation must hash to the
  ///   recorded sensitivities, and the runs use it: a sweep re-created from scratch.
  /// - On another core or build the last bits may differ: the re-computation is compared with
  ///   the values of the sweep's sensitivities file within ``CalibrationTolerance``, and the runs
  ///   are re-run with the file's values, so that their engine results — LUTs, indices — are
  ///   still compared bit for bit (with re-computed values they would differ wherever a weight
  ///   moved a centroid's last bit).
  /// - Throws: when the calibration cannot be computed at all (model or corpus unusable).
  static func reproduceCalibration(
    manifest: RunManifest, folder: URL, calibrator: SweepCalibrator, threads: Int,
    current: RunEvaluation.BLASIdentity, tolerance: CalibrationTolerance = .standard
  ) throws -> (lines: [String], mismatch: Bool) {
    guard let record = manifest.calibration?.sensitivities else { return ([], false) }
    let fresh = try calibrator.compute(threads: threads)
    let freshHash = fresh.contentSHA256
    let fileURL = URL(fileURLWithPath: record.file, relativeTo: folder).standardizedFileURL
    let stored: Result<ActivationSensitivities, any Error> = Result { try ActivationSensitivities.loadColumns(fileURL) }
    var problems: [String] = []
    if case .success(let s) = stored, case let storedHash = s.contentSHA256, storedHash != record.sha256 {
      problems.append("\(record.file) holds sensitivities sha256 \(storedHash), the manifest records \(record.sha256)")
    }
    if fresh.metadata.tokens != record.tokens || fresh.metadata.sentences != manifest.calibration?.sentences {
      problems.append("re-computed over \(fresh.metadata.sentences) sentences and \(fresh.metadata.tokens) tokens, recorded "
        + "\(manifest.calibration?.sentences ?? 0) and \(record.tokens)")
    }
    let sameBLAS = current.core == record.openblasCore && current.config == record.openblasConfig
    let counts = "\(fresh.metadata.sentences) sentences, \(fresh.metadata.tokens) tokens"

    if freshHash == record.sha256 || sameBLAS {
      if case .failure(let error) = stored { problems.append("the recorded sensitivities cannot be read: \(error)") }
      if freshHash != record.sha256 {
        problems.append("re-computed sensitivities sha256 \(freshHash) != recorded \(record.sha256) on the same OpenBLAS core and build")
      }
      try calibrator.install(fresh)
      if problems.isEmpty { return (["calibration: match (sensitivities bit for bit, sha256 \(record.sha256.prefix(12))…; \(counts))"], false) }
      return (["calibration: MISMATCH " + problems.joined(separator: "; ")], true)
    }

    // Another OpenBLAS: compare within tolerance with the recorded values, re-run with them.
    let elsewhere = "recorded on \(record.openblasCore) (\(record.openblasConfig)), this machine \(current.core)"
    switch stored {
    case .failure(let error):
      try calibrator.install(fresh)
      problems.append("the recorded sensitivities cannot be read (\(error)), so the re-computation (sha256 \(freshHash.prefix(12))…, "
        + "\(elsewhere)) cannot be compared, and the runs use it")
    case .success(let recorded):
      try calibrator.install(recorded)
      let (difference, incomparable) = fresh.largestRelativeDifference(to: recorded)
      if !incomparable.isEmpty {
        problems.append("re-computed and recorded sensitivities differ in tensors or shapes: \(incomparable.joined(separator: ", "))")
      } else if difference > tolerance.relative {
        problems.append("re-computed sensitivities differ from the recorded by up to \(CSVNumber.format(difference)) relative, more than "
          + "\(CSVNumber.format(tolerance.relative)) (\(elsewhere))")
      }
      if problems.isEmpty {
        return (["calibration: match within tolerance (\(elsewhere): largest relative difference \(CSVNumber.format(difference)) <= "
          + "\(CSVNumber.format(tolerance.relative)); \(counts)); the runs are re-run with the recorded sensitivities of \(record.file), "
          + "so their results are compared bit for bit"], false)
      }
    }
    return (["calibration: MISMATCH " + problems.joined(separator: "; ")], true)
  }
}
