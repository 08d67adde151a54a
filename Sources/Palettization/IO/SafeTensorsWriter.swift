import Foundation
#if canImport(Glibc)
import Glibc
private let posixWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let posixWrite = Darwin.write
#endif

/// Writes tensors and `__metadata__` to a safetensors file, atomically.
///
/// Layout follows the reference serializer (huggingface/safetensors `prepare`): tensors are laid
/// out by descending dtype (``SafeTensorsDType`` declaration order, which is increasing
/// alignment), then by name, so each tensor starts at a multiple of its element width; the
/// header is compact JSON (`__metadata__` first, its keys sorted, then the tensors in data
/// order) padded with spaces to a multiple of 8 bytes. For the same tensors and at most one
/// metadata key the bytes equal what `safetensors.numpy.save_file` writes; with several keys
/// only the key order can differ (the reference uses a hash map), and the output is
/// deterministic either way.
///
/// The file is written to a temporary file in the destination's directory, flushed to disk
/// (`fsync`) and renamed over the destination, so readers see either the old file or the whole
/// new one; on any error the temporary file is removed and the destination is untouched.
/// Entries are validated (sizes, names) before anything is created.
public struct SafeTensorsWriter: Sendable {
  /// The tensors to write; their order here does not affect the file (see the layout above).
  public var entries: [SafeTensorsEntry]
  /// Free-form string metadata, written as `__metadata__` (omitted when empty).
  public var metadata: [String: String]

  /// A writer for `entries` and `metadata`.
  public init(entries: [SafeTensorsEntry] = [], metadata: [String: String] = [:]) {
    self.entries = entries
    self.metadata = metadata
  }

  /// Adds one tensor.
  public mutating func append(_ entry: SafeTensorsEntry) { entries.append(entry) }

  /// The entries in file order and the padded header bytes (without the 8-byte length).
  ///
  /// - Throws: ``SafeTensorsError`` naming `path` for a reserved or repeated name, a negative or
  ///   overflowing shape, or a byte count that does not match the shape.
  func layout(path: String) throws(SafeTensorsError) -> (entries: [SafeTensorsEntry], header: [UInt8]) {
    let slots = entries.map { Slot(name: $0.name, dtype: $0.dtype, shape: $0.shape, byteCount: $0.byteCount) }
    let (order, header) = try Self.layout(slots, metadata: metadata, path: path)
    return (order.map { entries[$0] }, header)
  }

  /// What the header needs to know of a tensor.
  struct Slot {
    var name: String
    var dtype: SafeTensorsDType
    var shape: [Int]
    var byteCount: Int
  }

