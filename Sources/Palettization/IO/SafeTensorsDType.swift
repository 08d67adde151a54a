/// An element type a safetensors header may name in a tensor's `"dtype"` field.
///
/// The raw value is the header spelling. Cases are declared in the reference implementation's
/// order (huggingface/safetensors `Dtype`, increasing alignment); the writer lays tensors out in
/// descending order of it so that every tensor starts at a multiple of its element size.
public enum SafeTensorsDType: String, CaseIterable, Sendable, Codable {
  /// Boolean, one byte.
  case bool = "BOOL"
  /// Unsigned 8-bit integer.
  case uint8 = "U8"
  /// Signed 8-bit integer.
  case int8 = "I8"
  /// 8-bit float, 5 exponent and 2 fraction bits (recognised, copied through).
  case float8E5M2 = "F8_E5M2"
  /// 8-bit float, 4 exponent and 3 fraction bits (recognised, copied through).
  case float8E4M3 = "F8_E4M3"
  /// Signed 16-bit integer.
  case int16 = "I16"
  /// Unsigned 16-bit integer.
  case uint16 = "U16"
  /// IEEE binary16.
  case float16 = "F16"
  /// bfloat16: the high half of an IEEE binary32.
  case bfloat16 = "BF16"
  /// Signed 32-bit integer.
  case int32 = "I32"
  /// Unsigned 32-bit integer.
  case uint32 = "U32"
  /// IEEE binary32.
  case float32 = "F32"
  /// IEEE binary64.
  case float64 = "F64"
  /// Signed 64-bit integer.
  case int64 = "I64"
  /// Unsigned 64-bit integer.
  case uint64 = "U64"

  /// Bytes per element.
  public var byteWidth: Int {
    switch self {
    case .bool, .uint8, .int8, .float8E5M2, .float8E4M3: return 1
    case .int16, .uint16, .float16, .bfloat16: return 2
    case .int32, .uint32, .float32: return 4
    case .float64, .int64, .uint64: return 8
    }
  }

  /// The engine dtype this reads into as `Float` values, or `nil` for integer, boolean and fp8
  /// dtypes (those are only copied through as raw bytes).
  public var weightDType: WeightDType? {
    switch self {
    case .float32: return .float32
    case .float16: return .float16
    case .bfloat16: return .bfloat16
    case .float64: return .float64
    default: return nil
    }
  }

  /// The safetensors dtype that stores an engine dtype.
  public init(_ weightDType: WeightDType) {
    switch weightDType {
    case .float32: self = .float32
    case .float16: self = .float16
    case .bfloat16: self = .bfloat16
    case .float64: self = .float64
    }
  }

  /// Bytes a tensor of `shape` takes (width × product of dimensions), or `nil` if that
  /// overflows `Int`.
  ///
  /// - Precondition: every dimension is ≥ 0.
  public func byteCount(forShape shape: [Int]) -> Int? {
    var needed = byteWidth
    for n in shape {
      precondition(n >= 0, "negative dimension in \(shape)")
      let (product, overflow) = needed.multipliedReportingOverflow(by: n)
      if overflow { return nil }
      needed = product
    }
    return needed
  }

  /// Position in the reference implementation's declaration order (used to lay out data).
  var referenceRank: Int {
    // allCases is declared in reference order, so the index is the rank.
    Self.allCases.firstIndex(of: self) ?? 0
  }

  /// Every header spelling, in declaration order, for error messages.
  static var allSpellings: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
