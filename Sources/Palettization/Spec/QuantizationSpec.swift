/// How LUT entries are quantized (the seed's `lut_qspec`).
public struct QuantizationSpec: Codable, Sendable, Hashable {
  /// Storage type of a quantized LUT entry.
  public enum DType: String, Codable, Sendable, CaseIterable {
    case int8
    case uint8
    case float8E4M3FN = "float8_e4m3fn"
    case float8E5M2 = "float8_e5m2"

    /// True for the two fp8 formats, which only support the symmetric scheme.
    public var isFloat8: Bool { self == .float8E4M3FN || self == .float8E5M2 }
  }

  /// Whether a zero point is used.
  public enum QScheme: String, Codable, Sendable, CaseIterable {
    case symmetric
    case asymmetric
  }

  public var dtype: DType
  public var qscheme: QScheme

  public init(dtype: DType = .int8, qscheme: QScheme = .symmetric) {
    self.dtype = dtype
    self.qscheme = qscheme
  }

  func validate(path: String) throws(SpecError) {
    if dtype.isFloat8 && qscheme == .asymmetric {
      throw SpecError(
        keyPath: "\(path).qscheme", value: qscheme.rawValue,
        problem: "is not supported with dtype \(dtype.rawValue); fp8 LUTs are symmetric only")
    }
  }

  /// `int8_symmetric`, `float8_e4m3fn_symmetric`, …: a stable label for CSV columns.
  public var label: String { "\(dtype.rawValue)_\(qscheme.rawValue)" }
}
