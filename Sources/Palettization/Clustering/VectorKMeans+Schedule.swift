/// A Lloyd kernel: the assignment and update passes of one restart over a fixed block of
/// vectors, driven by the shared schedule ``run(_:weights:seeds:maxIter:tol:)``. Kernels differ
/// only in how they find the nearest centroids; all of them must give exactly brute force's
/// assignment and accumulate the update step's sums with ``VectorKMeans/ClusterSums``.
protocol LloydKernel: AnyObject {
  var n: Int { get }
  var d: Int { get }
  var k: Int { get }
  /// The current centroids (`k × d`) and assignment (`n`).
  var centroidValues: UnsafeBufferPointer<Float> { get }
  var assignmentValues: UnsafeBufferPointer<UInt8> { get }
  /// Starts a restart: the vectors at `seeds` become the centroids; state kept from an earlier
  /// restart is forgotten.
  func start(_ points: UnsafeBufferPointer<Float>, seeds: [Int])
  /// Assignment step against the current centroids: every vector to its nearest centroid by
  /// ``VectorKMeans/squaredDistance(_:_:dimension:)``, lowest index on ties. With `accumulate`,
  /// also the sums of the update step; with `inertia`, the inertia of the new assignment
  /// against the current centroids (``VectorKMeans/addInertia(_:_:dimension:weights:centroids:assignment:from:to:into:)``),
  /// exactly or as an estimate.
  /// - Returns: how many assignments changed (`n` on the `first` pass of a restart; a kernel
  ///   may report any positive number when some changed), and the inertia (0 unless asked for).
  func assign(
    _ points: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>?,
    first: Bool, accumulate: Bool, inertia: Bool
  ) -> (changed: Int, inertia: InertiaEstimate)
  /// The exact inertia of the assignment and centroids of an earlier inertia pass of this
  /// restart (`ago` 0: the latest, 1: the one before), when its estimate was not exact.
  func exactInertia(_ points: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>?, ago: Int) -> Double
  /// Update step from the sums of the last accumulating pass: each centroid of positive mass
  /// becomes `Float(sums / mass)`; an empty one keeps its place. `points` and `weights` are
  /// those of that pass.
  func update(_ points: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>?)
}

extension LloydKernel {
  /// One restart of Lloyd's algorithm from the vectors at `seeds` (`k` indices).
  ///
  /// Iteration `t = 1, 2, …, maxIter`:
  /// 1. *Assign* every vector to its nearest centroid of `C(t−1)` (`C(0)` = the seeds): the lowest
  ///    ``VectorKMeans/squaredDistance(_:_:dimension:)``, lowest index on ties.
  /// 2. If `t > 1` and no assignment changed, stop: the centroids are already the means of the
  ///    final clusters.
  /// 3. If `t ≡ 1 (mod 5)`, compute the inertia `I(t)` of this assignment against `C(t−1)`;
  ///    for `t ≥ 6`, stop after step 4 when `I(t−5) − I(t) < 5·tol·I(t−5)` (the relative
  ///    improvement per iteration, averaged over the last 5, is below `tol`).
  /// 4. *Update*: each centroid becomes the weighted mean of its cluster (per-cluster sums of
  ///    `wᵢ·xᵢ` and of `wᵢ` in `Double`, in vector order, the quotient rounded to `Float`). A
  ///    cluster with total weight 0 (empty) keeps its centroid.
  ///
  /// After a stop in step 3 or at `maxIter`, one last assignment step against the updated
  /// centroids makes the assignment consistent with them (as scikit-learn's final E-step);
  /// the centroids are then the means of the clusters before that step (reassigning can only
  /// lower the inertia, up to rounding). The reported inertia is that of the final assignment and
  /// centroids.
  /// - Complexity: at most `maxIter + 1` passes of the kernel.
  func run(
    _ points: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>?, seeds: [Int],
    maxIter: Int, tol: Double
  ) -> VectorClustering {
    precondition(seeds.count == k && points.count == n * d, "seeds or points do not match the workspace")
    start(points, seeds: seeds)
    var lastInertia: InertiaEstimate?
    var iterations = 0
    var unchanged = false
    for t in 1...max(maxIter, 1) {
      iterations = t
      let checksTol = (t - 1) % 5 == 0
      let (changed, inertia) = assign(points, weights: weights, first: t == 1, accumulate: true, inertia: checksTol)
      if t > 1 && changed == 0 {
        unchanged = true
        break
      }
      var stop = false
      if checksTol {
        var inertia = inertia
        if let last = lastInertia {
          if let certain = InertiaEstimate.improvesTooLittle(last, inertia, tol: tol) {
            stop = certain
          } else {
            let exact = last.bound == 0 ? last.value : exactInertia(points, weights: weights, ago: 1)
            inertia = InertiaEstimate(exactly: inertia.bound == 0 ? inertia.value : exactInertia(points, weights: weights, ago: 0))
            stop = exact - inertia.value < 5 * tol * exact
          }
        }
        lastInertia = inertia
      }
      update(points, weights: weights)
      if stop { break }
    }
    if !unchanged {
      _ = assign(points, weights: weights, first: false, accumulate: false, inertia: false)
    }
    let c = centroidValues, a = assignmentValues
    return VectorClustering(
      centroids: Array(c), centroidCount: k, assignment: Array(a),
      inertia: VectorKMeans.inertia(points, dimension: d, weights: weights, centroids: c, assignment: a),
      iterations: iterations, seedIndices: seeds)
  }
}

/// The inertia of an assignment (``VectorKMeans/addInertia(_:_:dimension:weights:centroids:assignment:from:to:into:)``'s
/// sequential sum) as a value it lies within `bound` of; `bound` 0: exactly.
struct InertiaEstimate {
  var value: Double
  var bound: Double

  init(exactly value: Double) {
    self.value = value
    bound = 0
  }

  init(value: Double, bound: Double) {
    self.value = value
    self.bound = bound
  }

  /// The same terms as the sequential sum, added in another order into `value`: any two
  /// orders of `n` non-negative terms agree within `2(n − 1)·2⁻⁵³` of their total (Higham,
  /// "Accuracy and Stability of Numerical Algorithms", §4.2), widened here by 5% for the
  /// rounding of the bound and of `value ± bound`.
  init(reordered value: Double, terms n: Int) {
    self.value = value
    bound = value * (2.1 * Double(max(n - 1, 0)) * 0x1p-53)
  }

  /// The schedule's test `I(t−5) − I(t) < 5·tol·I(t−5)` (in `Double`, as written) when both
  /// estimates decide it, else `nil`. Each side of the comparison is monotone in the
  /// inertias (`tol ≥ 0`), so the test is decided when it holds at the corner that favours
  /// it least and fails at the one that favours it most; exact estimates always decide.
  static func improvesTooLittle(_ last: InertiaEstimate, _ now: InertiaEstimate, tol: Double) -> Bool? {
    let lastLow = max(0, last.value - last.bound), lastHigh = last.value + last.bound
    let nowLow = max(0, now.value - now.bound), nowHigh = now.value + now.bound
    if lastHigh - nowLow < 5 * tol * lastLow { return true }
    if !(lastLow - nowHigh < 5 * tol * lastHigh) { return false }
    return nil
  }
}
