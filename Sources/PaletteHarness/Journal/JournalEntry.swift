import Foundation

/// One finished unit on disk, `units/<unit id>.json`: the ``UnitResult``, the SHA-256 of the
/// journal header it was written under, and the SHA-256 of its own content (with
/// `content_sha256` empty), so that a damaged or edited entry is noticed. Floating-point values
/// are ``CSVNumber`` text (shortest round-trip, `inf`), so they read back to the same bits.
struct JournalEntry: Codable, Equatable {
  var format: String
  var headerSHA256: String
  var unit: String
  var run: String
  var tensors: [String]
  var rows: [[String]]
  var results: [Tensor]
  var skipped: Int
  var rejection: String?
  var warnings: [String]
  var evaluation: [String: String]
  var sensitivitiesSHA256: String?
  var engineSeconds: String
  var evaluationSeconds: String?
  var contentSHA256: String

  static let formatName = "palettelab.journal-entry/1"

  struct Tensor: Codable, Equatable {
    var name: String
    var sha256: String
    var numel: Int
    var inertia: String
    var signalEnergy: String
    var bitsPerWeight: String

    enum CodingKeys: String, CodingKey {
      case name, sha256, numel, inertia, signalEnergy = "signal_energy", bitsPerWeight = "bits_per_weight"
    }
  }

  enum CodingKeys: String, CodingKey {
    case format, headerSHA256 = "header_sha256", unit, run, tensors, rows, results, skipped, rejection, warnings
    case evaluation, sensitivitiesSHA256 = "sensitivities_sha256"
    case engineSeconds = "engine_seconds", evaluationSeconds = "evaluation_seconds"
    case contentSHA256 = "content_sha256"
  }

  /// The entry of `result` under the header with hash `headerSHA256`, checksummed.
  init(_ result: UnitResult, headerSHA256: String) throws {
    format = Self.formatName
    self.headerSHA256 = headerSHA256
    unit = result.unit
    run = result.run
    tensors = result.tensors
    rows = result.rows
    results = result.results.map {
      Tensor(name: $0.name, sha256: $0.sha256, numel: $0.numel, inertia: CSVNumber.format($0.inertia),
             signalEnergy: CSVNumber.format($0.signalEnergy), bitsPerWeight: CSVNumber.format($0.bitsPerWeight))
    }
    skipped = result.skipped
    rejection = result.rejection
    warnings = result.warnings
    evaluation = result.evaluation
    sensitivitiesSHA256 = result.sensitivitiesSHA256
    engineSeconds = CSVNumber.format(result.engineSeconds)
    evaluationSeconds = CSVNumber.format(result.evaluationSeconds)
    contentSHA256 = ""
    contentSHA256 = try contentHash()
  }

  /// SHA-256 of the entry's canonical JSON with `content_sha256` empty.
  func contentHash() throws -> String {
    var copy = self
    copy.contentSHA256 = ""
    return SHA256Hasher.hex(of: try Self.encoder.encode(copy))
  }

  /// The file's bytes: key-sorted JSON, one trailing newline.
  func encoded() throws -> Data {
    var data = try Self.encoder.encode(self)
    data.append(0x0a)
    return data
  }

  private static var encoder: JSONEncoder {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return e
  }

  /// The unit result (`verified`), or why the entry is unusable (`invalid`, phrased to follow its
  /// path).
  func result(columns: Int) -> SweepJournal.EntryState {
    var tensorResults: [UnitResult.TensorResult] = []
    for t in results {
      guard let inertia = CSVNumber.parse(t.inertia), let signal = CSVNumber.parse(t.signalEnergy),
            let bits = CSVNumber.parse(t.bitsPerWeight)
      else { return .invalid("has a non-numeric metric for tensor \(t.name)") }
      tensorResults.append(.init(name: t.name, sha256: t.sha256, numel: t.numel, inertia: inertia, signalEnergy: signal, bitsPerWeight: bits))
    }
    if let bad = rows.first(where: { $0.count != columns }) {
      return .invalid("has a row of \(bad.count) fields, the results have \(columns) columns")
    }
    guard let seconds = CSVNumber.parse(engineSeconds) else {
      return .invalid("has a non-numeric engine_seconds '\(engineSeconds)'")
    }
    guard let evaluationSeconds = CSVNumber.parse(evaluationSeconds ?? "0") else {
      return .invalid("has a non-numeric evaluation_seconds '\(evaluationSeconds ?? "")'")
    }
    return .verified(UnitResult(
      unit: unit, run: run, tensors: tensors, rows: rows, results: tensorResults, skipped: skipped,
      rejection: rejection, warnings: warnings, evaluation: evaluation, sensitivitiesSHA256: sensitivitiesSHA256,
      engineSeconds: seconds, evaluationSeconds: evaluationSeconds))
  }
}
