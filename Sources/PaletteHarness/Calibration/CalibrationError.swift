import Foundation

/// A calibration that cannot run, or a sensitivities file that cannot be used: which file and
/// what is wrong. (A faulty model directory or corpus is an `EncoderError`, a failed write a
/// `SafeTensorsError`; both name their file too.)
public struct CalibrationError: LocatedError, Equatable, Sendable {
  /// What went wrong.
  public enum Kind: Equatable, Sendable {
    /// `--kind fisher`: not computed natively (see ``SensitivityKind/requireNative(model:)``).
    case fisherNotNative
    /// A file to hash cannot be read.
    case unreadable(reason: String)
    /// The file has no ``CalibrationMetadata/key`` entry in its `__metadata__`.
    case noMetadata
    /// The metadata entry is not calibration metadata.
    case badMetadata(reason: String)
    /// The metadata has a format this harness does not read.
    case unknownFormat(String)
    /// The tensors do not hash to what the metadata records.
    case tensorsChanged(found: String, recorded: String)
    /// A per-column file (``ActivationSensitivities/writeColumns(to:)``) whose tensors or row
    /// counts do not fit together.
    case badColumns(reason: String)
  }

  /// The file (or model directory) at fault.
  public var file: String
  /// Always `nil`: these errors are about whole files.
  public var line: Int? { nil }
  /// What went wrong.
  public var kind: Kind

  public init(file: String, kind: Kind) {
    self.file = file
    self.kind = kind
  }

  /// The problem, without the file.
  public var problem: String {
    switch kind {
    case .fisherNotNative:
      return "--kind fisher is not computed by harness calibrate: a Fisher needs a PyTorch model and its loss; run "
        + "python3 scripts/export_torch_model.py MODULE:FUNCTION --fisher --calibration DATA -o PREFIX "
        + "(README: PyTorch models: export and Fisher sensitivities) and pass PREFIX.fisher.safetensors to --sensitivities"
    case .unreadable(let reason):
      return "cannot be read to hash it: \(reason)"
    case .noMetadata:
      return "has no __metadata__ entry '\(CalibrationMetadata.key)'; it was not written by harness calibrate"
    case .badMetadata(let reason):
      return "__metadata__ '\(CalibrationMetadata.key)' is not valid calibration metadata: \(reason)"
    case .unknownFormat(let format):
      return "__metadata__ '\(CalibrationMetadata.key)' has format '\(format)', expected '\(CalibrationMetadata.currentFormat)'"
    case .badColumns(let reason):
      return "is not a per-column sensitivities file: \(reason)"
    case .tensorsChanged(let found, let recorded):
      return "its tensors hash to \(found), but its metadata records \(recorded); the file was changed after harness calibrate wrote it"
    }
  }
}
