extension VectorKMeans {
  /// The block's own palette when it holds at most `k` distinct vectors, else `nil`.
  ///
  /// Vectors are compared by value (`-0.0 == 0.0`; points are finite). The centroids are the
  /// first occurrence of each distinct vector, in order of first occurrence; every vector is
  /// assigned to its own, so the inertia is 0. An empty block gives an empty clustering.
  ///
  /// Distinct vectors are found with an open-addressing hash table of at most `k + 1` entries
  /// (the scan stops at the `k + 1`-th distinct vector), so a block that needs k-means costs
  /// little here.
  /// - Complexity: O(n·d) expected.
  static func reusePalette(
    _ points: UnsafeBufferPointer<Float>, dimension d: Int, weights: UnsafeBufferPointer<Float>?, k: Int
  ) -> VectorClustering? {
    let n = points.count / d
    var capacity = 8
    while capacity < 4 * (k + 1) { capacity *= 2 }
    let mask = capacity - 1
    // Slot → index of the representative's distinct id, -1 when free.
    var slots = [Int](repeating: -1, count: capacity)
    var firsts: [Int] = []
    var assignment = [UInt8](repeating: 0, count: n)
    for i in 0..<n {
      let x = i * d
      var hash: UInt64 = 0xcbf2_9ce4_8422_2325
      for j in 0..<d {
        let v = points[x + j]
        // +0.0 stands for both zeros so that equal values hash alike.
        hash = (hash ^ UInt64((v == 0 ? 0 : v).bitPattern)) &* 0x0000_0100_0000_01b3
        hash ^= hash >> 29
      }
      var slot = Int(truncatingIfNeeded: hash) & mask
      while true {
        let id = slots[slot]
        if id < 0 {
          guard firsts.count < k else { return nil }
          slots[slot] = firsts.count
          assignment[i] = UInt8(firsts.count)
          firsts.append(i)
          break
        }
        let y = firsts[id] * d
        if (0..<d).allSatisfy({ points[x + $0] == points[y + $0] }) {
          assignment[i] = UInt8(id)
          break
        }
        slot = (slot + 1) & mask
      }
    }
    var centroids = [Float]()
    centroids.reserveCapacity(firsts.count * d)
    for first in firsts { centroids.append(contentsOf: points[(first * d)..<(first * d + d)]) }
    let inertia = centroids.withUnsafeBufferPointer { c in
      assignment.withUnsafeBufferPointer { a in
        Self.inertia(points, dimension: d, weights: weights, centroids: c, assignment: a)
      }
    }
    return VectorClustering(
      centroids: centroids, centroidCount: firsts.count, assignment: assignment, inertia: inertia,
      iterations: 0, seedIndices: [])
  }
}
