import Foundation

/// Executes sweep runs concurrently within a thread budget: a run using `w` workers takes `w`
/// threads, and a run starts as soon as its threads are free (the first pending run that fits,
/// so 1-worker runs pair up on 2 cores). A run wider than the budget runs alone. Results come
/// back in input order; each run's own result does not depend on what runs beside it.
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

  func execute<R>(_ runs: [SweepRun], _ body: @escaping @Sendable (SweepRun) throws -> R) throws -> [R] {
    let state = State(free: threads, count: runs.count)
    var pending = Array(runs.indices)
    state.condition.lock()
    while true {
      if state.failure == nil, !pending.isEmpty,
         let pick = pending.firstIndex(where: { runs[$0].workers <= state.free }) ?? (state.running == 0 ? 0 : nil)
      {
        let index = pending.remove(at: pick)
        let run = runs[index]
        state.free -= run.workers
        state.running += 1
        let thread = Thread {
          let outcome = Result { try body(run) }
          state.condition.lock()
          switch outcome {
          case .success(let value): state.results[index] = value
          case .failure(let error): if state.failure == nil { state.failure = error }
          }
          state.free += run.workers
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