  /// The file order of `slots` (indices into it) and the padded header bytes.
  static func layout(
    _ slots: [Slot], metadata: [String: String], path: String
  ) throws(SafeTensorsError) -> (order: [Int], header: [UInt8]) {
    func fault(_ f: SafeTensorsError.Fault) -> SafeTensorsError { SafeTensorsError(path: path, fault: f) }
    var names: Set<String> = []
    for entry in slots {
      guard entry.name != "__metadata__" else { throw fault(.reservedTensorName) }
      guard names.insert(entry.name).inserted else { throw fault(.duplicateTensorName(name: entry.name)) }
      guard entry.shape.allSatisfy({ $0 >= 0 }) else {
        throw fault(.invalidShape(tensor: entry.name, found: "\(entry.shape)"))
      }
      guard let needed = entry.dtype.byteCount(forShape: entry.shape) else {
        throw fault(.shapeOverflow(tensor: entry.name, shape: entry.shape, dtype: entry.dtype))
      }
      guard entry.byteCount == needed else {
        throw fault(.entrySizeMismatch(tensor: entry.name, byteCount: entry.byteCount, shape: entry.shape,
                                       dtype: entry.dtype, needed: needed))
      }
    }
    let order = slots.indices.sorted {
      let (a, b) = (slots[$0], slots[$1])
      return a.dtype.referenceRank != b.dtype.referenceRank
        ? a.dtype.referenceRank > b.dtype.referenceRank
        : Array(a.name.utf8).lexicographicallyPrecedes(b.name.utf8)  // Rust's byte-wise String order
    }
    var parts: [String] = []
    if !metadata.isEmpty {
      let pairs = metadata.sorted { Array($0.key.utf8).lexicographicallyPrecedes($1.key.utf8) }
        .map { SafeTensorsJSON.quoted($0.key) + ":" + SafeTensorsJSON.quoted($0.value) }
      parts.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
    }
    var offset = 0
    for entry in order.map({ slots[$0] }) {
      let end = offset + entry.byteCount
      let shape = entry.shape.map(String.init).joined(separator: ",")
      parts.append(SafeTensorsJSON.quoted(entry.name)
                   + ":{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
      offset = end
    }
    var header = Array(("{" + parts.joined(separator: ",") + "}").utf8)
    header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))
    return (order, header)
  }

  /// Writes the file at `url` atomically (see the type's documentation).
  ///
  /// - Throws: ``SafeTensorsError`` naming `url.path`: an invalid entry (nothing is created),
  ///   or the failing system call (`open`, `write`, `fsync`, `rename`) with its `strerror`.
  /// - Complexity: O(total bytes); the data is streamed from the entries, not concatenated.
  public func write(to url: URL) throws(SafeTensorsError) {
    let (ordered, header) = try layout(path: url.path)
    try Self.writeAtomically(to: url) { fd in
      guard Self.writeHeader(fd, header) else { return false }
      for entry in ordered {
        guard entry.withUnsafeBytes({ Self.writeAll(fd, $0) }) else { return false }
      }
      return true
    }
  }

  /// Writes `data` to `url` atomically, as ``write(to:)`` writes a safetensors file (for the
  /// JSON index of a sharded checkpoint).
  public static func writeAtomically(_ data: Data, to url: URL) throws(SafeTensorsError) {
    try writeAtomically(to: url) { fd in data.withUnsafeBytes { writeAll(fd, $0) } }
  }

  /// Creates a temporary file beside `url`, lets `fill` write it (returning `false` with
  /// `errno` set on failure), flushes it and renames it over `url`; on any failure the
  /// temporary file is removed and `url` is untouched.
  static func writeAtomically(to url: URL, _ fill: (Int32) -> Bool) throws(SafeTensorsError) {
    let path = url.path
    func failure(_ operation: String) -> SafeTensorsError {
      SafeTensorsError(path: path, fault: .io(operation: operation, reason: String(cString: strerror(errno))))
    }
    let directory = url.deletingLastPathComponent().path
    let temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw failure("create temporary file") }
    var closed = false
    var renamed = false
    defer {
      if !closed { close(fd) }
      if !renamed { unlink(temporary) }
    }
    guard fill(fd) else { throw failure("write") }
    guard fsync(fd) == 0 else { throw failure("fsync") }
    closed = true
    guard close(fd) == 0 else { throw failure("close") }
    guard rename(temporary, path) == 0 else { throw failure("rename") }
    renamed = true
  }

  /// Writes the header's length (little-endian `UInt64`) and the header itself at the file's
  /// start; `false` on error (errno set).
  static func writeHeader(_ fd: Int32, _ header: [UInt8]) -> Bool {
    var length = UInt64(header.count).littleEndian
    return Swift.withUnsafeBytes(of: &length, { writeAll(fd, $0) }) && header.withUnsafeBytes({ writeAll(fd, $0) })
  }

  /// Writes all of `bytes` (at the file position, or with `pwrite` at `offset`), retrying short
  /// writes and EINTR; `false` on error (errno set).
  static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int? = nil) -> Bool {
    guard let base = bytes.baseAddress else { return true }
    var done = 0
    while done < bytes.count {
      let n = offset.map { pwrite(fd, base + done, bytes.count - done, off_t($0 + done)) }
        ?? posixWrite(fd, base + done, bytes.count - done)
      if n < 0 {
        if errno == EINTR { continue }
        return false
      }
      done += n
    }
    return true
  }
}
