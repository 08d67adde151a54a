import Crypto
import Foundation

/// Streaming SHA-256 with helpers for the values results are made of; digests are lowercase hex.
struct SHA256Hasher {
  private var hasher = SHA256()

  mutating func update(_ data: Data) { hasher.update(data: data) }
  mutating func update(_ text: String) { hasher.update(data: Data(text.utf8)) }

  /// Little-endian IEEE bits of each value.
  mutating func update(_ values: [Float]) {
    values.withUnsafeBufferPointer { buffer in
      var bits = [UInt32](); bits.reserveCapacity(buffer.count)
      for v in buffer { bits.append(v.bitPattern.littleEndian) }
      bits.withUnsafeBytes { hasher.update(bufferPointer: $0) }
    }
  }

  mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) } }

  mutating func update(_ values: [Int32]) {
    let le = values.map { $0.littleEndian }
    le.withUnsafeBytes { hasher.update(bufferPointer: $0) }
  }

  /// A tagged, terminated field, so that adjacent fields cannot run into each other.
  mutating func field(_ tag: String, _ body: (inout SHA256Hasher) -> Void) {
    update("\(tag):")
    body(&self)
    update(";")
  }

  func hex() -> String { hasher.finalize().map { String(format: "%02x", $0) }.joined() }

  static func hex(of data: Data) -> String {
    var h = SHA256Hasher()
    h.update(data)
    return h.hex()
  }

  /// SHA-256 of a file, streamed in 4 MiB chunks.
  static func hex(ofFile url: URL) throws -> (sha256: String, bytes: Int) {
    let handle = try FileHandle(forReadingFrom: url)
    defer { try? handle.close() }
    var h = SHA256Hasher()
    var total = 0
    while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
      h.update(chunk)
      total += chunk.count
    }
    return (h.hex(), total)
  }
}
