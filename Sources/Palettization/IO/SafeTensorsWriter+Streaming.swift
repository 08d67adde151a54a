import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SafeTensorsWriter {
  /// A tensor whose bytes are produced while its file is written, so a file larger than
  /// memory can be written tensor by tensor.
  public struct StreamedTensor: Sendable {
    public var name: String
    public var dtype: SafeTensorsDType
    public var shape: [Int]
    /// Fills the tensor's little-endian bytes (exactly shape × dtype width of them). Called once,
    /// from any thread.
    public var fill: @Sendable (UnsafeMutableRawBufferPointer) throws -> Void

    public init(
      name: String, dtype: SafeTensorsDType, shape: [Int],
      fill: @escaping @Sendable (UnsafeMutableRawBufferPointer) throws -> Void
    ) {
      self.name = name
      self.dtype = dtype
      self.shape = shape
      self.fill = fill
    }
  }

  /// Writes `tensors` and `metadata` to a safetensors file at `url` with the layout and
  /// atomicity of ``write(to:)``, producing each tensor's bytes only when it is written:
  /// `workers` threads each fill one tensor at a time into a buffer of that tensor's size and
  /// write it at its offset (`pwrite`), so memory is at most `workers` tensors, never the file.
  /// The bytes do not depend on `workers`.
  ///
  /// - Throws: ``SafeTensorsError`` naming `url.path` for an invalid tensor list or a failed
  ///   system call; the first error a `fill` throws, as it came.
  public static func writeStreaming(
    _ tensors: [StreamedTensor], metadata: [String: String] = [:], to url: URL, workers: Int = 1
  ) throws {
    precondition(workers >= 1, "workers must be at least 1")
    let path = url.path
    var slots: [Slot] = []
    for t in tensors {
      guard let bytes = t.dtype.byteCount(forShape: t.shape) else {
        throw SafeTensorsError(path: path, fault: .shapeOverflow(tensor: t.name, shape: t.shape, dtype: t.dtype))
      }
      slots.append(Slot(name: t.name, dtype: t.dtype, shape: t.shape, byteCount: bytes))
    }
    let (order, header) = try layout(slots, metadata: metadata, path: path)
    var offsets = [Int](repeating: 0, count: tensors.count)
    var next = 8 + header.count
    for i in order {
      offsets[i] = next
      next += slots[i].byteCount
    }
    let fillError = Mutex<(any Error)?>(nil)
    do {
      try write(header: header, offsets: offsets, order: order, sizes: slots.map(\.byteCount), tensors: tensors, to: url, workers: workers, fillError: fillError)
    } catch {
      // A failed fill aborts the write; report the fill's own error rather than the abort.
      if let failure = fillError.withLock({ $0 }) { throw failure }
      throw error
    }
  }

  private static func write(
    header: [UInt8], offsets: [Int], order: [Int], sizes: [Int], tensors: [StreamedTensor], to url: URL,
    workers: Int, fillError: borrowing Mutex<(any Error)?>
  ) throws(SafeTensorsError) {
    try writeAtomically(to: url) { fd in
      guard writeHeader(fd, header) else { return false }
      let cursor = Atomic<Int>(0)
      let failed = Atomic<Int32>(0)  // errno of a failed pwrite, or 0
      DispatchQueue.concurrentPerform(iterations: min(workers, max(tensors.count, 1))) { _ in
        while true {
          let position = cursor.wrappingAdd(1, ordering: .relaxed).oldValue
          guard position < order.count, failed.load(ordering: .relaxed) == 0,
            fillError.withLock({ $0 == nil })
          else { return }
          let i = order[position]
          let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: sizes[i], alignment: 16)
          defer { buffer.deallocate() }
          do { try tensors[i].fill(buffer) } catch {
            fillError.withLock { if $0 == nil { $0 = error } }
            return
          }
          if !writeAll(fd, UnsafeRawBufferPointer(buffer), at: offsets[i]) {
            failed.store(errno == 0 ? EIO : errno, ordering: .relaxed)
            return
          }
        }
      }
      let code = failed.load(ordering: .relaxed)
      if code != 0 { errno = code; return false }
      return fillError.withLock { $0 == nil }
    }
  }
}
