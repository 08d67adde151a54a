/// Reading one tensor's sensitivities for the weighted k-means.
extension KMeansPalettizer {
  /// The sensitivities of tensor `name` from `sensitivities` (a model keyed like the weights,
  /// e.g. a Fisher file from `scripts/export_torch_model.py --fisher`), or `nil` when there are
  /// none for it (the tensor is then clustered unweighted).
  ///
  /// The weighted k-means needs every weight finite and `>= 0` (a negative or NaN weight has no
  /// meaning as an importance, and would trap the clusterer's precondition), so values read from
  /// a file are checked here, where the file and tensor can still be named. A shape that
  /// differs from the weight's is left to ``TensorPalettizer``, which skips the tensor with a
  /// warning.
  ///
  /// - Throws: ``ModelError`` naming the sensitivities file and the tensor, with the count of
  ///   bad values and the first of them, or when the tensor cannot be read.
  /// - Complexity: O(n) for a tensor of n elements.
  static func sensitivity(named name: String, in sensitivities: Model?) throws(ModelError) -> Tensor? {
    guard let sensitivities, sensitivities.tensorNames.contains(name) else { return nil }
    let tensor = try sensitivities.tensor(named: name)
    var badCount = 0
    var first: (offset: Int, value: Float)?
    for (offset, value) in tensor.values.enumerated() where !(value.isFinite && value >= 0) {
      badCount += 1
      if first == nil { first = (offset, value) }
    }
    if let first {
      throw ModelError(
        file: sensitivities.checkpoint?.location(of: name)?.file.url.path,
        problem: "tensor '\(name)' has \(badCount) sensitivit\(badCount == 1 ? "y" : "ies") that "
          + "\(badCount == 1 ? "is" : "are") negative or not finite (first: \(first.value) at flat index \(first.offset)); "
          + "sensitivities must be finite and >= 0")
    }
    return tensor
  }
}
