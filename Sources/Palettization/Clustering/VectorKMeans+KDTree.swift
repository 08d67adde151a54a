extension VectorKMeans {
  /// A kd-tree over one block's vectors (Bentley 1975; splits near the median along the widest
  /// side of the cell), for the filtering assignment of ``FilteringLloyd``.
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
  /// - Complexity: building is O(n·d·log(n / leafSize)) for balanced splits (one partition pass
  ///   per level), O(n·d) memory.
  struct KDTree {
    let dimension: Int
    let nodeCount: Int
    /// Deepest node depth (the root is 0).
    let depth: Int
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
    /// `nodeCount × dimension`: a box around each node's vectors as its centre `m` and
    /// half-widths `h`, so that `[m − h, m + h]` holds the tight bounding box of the vectors
    /// (`h` is rounded up), and per node `‖h‖²` (rounded up).
    let middle: UnsafeMutableBufferPointer<Double>
    let half: UnsafeMutableBufferPointer<Double>
    let halfNorm: UnsafeMutableBufferPointer<Double>
    /// `Σⱼ (2Mⱼ² + 2MⱼWⱼ + Wⱼ²)` rounded up, with `M` the largest magnitude and `W` the width of
    /// every coordinate over the block: it bounds the magnitudes in the filtering test.
    private(set) var scale = 0.0

    /// The largest leaf, unless its vectors are all equal. Measured by instruction counts of a
    /// whole 4-bit clustering of a 1536×384 MiniLM weight as 2-vectors: leaves of 8, 12, 16, 24
    /// and 32 vectors gave 2.73, 2.65, 2.60, 2.56 and 2.54 G (fewer nodes to visit, more vectors
    /// to search). Timed later on a Zen 4 core (`harness bench --vector-kernels --model`, MiniLM
    /// 4-bit cd 2, 2 workers, one run per size): 16, 32, 64, 128 and 256 gave 2214, 2054,
    /// 1955–2022, 1942 and 1971 ms — flat from 64 on (within the run-to-run spread), so 64.
    static let leafSize = 64

    /// Builds the tree over `points` (`n × dimension` finite Floats, `n ≥ 1`, `n < 2³¹`).
    init(_ points: UnsafeBufferPointer<Float>, dimension d: Int) {
      precondition(d >= 1 && points.count % d == 0 && points.count >= d, "KDTree needs at least one whole vector")
      let n = points.count / d
      precondition(n < Int(Int32.max), "KDTree indexes vectors with Int32")
      self.dimension = d
      order = .allocate(capacity: n)
      sortedPoints = .allocate(capacity: n * d)
      let nodes: Nodes
      for i in 0..<n { order[i] = Int32(i) }
      _ = sortedPoints.initialize(from: points)
      switch d {
      case 2: nodes = Builder<Width2>(order: order, rows: sortedPoints, dimension: d).built()
      case 4: nodes = Builder<Width4>(order: order, rows: sortedPoints, dimension: d).built()
      case 8: nodes = Builder<Width8>(order: order, rows: sortedPoints, dimension: d).built()
      default: nodes = Builder<WidthAny>(order: order, rows: sortedPoints, dimension: d).built()
      }
      nodeCount = nodes.start.count
      depth = nodes.depth
      func copy(_ values: [Int32]) -> UnsafeMutableBufferPointer<Int32> {
        let buffer = UnsafeMutableBufferPointer<Int32>.allocate(capacity: values.count)
        _ = buffer.initialize(from: values)
        return buffer
      }
      start = copy(nodes.start)
      end = copy(nodes.end)
      subtreeEnd = copy(nodes.subtreeEnd)
      right = copy(nodes.right)
      middle = .allocate(capacity: nodeCount * d)
      half = .allocate(capacity: nodeCount * d)
      halfNorm = .allocate(capacity: nodeCount)
      let ends = UnsafeMutableBufferPointer<SIMD2<Float>>.allocate(capacity: nodeCount * d)
      defer { ends.deallocate() }
      ends.initialize(repeating: SIMD2())
      fitBoxes(into: ends)
      var scale = 0.0
      for j in 0..<d {
        let a = Double(ends[j][0]), b = Double(ends[j][1])
        let m = max(a.magnitude, b.magnitude), w = b - a
        scale += 2 * m * m + 2 * m * w + w * w
      }
      self.scale = scale * (1 + 0x1p-40)
    }

    func deallocate() {
      order.deallocate()
      sortedPoints.deallocate()
      start.deallocate()
      end.deallocate()
      subtreeEnd.deallocate()
      right.deallocate()
      middle.deallocate()
      half.deallocate()
      halfNorm.deallocate()
    }

    @inline(__always) func isLeaf(_ v: Int) -> Bool { right[v] == 0 }

    /// Tight boxes into `ends` and the boxes around them, children before parents (reverse preorder): a leaf's from its vectors, an
    /// inner node's as the union of its children's.
    private func fitBoxes(into ends: UnsafeMutableBufferPointer<SIMD2<Float>>) {
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
            ends[v * d + j] = SIMD2(lo, hi)
          }
        } else {
          let a = v + 1, b = Int(right[v])
          for j in 0..<d {
            ends[v * d + j] = SIMD2(
              min(ends[a * d + j][0], ends[b * d + j][0]), max(ends[a * d + j][1], ends[b * d + j][1]))
          }
        }
        var norm = 0.0
        for j in 0..<d {
          let a = Double(ends[v * d + j][0]), b = Double(ends[v * d + j][1])
          let m = (a + b) * 0.5
          // Each difference is within 2⁻⁵³ of its value: rounding up covers it.
          let h = max(roundedUp(b - m), roundedUp(m - a))
          middle[v * d + j] = m
          half[v * d + j] = h
          norm += h * h
        }
        halfNorm[v] = norm * (1 + 0x1p-40)
      }
    }

    /// The node arrays of a tree under construction.
    struct Nodes {
      var start: [Int32] = []
      var end: [Int32] = []
      var right: [Int32] = []
      var subtreeEnd: [Int32] = []
      var depth = 0
    }

    /// Recursive construction in preorder: each node splits the widest side of its cell (the
    /// region its ancestors' splits leave it, not its tight box) at the median of 15 sampled
    /// keys, with one branch-free partition pass into a scratch copy: a row goes left when its
    /// key is below the split value, or equal to it at an even position (so runs of equal keys
    /// split evenly), and is written to both ends, one of which advances.
    ///
    /// Measured (release, shared 2-core VM, 294,912 2-vectors, 4-bit): exact medians by
    /// quickselect took about 16% of a whole clustering's time and an in-place Hoare pass
    /// (mispredicting about every other row) about 15%; this pass takes 106 M instructions
    /// (callgrind; 4% of the clustering's, about 9% of its time on MiniLM). A Morton-order radix
    /// tree built 3× faster but needed 50% more node visits per assignment pass. Which tree is
    /// built never changes a result.
    private struct Builder<W: VectorWidth> {
      let order: UnsafeMutableBufferPointer<Int32>
      let rows: UnsafeMutableBufferPointer<Float>
      /// Scratch of the same sizes for the partition.
      let spareOrder: UnsafeMutableBufferPointer<Int32>
      let spareRows: UnsafeMutableBufferPointer<Float>
      let d: Int
      var nodes = Nodes()
      /// The splitting cell of the current node: lower corner, then upper corner.
      var cell: [Float]

      init(order: UnsafeMutableBufferPointer<Int32>, rows: UnsafeMutableBufferPointer<Float>, dimension: Int) {
        self.order = order
        self.rows = rows
        self.d = W.value(dimension)
        spareOrder = .allocate(capacity: order.count)
        spareOrder.initialize(repeating: 0)
        spareRows = .allocate(capacity: rows.count)
        spareRows.initialize(repeating: 0)
        cell = [Float](repeating: 0, count: 2 * dimension)
        let n = order.count
        for j in 0..<dimension {
          var lo = rows[j], hi = rows[j]
          for i in 1..<n {
            lo = min(lo, rows[i * dimension + j])
            hi = max(hi, rows[i * dimension + j])
          }
          cell[j] = lo
          cell[dimension + j] = hi
        }
      }

      consuming func built() -> Nodes {
        build(from: 0, to: order.count, depth: 0)
        spareOrder.deallocate()
        spareRows.deallocate()
        return nodes
      }

      mutating func build(from first: Int, to last: Int, depth: Int) {
        let v = nodes.start.count
        nodes.start.append(Int32(first))
        nodes.end.append(Int32(last))
        nodes.right.append(0)
        nodes.subtreeEnd.append(0)
        nodes.depth = max(nodes.depth, depth)
        // The widest side of the cell; a cell of zero width holds equal vectors.
        var axis = 0
        var width: Float = -1
        for j in 0..<d where cell[d + j] - cell[j] > width {
          width = cell[d + j] - cell[j]
          axis = j
        }
        if last - first > KDTree.leafSize && width > 0 {
          let (middle, split) = partition(from: first, to: last, axis: axis)
          let saved = (cell[axis], cell[d + axis])
          if let split { cell[d + axis] = split }
          build(from: first, to: middle, depth: depth + 1)
          cell[d + axis] = saved.1
          if let split { cell[axis] = split }
          nodes.right[v] = Int32(nodes.start.count)
          build(from: middle, to: last, depth: depth + 1)
          cell[axis] = saved.0
        }
        nodes.subtreeEnd[v] = Int32(nodes.start.count)
      }

      /// Reorders rows `first..<last` (at least 2) so that rows before `middle` have keys
      /// `≤ split` and rows from `middle` on `≥ split`, both parts non-empty; when the split
      /// value leaves a part empty, the rows are halved by position instead (`split` is `nil`).
      func partition(from first: Int, to last: Int, axis: Int) -> (middle: Int, split: Float?) {
        let rows = self.rows.baseAddress.unsafelyUnwrapped, order = self.order.baseAddress.unsafelyUnwrapped
        let spareRows = self.spareRows.baseAddress.unsafelyUnwrapped
        let spareOrder = self.spareOrder.baseAddress.unsafelyUnwrapped
        // A constant for the fixed widths, so the row copies unroll.
        let d = W.value(self.d)
        let count = last - first
        let samples = min(count, 15)
        var keys = (0..<samples).map { rows[(first + (2 * $0 + 1) * count / (2 * samples)) &* d &+ axis] }
        keys.sort()
        let split = keys[samples / 2]
        var left = first, right = last - 1
        for i in first..<last {
          let key = rows[i &* d &+ axis]
          // Branch-free (`key ≤ split` and not below it: equal; keys are finite).
          let below = UInt8(unsafeBitCast(key < split, to: UInt8.self))
          let atMost = UInt8(unsafeBitCast(key <= split, to: UInt8.self))
          let goesLeft = below | (atMost & UInt8(truncatingIfNeeded: ~i & 1))
          for t in 0..<d {
            let x = rows[i &* d &+ t]
            spareRows[left &* d &+ t] = x
            spareRows[right &* d &+ t] = x
          }
          spareOrder[left] = order[i]
          spareOrder[right] = order[i]
          let step = Int(goesLeft)
          left &+= step
          right &-= 1 &- step
        }
        if left == first || left == last { return ((first + last) / 2, nil) }
        (rows + first &* d).update(from: spareRows + first &* d, count: count &* d)
        (order + first).update(from: spareOrder + first, count: count)
        return (left, split)
      }
    }
  }
}
