/// Joint sparse palettization's choice for one weight: which vectors of each block are
/// clustered and stored (see ``SparsityMask`` for the rules).
struct SparseSelection: Sendable {
  /// Per block, the block-order positions (vector `v` of ``WeightLayout/elementOffsets(block:)``)
  /// of its nonzero vectors, ascending.
  let nonzero: [[Int]]
  /// Stored vectors per block: the nonzero vectors of the fullest block.
  let storedPerBlock: Int

  /// Whether a weight with `zeroCount` exact zeros among `count` elements is palettized jointly
  /// under `threshold`: it has a zero, and its zero fraction is at least the threshold.
  static func isDetected(zeroCount: Int, count: Int, threshold: Double?) -> Bool {
    guard let threshold, zeroCount > 0, count > 0 else { return false }
    return Double(zeroCount) / Double(count) >= threshold
  }

  /// The nonzero vectors of every block of `values` (the weight as stored, before per-channel
  /// scaling, so a tiny value a scale would flush to zero still counts as nonzero).
  /// - Complexity: O(count).
  init(values: [Float], layout: WeightLayout) {
    let d = layout.clusterDim
    nonzero = (0..<layout.blockCount).map { block in
      var positions: [Int] = []
      if let range = layout.contiguousRange(block: block) {
        values.withUnsafeBufferPointer { x in
          for (v, i) in range.enumerated() where x[i] != 0 { positions.append(v) }
        }
        return positions
      }
      let offsets = layout.elementOffsets(block: block)
      for v in 0..<layout.vectorsPerBlock where (0..<d).contains(where: { values[offsets[v * d + $0]] != 0 }) {
        positions.append(v)
      }
      return positions
    }
    storedPerBlock = nonzero.map(\.count).max() ?? 0
  }

  /// Whether block `block` has fewer nonzero vectors than the fullest, so it reserves LUT
  /// entry 0 for the zero vector.
  func reservesZero(block: Int) -> Bool { nonzero[block].count < storedPerBlock }

  /// The stored-vector mask: each block's nonzero vectors, and in a block that reserves zero
  /// its first `storedPerBlock − nonzero` zero vectors as padding (they hold index 0).
  /// - Complexity: O(count / clusterDim).
  func mask(layout: WeightLayout) -> SparsityMask {
    var stored = [Bool](repeating: false, count: layout.count / layout.clusterDim)
    for block in 0..<layout.blockCount {
      var inBlock = [Bool](repeating: false, count: layout.vectorsPerBlock)
      for v in nonzero[block] { inBlock[v] = true }
      var padding = storedPerBlock - nonzero[block].count
      for v in inBlock.indices where padding > 0 && !inBlock[v] {
        inBlock[v] = true
        padding -= 1
      }
      if let range = layout.contiguousRange(block: block) {
        for (v, i) in range.enumerated() { stored[i] = inBlock[v] }
      } else {
        for (v, index) in layout.indexOffsets(block: block).enumerated() { stored[index] = inBlock[v] }
      }
    }
    return SparsityMask(
      stored: stored, storedPerBlock: storedPerBlock,
      zeroReserved: (0..<layout.blockCount).map(reservesZero(block:)))
  }
}
