import Foundation

/// NumPy `.npy` files (format version 1.0) of a 2-D little-endian float32 array: what
/// `numpy.load` reads and `numpy.save` writes for `np.float32` matrices.
///
/// Layout: the magic `\x93NUMPY`, version bytes `1 0`, a little-endian `UInt16` header length,
/// an ASCII Python-dict header (`descr`, `fortran_order`, `shape`) padded with spaces and a
/// final `\n` so the data starts at a multiple of 64 bytes, then the values in C order.
public enum NumPyFile {
  /// The `.npy` bytes of `matrix` (`float32`, shape `(rows, dimension)`).
  /// - Complexity: O(rows · dimension).
  public static func encode(_ matrix: EmbeddingMatrix) -> Data {
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(matrix.rows), \(matrix.dimension)), }"
    let unpadded = 10 + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
    let length = UInt16(header.utf8.count)
    data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
    data.append(contentsOf: Array(header.utf8))
    var bytes = [UInt8](repeating: 0, count: matrix.values.count * 4)
    bytes.withUnsafeMutableBytes { out in
      for (i, v) in matrix.values.enumerated() { out.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self) }
    }
    data.append(contentsOf: bytes)
    return data
  }

  /// Reads a 2-D `<f4` C-order `.npy` file.
  /// - Throws: ``EncoderError`` naming the file and what does not fit.
  public static func read(_ url: URL) throws(EncoderError) -> EmbeddingMatrix {
    guard let data = FileManager.default.contents(atPath: url.path) else {
      throw EncoderError(file: url.path, problem: "cannot read the .npy file")
    }
    return try decode(Array(data), path: url.path)
  }

  /// Decodes `.npy` bytes (see ``read(_:)``).
  public static func decode(_ bytes: [UInt8], path: String) throws(EncoderError) -> EmbeddingMatrix {
    func fail(_ problem: String) -> EncoderError { EncoderError(file: path, problem: problem) }
    guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8), bytes[6] == 1 else {
      throw fail("is not a version 1 .npy file")
    }
    let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
    guard bytes.count >= 10 + headerLength, let header = String(validating: bytes[10..<(10 + headerLength)], as: UTF8.self) else {
      throw fail("has a truncated .npy header")
    }
    guard header.contains("'descr': '<f4'"), header.contains("'fortran_order': False") else {
      throw fail("holds no little-endian float32 C-order array (header \(header.trimmingCharacters(in: .whitespacesAndNewlines)))")
    }
    guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
      throw fail("has no shape in its .npy header")
    }
    let dims = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard dims.count == 2 else { throw fail("holds a \(dims.count)-D array, expected 2-D") }
    let count = dims[0] * dims[1]
    let start = 10 + headerLength
    guard bytes.count - start == count * 4 else {
      throw fail("holds \(bytes.count - start) data bytes, shape (\(dims[0]), \(dims[1])) needs \(count * 4)")
    }
    var values = [Float](repeating: 0, count: count)
    bytes.withUnsafeBytes { raw in
      for i in 0..<count {
        values[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + i * 4, as: UInt32.self)))
      }
    }
    return EmbeddingMatrix(rows: dims[0], dimension: dims[1], values: values)
  }
}
