extension ScalarKMeans {
  /// Clusters the distinct values of `points` (one per element: the values themselves in exact
  /// mode, their rounded values in fast mode's fallback), found by radix sorting.
  static func clusterBySorting(
    _ points: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>?, k: Int
  ) -> ScalarClustering {
    let (distinct, pointWeights) = distinctSorted(points, weights: weights)
    let clusters = PointClusters(points: distinct, weights: pointWeights, k: k)
    // Without weights every value is a DP point (zero-weight points are the only ones left out).
    let assignment = weights == nil
      ? clusters.indicesOfPoints(points)
      : points.map { UInt8(truncatingIfNeeded: clusters.index(of: $0)) }
    return clusters.clustering(assignment: assignment)
  }

  /// The distinct values of `points` ascending (`-0` merged into `+0`), with their counts or
  /// summed weights (summed in sorted order, so deterministically).
  /// - Complexity: O(n): three stable counting passes of 11 bits, a pass skipped when all keys
  ///   share its digit.
  static func distinctSorted(_ points: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>?)
    -> (values: [Float], weights: [Double])
  {
    let n = points.count
    var values: [Float] = []
    var sums: [Double] = []
    // Written in place (no `append`: its checks were most of this pass's time).
    func collect<P>(_ keys: [UInt32], _ payload: [P], _ weight: (P) -> Double) {
      var distinct = 0
      values = [Float](unsafeUninitializedCapacity: n) { valuesOut, valuesCount in
        sums = [Double](unsafeUninitializedCapacity: n) { sumsOut, sumsCount in
          keys.withUnsafeBufferPointer { keys in
            payload.withUnsafeBufferPointer { payload in
              var t = 0
              while t < n {
                let key = keys[t]
                var sum = weight(payload[t])
                var end = t + 1
                while end < n && keys[end] == key {
                  sum += weight(payload[end])
                  end += 1
                }
                valuesOut[distinct] = value(ofKey: key)
                sumsOut[distinct] = sum
                distinct += 1
                t = end
              }
            }
          }
          sumsCount = distinct
        }
        valuesCount = distinct
      }
    }
    var keys = points.map { orderedKey($0) }
    if let weights {
      var payload = Array(weights)
      radixSort(keys: &keys, payload: &payload)
      collect(keys, payload) { Double($0) }
    } else {
      // An empty payload type moves nothing: the sort specialises to keys only.
      var payload: [Void] = Array(repeating: (), count: n)
      radixSort(keys: &keys, payload: &payload)
      collect(keys, payload) { _ in 1 }
    }
    return (values, sums)
  }

  /// A `UInt32` whose unsigned order is the numeric order of finite `x` (`-0` maps like `+0`).
  @inline(__always)
  static func orderedKey(_ x: Float) -> UInt32 {
    let bits = x == 0 ? 0 : x.bitPattern
    return bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
  }

  @inline(__always)
  static func value(ofKey key: UInt32) -> Float {
    Float(bitPattern: key & 0x8000_0000 != 0 ? key & 0x7fff_ffff : ~key)
  }

  /// Stable LSD radix sort of `keys`, permuting `payload` alongside.
  /// - Complexity: O(n) time, one extra copy of each array.
  static func radixSort<P>(keys: inout [UInt32], payload: inout [P]) {
    let n = keys.count
    let digitBits = 11
    let buckets = 1 << digitBits
    var counts = [Int](repeating: 0, count: 3 * buckets)
    keys.withUnsafeBufferPointer { keys in
      counts.withUnsafeMutableBufferPointer { counts in
        for key in keys {
          counts[Int(key & 0x7ff)] += 1
          counts[buckets + Int((key >> 11) & 0x7ff)] += 1
          counts[2 * buckets + Int(key >> 22)] += 1
        }
      }
    }
    var scratchKeys = [UInt32](repeating: 0, count: n)
    var scratchPayload = payload  // copied on first write: P has no default value
    for pass in 0..<3 {
      let base = pass * buckets
      if counts[base..<(base + buckets)].contains(n) { continue }  // every key shares this digit
      var offset = 0
      for b in base..<(base + buckets) {
        let c = counts[b]
        counts[b] = offset
        offset += c
      }
      let shift = UInt32(pass * digitBits)
      counts.withUnsafeMutableBufferPointer { counts in
        keys.withUnsafeBufferPointer { keysIn in
          payload.withUnsafeBufferPointer { payloadIn in
            scratchKeys.withUnsafeMutableBufferPointer { keysOut in
              scratchPayload.withUnsafeMutableBufferPointer { payloadOut in
                for t in 0..<n {
                  let key = keysIn[t]
                  let b = base + Int((key >> shift) & 0x7ff)
                  let position = counts[b]
                  counts[b] = position + 1
                  keysOut[position] = key
                  payloadOut[position] = payloadIn[t]
                }
              }
            }
          }
        }
      }
      swap(&keys, &scratchKeys)
      swap(&payload, &scratchPayload)
    }
  }
}
