import Foundation

/// What a sensitivities file written by `harness calibrate` was computed from, stored as JSON
/// under the `__metadata__` key ``key`` of the file (one key, as the Fisher files of
/// `scripts/export_torch_model.py` use `palettelab.fisher`).
///
/// Paths are not recorded (they differ between machines); files are identified by name and
/// SHA-256. ``sensitivitiesSHA256`` identifies the tensors themselves, so a re-computation can
/// be compared with one string.
public struct CalibrationMetadata: Codable, Sendable, Equatable {
  /// The `__metadata__` key.
  public static let key = "palettelab.calibration"
  /// The current ``format``.
  public static let currentFormat = "palettelab.calibration/1"

  /// `palettelab.calibration/1`.
  public var format: String
  /// What the values are (``SensitivityKind/activation``).
  public var kind: SensitivityKind
  /// The corpus file's name (no directory).
  public var corpusFile: String
  /// SHA-256 of the whole corpus file, lowercase hex.
  public var corpusSHA256: String
  /// The cap on sentences (the first N of the corpus were used), `nil` for all.
  public var maxSentences: Int?
  /// Sentences used.
  public var sentences: Int
  /// Real (non-padding) tokens the means are over.
  public var tokens: Int
  /// Sentences per batch of the forward pass (another batch size can change the last bits).
  public var batchSize: Int
  /// The model directory's name (no path).
  public var model: String
  /// SHA-256 of every model file that determines the Linear inputs, by file name.
  public var modelFiles: [String: String]
  /// The OpenBLAS kernel set the forward pass ran on (another CPU type can change the last bits).
  public var blasCore: String
  /// OpenBLAS's build configuration (`openblas_get_config`, version included): with
  /// ``blasCore``, what decides whether a re-computation can be bitwise equal. `nil` in files
  /// written before it was recorded.
  public var blasConfig: String? = nil
  /// Linear weights that receive no input and so have no sensitivities in the file (the
  /// pooler): a palettizer clusters them unweighted.
  public var notWritten: [String]
  /// SHA-256 of the sensitivity tensors (see ``ActivationSensitivities/contentSHA256``).
  public var sensitivitiesSHA256: String
  /// The harness version that wrote the file.
  public var harnessVersion: String

  enum CodingKeys: String, CodingKey {
    case format, kind, sentences, tokens, model
    case corpusFile = "corpus_file"
    case corpusSHA256 = "corpus_sha256"
    case maxSentences = "max_sentences"
    case batchSize = "batch_size"
    case modelFiles = "model_files"
    case blasCore = "blas_core"
    case blasConfig = "blas_config"
    case notWritten = "not_written"
    case sensitivitiesSHA256 = "sensitivities_sha256"
    case harnessVersion = "harness_version"
  }

  /// Compact JSON with sorted keys (`max_sentences` left out when not set).
  public func json() -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    // Encoding a struct of strings, integers and a dictionary of strings cannot fail.
    guard let data = try? encoder.encode(self) else { preconditionFailure("CalibrationMetadata is always encodable") }
    return String(decoding: data, as: UTF8.self)
  }

  /// The metadata of a sensitivities file's `__metadata__` dictionary.
  /// - Throws: ``CalibrationError`` naming `file` when the key is missing (not a file of
  ///   `harness calibrate`), is not valid JSON for this type, or has another format.
  public static func parse(_ metadata: [String: String], file: String) throws(CalibrationError) -> CalibrationMetadata {
    guard let text = metadata[key] else {
      throw CalibrationError(file: file, kind: .noMetadata)
    }
    let decoded: CalibrationMetadata
    do {
      decoded = try JSONDecoder().decode(CalibrationMetadata.self, from: Data(text.utf8))
    } catch {
      throw CalibrationError(file: file, kind: .badMetadata(reason: Self.reason(error)))
    }
    guard decoded.format == currentFormat else {
      throw CalibrationError(file: file, kind: .unknownFormat(decoded.format))
    }
    return decoded
  }

  /// A one-line reason for a decoding failure: what is wrong, at which key.
  static func reason(_ error: Error) -> String {
    switch error as? DecodingError {
    case .keyNotFound(let key, _): return "missing key '\(key.stringValue)'"
    case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
      let path = context.codingPath.map(\.stringValue).joined(separator: ".")
      return (path.isEmpty ? "" : "'\(path)': ") + context.debugDescription
    default: return "\(error)"
    }
  }
}
