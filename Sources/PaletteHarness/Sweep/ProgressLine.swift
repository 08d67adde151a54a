import Dispatch
import Foundation

/// `[12/72] g1-p3 seed 0 workers 2 · 14.2 s elapsed · ETA 71 s` on stderr after each run.
final class ProgressLine: @unchecked Sendable {
  private let total: Int
  private let log: (@Sendable (String) -> Void)?
  private let start = DispatchTime.now().uptimeNanoseconds
  private var done = 0
  private let lock = NSLock()

  init(total: Int, log: (@Sendable (String) -> Void)?) {
    self.total = total
    self.log = log
  }

  func advance(label: String) {
    lock.lock()
    defer { lock.unlock() }
    done += 1
    guard let log else { return }
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let eta = done == 0 ? 0 : elapsed / Double(done) * Double(total - done)
    log("[\(done)/\(total)] \(label) · \(String(format: "%.1f", elapsed)) s elapsed · ETA \(String(format: "%.0f", eta)) s")
  }
}
