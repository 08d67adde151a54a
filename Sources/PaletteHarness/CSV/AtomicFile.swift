import Foundation
#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif

/// Whole-file writes that readers never see half done.
///
/// The data goes to a temporary file in the destination's folder (so the final step is a
/// same-file-system `rename(2)`, which POSIX makes atomic), is flushed with `fsync`, and is then
/// renamed over the destination. A crash or interrupt leaves either the old file or the new one,
/// plus at worst a stray `.<name>.tmp-…` file, never a truncated destination.
public enum AtomicFile {
  /// Writes `data` to the file at `url`, replacing it atomically if it exists.
  ///
  /// The new file gets mode `0644` minus the process umask. The destination folder must exist.
  /// - Throws: ``AtomicFileError`` naming the path, the failed step and the system's reason.
  /// - Complexity: O(`data.count`).
  ///
  /// A destination that exists and is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO)
  /// is written in place: renaming over it would replace the device with a file.
  public static func write(_ data: Data, to url: URL) throws {
    var info = stat()
    if stat(url.path, &info) == 0, info.st_mode & S_IFMT != S_IFREG, info.st_mode & S_IFMT != S_IFDIR {
      let fd = open(url.path, O_WRONLY | O_CLOEXEC)
      guard fd >= 0 else { throw AtomicFileError(path: url.path, step: "open", errno: errno) }
      defer { close(fd) }
      try writeAll(data, to: fd, path: url.path)
      return
    }
    let temporary = try writeTemporary(data, for: url)
    guard rename(temporary, url.path) == 0 else {
      let error = AtomicFileError(path: url.path, step: "rename temporary file", errno: errno)
      unlink(temporary)
      throw error
    }
  }

  /// Creates the file at `url` with `data` only if no file is there yet, atomically: concurrent
  /// callers (say, the tasks of a Slurm job array) see exactly one of them succeed, and nobody
  /// ever sees a partial file. Uses `link(2)`, which fails when the name exists.
  /// - Returns: `true` when this call created the file, `false` when a file was already there
  ///   (it is left as it was).
  /// - Throws: ``AtomicFileError`` for any other failure.
  public static func createExclusively(_ data: Data, at url: URL) throws -> Bool {
    let temporary = try writeTemporary(data, for: url)
    defer { unlink(temporary) }
    guard link(temporary, url.path) == 0 else {
      if errno == EEXIST { return false }
      throw AtomicFileError(path: url.path, step: "link temporary file", errno: errno)
    }
    return true
  }

  /// Writes `data` to a fresh `.<name>.tmp-<pid>-<random>` file beside `url`, flushed with
  /// `fsync`, and returns its path; removes it on failure.
  private static func writeTemporary(_ data: Data, for url: URL) throws -> String {
    let destination = url.path
    let folder = url.deletingLastPathComponent().path
    let temporary = folder + "/." + url.lastPathComponent
      + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw AtomicFileError(path: destination, step: "create temporary file", errno: errno) }
    var closed = false
    defer {
      if !closed { close(fd) }
    }
    do {
      try writeAll(data, to: fd, path: destination)
      guard fsync(fd) == 0 else { throw AtomicFileError(path: destination, step: "fsync", errno: errno) }
      closed = true
      guard close(fd) == 0 else { throw AtomicFileError(path: destination, step: "close", errno: errno) }
      return temporary
    } catch {
      unlink(temporary)
      throw error
    }
  }

  private static func writeAll(_ data: Data, to fd: Int32, path: String) throws {
    try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
      var offset = 0
      while offset < buffer.count {
        let written = systemWrite(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          throw AtomicFileError(path: path, step: "write", errno: errno)
        }
        offset += written
      }
    }
  }
}
