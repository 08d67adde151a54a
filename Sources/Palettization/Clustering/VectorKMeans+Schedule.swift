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
  /// against the current centroids (``VectorKMeans/addInertia(_:_:dimension:weights:centroids:assignment:from:to:into:)``).
  /// - Returns: how many assignments changed (`n` on the `first` pass of a restart; a kernel
  ///   may report any positive number when some changed), and the inertia (0 unless asked for).
  func assign(
    _ points: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>?,
    first: Bool, accumulate: Bool, inertia: Bool
  ) -> (changed: Int, inertia: Double)
  /// Update step from the sums of the last accumulating pass: each centroid of positive mass
  /// becomes `Float(sums / mass)`; an empty one keeps its place.
  func update()
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
    var lastInertia: Double?
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
        if let last = lastInertia, last - inertia < 5 * tol * last { stop = true }
        lastInertia = inertia
      }
      update()
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
