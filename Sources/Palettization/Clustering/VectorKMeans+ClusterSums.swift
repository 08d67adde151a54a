extension VectorKMeans {
  /// The sums behind Lloyd's update step, accumulated the one way every kernel must: per
  /// vector, in vector order, in `Double` (`sums[a·d + j] += wᵢ·xᵢⱼ`, `mass[a] += wᵢ`), so that
  /// the means do not depend on how the assignment was found.
  ///
  /// Unweighted, `1·x` is `x` and a count of ones in `Double` is exact, so vectors are counted
  /// in `Int` (by ``add(_:_:weights:assignment:from:to:counting:)``, or by a kernel that keeps
  /// its own counts) and ``finish(counts:)`` turns the counts into masses: the same values as
  /// the weighted form with all weights 1.
  ///
  /// A value type over storage it allocates; its owner calls ``deallocate()``.
  struct ClusterSums {
    let k: Int
    let dimension: Int
    /// `k × dimension`: `Σ wᵢ·xᵢ` per centroid.
    let sums: UnsafeMutableBufferPointer<Double>
    /// Per centroid: `Σ wᵢ`.
    let mass: UnsafeMutableBufferPointer<Double>
    /// Per centroid: its vectors, in unweighted passes.
    let counts: UnsafeMutableBufferPointer<Int>

    init(k: Int, dimension: Int) {
      self.k = k
      self.dimension = dimension
      sums = .allocate(capacity: k * dimension)
      mass = .allocate(capacity: k)
      counts = .allocate(capacity: k)
      sums.initialize(repeating: 0)
      mass.initialize(repeating: 0)
      counts.initialize(repeating: 0)
    }

    func deallocate() {
      sums.deallocate()
      mass.deallocate()
      counts.deallocate()
    }

    func reset() {
      sums.update(repeating: 0)
      mass.update(repeating: 0)
      counts.update(repeating: 0)
    }

    /// Adds vectors `start..<end` (of `points`, `d` Floats each) to the sums of their centroids;
    /// unweighted and `counting`, also to ``counts``.
    /// - Complexity: O((end − start)·d).
    @inline(__always)
    func add<W: VectorWidth>(
      _: W.Type, _ points: UnsafePointer<Float>, weights: UnsafePointer<Float>?,
      assignment: UnsafePointer<UInt8>, from start: Int, to end: Int, counting: Bool = true
    ) {
      let d = W.value(dimension)
      // Non-nil: allocated with k >= 1.
      let sums = self.sums.baseAddress.unsafelyUnwrapped, mass = self.mass.baseAddress.unsafelyUnwrapped
      let counts = self.counts.baseAddress.unsafelyUnwrapped
      if let w = weights {
        for i in start..<end {
          let x = points + i &* d, a = Int(assignment[i])
          let weight = Double(w[i])
          mass[a] += weight
          for j in 0..<d { sums[a &* d &+ j] += weight * Double(x[j]) }
        }
      } else if W.self == Width2.self && !counting {
        // Two scalar adds. Measured on a Zen 4 core: 1.8× faster than one `SIMD2<Double>` add
        // (`addpd`) in the filtering kernel's separate sums pass, whose 16-byte store-to-load
        // chains stall when nearby vectors share a centroid; but 4% slower inside the
        // reference kernel's blocks, which also count.
        for i in start..<end {
          let a = Int(assignment[i])
          sums[2 &* a] += Double(points[2 &* i])
          sums[2 &* a &+ 1] += Double(points[2 &* i &+ 1])
        }
      } else if W.self == Width2.self {
        // Both coordinates in one `SIMD2<Double>` (`addpd`).
        let pairs = UnsafeMutableRawPointer(sums).assumingMemoryBound(to: SIMD2<Double>.self)
        for i in start..<end {
          let a = Int(assignment[i])
          counts[a] &+= 1
          pairs[a] = pairs[a] + SIMD2(Double(points[2 &* i]), Double(points[2 &* i &+ 1]))
        }
      } else {
        for i in start..<end {
          let x = points + i &* d, a = Int(assignment[i])
          if counting { counts[a] &+= 1 }
          for j in 0..<d { sums[a &* d &+ j] += Double(x[j]) }
        }
      }
    }

    /// After the last ``add(_:_:weights:assignment:from:to:counting:)`` of a pass: unweighted,
    /// the masses from ``counts``.
    func finish(weighted: Bool) {
      if !weighted { finish(counts: UnsafePointer(counts.baseAddress.unsafelyUnwrapped)) }
    }

    /// The masses of an unweighted pass from vector counts kept elsewhere (`k` entries).
    func finish(counts: UnsafePointer<Int>) {
      for c in 0..<k { mass[c] = Double(counts[c]) }
    }
  }

  /// Adds `Σ wᵢ·‖xᵢ − c(aᵢ)‖²` over vectors `start..<end` to `inertia`, each term in `Double`
  /// (coordinates widened before subtracting) and added in vector order: the inertia the
  /// `tol` test compares.
  /// - Complexity: O((end − start)·d).
  @inline(__always)
  static func addInertia<W: VectorWidth>(
    _: W.Type, _ points: UnsafePointer<Float>, dimension: Int, weights: UnsafePointer<Float>?,
    centroids c: UnsafePointer<Float>, assignment: UnsafePointer<UInt8>, from start: Int, to end: Int,
    into inertia: inout Double
  ) {
    let d = W.value(dimension)
    for i in start..<end {
      let x = points + i &* d, a = Int(assignment[i])
      var s = 0.0
      for j in 0..<d {
        let t = Double(x[j]) - Double(c[a &* d &+ j])
        s += t * t
      }
      inertia += (weights.map { Double($0[i]) } ?? 1) * s
    }
  }
}
