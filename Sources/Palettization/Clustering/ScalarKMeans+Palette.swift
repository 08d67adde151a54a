extension ScalarKMeans {
  /// The lossless result for a block with at most `k` distinct values (`-0 == +0`), else `nil`.
  ///
  /// Collects distinct bit patterns in a small open-addressing table and gives up as soon as a
  /// `(k+1)`-th distinct value appears, so a typical block costs only a few probes.
  /// - Complexity: O(n) expected.
  static func existingPalette(_ values: UnsafeBufferPointer<Float>, k: Int) -> ScalarClustering? {
    let capacityLog2 = 10  // 1024 slots >= 4·(k+1) for k <= 256: short probe chains.
    let mask = (1 << capacityLog2) - 1
    var slots = [UInt64](repeating: 0, count: 1 << capacityLog2)  // 0 = empty, else bits | 1<<32
    var distinct = 0
    @inline(__always) func slot(of x: Float, in slots: UnsafeMutableBufferPointer<UInt64>) -> Int {
      let bits = (x == 0 ? 0 : x.bitPattern)
      let key = UInt64(bits) | (1 << 32)
      var s = Int((bits &* 0x9E37_79B1) >> UInt32(32 - capacityLog2))
      while slots[s] != 0 && slots[s] != key { s = (s + 1) & mask }
      return s
    }
    let fits = slots.withUnsafeMutableBufferPointer { slots -> Bool in
      for x in values {
        let s = slot(of: x, in: slots)
        if slots[s] == 0 {
          distinct += 1
          if distinct > k { return false }
          slots[s] = UInt64(x == 0 ? 0 : x.bitPattern) | (1 << 32)
        }
      }
      return true
    }
    guard fits else { return nil }
    var palette: [Float] = []
    for key in slots where key != 0 { palette.append(Float(bitPattern: UInt32(truncatingIfNeeded: key))) }
    palette.sort()
    var indexOfSlot = [UInt8](repeating: 0, count: slots.count)
    slots.withUnsafeMutableBufferPointer { slots in
      for (index, x) in palette.enumerated() { indexOfSlot[slot(of: x, in: slots)] = UInt8(index) }
    }
    let assignment = slots.withUnsafeMutableBufferPointer { slots in
      values.map { indexOfSlot[slot(of: $0, in: slots)] }
    }
    return ScalarClustering(centroids: palette, assignment: assignment, cost: 0)
  }
}
