/// The settings that make one series of the SNR-vs-bits chart: points that differ only in
/// `n_bits` (and other swept fields) share a group.
public struct SeriesGroup: Sendable, Hashable {
  /// The `granularity` column, e.g. `per_tensor`.
  public var granularity: String
  /// The `cluster_dim` column, e.g. `1`.
  public var clusterDim: String
  /// The `lut_qspec` column, e.g. `none` or `int8_symmetric`.
  public var lutQSpec: String
  /// The `prune` column, e.g. `none` or `n_m:2:4` (`none` when the CSV has no such column).
  public var prune: String
  /// The `sparsity_detection_threshold` column, e.g. `none` or `0.3`.
  public var sparsityDetectionThreshold: String
  /// The `sensitivity` column: `none`, `activation` or `file` (`none` when the CSV has no such
  /// column), so that runs with and without sensitivities are separate series.
  public var sensitivity: String

  /// Creates a group from its column values.
  public init(
    granularity: String, clusterDim: String, lutQSpec: String, prune: String = "none",
    sparsityDetectionThreshold: String = "none", sensitivity: String = "none"
  ) {
    self.granularity = granularity
    self.clusterDim = clusterDim
    self.lutQSpec = lutQSpec
    self.prune = prune
    self.sparsityDetectionThreshold = sparsityDetectionThreshold
    self.sensitivity = sensitivity
  }

  /// Stable machine-readable key, the SVG's `data-group`:
  /// `granularity=per_tensor;cluster_dim=1;lut_qspec=none`, then `;prune=…` and
  /// `;sparsity_detection_threshold=…` and `;sensitivity=…` when they are not `none`.
  public var key: String {
    "granularity=\(granularity);cluster_dim=\(clusterDim);lut_qspec=\(lutQSpec)"
      + (prune == "none" ? "" : ";prune=\(prune)")
      + (sparsityDetectionThreshold == "none" ? "" : ";sparsity_detection_threshold=\(sparsityDetectionThreshold)")
      + (sensitivity == "none" ? "" : ";sensitivity=\(sensitivity)")
  }

  /// Legend text: `per_tensor, cluster_dim 1, lut none`, then `, prune …`, `, joint ≥ …` and
  /// `, activation-aware` (or `, sensitivities file`) when they are not `none`.
  public var label: String {
    "\(granularity), cluster_dim \(clusterDim), lut \(lutQSpec)"
      + (prune == "none" ? "" : ", prune \(prune)")
      + (sparsityDetectionThreshold == "none" ? "" : ", joint sparse ≥ \(sparsityDetectionThreshold)")
      + (sensitivity == "none" ? "" : sensitivity == "activation" ? ", activation-aware" : ", sensitivities \(sensitivity)")
  }
}
