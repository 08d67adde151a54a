import Testing
@testable import Palettization

/// Independent references for the scalar clustering tests: brute force over every contiguous
/// partition, direct two-pass costs, and dictionary-based deduplication.
enum ScalarReference {
  /// Distinct values ascending (`-0 == +0`) with summed weights (counts when unweighted),
  /// zero-weight points dropped.
  static func points(_ values: [Float], weights: [Float]?) -> (values: [Double], weights: [Double]) {
    var sums: [Float: Double] = [:]
    for (t, x) in values.enumerated() { sums[x == 0 ? 0 : x, default: 0] += Double(weights?[t] ?? 1) }
    let sorted = sums.filter { $0.value > 0 }.sorted { $0.key < $1.key }
    return (sorted.map { Double($0.key) }, sorted.map { $0.value })
  }

  /// Two-pass weighted SSE of the runs starting at `starts`.
  static func cost(_ x: [Double], _ w: [Double], starts: [Int]) -> Double {
    var total = 0.0
    for (c, start) in starts.enumerated() {
      let end = c + 1 < starts.count ? starts[c + 1] : x.count
      let weight = (start..<end).reduce(0.0) { $0 + w[$1] }
      let mean = (start..<end).reduce(0.0) { $0 + w[$1] * x[$1] } / weight
      total += (start..<end).reduce(0.0) { $0 + w[$1] * (x[$1] - mean) * (x[$1] - mean) }
    }
    return total
  }

  /// Minimum cost over all partitions of `x` into exactly `clusters` contiguous runs.
  static func bruteForce(_ x: [Double], _ w: [Double], clusters: Int) -> Double {
    let n = x.count
    var best = Double.infinity
    for mask in 0..<(1 << (n - 1)) where mask.nonzeroBitCount == clusters - 1 {
      let starts = [0] + (1..<n).filter { mask & (1 << ($0 - 1)) != 0 }
      best = min(best, cost(x, w, starts: starts))
    }
    return best
  }

  /// The fast-mode point of `x`, written out from the spec: fp16 cast, then multiply, round
  /// half to even and divide, all in Float; the result is not cast to fp16 again.
  static func fastPoint(_ x: Float, decimals: Int) -> Float {
    let h = Float(Float16(x))
    if h.isInfinite { return x }
    let scale: Float = decimals == 1 ? 10 : decimals == 2 ? 100 : 10_000
    return (h * scale).rounded(.toNearestOrEven) / scale
  }

  static func close(_ a: Double, _ b: Double, relative: Double = 1e-9) -> Bool {
    abs(a - b) <= relative * max(abs(a), abs(b)) + 1e-15
  }
}

