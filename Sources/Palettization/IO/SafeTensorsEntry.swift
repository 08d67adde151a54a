/// One tensor to write to a safetensors file: name, dtype, shape and little-endian bytes.
///
/// The bytes are either owned (`[UInt8]`) or borrowed from the mapping of an open
/// ``SafeTensorsFile`` (copy-through without reading the tensor into memory first). Sizes are
/// checked when the file is written, so a wrong byte count throws rather than traps.
public struct SafeTensorsEntry: Sendable {
  /// The tensor's key in the header; not `__metadata__`, unique within a file.
  public var name: String
  /// The element type.
  public var dtype: SafeTensorsDType
  /// Dimensions, outermost first; `[]` is a scalar.
  public var shape: [Int]

  enum Payload: Sendable {
    case owned([UInt8])
    case mapped(SafeTensorsFile, SafeTensorsFile.TensorInfo)
  }
  let payload: Payload

  /// An entry holding `bytes`: row-major, little-endian elements of `dtype`.
  public init(name: String, dtype: SafeTensorsDType, shape: [Int], bytes: [UInt8]) {
    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.payload = .owned(bytes)
  }

  /// An entry holding `tensor` at its own dtype (F16/BF16 rounded to nearest even, which is
  /// exact when the values are representable, as ``Tensor/dtype`` promises).
  public init(name: String, tensor: Tensor) {
    self.init(name: name, dtype: SafeTensorsDType(tensor.dtype), shape: tensor.shape,
              bytes: FloatConversion.encode(tensor.values, to: tensor.dtype))
  }

  /// An entry holding integers as the matching dtype (`UInt8` → U8, `Int8` → I8, `Int16` → I16,
  /// `UInt16` → U16, `Int32` → I32, `UInt32` → U32, `Int64` → I64, `UInt64` → U64).
  ///
  /// - Precondition: `T` is one of those eight types.
  public init<T: FixedWidthInteger & Sendable>(name: String, shape: [Int], integers: [T]) {
    let dtype: SafeTensorsDType
    switch T.self {
    case is UInt8.Type: dtype = .uint8
    case is Int8.Type: dtype = .int8
    case is Int16.Type: dtype = .int16
    case is UInt16.Type: dtype = .uint16
    case is Int32.Type: dtype = .int32
    case is UInt32.Type: dtype = .uint32
    case is Int64.Type: dtype = .int64
    case is UInt64.Type: dtype = .uint64
    default: preconditionFailure("no safetensors dtype for \(T.self)")
    }
    var bytes = [UInt8](repeating: 0, count: integers.count * MemoryLayout<T>.size)
    bytes.withUnsafeMutableBytes { out in
      for (i, value) in integers.enumerated() {
        out.storeBytes(of: value.littleEndian, toByteOffset: i * MemoryLayout<T>.size, as: T.self)
      }
    }
    self.init(name: name, dtype: dtype, shape: shape, bytes: bytes)
  }

  /// An entry copying tensor `name` of `file` unchanged (name, dtype, shape, bytes). The bytes
  /// stay in the mapping until written.
  ///
  /// - Throws: ``SafeTensorsError/Fault/tensorNotFound(name:)``.
  public static func copying(_ name: String, from file: SafeTensorsFile) throws(SafeTensorsError) -> SafeTensorsEntry {
    let info = try file.info(name)
    return SafeTensorsEntry(name: name, dtype: info.dtype, shape: info.shape, payload: .mapped(file, info))
  }

  private init(name: String, dtype: SafeTensorsDType, shape: [Int], payload: Payload) {
    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.payload = payload
  }

  /// The same bytes under another name.
  public func renamed(_ name: String) -> SafeTensorsEntry {
    var copy = self
    copy.name = name
    return copy
  }

  /// Number of bytes held.
  public var byteCount: Int {
    switch payload {
    case .owned(let bytes): return bytes.count
    case .mapped(_, let info): return info.byteCount
    }
  }

  /// Calls `body` with the bytes held (no copy).
  public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    switch payload {
    case .owned(let bytes): return try bytes.withUnsafeBytes(body)
    case .mapped(let file, let info): return try file.withUnsafeBytes(of: info, body)
    }
  }
}
