import Foundation

/// A size in bytes written as people write them: `4GiB`, `500MB`, `2G`, `1048576`.
public enum ByteSize {
  /// Decimal (`KB`, `MB`, `GB`, `TB`: powers of 1000, as Hugging Face's `max_shard_size`) and
  /// binary (`KiB`, `MiB`, `GiB`, `TiB`, and the bare `K`, `M`, `G`, `T`: powers of 1024)
  /// suffixes, any case, after a positive number (decimals allowed: `1.5GB`); a bare number is
  /// bytes. `nil` for anything else, zero, or a size beyond `Int`.
  public static func parse(_ text: String) -> Int? {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    let digits = trimmed.prefix { $0.isNumber || $0 == "." }
    let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
    let factors: [String: Double] = [
      "": 1, "b": 1,
      "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
      "k": 0x1p10, "kib": 0x1p10, "m": 0x1p20, "mib": 0x1p20, "g": 0x1p30, "gib": 0x1p30,
      "t": 0x1p40, "tib": 0x1p40,
    ]
    guard let number = Double(digits), let factor = factors[unit] else { return nil }
    let bytes = (number * factor).rounded()
    guard bytes >= 1, bytes < Double(Int.max) else { return nil }
    return Int(bytes)
  }
}