@Suite("Scalar k-means: optimal 1-D DP and block clustering")
struct ScalarKMeansTests {
  @Test("DP optimum equals brute force over all contiguous partitions (seeded, n <= 12, every k)")
  func dpMatchesBruteForce() throws {
    let rng = try GSLRandom(generator: "mt19937", seed: 20_240_601)
    for trial in 0..<150 {
      let n = 1 + rng.nextInt(below: 12)
      // Half the trials draw from a 6-value grid, so the original data has many duplicates.
      let values: [Float] = (0..<n).map { _ in
        trial % 2 == 0 ? Float(rng.nextInt(below: 6)) * 0.5 - 1 : Float(rng.gaussian(sigma: 1))
      }
      let weights: [Float]? = trial % 3 == 0 ? nil : (0..<n).map { _ in
        rng.nextInt(below: 5) == 0 ? 0 : Float(rng.nextUniformPositive() * 3)
      }
      let (x, w) = ScalarReference.points(values, weights: weights)
      let distinctOriginal = Set(values.map { $0 == 0 ? 0 : $0 }).count
      for k in 1...(n + 1) {
        guard !x.isEmpty else { continue }  // all weights zero: covered by its own test
        let clusters = min(k, x.count)
        let expected = ScalarReference.bruteForce(x, w, clusters: clusters)
        let dp = OptimalKMeans1D.solve(values: x, weights: w, k: k)
        #expect(dp.starts.count == clusters && dp.starts.first == 0, "trial \(trial) k \(k)")
        #expect(zip(dp.starts, dp.starts.dropFirst()).allSatisfy { $0 < $1 })
        #expect(ScalarReference.close(dp.cost, expected), "trial \(trial) k \(k): \(dp.cost) vs \(expected)")
        #expect(ScalarReference.close(ScalarReference.cost(x, w, starts: dp.starts), dp.cost))
        // Each search on its own: the layered programme always, the Lagrangian one unless it
        // gives up (k on a straight part of the hull).
        let layered = OptimalKMeans1D.solve(values: x, weights: w, k: k, method: .layers(tableLimit: .max))
        #expect(ScalarReference.close(layered.cost, expected), "trial \(trial) k \(k) layers")
        let lagrangian = OptimalKMeans1D.solve(values: x, weights: w, k: k, method: .lagrangian)
        #expect(lagrangian.starts.isEmpty || ScalarReference.close(lagrangian.cost, expected),
                "trial \(trial) k \(k) lagrangian: \(lagrangian.cost) vs \(expected)")
        for (c, start) in dp.starts.enumerated() {
          let end = c + 1 < dp.starts.count ? dp.starts[c + 1] : x.count
          let mean = (start..<end).reduce(0.0) { $0 + w[$1] * x[$1] }
            / (start..<end).reduce(0.0) { $0 + w[$1] }
          let scale = x.map { abs($0) }.max() ?? 1
          #expect(abs(dp.centroids[c] - mean) <= 1e-12 * scale, "trial \(trial) k \(k)")
        }

        guard k <= 256 else { continue }
        let block = ScalarKMeans.cluster(values, weights: weights, k: k, mode: .exact)
        if distinctOriginal <= k {
          #expect(block.cost == 0 && block.centroids.count == distinctOriginal)
        } else {
          #expect(block.centroids.count == clusters)
          #expect(ScalarReference.close(block.cost, expected), "trial \(trial) k \(k)")
        }
        // Every element sits at its centroid's index; rebuild the objective from the indices.
        var rebuilt = 0.0
        for (t, value) in values.enumerated() where (weights?[t] ?? 1) > 0 {
          let d = Double(value) - Double(block.centroids[Int(block.assignment[t])])
          rebuilt += Double(weights?[t] ?? 1) * d * d
        }
        // Float centroids: off by about one ulp, a second-order change of the objective.
        #expect(abs(rebuilt - block.cost) <= 1e-5 * block.cost + 1e-10, "trial \(trial) k \(k)")

        // Fast mode with 1 decimal merges many points: compare with brute force on the
        // independently rounded points.
        let rounded = values.map { ScalarReference.fastPoint($0, decimals: 1) }
        let fast = ScalarKMeans.cluster(values, weights: weights, k: k, mode: .fast(roundingPrecision: 1))
        if distinctOriginal > k {
          let (rx, rw) = ScalarReference.points(rounded, weights: weights)
          let fastExpected = ScalarReference.bruteForce(rx, rw, clusters: min(k, rx.count))
          #expect(ScalarReference.close(fast.cost, fastExpected), "trial \(trial) k \(k)")
          #expect(fast.centroids.count == min(k, rx.count))
        }
      }
    }
  }

  @Test("the linear-space recursion returns the table path's boundaries and cost",
        arguments: [2, 3, 5, 16, 37])
  func linearSpaceMatchesTable(k: Int) throws {
    let rng = try GSLRandom(generator: "mt19937", seed: UInt64(k))
    let raw = (0..<3000).map { _ in rng.laplace(scale: 0.02) }
    let x = Array(Set(raw)).sorted()
    let w = x.map { _ in 0.5 + rng.nextUniform() }
    x.withUnsafeBufferPointer { x in
      w.withUnsafeBufferPointer { w in
        let table = OptimalKMeans1D.solve(values: x, weights: w, k: k, method: .layers(tableLimit: .max))
        for limit in [0, 1000, 20_000] {
          let linear = OptimalKMeans1D.solve(values: x, weights: w, k: k, method: .layers(tableLimit: limit))
          #expect(linear.starts == table.starts, "limit \(limit)")
          #expect(ScalarReference.close(linear.cost, table.cost, relative: 1e-12))
        }
      }
    }
  }

  @Test("fast-mode rounding equals the spec's float32 recipe written with the runtime's Float16 cast, bit for bit",
        arguments: [1, 2, 4])
  func fastRoundingMatchesRecipe(decimals: Int) throws {
    let rounding = ScalarKMeans.FastRounding(precision: decimals)
    let rng = try GSLRandom(generator: "mt19937", seed: UInt64(decimals))
    var probes: [Float] = [0, -0, 0.00005, -0.00005, 0.00015, -0.00025, 2.5e-5, 65504, -65519, 70000]
    for t in 0..<200_000 {
      // Weight-like magnitudes, grid ties (k + 0.5)/10^p, and raw bit patterns.
      switch t % 3 {
      case 0: probes.append(Float(rng.laplace(scale: 0.05)))
      case 1: probes.append((Float(rng.nextInt(below: 20_001)) - 10_000 + 0.5) / rounding.scale)
      default: probes.append(Float(bitPattern: UInt32(truncatingIfNeeded: rng.nextRaw()) & 0xBFFF_FFFF))
      }
    }
    var mismatches: [Float] = []
    for x in probes where x.isFinite {
      let got = rounding.rounded(x)
      let expected = ScalarReference.fastPoint(x, decimals: decimals)
      if got.bitPattern != expected.bitPattern && mismatches.count < 5 { mismatches.append(x) }
    }
    #expect(mismatches.isEmpty, "\(mismatches)")
  }

  @Test("the branch-free assignment of DP points equals the binary search, k up to 64, ±0 and ties at starts",
        arguments: [2, 5, 16, 31, 32, 33, 64])
  func pointAssignmentMatchesBinarySearch(k: Int) throws {
    let rng = try GSLRandom(generator: "mt19937", seed: UInt64(k))
    var values: [Float] = (0..<3000).map { _ in Float((rng.laplace(scale: 1) * 50).rounded() / 50) }
    values += [0, -0, 0, -0]
    let (points, weights) = ScalarReference.points(values, weights: nil)
    let clusters = ScalarKMeans.PointClusters(points: points.map(Float.init), weights: weights, k: k)
    let fast = values.withUnsafeBufferPointer { clusters.indicesOfPoints($0) }
    let expected = values.map { UInt8(clusters.index(of: $0)) }
    #expect(fast == expected)
    // Independently: each value lies within its cluster's span.
    #expect(zip(values, fast).allSatisfy { v, c in clusters.first[Int(c)] <= v && v <= clusters.last[Int(c)] })
  }

  @Test("fast mode's four-wide grid pass gives the scalar path's grid index for every value",
        arguments: [-1, 1, 2, 4])
  func gridIndicesMatchScalar(decimals: Int) throws {
    let rounding = ScalarKMeans.FastRounding(precision: decimals)
    let rng = try GSLRandom(generator: "mt19937", seed: UInt64(decimals + 10))
    var values: [Float] = [0, -0, 3e-8, -3e-8, 0x1p-14, -0x1p-14, 6.1e-5, 0.00005, -0.00015, 2.5e-5, 65504, -65519]
    for t in 0..<100_003 {  // not a multiple of 4: the tail takes the scalar path
      switch t % 4 {
      case 0: values.append(Float(rng.laplace(scale: 0.05)))
      case 1: values.append(Float(rng.gaussian(sigma: 1e-5)))  // fp16 subnormals
      case 2: values.append((Float(rng.nextInt(below: 20_001)) - 10_000 + 0.5) / rounding.scale)
      default: values.append(Float(rng.laplace(scale: 300)))  // some beyond 2^22 grid points at p = 4
      }
    }
    let expected = values.map { rounding.grid(rounding.half($0)) }
    let result = values.withUnsafeBufferPointer { ScalarKMeans.gridIndices($0, rounding: rounding) }
    #expect(result != nil)
    if let (grid, lowest, highest) = result {
      #expect(grid.map(Float.init) == expected)
      #expect(lowest == grid.min() && highest == grid.max())
    }
    // A value beyond fp16's range makes the whole pass decline (the caller sorts instead).
    var beyond = values
    beyond[13] = 70_000
    #expect(beyond.withUnsafeBufferPointer { ScalarKMeans.gridIndices($0, rounding: rounding) } == nil)
  }

  @Test("fast mode: fp16 cast and 4-decimal rounding merge two values, so the LUT changes")
  func fastModeMergesValues() {
    // fp16 spacing on [1/16, 1/8) is 2^-14 ≈ 6.1e-5:
    //   0.10001 → fp16 0.10003662109375 (nearer than 0.0999755859375); ·1e4 = 1000.366 → 1000
    //             → 1000 / 1e4 in Float = Float(0.1).
    //   0.10004 → fp16 0.10003662109375 → the same Float(0.1).
    //   0.3     → fp16 0.300048828125 (spacing 2^-12); ·1e4 = 3000.49 → 3000 → Float(0.3).
    //   0.5     → 0.5.
    // Fast mode sees 3 distinct points for k = 3: its LUT is those points, cost 0. (Stored back
    // as fp16 they would have been 0.0999755859375 and 0.300048828125.)
    // Exact mode sees 4 distinct values: {0.10001, 0.10004} share a centroid, their mean 0.100025,
    // cost 2·(0.000015)² = 4.5e-10 (up to the Float inputs).
    let values: [Float] = [0.10004, 0.5, 0.10001, 0.3]
    let fast = ScalarKMeans.cluster(values, k: 3, mode: .fast(roundingPrecision: 4))
    #expect(fast.centroids == [0.1, 0.3, 0.5])
    #expect(fast.assignment == [0, 2, 0, 1])
    #expect(fast.cost == 0)

    let exact = ScalarKMeans.cluster(values, k: 3, mode: .exact)
    let mean = (Double(Float(0.10001)) + Double(Float(0.10004))) / 2
    #expect(exact.centroids == [Float(mean), 0.3, 0.5])
    #expect(exact.assignment == [0, 2, 0, 1])
    let d = Double(Float(0.10004)) - mean
    #expect(ScalarReference.close(exact.cost, 2 * d * d, relative: 1e-6))
    #expect(abs(exact.cost - 4.5e-10) < 1e-11)
  }

  @Test("fast mode keeps v in float32: where fp16 storage would move v, the 8-bit optimum changes")
  func fastModeFloat32ChangesEightBitOptimum() {
    // Four fp16-exact inputs (the fp16 cast is the identity) next to each other:
    //   P: h1 = 1639·2^-13 = 0.2000732421875, h2 = 1640·2^-13 = 0.2001953125 (fp16 spacing
    //      2^-13 on [1/8, 1/4)); ·1e4 = 2000.732421875 → 2001 and 2001.953125 → 2002 (both
    //      products exact in Float), so v1 = Float(0.2001), v2 = Float(0.2002): gap 1e-4.
    //   Q: h3 = 1229·2^-12 = 0.300048828125, h4 = 1230·2^-12 = 0.30029296875 (spacing 2^-12);
    //      ·1e4 = 3000.48828125 → 3000 and 3002.9296875 → 3003: v3 = Float(0.3),
    //      v4 = Float(0.3003): gap 3e-4.
    // Each P value occurs 6 times, each Q value once; 253 integers 1...253 (exact on every grid)
    // complete 257 distinct points for k = 256, so the optimum merges exactly one neighbour pair:
    // the cheaper of P (6·6/12·gap² = 3·gap²) and Q (1·1/2·gap² = gap²/2).
    //   float32 v (the reference): P 3·(1e-4)² = 3.0e-8 < Q (3e-4)²/2 = 4.5e-8 → P merges.
    //   v stored as fp16 (the old defect) is h itself, since |v − h| < half an fp16 ulp here:
    //   P 3·(2^-13)² = 4.47e-8 > Q (2^-12)²/2 = 2.98e-8 → Q would merge instead.
    let h: [Float] = [1639.0 / 8192, 1640.0 / 8192, 1229.0 / 4096, 1230.0 / 4096]
    let integers = (1...253).map(Float.init)
    let values = [Float](repeating: h[0], count: 6) + [Float](repeating: h[1], count: 6) + [h[2], h[3]] + integers
    let result = ScalarKMeans.cluster(values, k: 256, mode: .fast(roundingPrecision: 4))

    let v1 = Double(Float(0.2001)), v2 = Double(Float(0.2002))
    #expect(result.centroids == [Float((v1 + v2) / 2), Float(0.3), Float(0.3003)] + integers)
    #expect(result.assignment == [UInt8](repeating: 0, count: 12) + [1, 2] + (3...255).map(UInt8.init))
    #expect(ScalarReference.close(result.cost, 12 * ((v2 - v1) / 2) * ((v2 - v1) / 2)))
    // The old recipe's points (v cast to fp16) are the h values: there Q is the pair to merge.
    let stored = values.map { Float(Float16(ScalarReference.fastPoint($0, decimals: 4))) }
    #expect(Array(stored.prefix(14)) == [Float](repeating: h[0], count: 6) + [Float](repeating: h[1], count: 6) + [h[2], h[3]])
    let old = ScalarKMeans.cluster(stored, k: 256, mode: .exact)
    #expect(old.centroids.prefix(3) == [h[0], h[1], Float((Double(h[2]) + Double(h[3])) / 2)])
  }

  @Test("a block with at most k distinct values keeps them exactly, in both modes",
        arguments: [ScalarClusteringMode.exact, .fast(roundingPrecision: 4)])
  func existingPaletteReuse(mode: ScalarClusteringMode) {
    // -0 and +0 are one value; 0.123456 would round to 0.1235 in fast mode but is kept.
    let values: [Float] = [3, -1, 3, 0.123456, -1, -0.0, 0]
    let result = ScalarKMeans.cluster(values, k: 4, mode: mode)
    #expect(result.centroids == [-1, 0, 0.123456, 3])
    #expect(result.assignment == [3, 0, 3, 2, 0, 1, 1])
    #expect(result.cost == 0)
    // k > n: every value is its own centroid.
    let few = ScalarKMeans.cluster([0.3, 0.1, 0.2], k: 8, mode: mode)
    #expect(few.centroids == [0.1, 0.2, 0.3] && few.assignment == [2, 0, 1])
    // All values equal.
    for k in [1, 4] {
      let same = ScalarKMeans.cluster([Float](repeating: 0.7, count: 10), k: k, mode: mode)
      #expect(same.centroids == [0.7] && same.assignment == [UInt8](repeating: 0, count: 10))
    }
    #expect(ScalarKMeans.cluster([], k: 4, mode: mode) == ScalarClustering(centroids: [], assignment: [], cost: 0))
  }

  @Test("sensitivity weights move a centroid (hand-computed)")
  func weightsMoveCentroids() {
    // Runs {0, 1, 2} and {10, 11}. Weighted means: (0·1 + 1·1 + 2·2)/4 = 1.25 and
    // (10·1 + 11·3)/4 = 10.75 (unweighted: 1 and 10.5).
    // Cost: 1.25² + 0.25² + 2·0.75² + 0.75² + 3·0.25² = 1.5625 + 0.0625 + 1.125 + 0.5625 + 0.1875 = 3.5.
    let values: [Float] = [0, 1, 2, 10, 11]
    let weighted = ScalarKMeans.cluster(values, weights: [1, 1, 2, 1, 3], k: 2, mode: .exact)
    #expect(weighted.centroids == [1.25, 10.75])
    #expect(weighted.assignment == [0, 0, 0, 1, 1])
    #expect(weighted.cost == 3.5)
    let plain = ScalarKMeans.cluster(values, k: 2, mode: .exact)
    #expect(plain.centroids == [1, 10.5])
    #expect(ScalarReference.close(plain.cost, 2.5))  // 1 + 0 + 1 + 0.25 + 0.25
  }

  @Test("zero-weight points stay out of the DP and get the nearest centroid; all-zero = unweighted",
        arguments: [ScalarClusteringMode.exact, .fast(roundingPrecision: 4)])
  func zeroWeights(mode: ScalarClusteringMode) {
    // DP points 0, 1 (one of its two elements has weight 1), 9, 10 → runs {0, 1}, {9, 10},
    // centroids 0.5 and 9.5, cost 4·0.25 = 1. Zero-weight 6 is nearer 9.5; -3 nearer 0.5;
    // 5 is equidistant (4.5) and takes the lower centroid.
    let values: [Float] = [0, 1, 6, 9, 10, -3, 1, 5]
    let weights: [Float] = [1, 1, 0, 1, 1, 0, 0, 0]
    let result = ScalarKMeans.cluster(values, weights: weights, k: 2, mode: mode)
    #expect(result.centroids == [0.5, 9.5])
    #expect(result.assignment == [0, 0, 1, 1, 1, 0, 0, 0])
    #expect(result.cost == 1)

    let allZero = ScalarKMeans.cluster(values, weights: [Float](repeating: 0, count: 8), k: 2, mode: mode)
    #expect(allZero == ScalarKMeans.cluster(values, k: 2, mode: mode))
  }

  @Test("fast mode: the histogram and the sort fallback give identical results")
  func histogramMatchesSort() throws {
    let rng = try GSLRandom(generator: "mt19937", seed: 3)
    let values = (0..<20_000).map { _ in Float(rng.laplace(scale: 0.3)) }
    let weights = values.map { _ in Float(rng.nextUniform()) }
    for precision in [4, 2, 0] {
      for k in [2, 16, 256] {
        let mode = ScalarClusteringMode.fast(roundingPrecision: precision)
        values.withUnsafeBufferPointer { v in
          let histogram = ScalarKMeans.cluster(v, weights: nil, k: k, mode: mode, forceSort: false)
          let sorted = ScalarKMeans.cluster(v, weights: nil, k: k, mode: mode, forceSort: true)
          #expect(histogram == sorted, "p \(precision) k \(k)")
          weights.withUnsafeBufferPointer { w in
            // Weight sums are added in a different order (per grid point, then merged).
            let a = ScalarKMeans.cluster(v, weights: w, k: k, mode: mode, forceSort: false)
            let b = ScalarKMeans.cluster(v, weights: w, k: k, mode: mode, forceSort: true)
            #expect(a.assignment == b.assignment, "p \(precision) k \(k)")
            #expect(ScalarReference.close(a.cost, b.cost, relative: 1e-9))
            #expect(zip(a.centroids, b.centroids).allSatisfy { abs($0 - $1) <= 1e-6 * max(abs($0), 1e-3) })
          }
        }
      }
    }
  }

  @Test("fast mode: a huge range falls back to sorting, and values beyond fp16 are not rounded")
  func hugeRangeFallback() {
    // Points (hand-worked): -60000 is an fp16 value (spacing 32), rounds to itself;
    // -1.23456 → fp16 -1.234375 (spacing 2^-10) → ·1e4 = -12343.75 → -12344 → Float(-1.2344);
    // 0.00012 → fp16 2013·2^-24 → ·1e4 = 1.1998 → 1 → Float(1e-4);
    // 0.5 → 0.5; 3.14159 → fp16 3.140625 → 31406.25 → 31406 → Float(3.1406);
    // 70000 and 100000 overflow fp16 and stay as they are. The grid spans 6.6e8 points > 2^20.
    let values: [Float] = [0.5, -60000, 70000, -1.23456, 100000, 0.00012, 3.14159]
    let points: [Double] = [-60000, Double(Float(-1.2344)), Double(Float(1e-4)), 0.5, Double(Float(3.1406)), 70000, 100000]
    let result = ScalarKMeans.cluster(values, k: 3, mode: .fast(roundingPrecision: 4))
    let weights = [Double](repeating: 1, count: 7)
    #expect(ScalarReference.close(result.cost, ScalarReference.bruteForce(points, weights, clusters: 3)))
    let middle = (points[1] + points[2] + points[3] + points[4]) / 4
    #expect(result.centroids == [-60000, Float(middle), 85000])
    #expect(result.assignment == [1, 0, 2, 1, 2, 1, 1])
  }
}
