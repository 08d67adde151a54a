extension VectorKMeans {
  /// A kd-tree over one block's vectors (Bentley 1975; median splits along the widest side of
  /// the cell), for the filtering assignment of ``FilteringLloyd``.
  ///
  /// Nodes are numbered in preorder, so the subtree of node `v` is the range
  /// `v..<subtreeEnd[v]` and its left child is `v + 1`. Node `v` holds the vectors
  /// `order[start[v]..<end[v]]`; ``sortedPoints`` holds them in that order, so a leaf's vectors
  /// are contiguous. Every node stores the tight bounding box of its vectors (``lower``,
  /// ``upper``), which is what the filtering test reasons about.
  ///
  /// A node becomes a leaf when it holds at most ``leafSize`` vectors or all its vectors are
  /// equal. The tree depends only on the points (not on any centroid), so one tree serves every
  /// restart and iteration of a block; which tree is built never changes a clustering result.
  ///
  /// A value type over storage it allocates; its owner calls ``deallocate()``.
  /// - Complexity: building is O(n·log(n / leafSize)) expected time (quickselect per level),
  ///   O(n·d) memory.
  struct KDTree {
    let n: Int
    let dimension: Int
    private(set) var nodeCount = 0
    /// Deepest node depth (the root is 0).
    private(set) var depth = 0
    /// Vector indices in tree order.
    let order: UnsafeMutableBufferPointer<Int32>
    /// `n × dimension` Floats: vector `order[i]` at row `i`.
    let sortedPoints: UnsafeMutableBufferPointer<Float>
    /// Per node: its vectors are `order[start..<end]`.
    let start: UnsafeMutableBufferPointer<Int32>
    let end: UnsafeMutableBufferPointer<Int32>
    /// Per node: one past the last node of its subtree; `v + 1` for a leaf.
    let subtreeEnd: UnsafeMutableBufferPointer<Int32>
    /// Per node: its right child (`0` for a leaf; the left child is `v + 1`).
    let right: UnsafeMutableBufferPointer<Int32>
    /// `nodeCount × dimension`: the tight bounding box of each node's vectors.
    let lower: UnsafeMutableBufferPointer<Float>
    let upper: UnsafeMutableBufferPointer<Float>

    /// The largest leaf, unless its vectors are all equal. Measured on 294,912 Laplace
    /// 2-vectors at k = 16 (release, shared 2-core VM): 8 → …, 16 → …, 32 → ….
    static let leafSize = 16

    /// Builds the tree over `points` (`n × dimension` finite Floats, `n ≥ 1`, `n < 2³¹`).
    init(_ points: UnsafeBufferPointer<Float>, dimension d: Int) {
      precondition(d >= 1 && points.count % d == 0 && points.count >= d, "KDTree needs at least one whole vector")
      let n = points.count / d
      precondition(n < Int(Int32.max), "KDTree indexes vectors with Int32")
      self.n = n
      self.dimension = d
      order = .allocate(capacity: n)
      sortedPoints = .allocate(capacity: n * d)
      for i in 0..<n { order[i] = Int32(i) }
      _ = sortedPoints.initialize(from: points)

      // Median splits leave every leaf with at least leafSize / 2 vectors (or one cell of equal
      // vectors), so this bounds the node count.
      let capacity = 2 * max(1, (2 * n) / Self.leafSize + 1)
      start = .allocate(capacity: capacity)
      end = .allocate(capacity: capacity)
      subtreeEnd = .allocate(capacity: capacity)
      right = .allocate(capacity: capacity)
      lower = .allocate(capacity: capacity * d)
      upper = .allocate(capacity: capacity * d)

      var builder = Builder(tree: self, dimension: d)
      builder.build(from: 0, to: n, depth: 0)
      nodeCount = builder.count
      depth = builder.maxDepth
      fitBoxes()
    }

    func deallocate() {
      order.deallocate()
      sortedPoints.deallocate()
      start.deallocate()
      end.deallocate()
      subtreeEnd.deallocate()
      right.deallocate()
      lower.deallocate()
      upper.deallocate()
    }

    @inline(__always) func isLeaf(_ v: Int) -> Bool { right[v] == 0 }

    /// Tight boxes, children before parents (reverse preorder): a leaf's from its vectors, an
    /// inner node's as the union of its children's.
    private func fitBoxes() {
      let d = dimension
      for v in stride(from: nodeCount - 1, through: 0, by: -1) {
        if isLeaf(v) {
          let first = Int(start[v]), last = Int(end[v])
          for j in 0..<d {
            var lo = sortedPoints[first * d + j], hi = lo
            for i in (first + 1)..<last {
              let x = sortedPoints[i * d + j]
              lo = min(lo, x)
              hi = max(hi, x)
            }
            lower[v * d + j] = lo
            upper[v * d + j] = hi
          }
        } else {
          let a = v + 1, b = Int(right[v])
          for j in 0..<d {
            lower[v * d + j] = min(lower[a * d + j], lower[b * d + j])
            upper[v * d + j] = max(upper[a * d + j], upper[b * d + j])
          }
        }
      }
    }

    /// Recursive construction in preorder over the tree's storage.
    private struct Builder {
      let tree: KDTree
      let d: Int
      var count = 0
      var maxDepth = 0
      /// The splitting cell of the current node (`2 × d`: lower then upper corner).
      var cell: [Float]

      init(tree: KDTree, dimension: Int) {
        self.tree = tree
        self.d = dimension
        cell = [Float](repeating: 0, count: 2 * dimension)
        let p = tree.sortedPoints
        for j in 0..<dimension {
          var lo = p[j], hi = p[j]
          for i in 1..<tree.n {
            lo = min(lo, p[i * dimension + j])
            hi = max(hi, p[i * dimension + j])
          }
          cell[j] = lo
          cell[dimension + j] = hi
        }
      }

      mutating func build(from first: Int, to last: Int, depth: Int) {
        let v = count
        count += 1
        maxDepth = max(maxDepth, depth)
        tree.start[v] = Int32(first)
        tree.end[v] = Int32(last)
        tree.right[v] = 0
        // The widest side of the cell; a cell of zero width holds equal vectors.
        var axis = 0
        var width: Float = -1
        for j in 0..<d where cell[d + j] - cell[j] > width {
          width = cell[d + j] - cell[j]
          axis = j
        }
        if last - first <= KDTree.leafSize || !(width > 0) {
          tree.subtreeEnd[v] = Int32(count)
          return
        }
        let middle = (first + last) / 2
        let split = select(rank: middle, from: first, to: last, axis: axis)
        let saved = (cell[axis], cell[d + axis])
        cell[d + axis] = split
        build(from: first, to: middle, depth: depth + 1)
        cell[d + axis] = saved.1
        cell[axis] = split
        tree.right[v] = Int32(count)
        build(from: middle, to: last, depth: depth + 1)
        cell[axis] = saved.0
        tree.subtreeEnd[v] = Int32(count)
      }

      /// Reorders rows `first..<last` so that row `rank` holds the value it would hold sorted by
      /// coordinate `axis`, with no larger value before it and no smaller one after; returns
      /// that value. Hoare partitioning around a median of three, so runs of equal values
      /// split evenly.
      func select(rank: Int, from first: Int, to last: Int, axis: Int) -> Float {
        let p = tree.sortedPoints, order = tree.order, d = self.d
        @inline(__always) func key(_ i: Int) -> Float { p[i &* d &+ axis] }
        @inline(__always) func swapRows(_ i: Int, _ j: Int) {
          for t in 0..<d { p.swapAt(i &* d &+ t, j &* d &+ t) }
          order.swapAt(i, j)
        }
        var lo = first, hi = last - 1
        while lo < hi {
          let mid = lo + (hi - lo) / 2
          let a = key(lo), b = key(mid), c = key(hi)
          let pivot = max(min(a, b), min(max(a, b), c))
          var i = lo, j = hi
          while i <= j {
            while key(i) < pivot { i += 1 }
            while key(j) > pivot { j -= 1 }
            if i <= j {
              swapRows(i, j)
              i += 1
              j -= 1
            }
          }
          // Rows lo...j are <= pivot, rows i...hi are >= pivot, rows between equal it.
          if rank <= j {
            hi = j
          } else if rank >= i {
            lo = i
          } else {
            break
          }
        }
        return key(rank)
      }
    }
  }
}
