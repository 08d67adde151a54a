import Foundation

/// Work the ``RunScheduler`` can place: it occupies `workers` threads while it runs.
public protocol ScheduledWork: Sendable {
  var workers: Int { get }
}

extension SweepRun: ScheduledWork {}

/// Executes sweep runs or work units concurrently within a thread budget: an item using `w`
/// workers takes `w` threads, and an item starts as soon as its threads are free (the first
/// pending item that fits, so 1-worker items pair up on 2 cores). An item wider than the budget
/// runs alone. Results come back in input order; each item's own result does not depend on what
/// runs beside it. After the first failure no new item starts; the running ones finish (so
/// their journal entries are written) and the first error is thrown.
struct RunScheduler {
  var threads: Int

  private final class State: @unchecked Sendable {
    let condition = NSCondition()
    var free: Int
    var running = 0
    var failure: (any Error)?
    var results: [Any?]
    init(free: Int, count: Int) {
      self.free = free
      results = Array(repeating: nil, count: count)
    }
  }

  func execute<Item: ScheduledWork, R>(_ items: [Item], _ body: @escaping @Sendable (Item) throws -> R) throws -> [R] {
    let state = State(free: threads, count: items.count)
    var pending = Array(items.indices)
    state.condition.lock()
    while true {
      if state.failure == nil, !pending.isEmpty,
         let pick = pending.firstIndex(where: { items[$0].workers <= state.free }) ?? (state.running == 0 ? 0 : nil)
      {
        let index = pending.remove(at: pick)
        let item = items[index]
        state.free -= item.workers
        state.running += 1
        let thread = Thread {
          let outcome = Result { try body(item) }
          state.condition.lock()
          switch outcome {
          case .success(let value): state.results[index] = value
          case .failure(let error): if state.failure == nil { state.failure = error }
          }
          state.free += item.workers
          state.running -= 1
          state.condition.signal()
          state.condition.unlock()
        }
        thread.stackSize = 8 << 20
        thread.start()
        continue
      }
      if state.running == 0 && (pending.isEmpty || state.failure != nil) { break }
      state.condition.wait()
    }
    state.condition.unlock()
    if let failure = state.failure { throw failure }
    return state.results.map { $0 as! R }
  }
}
