/// The result of clustering one block's vectors (``VectorKMeans/cluster(_:dimension:weights:k:config:random:kernel:)``).
public struct VectorClustering: Sendable, Equatable {
  /// `centroidCount × dimension` Floats, row-major. Not padded to `k` (the palettizer pads).
  public var centroids: [Float]
  /// `min(k, number of distinct vectors)`; 0 only for an empty block.
  public var centroidCount: Int
  /// Per input vector, its index into ``centroids``.
  public var assignment: [UInt8]
  /// `Σ wᵢ · ‖xᵢ − c(aᵢ)‖²` over the vectors, each term computed in `Double`
  /// (coordinates widened before subtracting) and accumulated in `Double` in vector order.
  public var inertia: Double
  /// Lloyd iterations run by the kept restart (0 when the palette was reused). The final
  /// assignment step that follows a stop on `tol` or `maxIter` is not counted.
  public var iterations: Int
  /// Indices of the vectors chosen by k-means++ seeding in the kept restart, in the order they
  /// were chosen (empty when the palette was reused).
  public var seedIndices: [Int]

  public init(
    centroids: [Float], centroidCount: Int, assignment: [UInt8], inertia: Double,
    iterations: Int, seedIndices: [Int]
  ) {
    self.centroids = centroids
    self.centroidCount = centroidCount
    self.assignment = assignment
    self.inertia = inertia
    self.iterations = iterations
    self.seedIndices = seedIndices
  }
}

/// Weighted k-means of one block's vectors (`clusterDim > 1`): scikit-learn's
/// `KMeans(init="k-means++", n_init, max_iter, tol, algorithm="lloyd")`, made deterministic
/// with an explicit GSL generator and bitwise reproducible.
///
/// The algorithm, in order:
/// 1. **Palette reuse.** When the block holds at most `k` distinct vectors (compared by value, so
///    `-0.0 == 0.0`), the centroids are exactly those vectors in first-occurrence order and
///    each vector is assigned to its own; no randomness is consumed. This covers `k > n`.
/// 2. **`nInit` restarts**, one after the other from the same generator, each seeded by greedy
///    k-means++ (Arthur & Vassilvitskii 2007, as scikit-learn's `_kmeans_plusplus`; see
///    ``seedPlusPlus(_:dimension:weights:k:trials:random:)`` for the exact draw order) and
///    refined by Lloyd iterations (see ``Lloyd``). The restart with the lowest inertia is kept;
///    the first one wins ties.
///
/// Reproducibility: everything runs on the calling thread; every floating-point reduction has a
/// fixed order that depends only on the input (per-cluster coordinate sums and inertia in
/// `Double`, in vector order). Same input + same generator state ⇒ bitwise-identical result.
///
/// Distances used for decisions (nearest centroid, seeding) are squared Euclidean distances
/// computed in `Float` by ``squaredDistance(_:_:dimension:)``; ties go to the lowest centroid
/// index. The Lloyd assignment step is brute force's exactly, ties included, whichever
/// ``Kernel`` finds it: kd-tree filtering for 2-vectors (Kanungo et al. 2002), Hamerly's bounds
/// (Hamerly 2010, "Making k-means even faster") otherwise, both with rounding margins.
///
/// Measured in one session (before the kd-tree kernel) (release, a 2-core VM shared with other jobs, so ±30%): the
/// 1536×384 Laplace(0.02) tensor (mt19937 seed 1) as 294,912 2-vectors, k = 16, default config:
/// 0.40 s CPU (inertia 61.194, 26 iterations kept; the previous scalar version 0.78 s in the
/// same session, bitwise the same result), against scikit-learn 1.9.1
/// `KMeans(k-means++, n_init=5, lloyd)` on the same vectors 5.7–6.8 s with its default 2
/// threads (inertia 61.22–61.39) and 3.3–3.7 s limited to 1 thread (an earlier session).
public enum VectorKMeans {
  /// Which implementation runs the restarts (k-means++ seeding and Lloyd iterations). Every
  /// kernel gives bitwise the same result; they differ only in speed.
  public enum Kernel: String, Sendable, CaseIterable {
    /// The implementation before the kd-tree kernel: ``Lloyd`` with Hamerly's bounds, and
    /// k-means++ candidates evaluated one at a time. Kept as the reference every other kernel
    /// is checked against (tests, `harness bench --vector-kernels`), and still the fastest for other
    /// widths and small blocks.
    case reference
    /// Plain brute-force Lloyd, seeding block by block.
    case bruteForce = "brute-force"
    /// kd-tree filtering (``FilteringLloyd``), seeding block by block
    /// (``seedBlocked(_:_:dimension:weights:k:trials:random:)``).
    ///
    /// Measured against ``reference`` in the same run (`harness bench --vector-kernels`,
    /// release, a quiet 2-core Zen 4 VM, CPU time, 1536×384 Laplace tensor as 2-vectors, exact
    /// mode): 4-bit 3.5×, 2-bit 3.4×, 6-bit 5.9×, 8-bit 11× faster; MiniLM's 37 weights at
    /// 4 bits 3.3× (1.33 s wall on 2 workers). Bitwise the same results. Blocks of 16,384
    /// vectors or more take their means from exact moments and seed through the tree
    /// (``FilteringLloyd``); what is left is mostly leaf searches (33%), the walk (21%) and
    /// seeding (19%).
    case filtering

