import Foundation

/// A keyed cache that computes each key's value once, however many threads ask for it at the
/// same time: the first caller computes, callers that arrive while it is computing wait for
/// its value instead of computing it again, later callers get it at once.
///
/// When the computation throws, the key is free again: the waiting callers retry (one of them
/// computes), and the first caller gets the error.
final class ComputeOnce<Value: Sendable>: @unchecked Sendable {
  // @unchecked: every mutable property is read and written under `condition`.
  private let condition = NSCondition()
  private var values: [String: Value] = [:]
  private var inFlight: Set<String> = []
  private var started = 0

  /// How many computations started (successful or not).
  var computations: Int {
    condition.lock()
    defer { condition.unlock() }
    return started
  }

  /// The value of `key`, computed by `compute` unless it is known or being computed; the flag
  /// tells whether this call computed it.
  /// - Complexity: O(1) besides `compute`; a waiting caller blocks its thread.
  func value(for key: String, compute: () throws -> Value) throws -> (value: Value, computedHere: Bool) {
    condition.lock()
    while true {
      if let known = values[key] {
        condition.unlock()
        return (known, false)
      }
      if !inFlight.contains(key) { break }
      condition.wait()
    }
    inFlight.insert(key)
    started += 1
    condition.unlock()
    let outcome = Result { try compute() }
    condition.lock()
    inFlight.remove(key)
    if case .success(let value) = outcome { values[key] = value }
    condition.broadcast()
    condition.unlock()
    return (try outcome.get(), true)
  }
}
