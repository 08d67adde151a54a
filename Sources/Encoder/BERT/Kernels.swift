import Foundation

/// The element-wise and row-wise steps of the forward pass, on one row at a time. Sums run
/// left to right in `Double`, so every row's result is fixed whatever thread computes it.
enum Kernels {
  /// In place: `(x − mean) / √(variance + ε) · weight + bias`, biased variance, as
  /// `torch.nn.LayerNorm`. Mean and variance are accumulated in `Double` (two passes).
  static func layerNorm(_ x: UnsafeMutablePointer<Float>, count: Int, weight: UnsafeBufferPointer<Float>,
                        bias: UnsafeBufferPointer<Float>, epsilon: Float) {
    var sum = 0.0
    for j in 0..<count { sum += Double(x[j]) }
    let mean = sum / Double(count)
    var squares = 0.0
    for j in 0..<count {
      let centred = Double(x[j]) - mean
      squares += centred * centred
    }
    let inverse = Float(1 / (squares / Double(count) + Double(epsilon)).squareRoot())
    let m = Float(mean)
    for j in 0..<count { x[j] = (x[j] - m) * inverse * weight[j] + bias[j] }
  }

  /// In place: `x · (1 + erf(x / √2)) / 2`, the exact GELU.
  static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
    let invSqrt2: Float = 0.70710678118654752
    for j in 0..<count {
      let v = x[j]
      x[j] = v * 0.5 * (1 + erf(v * invSqrt2))
    }
  }

  /// In place: `exp(x − max) / Σ exp(x − max)`; the sum in `Double`.
  static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
    var largest = -Float.infinity
    for j in 0..<count { largest = max(largest, x[j]) }
    var sum = 0.0
    for j in 0..<count {
      let e = exp(x[j] - largest)
      x[j] = e
      sum += Double(e)
    }
    let inverse = Float(1 / sum)
    for j in 0..<count { x[j] *= inverse }
  }
}
