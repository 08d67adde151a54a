import Dispatch
import Foundation

/// `[12/72] g1-p3 seed 0 workers 2 (1/3) · 14.2 s elapsed · 38% of the work · ETA 71 s` on
/// stderr after each unit or run.
///
/// The ETA weights work by estimated cost (``WorkCost``: tensor sizes × kind, a vector point
/// ~100× a scalar element), not by count: `elapsed / costDone × costLeft`, where `costDone` counts only
/// work done by this process (units resumed from a journal took no time here). Until some
/// costed work is done it says `ETA ?`. Runs side by side share the clock, so the rate is the
/// sweep's throughput, not one unit's.
final class ProgressLine: @unchecked Sendable {
  private let total: Int
  private let totalCost: Int
  private let log: (@Sendable (String) -> Void)?
  private let start = DispatchTime.now().uptimeNanoseconds
  private var done: Int
  private var costDone: Int
  private var costResumed: Int
  private let lock = NSLock()

  /// Progress over `costs.count` items of the given estimated costs, `resumedCost` of which
  /// was done before (it counts as done but not toward the rate).
  init(costs: [Int], resumed: Int = 0, resumedCost: Int = 0, log: (@Sendable (String) -> Void)?) {
    total = costs.count + resumed
    totalCost = costs.reduce(0, +) + resumedCost
    done = resumed
    costDone = 0
    costResumed = resumedCost
    self.log = log
  }

  /// Progress over `total` items of equal cost.
  convenience init(total: Int, log: (@Sendable (String) -> Void)?) {
    self.init(costs: Array(repeating: 1, count: total), log: log)
  }

  /// Seconds left at the rate so far: `elapsed / costDone × costLeft`, or `nil` before any
  /// costed work is done.
  static func eta(elapsed: Double, costDone: Int, costLeft: Int) -> Double? {
    guard costDone > 0 else { return costLeft == 0 ? 0 : nil }
    return elapsed / Double(costDone) * Double(costLeft)
  }

  /// Records one finished item of estimated `cost` and logs the line.
  func advance(label: String, cost: Int = 1) {
    lock.lock()
    defer { lock.unlock() }
    done += 1
    costDone += cost
    guard let log else { return }
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let finished = costDone + costResumed
    let share = totalCost == 0 ? 100 : Int((Double(finished) / Double(totalCost) * 100).rounded(.down))
    let eta = Self.eta(elapsed: elapsed, costDone: costDone, costLeft: totalCost - finished)
    log("[\(done)/\(total)] \(label) · \(String(format: "%.1f", elapsed)) s elapsed · \(share)% of the work · ETA "
      + (eta.map { String(format: "%.0f s", $0) } ?? "?"))
  }
}
