import Foundation
import Synchronization

/// Samples this process's resident set while a benchmark runs, split the way Linux accounts it
/// (`/proc/self/status`): anonymous memory (what the process allocated) and file-backed pages
/// (mapped checkpoint pages that have been touched and not released). The kernel's own peak
/// (`VmHWM`) is reset at the start (`/proc/self/clear_refs` ← 5), so it covers only the
/// measured region; the split peaks are sampled every 2 ms, so a spike shorter than that can
/// be missed by them (not by `VmHWM`).
final class MemorySampler: @unchecked Sendable {
  // @unchecked Sendable: `peaks` is a Mutex, `running` an Atomic; nothing else is mutated.

  /// Peaks in bytes.
  struct Peaks: Sendable {
    /// The kernel's high-water mark of the whole resident set.
    var resident = 0
    /// Sampled peaks of anonymous and file-backed resident memory.
    var anonymous = 0
    var fileBacked = 0
  }

  private let peaks = Mutex(Peaks())
  private let running = Atomic<Bool>(true)
  private var thread: Thread?

  /// Resets the kernel's peak and starts sampling.
  init() {
    try? Data("5".utf8).write(to: URL(fileURLWithPath: "/proc/self/clear_refs"))
    let thread = Thread { [self] in
      while running.load(ordering: .relaxed) {
        sample()
        Thread.sleep(forTimeInterval: 0.002)
      }
    }
    self.thread = thread
    thread.start()
  }

  /// Stops sampling and returns the peaks.
  func stop() -> Peaks {
    running.store(false, ordering: .relaxed)
    sample()
    Thread.sleep(forTimeInterval: 0.005)
    return peaks.withLock { $0 }
  }

  private func sample() {
    let status = Self.status()
    peaks.withLock {
      $0.resident = max($0.resident, status["VmHWM"] ?? 0)
      $0.anonymous = max($0.anonymous, status["RssAnon"] ?? 0)
      $0.fileBacked = max($0.fileBacked, status["RssFile"] ?? 0)
    }
  }

  /// The `kB` fields of `/proc/self/status`, in bytes.
  static func status() -> [String: Int] {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return [:] }
    var fields: [String: Int] = [:]
    for line in text.split(separator: "\n") where line.hasSuffix(" kB") {
      let parts = line.split(separator: ":", maxSplits: 1)
      guard parts.count == 2, let kB = Int(parts[1].dropLast(3).trimmingCharacters(in: .whitespaces)) else { continue }
      fields[String(parts[0])] = kB * 1024
    }
    return fields
  }
}