    /// The fastest kernel for `count` vectors of `dimension` Floats and `k` centroids:
    /// kd-tree filtering for blocks of at least 2,048 2-vectors, else ``reference``. An early
    /// kd-tree kernel over 4-vectors left half of them to search every pass and took 1.54 s
    /// against the reference's 0.82 s at 4 bits, and block-by-block seeding with Hamerly's
    /// bounds measured 0.97–1.02× the reference at `cluster_dim` 4. On MiniLM grouped by 16
    /// rows (blocks of 3,072 and 12,288 2-vectors), once the tree's build was branch-free and its
    /// leaves 64 vectors, the tree kernel took 6.2 s CPU against 7.5 s at 4 bits (2 runs each,
    /// one worker, a Zen 4 core), 2.75 s against 3.84 s at 2 bits, 38.9 s against 57.4 s at
    /// 8 bits; grouped by 4 rows (blocks of 768 and 3,072) it broke even with the threshold at
    /// 256 (5.96–6.04 s against 5.87–6.00 s), so blocks below 2,048 keep the reference.
    /// (Before those two changes it was 0.94–1.0× on 3,072-vector blocks.)
    public static func automatic(dimension: Int, count: Int) -> Kernel {
      dimension == 2 && count >= 2_048 ? .filtering : .reference
    }
  }

  /// Clusters `n` vectors of `dimension` Floats into at most `k` centroids.
  ///
  /// - Parameters:
  ///   - points: `n × dimension` finite Floats, row-major (vector `i` at `i * dimension`).
  ///   - dimension: Floats per vector, ≥ 1.
  ///   - weights: optional per-vector finite, non-negative weights (`n` entries). A weight
  ///     multiplies the vector's contribution to the seeding probabilities, the means and the
  ///     inertia. A cluster whose total weight is 0 counts as empty. `nil` means all 1.
  ///   - k: clusters wanted, in `1...256`.
  ///   - config: restarts, iteration cap, tolerance and seeding trials.
  ///   - random: the only source of randomness; the caller owns one fresh generator per unit of
  ///     work. Not touched when the palette is reused.
  ///   - kernel: the implementation (``Kernel``; the same result from each); `nil`:
  ///     ``Kernel/automatic(dimension:count:)``.
  /// - Returns: `min(k, distinct vectors)` centroids, the assignment, inertia and diagnostics.
  ///   An empty block (`n == 0`) gives no centroids.
  /// - Complexity: O(n·d) for palette reuse. Otherwise, per restart, O(k·L·n·d) for seeding
  ///   (`L` = ``VectorKMeansConfig/localTrials(k:)``) plus, per Lloyd iteration, O(n + k²·d)
  ///   and O(k·d) for each vector whose bounds do not prune; at most O(maxIter·n·k·d).
  public static func cluster(
    _ points: UnsafeBufferPointer<Float>, dimension: Int, weights: UnsafeBufferPointer<Float>?,
    k: Int, config: VectorKMeansConfig, random: GSLRandom, kernel: Kernel? = nil
  ) -> VectorClustering {
    precondition(dimension >= 1, "dimension must be at least 1, got \(dimension)")
    precondition((1...256).contains(k), "k must be in 1...256, got \(k)")
    precondition(points.count % dimension == 0, "\(points.count) Floats are not whole vectors of \(dimension)")
    let n = points.count / dimension
    precondition(points.allSatisfy { $0.isFinite }, "vector k-means needs finite points")
    if let weights {
      precondition(weights.count == n, "\(weights.count) weights for \(n) vectors")
      precondition(weights.allSatisfy { $0.isFinite && $0 >= 0 }, "weights must be finite and non-negative")
    }
    if let reused = reusePalette(points, dimension: dimension, weights: weights, k: k) {
      return reused
    }
    let kernel = kernel ?? .automatic(dimension: dimension, count: n)
    switch kernel {
    case .reference, .bruteForce:
      let lloyd = Lloyd(n: n, dimension: dimension, k: k, pruning: kernel == .reference)
      return restarts(lloyd, points, weights: weights, config: config, random: random, seeding: kernel == .reference ? .oneAtATime : .blocked)
    case .filtering:
      let lloyd = FilteringLloyd(points, dimension: dimension, k: k)
      return restarts(lloyd, points, weights: weights, config: config, random: random, seeding: weights == nil && lloyd.gathersMoments ? .tree(lloyd.tree) : .blocked)
    }
  }

