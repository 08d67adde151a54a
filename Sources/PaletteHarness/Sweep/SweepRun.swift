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

/// A deterministic slice `index/count` of a sweep: the runs whose position `i` has
/// `i % count == index` (0-based), so every shard gets a mix of cheap and costly points.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
  public var index: Int
  public var count: Int

  /// Parses `i/n` with `0 <= i < n`.
  public init?(_ text: String) {
    let parts = text.split(separator: "/")
    guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, (0..<n).contains(i) else { return nil }
    index = i
    count = n
  }

  public init(index: Int, count: Int) {
    precondition(count >= 1 && (0..<count).contains(index), "shard \(index)/\(count) is out of range")
    self.index = index
    self.count = count
  }

  public var description: String { "\(index)/\(count)" }

  /// File-name tag: `shard0of2`.
  public var tag: String { "shard\(index)of\(count)" }

  public func contains(_ run: SweepRun) -> Bool { run.index % count == index }
}
