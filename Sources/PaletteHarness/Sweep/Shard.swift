/// A deterministic slice `index/count` of a sweep's work units (`--shard i/n`, Slurm array task
/// `i` of `n`).
///
/// Units go to shards by longest-processing-time-first: units in decreasing estimated cost (ties:
/// unit order) each go to the shard with the least cost so far (ties: the lowest index). Every
/// shard's total is then within one unit's cost of every other's, and a one-run experiment
/// spreads over the shards as far as its units allow.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
  public var index: Int
  public var count: Int

  /// Parses `i/n` with `0 <= i < n`.
  public init?(_ text: String) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
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

  /// The shard (0..<count) of every unit of `units`, parallel to it.
  /// - Complexity: O(u log u + u·n) for u units and n shards.
  public static func owners(of units: [WorkUnit], count: Int) -> [Int] {
    precondition(count >= 1, "a sweep has at least one shard")
    let order = units.indices.sorted { (units[$0].cost, -$0) > (units[$1].cost, -$1) }
    var load = [Int](repeating: 0, count: count)
    var owner = [Int](repeating: 0, count: units.count)
    for u in order {
      var least = 0
      for s in 1..<max(1, count) where load[s] < load[least] { least = s }
      owner[u] = least
      load[least] += units[u].cost
    }
    return owner
  }

  /// This shard's units, in unit order.
  public func units(of all: [WorkUnit]) -> [WorkUnit] {
    zip(all, Self.owners(of: all, count: count)).filter { $0.1 == index }.map(\.0)
  }
}
