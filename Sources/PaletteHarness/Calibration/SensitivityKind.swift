/// What a sensitivities file measures, per weight element.
public enum SensitivityKind: String, CaseIterable, Codable, Sendable {
  /// `mean_t x_j²`: the mean square of the Linear's input column `j` over calibration tokens
  /// (``ActivationCalibration``), computed natively by `harness calibrate`.
  case activation
  /// The diagonal Fisher information, mean squared per-sample gradient of a loss: needs a
  /// PyTorch model, a loss and autograd, so `scripts/export_torch_model.py --fisher` computes it.
  case fisher

  /// Throws for a kind `harness calibrate` does not compute itself (``fisher``), with a
  /// message naming `model` and pointing to the script that does; returns for ``activation``.
  ///
  /// Why not run the script from here: a Fisher needs a loss, and a sentence-transformers
  /// directory such as `models/minilm` defines none (its embeddings have no labels or
  /// likelihood); the script takes any PyTorch model with its loss and data.
  public func requireNative(model: String) throws(CalibrationError) {
    if self == .fisher { throw CalibrationError(file: model, kind: .fisherNotNative) }
  }
}
