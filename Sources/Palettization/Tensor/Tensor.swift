/// A dense weight tensor: shape, row-major `Float` values, and the dtype it is stored at.
public struct Tensor: Sendable, Equatable {
  /// Dimensions, outermost first (PyTorch order: `[out, in, kh, kw]` for a conv).
  public var shape: [Int]
  /// Row-major values; `values.count == shape.reduce(1, *)`.
  public var values: [Float]
  /// The storage dtype; values are exactly representable in it.
  public var dtype: WeightDType

  /// - Precondition: `values.count` equals the product of `shape`, every dimension ≥ 0.
  public init(shape: [Int], values: [Float], dtype: WeightDType = .float32) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
    precondition(shape.reduce(1, *) == values.count, "shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
    self.shape = shape
    self.values = values
    self.dtype = dtype
  }

  /// Number of elements.
  public var count: Int { values.count }
  /// Number of dimensions.
  public var rank: Int { shape.count }
}
