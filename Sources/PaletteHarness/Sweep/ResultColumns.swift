/// Column names of the harness's CSV files (SPEC section 6). Every column except ``timing``
/// and ``evaluation`` is deterministic: same inputs, seed, generator and binary give the same
/// text on any machine.
public enum ResultColumns {
  /// The per-tensor results CSV.
  public static let tensors = [
    "config_id", "grid", "n_bits", "granularity", "cluster_dim", "lut_qspec",
    "enable_per_channel_scale", "enable_fast_kmeans_mode", "sparsity_detection_threshold", "prune",
    "sensitivity", "seed", "generator", "workers",
    "tensor", "module_type", "op_type", "shape", "numel", "blocks", "inertia", "signal_energy",
    "snr_db", "bits_per_weight", "zero_fraction", "sparse", "iterations",
    "output_snr_db",
    "seconds", "status", "message",
  ]

  /// The per-grid-point summary CSV.
  public static let summary = [
    "config_id", "grid", "overrides", "sensitivity", "seed", "generator", "workers", "tensors", "skipped",
    "errors", "params", "snr_db", "total_inertia", "signal_energy", "bits_per_weight",
    "mean_cosine", "min_cosine", "neighbour_agreement",
    "seconds", "status", "message",
  ]

  /// Columns that vary from run to run and are left out of every hash.
  public static let timing: Set<String> = ["seconds"]

  /// Model-output evaluation columns (empty when the experiment has none). They go through
  /// OpenBLAS, whose kernels depend on the CPU type, so they can differ in the last bits between
  /// machines while the engine's results cannot: they are left out of every rows hash and
  /// recorded per run in the manifest's `evaluation` records instead, which `reproduce`
  /// compares on their own terms.
  public static let evaluation = Set(RunEvaluation.summaryColumns + ["output_snr_db"])

  /// The run a per-tensor row belongs to, as ``SweepRun/key`` spells it (`config_id|seed|workers`).
  public static func runKey(ofTensorRow row: [String]) -> String {
    SweepRun.key(configID: row[configID], seed: row[seed], workers: row[workers])
  }

  /// The run a summary row belongs to (``SweepRun/key``).
  public static func runKey(ofSummaryRow row: [String]) -> String {
    SweepRun.key(configID: row[summaryConfigID], seed: row[summarySeed], workers: row[summaryWorkers])
  }

  private static let summaryConfigID = summary.firstIndex(of: "config_id")!
  private static let summarySeed = summary.firstIndex(of: "seed")!
  private static let summaryWorkers = summary.firstIndex(of: "workers")!
  /// Positions of per-tensor columns other files read (constants of ``tensors``).
  static let tensorName = tensors.firstIndex(of: "tensor")!
  static let outputSNR = tensors.firstIndex(of: "output_snr_db")!
  /// The position of `column`, one of ``summary``.
  static func summaryIndex(of column: String) -> Int {
    guard let index = summary.firstIndex(of: column) else { preconditionFailure("\(column) is not a summary column") }
    return index
  }

  private static let configID = tensors.firstIndex(of: "config_id")!
  private static let seed = tensors.firstIndex(of: "seed")!
  private static let workers = tensors.firstIndex(of: "workers")!
}
