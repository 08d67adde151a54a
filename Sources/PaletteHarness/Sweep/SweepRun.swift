import Palettization

/// One run of a sweep: a grid point with one seed and one worker count.
public struct SweepRun: Sendable, Equatable {
  /// Position in the full (unsharded) run order.
  public var index: Int
  public var point: GridPoint
  public var seed: UInt64
  public var workers: Int

  /// Every run of `points` × `seeds` × `workers`, grid point slowest, workers fastest.
  public static func all(points: [GridPoint], seeds: [UInt64], workers: [Int]) -> [SweepRun] {
    var runs: [SweepRun] = []
    for point in points {
      for seed in seeds {
        for w in workers {
          runs.append(SweepRun(index: runs.count, point: point, seed: seed, workers: w))
        }
      }
    }
    return runs
  }

  /// The key identifying the run in a manifest and a CSV: `config_id|seed|workers`.
  public var key: String { Self.key(configID: point.id, seed: "\(seed)", workers: "\(workers)") }

  /// The run key from its three fields as text (CSV cells, manifest records): the one place
  /// the key's format is defined.
  public static func key(configID: String, seed: String, workers: String) -> String {
    "\(configID)|\(seed)|\(workers)"
  }
}
