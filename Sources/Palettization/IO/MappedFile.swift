#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory, unmapped when the last reference goes.
///
/// Pages are read on first touch, so opening a 90 MB model costs a few system calls and the
/// header parse; only the tensors actually read are paged in, and many readers (threads)
/// can share one mapping.
///
/// Truncating the file while it is mapped makes later reads of the lost pages fault (SIGBUS);
/// that is the usual contract of memory-mapped model loaders (mlx, safetensors' `safe_open`).
final class MappedFile: @unchecked Sendable {
  // @unchecked Sendable: the mapping is PROT_READ and never changes after init, so
  // concurrent reads are safe.

  /// Start of the mapping (`nil` for an empty file, which is not mapped).
  let base: UnsafeRawPointer?
  /// Size of the file in bytes.
  let count: Int

  /// Maps the regular file at `path`; faults name `path`.
  init(path: String) throws(SafeTensorsError) {
    func failure(_ operation: String) -> SafeTensorsError {
      SafeTensorsError(path: path, fault: .io(operation: operation, reason: String(cString: strerror(errno))))
    }
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw failure("open") }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw failure("fstat") }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      throw SafeTensorsError(path: path, fault: .notARegularFile)
    }
    count = Int(info.st_size)
    guard count > 0 else { base = nil; return }
    // The mapping stays valid after the descriptor is closed.
    let address = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
    guard let address, address != MAP_FAILED else { throw failure("mmap") }
    base = UnsafeRawPointer(address)
  }

  deinit {
    if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
  }

  /// Calls `body` with the mapped bytes in `range` (which must lie inside the file).
  func withUnsafeBytes<R, E: Error>(
    in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws(E) -> R
  ) throws(E) -> R {
    precondition(range.lowerBound >= 0 && range.upperBound <= count, "range \(range) outside a \(count)-byte file")
    guard let base else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
    return try body(UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count))
  }

  /// Releases the resident pages lying wholly inside `range` (`madvise(MADV_DONTNEED)`). The
  /// mapping is private and never written, so a later read faults the file's unchanged bytes
  /// back in from the page cache; other readers of the range stay correct, only slower.
  func releasePages(in range: Range<Int>) {
    guard let base, range.lowerBound >= 0, range.upperBound <= count else { return }
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let first = (range.lowerBound + page - 1) / page * page
    let end = range.upperBound / page * page
    guard end > first else { return }
    _ = madvise(UnsafeMutableRawPointer(mutating: base + first), end - first, Int32(MADV_DONTNEED))
  }
}
