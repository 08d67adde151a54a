/// Column names of the harness's CSV files (SPEC section 6). Every column except
/// ``timing`` is deterministic: same inputs, seed, generator and binary give the same text.
public enum ResultColumns {
  /// The per-tensor results CSV.
  public static let tensors = [
    "config_id", "grid", "n_bits", "granularity", "cluster_dim", "lut_qspec",
    "enable_per_channel_scale", "enable_fast_kmeans_mode", "sparsity_detection_threshold", "prune",
    "seed", "generator", "workers",
    "tensor", "module_type", "op_type", "shape", "numel", "blocks", "inertia", "signal_energy",
    "snr_db", "bits_per_weight", "zero_fraction", "sparse", "iterations", "seconds", "status", "message",
  ]

  /// The per-grid-point summary CSV.
  public static let summary = [
    "config_id", "grid", "overrides", "seed", "generator", "workers", "tensors", "skipped",
    "errors", "params", "snr_db", "total_inertia", "signal_energy", "bits_per_weight", "seconds",
    "status", "message",
  ]

  /// Columns that vary from run to run and are left out of every hash.
  public static let timing: Set<String> = ["seconds"]

  /// The run a per-tensor row belongs to, as ``SweepRun/key`` spells it (`config_id|seed|workers`).
  public static func runKey(ofTensorRow row: [String]) -> String {
    SweepRun.key(configID: row[configID], seed: row[seed], workers: row[workers])
  }

  private static let configID = tensors.firstIndex(of: "config_id")!
  private static let seed = tensors.firstIndex(of: "seed")!
  private static let workers = tensors.firstIndex(of: "workers")!
}