  /// How a kernel's restarts evaluate k-means++ candidates; the same seeds from each.
  enum Seeding {
    /// One candidate at a time over every vector (``Kernel/reference``).
    case oneAtATime
    /// A step's candidates block by block (``seedBlocked(_:_:dimension:weights:k:trials:random:)``).
    case blocked
    /// Through the block's kd-tree (``seedTree(_:dimension:tree:k:trials:random:)``; unweighted).
    case tree(KDTree)
  }

  /// `config.nInit` restarts on `lloyd`'s workspace, each seeded by k-means++ from `random`;
  /// the lowest inertia wins, the first on ties.
  private static func restarts<L: LloydKernel>(
    _ lloyd: L, _ points: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>?,
    config: VectorKMeansConfig, random: GSLRandom, seeding: Seeding
  ) -> VectorClustering {
    let trials = config.localTrials(k: lloyd.k)
    var best: VectorClustering?
    for _ in 0..<config.nInit {
      let seeds: [Int]
      switch seeding {
      case .oneAtATime:
        seeds = seedPlusPlus(points, dimension: lloyd.d, weights: weights, k: lloyd.k, trials: trials, random: random, fused: false)
      case .blocked:
        seeds = seedPlusPlus(points, dimension: lloyd.d, weights: weights, k: lloyd.k, trials: trials, random: random, fused: true)
      case .tree(let tree):
        seeds = seedTree(points, dimension: lloyd.d, tree: tree, k: lloyd.k, trials: trials, random: random)
      }
      let result = lloyd.run(points, weights: weights, seeds: seeds, maxIter: config.maxIter, tol: config.tol)
      if best.map({ result.inertia < $0.inertia }) ?? true { best = result }
    }
    // nInit >= 1 (validated config; precondition for direct callers).
    guard let best else { preconditionFailure("config.nInit must be at least 1") }
    return best
  }

  /// `Σ wᵢ · ‖xᵢ − c(aᵢ)‖²` with each term in `Double` and the sum in vector order.
  /// - Complexity: O(n·d).
  static func inertia(
    _ points: UnsafeBufferPointer<Float>, dimension d: Int, weights: UnsafeBufferPointer<Float>?,
    centroids: UnsafeBufferPointer<Float>, assignment: UnsafeBufferPointer<UInt8>
  ) -> Double {
    var total = 0.0
    for i in 0..<assignment.count {
      let x = i * d, c = Int(assignment[i]) * d
      var s = 0.0
      for j in 0..<d {
        let t = Double(points[x + j]) - Double(centroids[c + j])
        s += t * t
      }
      total += (weights.map { Double($0[i]) } ?? 1) * s
    }
    return total
  }
}
