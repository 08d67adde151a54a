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

  /// In place: `x · (1 + erf(x / √2)) / 2`, GELU in its erf form (not the tanh approximation),
  /// eight values at a time.
  ///
  /// erf is Abramowitz & Stegun 7.1.26, `erf(z) = 1 − t·(a₁ + t·(a₂ + … + t·a₅))·e^(−z²)` with
  /// `t = 1/(1 + p·|z|)`, odd in z: absolute error ≤ 1.5e-7 in erf, so GELU is within
  /// `1e-7·|x| + 4e-7` of the exact value (tested), a few ulp — PyTorch's own float32 GELU is
  /// off by up to 5e-7 around x = −3. Embeddings stay within 2.4e-7 of PyTorch's (1e-5 is
  /// required). Why not glibc's `erff`: called per value it took 12–15 % of an embed run in
  /// `perf`. Plain IEEE operations in a fixed order, no fused multiply-add: the same bits on
  /// every x86-64 CPU.
  static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
    var j = 0
    while j + 8 <= count {
      let v = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<Float>.self)
      UnsafeMutableRawPointer(x + j).storeBytes(of: gelu8(v), as: SIMD8<Float>.self)
      j += 8
    }
    if j < count {
      var tail = SIMD8<Float>(repeating: 0)
      for k in j..<count { tail[k - j] = x[k] }
      let out = gelu8(tail)
      for k in j..<count { x[k] = out[k - j] }
    }
  }

  /// GELU of eight values (see ``gelu(_:count:)``).
  @inline(__always)
  static func gelu8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let z = x * 0.70710678118654752
    let bits = unsafeBitCast(z, to: SIMD8<UInt32>.self)
    let a = unsafeBitCast(bits & 0x7FFF_FFFF, to: SIMD8<Float>.self)
    let t = 1 / (1 + 0.3275911 * a)
    let poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
    let erfAbs = 1 - poly * exp8(-(a * a))
    let erf = unsafeBitCast(unsafeBitCast(erfAbs, to: SIMD8<UInt32>.self) | (bits & 0x8000_0000), to: SIMD8<Float>.self)
    return x * 0.5 * (1 + erf)
  }

  /// `e^y` for eight values `y ≤ 0` (larger ones are not needed here), relative error ~1e-7:
  /// `y = n·ln 2 + r` with n = round(y / ln 2), |r| ≤ ln 2 / 2 (ln 2 split in two for an exact
  /// `n·ln2hi`), e^r by its degree-7 Taylor polynomial, times 2^n built in the exponent bits.
  /// Below −87 (where e^y < 2^−125) the argument is clamped, giving ~1.6e-38 instead of less.
  @inline(__always)
  static func exp8(_ y: SIMD8<Float>) -> SIMD8<Float> {
    let clamped = y.replacing(with: -87, where: y .< -87)
    // Adding 1.5·2²³ rounds to an integer (ties to even) held in the low mantissa bits; the
    // generic SIMD rounding and float-to-int conversions of the standard library run element
    // by element (25 % of an embed run in perf).
    let shifted = clamped * 1.44269504088896341 + 12_582_912
    let n = shifted - 12_582_912
    let r = (clamped - n * 0.693145751953125) - n * 1.42860682030941723212e-6
    var p = SIMD8<Float>(repeating: 1 / 5040)
    p = p * r + 1 / 720
    p = p * r + 1 / 120
    p = p * r + 1 / 24
    p = p * r + 1 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let exponent = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
    let scale = unsafeBitCast(exponent, to: SIMD8<Float>.self)
    return p * scale
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
