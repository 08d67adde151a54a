/// How a sweep cuts its runs into ``WorkUnit``s.
public enum UnitPolicy: Sendable, Equatable {
  /// One unit per run, so every reconstructed tensor of a run is in memory at once inside one
  /// unit (what a per-run model-output evaluation needs; its results travel in the unit's
  /// journal entry).
  case wholeRuns
  /// Runs cut into contiguous tensor chunks of about `totalCost / targetUnits` estimated cost
  /// each (at least one chunk per run, at most one per tensor). The cut depends only on the
  /// experiment, never on the shard count, so journals are valid across `--shard` settings.
  case balanced(targetUnits: Int)

  /// The default: about 64 units over the sweep. A one-run experiment splits into up to 64
  /// units (one per tensor at most), so it spreads over that many tasks; the `w4` sweep (72 runs)
  /// becomes about 130 units, only its costly vector runs being cut (2-3 chunks each), which
  /// keeps the idle tail of 2-worker units (one thread waiting for the unit's last tensor) small.
  public static let standard = UnitPolicy.balanced(targetUnits: 64)
}
