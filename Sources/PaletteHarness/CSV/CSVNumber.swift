/// Locale-free, bit-exact text for floating-point numbers in CSV files.
///
/// Finite values use Swift's `description`, which prints the *shortest* decimal string that
/// parses back to the same bits (Swift's `SwiftDtoa`, in the spirit of Steele & White / Ryū),
/// and never depends on the locale: `0.1`, `100.0`, `1e+16`, `5e-324`, `-0.0`. Non-finite
/// values are spelled `inf`, `-inf` and `nan` (every NaN payload and sign prints as `nan`;
/// the payload is not preserved).
///
/// ```swift
/// CSVNumber.format(0.1)            // "0.1"
/// CSVNumber.format(-.infinity)     // "-inf"
/// CSVNumber.parse("1e+16")         // 1e16
/// ```
public enum CSVNumber {
  /// The shortest round-trip text of `value`; `inf`, `-inf` or `nan` when not finite.
  public static func format(_ value: Double) -> String { formatAny(value) }

  /// The shortest round-trip text of `value` as a `Float`; `inf`, `-inf` or `nan` when not finite.
  public static func format(_ value: Float) -> String { formatAny(value) }

  /// Parses text written by ``format(_:)-(Double)`` (and any decimal or hexadecimal literal
  /// `Double(_:)` accepts, e.g. `1.5`, `-2e-3`, `0x1p-2`, `infinity`).
  ///
  /// - Returns: `nil` for anything else, including the empty string and surrounding spaces.
  public static func parse(_ text: some StringProtocol) -> Double? { parseAny(text) }

  /// Parses text as a `Float`; see ``parse(_:)``.
  public static func parseFloat(_ text: some StringProtocol) -> Float? { parseAny(text) }

  private static func formatAny<T: BinaryFloatingPoint & LosslessStringConvertible>(_ value: T) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    return value.description
  }

  private static func parseAny<T: BinaryFloatingPoint & LosslessStringConvertible>(
    _ text: some StringProtocol
  ) -> T? {
    switch text {
    case "inf", "+inf": return .infinity
    case "-inf": return -.infinity
    case "nan": return .nan
    default: return T(String(text))
    }
  }
}
