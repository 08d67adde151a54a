/// The length of the vectors a kernel works on: fixed at compile time for the common
/// `clusterDim`s (so distance loops unroll) or read at run time.
protocol VectorWidth {
  /// The width, given the run-time dimension (ignored by the fixed widths).
  static func value(_ runtime: Int) -> Int
}

enum Width2: VectorWidth { @inline(__always) static func value(_: Int) -> Int { 2 } }
enum Width4: VectorWidth { @inline(__always) static func value(_: Int) -> Int { 4 } }
enum Width8: VectorWidth { @inline(__always) static func value(_: Int) -> Int { 8 } }
enum WidthAny: VectorWidth { @inline(__always) static func value(_ d: Int) -> Int { d } }

/// A value `≥ y`, given `x = fl(y)` the result of one rounded `Double` operation (relative error
/// ≤ 2⁻⁵³, no subnormals). Adding `|x|·2⁻⁵⁰` outweighs both that error and its own rounding.
@inline(__always) func roundedUp(_ x: Double) -> Double { x + x.magnitude * 0x1p-50 }

extension VectorKMeans {
  /// An upper bound of the Euclidean distance a centroid moved, from `squaredMove`, the
  /// `Double` sum over its `dimension` coordinates of `(new − old)²` (each difference of two
  /// Floats, exact or within 2⁻⁵³): the slack covers the rounding of that sum and of the root.
  @inline(__always)
  static func driftBound(squaredMove: Double, dimension d: Int) -> Double {
    (squaredMove * (1 + Double(d + 4) * 0x1p-52)).squareRoot().nextUp
  }

  /// Squared Euclidean distance in `Float`: `Σⱼ (x[j] − c[j])²`, summed in order of `j` from
  /// `+0`. Every nearest-centroid and seeding decision goes through this one function so that
  /// the pruned and the brute-force paths compare bitwise-identical values.
  ///
  /// Rounding: for finite inputs the result `D` and the exact squared distance `T` satisfy
  /// `|D − T| ≤ γ·T + ε` with `γ = (d + 2)·2⁻²⁴` (to first order; ``Lloyd`` uses twice that)
  /// and `ε = d·2⁻¹⁵⁰` (underflow of the squares). `D` is `+∞` when the squares overflow.
  /// - Complexity: O(d).
  @inline(__always)
  static func squaredDistance(_ x: UnsafePointer<Float>, _ c: UnsafePointer<Float>, dimension d: Int) -> Float {
    var s: Float = 0
    for j in 0..<d {
      let t = x[j] - c[j]
      s += t * t
    }
    return s
  }
}
