extension PruningSpec {
  /// `weight` with this pruning applied; dtype and shape unchanged, pruned elements `+0.0`.
  ///
  /// - Parameter op: the op consuming the weight; decides the input dimension for `n:m`:
  ///   dim 1 for linear, conv and attention weights (`[out, in, …]`) and for tensors no op
  ///   consumes, dim 0 for transposed conv (`[in, out, …]`).
  /// - Throws: ``ShapeError`` when an `n:m` pattern does not fit: fewer than 2 dimensions, or
  ///   an input dimension that is not a multiple of `m` (the caller skips the tensor).
  /// - Complexity: magnitude: O(n + 2^16) (a two-pass radix selection, no sort); n:m:
  ///   O(n log m).
  public func prune(_ weight: Tensor, op: OpKind?) throws(ShapeError) -> Tensor {
    var values = weight.values
    switch self {
    case .magnitude(let sparsity):
      let count = Int((sparsity * Double(values.count)).rounded(.toNearestOrEven))
      Self.zeroSmallest(min(max(count, 0), values.count), of: &values)
    case .nM(let n, let m):
      guard weight.rank >= 2 else {
        throw .tooFewDimensions(shape: weight.shape, needed: 2, reason: "n:m pruning along the input dimension")
      }
      let axis = op?.inputAxis ?? 1
      guard weight.shape[axis] % m == 0 else {
        throw .pruningGroupDoesNotDivide(shape: weight.shape, axis: axis, m: m)
      }
      Self.zeroSmallest(m - n, ofEvery: m, along: axis, shape: weight.shape, values: &values)
    }
    return Tensor(shape: weight.shape, values: values, dtype: weight.dtype)
  }

  /// Zeroes the `count` elements that come first in the order (|x|, index).
  ///
  /// `|x|`'s bit pattern orders like `|x|` for finite values, so the `count`-th smallest pattern
  /// `t` is found with two 16-bit histograms (high half, then low half within its bucket);
  /// every element below `t` is zeroed, and of those equal to `t` the lowest-indexed ones
  /// until `count` is reached.
  static func zeroSmallest(_ count: Int, of values: inout [Float]) {
    guard count > 0 else { return }
    values.withUnsafeMutableBufferPointer { x in
      @inline(__always) func key(_ i: Int) -> UInt32 { x[i].bitPattern & 0x7FFF_FFFF }
      // 1. The high half of the threshold: the bucket holding the count-th smallest key.
      var histogram = [Int](repeating: 0, count: 1 << 16)
      for i in x.indices { histogram[Int(key(i) >> 16)] += 1 }
      var below = 0
      var high = 0
      while below + histogram[high] < count { below += histogram[high]; high += 1 }
      // 2. The low half, among keys in that bucket.
      histogram = [Int](repeating: 0, count: 1 << 16)
      for i in x.indices where Int(key(i) >> 16) == high { histogram[Int(key(i) & 0xFFFF)] += 1 }
      var low = 0
      while below + histogram[low] < count { below += histogram[low]; low += 1 }
      let threshold = UInt32(high) << 16 | UInt32(low)
      // 3. Everything below the threshold (a select: which elements go is random, and a
      //    branch here was a quarter of MiniLM's pruned palettization), then ties in index order.
      for i in x.indices { x[i] = key(i) < threshold ? 0 : x[i] }
      var tiesLeft = count - below
      var i = 0
      while tiesLeft > 0 {
        if key(i) == threshold {
          x[i] = 0
          tiesLeft -= 1
        }
        i += 1
      }
    }
  }

  /// In every run of `m` consecutive elements along `axis`, zeroes the `count` that come first
  /// in the order (|x|, index).
  static func zeroSmallest(_ count: Int, ofEvery m: Int, along axis: Int, shape: [Int], values: inout [Float]) {
    guard count > 0 else { return }
    let outer = shape[..<axis].reduce(1, *)
    let size = shape[axis]
    let inner = shape[(axis + 1)...].reduce(1, *)
    var group = [(magnitude: Float, offset: Int)]()
    group.reserveCapacity(m)
    values.withUnsafeMutableBufferPointer { x in
      for o in 0..<outer {
        for start in stride(from: 0, to: size, by: m) {
          for s in 0..<inner {
            group.removeAll(keepingCapacity: true)
            for i in start ..< start + m {
              let offset = (o * size + i) * inner + s
              group.append((abs(x[offset]), offset))
            }
            // Offsets grow with the index along the axis, so they order ties by index.
            group.sort { ($0.magnitude, $0.offset) < ($1.magnitude, $1.offset) }
            for j in 0..<count { x[group[j].offset] = 0 }
          }
        }
      }
    }
  }
}
