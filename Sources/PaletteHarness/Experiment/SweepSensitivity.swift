/// Which per-element sensitivities weight a run's k-means: the grid key `"sensitivity"` and the
/// `sensitivity` column of the results and summary CSVs.
///
/// Without the grid key a run uses the experiment's `"sensitivities"` as they are
/// (``Experiment/defaultSensitivity``): `file` for a file path, `activation` for a calibration,
/// `none` when there are none.
public enum SweepSensitivity: String, CaseIterable, Sendable, Hashable {
  /// Unweighted k-means, even when the experiment has sensitivities.
  case none
  /// The sensitivities the experiment's `"sensitivities": {"calibration": …}` computes once per
  /// sweep (``SweepCalibrator``).
  case activation
  /// The experiment's `"sensitivities": "S.safetensors"` file.
  case file
}
