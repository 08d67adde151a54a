import Foundation

/// Static splits of independent work items over threads. Every item is computed by exactly one
/// thread with the same arithmetic whatever the split, so results do not depend on the thread
/// count; only speed does.
enum WorkSplit {
  /// Calls `body(range)` for `threads` contiguous ranges covering `0..<count`, concurrently.
  static func ranges(_ count: Int, threads: Int, _ body: (Range<Int>) -> Void) {
    let parts = max(1, min(threads, count))
    if parts == 1 { body(0..<count); return }
    // The caller's closure writes disjoint rows through pointers it owns for the call's
    // duration; concurrentPerform returns only when every part is done.
    nonisolated(unsafe) let body = body
    DispatchQueue.concurrentPerform(iterations: parts) { part in
      body((count * part / parts)..<(count * (part + 1) / parts))
    }
  }

  /// Calls `body(worker, item)` for every item in `0..<count`, worker `w` taking items
  /// `w, w + threads, …` (interleaved, so items sorted by cost spread evenly).
  static func interleaved(_ count: Int, threads: Int, _ body: (_ worker: Int, _ item: Int) -> Void) {
    let workers = max(1, min(threads, count))
    if workers == 1 { for item in 0..<count { body(0, item) }; return }
    nonisolated(unsafe) let body = body
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      for item in stride(from: worker, to: count, by: workers) { body(worker, item) }
    }
  }
}
