import Palettization

/// Builds CSV rows for one run: the run's fixed columns plus one tensor's (or the summary's).
struct RowPrefix {
  var run: SweepRun
  var generator: String
  /// The run's sensitivities (``Experiment/sensitivity(of:)``), the `sensitivity` column: the
  /// same for every tensor of the run, also for one the sensitivities do not cover (the pooler
  /// under `activation`), which is clustered unweighted.
  var sensitivity: SweepSensitivity

  private func format(_ x: Double) -> String { CSVNumber.format(x) }

  /// A row for a palettized tensor; `outputSNR` is its model-output SNR in dB (`nil`: no
  /// evaluation, or no input reaches the tensor).
  func row(entry: ResolvedTensor, result: PalettizedTensor, outputSNR: Double? = nil, seconds: Double) -> [String] {
    let m = result.metrics
    return specColumns(entry) + [
      "\(run.seed)", generator, "\(run.workers)", entry.name, entry.moduleType, entry.op?.type ?? "",
      result.layout.shape.map(String.init).joined(separator: "x"), "\(result.layout.count)", "\(m.blocks)",
      format(m.inertia), format(m.signalEnergy), format(m.snrDB), format(m.bitsPerWeight),
      format(m.zeroFraction), "\(result.mask != nil)", "\(m.iterations)",
      outputSNR.map(format) ?? "",
      format(seconds), "ok", "",
    ]
  }

  /// A row for a tensor that was skipped or whose grid point was rejected.
  func row(entry: ResolvedTensor, shape: [Int], status: String, message: String) -> [String] {
    specColumns(entry) + [
      "\(run.seed)", generator, "\(run.workers)", entry.name, entry.moduleType, entry.op?.type ?? "",
      shape.map(String.init).joined(separator: "x"), "\(shape.reduce(1, *))", "", "", "", "", "", "", "", "", "",
      "",  // output_snr_db (every empty cell looks alike: one more before status)
      status, message,
    ]
  }

  /// config_id … prune: the tensor's effective spec and options; then the run's sensitivity.
  private func specColumns(_ entry: ResolvedTensor) -> [String] {
    let spec = entry.spec ?? PalettizationSpec()
    let options = entry.options ?? ClusteringOptions()
    return [
      run.point.id, "\(run.point.grid)", "\(spec.nBits)", spec.granularity.label, "\(spec.clusterDim)",
      spec.lutQSpec?.label ?? "none", "\(spec.enablePerChannelScale)", "\(options.enableFastKMeansMode)",
      SweepValue.threshold(spec.sparsityDetectionThreshold).label, SweepValue.pruning(options.pruning).label,
      sensitivity.rawValue,
    ]
  }

  /// The summary row of the run; `totals` is `nil` for a rejected grid point; `evaluation`
  /// holds the run's ``RunEvaluation/unitValues`` (empty without an evaluation).
  func summaryRow(
    label: String, totals: RunTotals?, skipped: Int, errors: Int, evaluation: [String: String] = [:], seconds: Double,
    status: String, message: String
  ) -> [String] {
    return [
      run.point.id, "\(run.point.grid)", label, sensitivity.rawValue, "\(run.seed)", generator, "\(run.workers)",
      "\(totals?.tensors ?? 0)", "\(skipped)", "\(errors)", "\(totals?.parameters ?? 0)",
      totals.map { format($0.snrDB) } ?? "", totals.map { format($0.totalInertia) } ?? "",
      totals.map { format($0.signalEnergy) } ?? "", totals.map { format($0.bitsPerWeight) } ?? "",
    ] + RunEvaluation.summaryColumns.map { evaluation[$0] ?? "" } + [
      format(seconds), status, message,
    ]
  }
}
