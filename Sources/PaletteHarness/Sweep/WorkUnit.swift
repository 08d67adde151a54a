/// One unit of a sweep's work: a contiguous chunk of one run's selected tensors, in plan order.
///
/// Units are what a sweep schedules, journals and shards. A run's rows, summary row and manifest
/// record are assembled from its units in chunk order, so they do not depend on how the run was
/// chunked: every tensor has its own generator seeded from (run seed, tensor name).
public struct WorkUnit: Sendable, Equatable, ScheduledWork {
  /// Position in the sweep's full unit order (runs in run order, chunks in order).
  public var index: Int
  public var run: SweepRun
  /// 0-based chunk of the run, and how many chunks the run has.
  public var chunk: Int
  public var chunks: Int
  /// The run's selected tensors this unit palettizes, in plan order.
  public var tensors: [String]
  /// Estimated cost (see ``WorkCost``); 0 for a rejected grid point, whose unit only writes
  /// error rows.
  public var cost: Int

  /// Threads the unit occupies: its run's worker count.
  public var workers: Int { run.workers }

  /// File-name-safe identity, stable for a given experiment and unit policy:
  /// `g1-p3.seed7.w2.1of3` (grid point, seed, workers, 1-based chunk of chunks).
  public var id: String { "\(run.point.id).seed\(run.seed).w\(run.workers).\(chunk + 1)of\(chunks)" }

  /// `g1-p3 seed 7 workers 2 (1/3)`, for progress lines and messages.
  public var label: String {
    "\(run.point.id) seed \(run.seed) workers \(run.workers)" + (chunks > 1 ? " (\(chunk + 1)/\(chunks))" : "")
  }
}
