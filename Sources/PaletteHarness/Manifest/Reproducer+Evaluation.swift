import Foundation

extension Reproducer {
  /// How far re-evaluated model-output values may lie from recorded ones when they were
  /// computed with another OpenBLAS core or build (the engine's results never differ; only the
  /// evaluation, whose matrix products use CPU-specific kernels, can).
  ///
  /// Measured with MiniLM on the `w4` scalar grid and its 4-bit `cluster_dim` 2 point (11 runs,
  /// 512 sentences): this machine's Cooperlake kernels against Haswell, SkylakeX and
  /// Sandybridge (`OPENBLAS_CORETYPE`) changed the last bits of most values — 363–375 of 396
  /// output SNRs — but by at most 4.1e-9 in `mean_cosine`, 1.9e-7 in `min_cosine` and
  /// 2.5e-7 dB in `output_snr_db`, and no nearest neighbour. The tolerances are about 10× and
  /// 40× those, and two sentences of neighbour agreement (a near-tie can flip with the last
  /// bits of an embedding; none did).
  public struct EvaluationTolerance: Sendable, Equatable {
    /// On `mean_cosine` and `min_cosine`.
    public var cosine: Double
    /// On `neighbour_agreement`, in sentences: a nearest neighbour that is a near-tie can
    /// change with the last bits of an embedding.
    public var neighbourSentences: Int
    /// On each `output_snr_db`, in dB.
    public var outputSNRdB: Double

    public static let standard = EvaluationTolerance(cosine: 2e-6, neighbourSentences: 2, outputSNRdB: 1e-5)
  }

  /// How a run's evaluation was compared.
  enum EvaluationComparison: Equatable {
    /// Same OpenBLAS core and build as recorded: every value's text must be equal.
    case bitwise
    /// Another core or build: values within ``EvaluationTolerance``.
    case tolerance(recorded: String)
  }

  /// One run's recorded evaluation checked against the files on disk and against the re-run:
  /// the problems (empty when all agree) and how the values were compared (`nil` when the run
  /// has no evaluation).
  ///
  /// - Parameters:
  ///   - record: the manifest's run record; `executed`: the re-run.
  ///   - summaryRow: the run's row of the summary CSV on disk (`nil` when missing); `rows`: its
  ///     rows in the results CSV on disk (`nil` when missing).
  ///   - current: the OpenBLAS this process evaluated with.
  static func evaluationProblems(
    record: RunManifest.RunRecord, executed: SweepRunner.Executed, manifest: RunManifest, summaryRow: [String]?,
    rows: [[String]]?, current: RunEvaluation.BLASIdentity?, tolerance: EvaluationTolerance = .standard
  ) -> (problems: [String], comparison: EvaluationComparison?) {
    let summaryName = manifest.outputs.summary, csvName = manifest.outputs.csv
    let fresh = executed.record.evaluation
    guard let recorded = record.evaluation else {
      return (fresh == nil ? [] : ["the re-run has an evaluation, the manifest records none"], nil)
    }
    guard let fresh else { return (["the manifest records an evaluation, the re-run has none"], nil) }
    var problems: [String] = []

    // The files on disk must hold what the manifest records.
    if let summaryRow {
      for column in RunEvaluation.summaryColumns {
        let onDisk = summaryRow[ResultColumns.summaryIndex(of: column)]
        if onDisk != recorded.value(of: column) {
          problems.append("\(column) in \(summaryName) is '\(onDisk)', the manifest records '\(recorded.value(of: column))'")
        }
      }
    } else {
      problems.append("no row for this run in \(summaryName)")
    }
    var recordedSNR: [[String]]?
    if let rows {
      let hash = ResultHashing.hash(outputSNROf: rows)
      if hash == recorded.outputSNRSHA256 {
        recordedSNR = rows
      } else {
        problems.append("output_snr_db in \(csvName) (output_snr_sha256 \(hash)) differ from the recorded \(recorded.outputSNRSHA256)")
      }
    }

    // The re-run against the record: bit for bit on the same OpenBLAS, else within tolerance.
    let environments = (manifest.evaluation?.openblas ?? []).filter { $0.core == recorded.openblasCore }
    let freshReference = executed.evaluation[RunEvaluation.referenceKey] ?? ""
    if let current, environments.count == 1, let environment = environments.first,
       environment.core == current.core, environment.config == current.config {
      if environment.referenceEmbeddingsSHA256 != freshReference {
        problems.append("the fp32 reference embeddings (sha256 \(freshReference)) differ from the recorded "
          + "\(environment.referenceEmbeddingsSHA256) on the same OpenBLAS core and build")
      }
      for column in RunEvaluation.summaryColumns where fresh.value(of: column) != recorded.value(of: column) {
        problems.append("\(column) re-evaluated '\(fresh.value(of: column))' != recorded '\(recorded.value(of: column))'")
      }
      if fresh.outputSNRSHA256 != recorded.outputSNRSHA256 {
        problems.append("output_snr_db re-evaluated (output_snr_sha256 \(fresh.outputSNRSHA256)) differ from the recorded \(recorded.outputSNRSHA256)")
      }
      return (problems, .bitwise)
    }

    let sentences = manifest.evaluation?.sentences ?? 1
    for column in RunEvaluation.summaryColumns {
      let a = fresh.value(of: column), b = recorded.value(of: column)
      if a == b { continue }
      let limit = column == "neighbour_agreement" ? Double(tolerance.neighbourSentences) / Double(max(1, sentences)) : tolerance.cosine
      guard let x = CSVNumber.parse(a), let y = CSVNumber.parse(b), abs(x - y) <= limit * (1 + 1e-9) else {
        problems.append("\(column) re-evaluated '\(a)' differs from the recorded '\(b)' by more than \(CSVNumber.format(limit))")
        continue
      }
    }
    if let recordedSNR {
      problems += outputSNRDifferences(fresh: executed.rows, recorded: recordedSNR, limit: tolerance.outputSNRdB)
    }
    return (problems, .tolerance(recorded: environments.map { "\($0.core) (\($0.config))" }.joined(separator: " or ")))
  }

  /// Tensors whose re-evaluated `output_snr_db` differs from the recorded one by more than
  /// `limit` dB (infinities and empty cells must be equal).
  private static func outputSNRDifferences(fresh: [[String]], recorded: [[String]], limit: Double) -> [String] {
    let tensor = ResultColumns.tensorName, snr = ResultColumns.outputSNR
    let old = Dictionary(recorded.map { ($0[tensor], $0[snr]) }, uniquingKeysWith: { a, _ in a })
    var problems: [String] = []
    for row in fresh {
      let a = row[snr], b = old[row[tensor]] ?? ""
      if a == b { continue }
      if let x = CSVNumber.parse(a), let y = CSVNumber.parse(b), x.isFinite, y.isFinite, abs(x - y) <= limit { continue }
      problems.append("output_snr_db of \(row[tensor]) re-evaluated '\(a)' differs from the recorded '\(b)' by more than \(CSVNumber.format(limit)) dB")
    }
    return problems
  }
}
