import Foundation

/// A weight whose shape does not fit its spec. The model layer turns it into a skip with a
/// warning naming the tensor; the rest of the model still palettizes.
public enum ShapeError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
  /// The size along the grouping axis is not a multiple of `groupSize`.
  case groupSizeDoesNotDivide(shape: [Int], axis: Int, groupSize: Int)
  /// The rows of a block (along the vector axis) are not a multiple of `clusterDim`.
  case rowsNotDivisibleByClusterDim(shape: [Int], axis: Int, rows: Int, clusterDim: Int)
  /// The tensor has too few dimensions for the spec (e.g. grouped granularity on a 1-D bias).
  case tooFewDimensions(shape: [Int], needed: Int, reason: String)
  /// A per-element sensitivity tensor whose shape differs from the weight's.
  case sensitivityShapeMismatch(weight: [Int], sensitivity: [Int])
  /// A weight holding NaN or infinite values, which k-means cannot place.
  case nonFiniteValues(count: Int)
  /// `n:m` pruning needs the input dimension to be a multiple of `m`.
  case pruningGroupDoesNotDivide(shape: [Int], axis: Int, m: Int)

  public var description: String {
    switch self {
    case .groupSizeDoesNotDivide(let shape, let axis, let groupSize):
      return "size \(shape[axis]) along axis \(axis) of shape \(shape) is not divisible by group_size \(groupSize)"
    case .rowsNotDivisibleByClusterDim(let shape, let axis, let rows, let clusterDim):
      return "block rows \(rows) along axis \(axis) of shape \(shape) are not divisible by cluster_dim \(clusterDim)"
    case .tooFewDimensions(let shape, let needed, let reason):
      return "shape \(shape) has \(shape.count) dimension(s); \(reason) needs at least \(needed)"
    case .sensitivityShapeMismatch(let weight, let sensitivity):
      return "sensitivity shape \(sensitivity) does not match weight shape \(weight)"
    case .nonFiniteValues(let count):
      return "\(count) value(s) are NaN or infinite"
    case .pruningGroupDoesNotDivide(let shape, let axis, let m):
      return "input dimension \(axis) of shape \(shape) has size \(shape[axis]), not a multiple of m = \(m) for n:m pruning"
    }
  }

  public var errorDescription: String? { description }
}
