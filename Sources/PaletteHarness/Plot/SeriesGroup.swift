/// The settings that make one series of the SNR-vs-bits chart: points that differ only in
/// `n_bits` (and other swept fields) share a group.
public struct SeriesGroup: Sendable, Hashable {
  /// The `granularity` column, e.g. `per_tensor`.
  public var granularity: String
  /// The `cluster_dim` column, e.g. `1`.
  public var clusterDim: String
  /// The `lut_qspec` column, e.g. `none` or `int8_symmetric`.
  public var lutQSpec: String

  /// Creates a group from the three column values.
  public init(granularity: String, clusterDim: String, lutQSpec: String) {
    self.granularity = granularity
    self.clusterDim = clusterDim
    self.lutQSpec = lutQSpec
  }

  /// Stable machine-readable key, the SVG's `data-group`:
  /// `granularity=per_tensor;cluster_dim=1;lut_qspec=none`.
  public var key: String {
    "granularity=\(granularity);cluster_dim=\(clusterDim);lut_qspec=\(lutQSpec)"
  }

  /// Legend text: `per_tensor, cluster_dim 1, lut none`.
  public var label: String { "\(granularity), cluster_dim \(clusterDim), lut \(lutQSpec)" }
}
