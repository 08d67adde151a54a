import Testing
@testable import Palettization

/// Brute-force references, written independently of the engine's kernels.
enum Reference {
  /// `Σⱼ (x[j] − c[j])²` in Float, summed in order of `j` (the documented distance).
  static func distance(_ p: [Float], _ i: Int, _ c: [Float], _ j: Int, _ d: Int) -> Float {
    var s: Float = 0
    for t in 0..<d {
      let diff = p[i * d + t] - c[j * d + t]
      s += diff * diff
    }
    return s
  }

  /// Nearest centroid of every vector, lowest index on ties.
  static func nearest(_ p: [Float], _ d: Int, _ c: [Float], _ k: Int) -> [UInt8] {
    (0..<(p.count / d)).map { i in
      var best = 0
      for j in 1..<k where distance(p, i, c, j, d) < distance(p, i, c, best, d) { best = j }
      return UInt8(best)
    }
  }

  /// Weighted means in Double, in vector order, rounded to Float; a cluster of total weight 0
  /// keeps `previous`.
  static func means(_ p: [Float], _ d: Int, _ w: [Float]?, _ a: [UInt8], previous: [Float]) -> [Float] {
    let k = previous.count / d
    var sums = [Double](repeating: 0, count: k * d), mass = [Double](repeating: 0, count: k)
    for i in 0..<a.count {
      let c = Int(a[i]), wi = Double(w?[i] ?? 1)
      mass[c] += wi
      for t in 0..<d { sums[c * d + t] += wi * Double(p[i * d + t]) }
    }
    var out = previous
    for c in 0..<k where mass[c] > 0 {
      for t in 0..<d { out[c * d + t] = Float(sums[c * d + t] / mass[c]) }
    }
    return out
  }

  /// `Σ wᵢ·‖xᵢ − c(aᵢ)‖²` in Double, in vector order.
  static func inertia(_ p: [Float], _ d: Int, _ w: [Float]?, _ c: [Float], _ a: [UInt8]) -> Double {
    var total = 0.0
    for i in 0..<a.count {
      var s = 0.0
      for t in 0..<d {
        let diff = Double(p[i * d + t]) - Double(c[Int(a[i]) * d + t])
        s += diff * diff
      }
      total += Double(w?[i] ?? 1) * s
    }
    return total
  }

  /// `Σ m[i]` over one block with 8 interleaved lanes (lane = position in block mod 8),
  /// combined as `((a₀+a₁)+(a₂+a₃))+((a₄+a₅)+(a₆+a₇))`: the documented seeding order.
  static func blockSum(_ m: ArraySlice<Double>) -> Double {
    var lanes = [Double](repeating: 0, count: 8)
    for (position, value) in m.enumerated() { lanes[position % 8] += value }
    return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))
  }

  /// The documented k-means++ seeding, written out with plain arrays: draws against masses
  /// with blocked prefix sums (blocks of 256), `trials` candidates per centre, lowest potential
  /// wins (first on ties).
  static func seeds(_ p: [Float], _ d: Int, _ w: [Float]?, k: Int, trials: Int, random: GSLRandom) -> [Int] {
    let n = p.count / d, size = 256
    let blocks = stride(from: 0, to: n, by: size).map { $0..<min(n, $0 + size) }
    func masses(_ dist: [Float]) -> [Double] { (0..<n).map { Double(w?[$0] ?? 1) * Double(dist[$0]) } }
    func draw(_ u: Double, _ m: [Double]) -> Int {
      let sums = blocks.map { blockSum(m[$0]) }
      let total = sums.reduce(0, +)
      if !(total > 0) { return min(Int(u * Double(n)), n - 1) }
      var prefix = 0.0
      for (b, block) in blocks.enumerated() {
        if prefix + sums[b] > u * total {
          var running = prefix, last = block.lowerBound
          for i in block where m[i] > 0 {
            last = i
            running += m[i]
            if running > u * total { return i }
          }
          return last
        }
        prefix += sums[b]
      }
      return n - 1
    }
    func potential(_ dist: [Float]) -> Double { blocks.map { blockSum(masses(dist)[$0]) }.reduce(0, +) }
    var chosen = [draw(random.nextUniform(), masses([Float](repeating: 1, count: n)))]
    var closest = (0..<n).map { distance(p, $0, p, chosen[0], d) }
    while chosen.count < k {
      let draws = (0..<trials).map { _ in random.nextUniform() }
      var best: (candidate: Int, potential: Double, dist: [Float])?
      for u in draws {
        let candidate = draw(u, masses(closest))
        let trial = (0..<n).map { min(closest[$0], distance(p, $0, p, candidate, d)) }
        let value = potential(trial)
        if best.map({ value < $0.potential }) ?? true { best = (candidate, value, trial) }
      }
      guard let best else { break }
      chosen.append(best.candidate)
      closest = best.dist
    }
    return chosen
  }

  /// Plain Lloyd with the documented schedule: stop on no change, or (checked when
  /// t ≡ 1 mod 5) when I(t−5) − I(t) < 5·tol·I(t−5); a final assignment unless it stopped on
  /// no change.
  static func lloyd(
    _ p: [Float], _ d: Int, _ w: [Float]?, seeds: [Int], maxIter: Int, tol: Double
  ) -> (centroids: [Float], assignment: [UInt8], iterations: Int) {
    let k = seeds.count
    var c = seeds.flatMap { p[($0 * d)..<($0 * d + d)] }
    var a: [UInt8] = []
    var last: Double?
    var iterations = 0
    for t in 1...maxIter {
      iterations = t
      let next = nearest(p, d, c, k)
      if t > 1 && next == a { return (c, a, t) }
      a = next
      var stop = false
      if (t - 1) % 5 == 0 {
        let i = inertia(p, d, w, c, a)
        if let last, last - i < 5 * tol * last { stop = true }
        last = i
      }
      c = means(p, d, w, a, previous: c)
      if stop { break }
    }
    return (c, nearest(p, d, c, k), iterations)
  }
}

/// ``VectorKMeans/cluster(_:dimension:weights:k:config:random:kernel:)`` with a fresh generator;
/// `kernel` `nil` is the public entry point's choice.
private func cluster(
  _ p: [Float], _ d: Int, weights: [Float]? = nil, k: Int, config: VectorKMeansConfig = VectorKMeansConfig(),
  seed: UInt64, generator: String = "mt19937", kernel: VectorKMeans.Kernel? = nil
) throws -> VectorClustering {
  let random = try GSLRandom(generator: generator, seed: seed)
  return p.withUnsafeBufferPointer { pb in
    withOptionalBuffer(weights) { wb in
      guard let kernel else {
        return VectorKMeans.cluster(pb, dimension: d, weights: wb, k: k, config: config, random: random)
      }
      return VectorKMeans.cluster(pb, dimension: d, weights: wb, k: k, config: config, random: random, kernel: kernel)
    }
  }
}

private func laplaceVectors(count: Int, dimension d: Int, seed: UInt64) throws -> [Float] {
  let random = try GSLRandom(seed: seed)
  return (0..<(count * d)).map { _ in Float(random.laplace(scale: 0.02)) }
}

private func bits(_ v: [Float]) -> [UInt32] { v.map(\.bitPattern) }

/// ``VectorKMeans/seedPlusPlus(_:dimension:weights:k:trials:random:)`` with a fresh mt19937.
private func seedPlusPlus(_ points: [Float], _ d: Int, _ w: [Float]?, k: Int, trials: Int, seed: UInt64) throws -> [Int] {
  let random = try GSLRandom(seed: seed)
  return points.withUnsafeBufferPointer { pb in
    w.map { w in
      w.withUnsafeBufferPointer { VectorKMeans.seedPlusPlus(pb, dimension: d, weights: $0, k: k, trials: trials, random: random) }
    } ?? VectorKMeans.seedPlusPlus(pb, dimension: d, weights: nil, k: k, trials: trials, random: random)
  }
}

/// The Lloyd workspace of `kernel` over `points` (seeding does not matter here).
func lloydKernel(_ kernel: VectorKMeans.Kernel, _ points: [Float], _ d: Int, k: Int) -> any LloydKernel {
  switch kernel {
  case .reference: VectorKMeans.Lloyd(n: points.count / d, dimension: d, k: k, pruning: true)
  case .bruteForce: VectorKMeans.Lloyd(n: points.count / d, dimension: d, k: k, pruning: false)
  case .filtering: points.withUnsafeBufferPointer { VectorKMeans.FilteringLloyd($0, dimension: d, k: k) }
  }
}

/// One restart of `kernel` from `seeds` equals ``Reference/lloyd(_:_:_:seeds:maxIter:tol:)``
/// bitwise: centroids, assignment and iteration count.
private func expectRestartMatchesReference(
  _ points: [Float], _ d: Int, _ w: [Float]?, seeds: [Int], maxIter: Int, tol: Double = 1e-4,
  kernel: VectorKMeans.Kernel, sourceLocation: SourceLocation = #_sourceLocation
) {
  let want = Reference.lloyd(points, d, w, seeds: seeds, maxIter: maxIter, tol: tol)
  let lloyd = lloydKernel(kernel, points, d, k: seeds.count)
  let got = points.withUnsafeBufferPointer { pb in
    w.map { w in w.withUnsafeBufferPointer { lloyd.run(pb, weights: $0, seeds: seeds, maxIter: maxIter, tol: tol) } }
      ?? lloyd.run(pb, weights: nil, seeds: seeds, maxIter: maxIter, tol: tol)
  }
  #expect(bits(got.centroids) == bits(want.centroids), "\(kernel)", sourceLocation: sourceLocation)
  #expect(got.assignment == want.assignment, "\(kernel)", sourceLocation: sourceLocation)
  #expect(got.iterations == want.iterations, "\(kernel)", sourceLocation: sourceLocation)
  #expect(got.inertia == Reference.inertia(points, d, w, got.centroids, got.assignment), "\(kernel)",
          sourceLocation: sourceLocation)
}

@Suite("Vector k-means of one block")
struct VectorKMeansTests {
  @Test("four tight, far-apart Gaussian blobs are recovered exactly, centroids = blob means")
  func separatedBlobs() throws {
    let centres: [(Float, Float)] = [(-10, -10), (-10, 10), (10, -10), (10, 10)]
    let random = try GSLRandom(seed: 3)
    var points: [Float] = [], blob: [Int] = []
    for i in 0..<200 {
      let b = (i * 7) % 4
      blob.append(b)
      points += [centres[b].0 + Float(random.gaussian(sigma: 0.1)), centres[b].1 + Float(random.gaussian(sigma: 0.1))]
    }
    let r = try cluster(points, 2, k: 4, seed: 11)
    #expect(r.centroidCount == 4)
    // Every point of a blob shares one centroid, and the four blobs use four different ones.
    var label = [Int: UInt8]()
    for i in 0..<200 {
      if let l = label[blob[i]] { #expect(r.assignment[i] == l) } else { label[blob[i]] = r.assignment[i] }
    }
    #expect(Set(label.values).count == 4)
    for b in 0..<4 {
      // The blob's mean, in Double in point order, independently of the clustering.
      let members = (0..<200).filter { blob[$0] == b }
      let mx = members.reduce(0.0) { $0 + Double(points[2 * $1]) } / Double(members.count)
      let my = members.reduce(0.0) { $0 + Double(points[2 * $1 + 1]) } / Double(members.count)
      let c = Int(label[b] ?? 0)
      #expect(r.centroids[2 * c] == Float(mx))
      #expect(r.centroids[2 * c + 1] == Float(my))
    }
  }

  @Test("same seed and generator: bitwise-identical result; another seed: other seeds chosen",
        arguments: ["mt19937", "ranlxd2"])
  func reproducible(generator: String) throws {
    let points = try laplaceVectors(count: 3000, dimension: 2, seed: 5)
    let a = try cluster(points, 2, k: 16, seed: 42, generator: generator)
    let b = try cluster(points, 2, k: 16, seed: 42, generator: generator)
    let c = try cluster(points, 2, k: 16, seed: 43, generator: generator)
    #expect(bits(a.centroids) == bits(b.centroids))
    #expect(a.assignment == b.assignment)
    #expect(a.inertia.bitPattern == b.inertia.bitPattern)
    #expect(a.seedIndices == b.seedIndices)
    #expect(a.seedIndices.count == 16)
    #expect(a.seedIndices != c.seedIndices)
  }

  @Test("pruned Lloyd equals brute force bitwise, with duplicated points and exact ties",
        arguments: [2, 3, 4, 8])
  func pruningIsExact(dimension d: Int) throws {
    // Coordinates on a coarse integer grid: many duplicates and many points exactly
    // equidistant from two centroids.
    let random = try GSLRandom(seed: UInt64(d))
    let points = (0..<(700 * d)).map { _ in Float(random.nextInt(below: 7)) - 3 }
    let weights = (0..<700).map { _ in Float(random.nextInt(below: 3)) }
    for w in [nil, weights] {
      let config = VectorKMeansConfig(nInit: 3, maxIter: 300, tol: 1e-4)
      let pruned = try cluster(points, d, weights: w, k: 12, config: config, seed: 9)
      let plain = try cluster(points, d, weights: w, k: 12, config: config, seed: 9, kernel: .bruteForce)
      #expect(pruned == plain)
      #expect(bits(pruned.centroids) == bits(plain.centroids))
      // The final assignment is the brute-force nearest centroid, lowest index on ties.
      #expect(pruned.assignment == Reference.nearest(points, d, pruned.centroids, 12))

      // Seeds on the grid make exact ties between every pair of centroid indices from the
      // first assignment on (duplicated seeds also leave clusters empty).
      let seeds = (0..<12).map { $0 * 37 }
      for kernel in VectorKMeans.Kernel.allCases {
        expectRestartMatchesReference(points, d, w, seeds: seeds, maxIter: 300, kernel: kernel)
      }
    }
  }

  @Test("one restart equals an independent brute-force Lloyd from the same seeds",
        arguments: [(2, 1e-4), (3, 0.0), (4, 1e-2), (8, 1e-4)])
  func matchesReferenceLloyd(dimension d: Int, tol: Double) throws {
    let points = try laplaceVectors(count: 1500, dimension: d, seed: UInt64(20 + d))
    let random = try GSLRandom(seed: 77)
    let weights = (0..<1500).map { _ in Float(random.nextUniform()) }
    for w in [nil, weights] {
      let seeds = try seedPlusPlus(points, d, w, k: 10, trials: 4, seed: 5)
      let config = VectorKMeansConfig(nLocalTrials: 4, nInit: 1, maxIter: 40, tol: tol)
      let got = try cluster(points, d, weights: w, k: 10, config: config, seed: 5)
      let want = Reference.lloyd(points, d, w, seeds: seeds, maxIter: 40, tol: tol)
      #expect(got.seedIndices == seeds)
      #expect(bits(got.centroids) == bits(want.centroids))
      #expect(got.assignment == want.assignment)
      #expect(got.iterations == want.iterations)
    }
  }

  @Test("a run that stops on no change ends with centroids = means of their clusters")
  func fixedPoint() throws {
    let points = try laplaceVectors(count: 800, dimension: 2, seed: 8)
    let r = try cluster(points, 2, k: 8, config: VectorKMeansConfig(tol: 0), seed: 1)
    #expect(r.iterations < 300)
    #expect(bits(r.centroids) == bits(Reference.means(points, 2, nil, r.assignment, previous: r.centroids)))
    #expect(r.assignment == Reference.nearest(points, 2, r.centroids, 8))
  }

  @Test("k = 1 gives the weighted mean; k = 256 (8 bits) matches brute force")
  func extremeK() throws {
    let points = try laplaceVectors(count: 1200, dimension: 2, seed: 40)
    let weights = (0..<1200).map { Float($0 % 5) }
    let one = try cluster(points, 2, weights: weights, k: 1, seed: 1)
    #expect(one.centroidCount == 1 && one.assignment.allSatisfy { $0 == 0 })
    #expect(bits(one.centroids) == bits(Reference.means(points, 2, weights, one.assignment, previous: [0, 0])))
    let config = VectorKMeansConfig(nInit: 1)
    let many = try cluster(points, 2, k: 256, config: config, seed: 1)
    let plain = try cluster(points, 2, k: 256, config: config, seed: 1, kernel: .bruteForce)
    #expect(many.centroidCount == 256)
    #expect(many == plain)
    #expect(many.assignment == Reference.nearest(points, 2, many.centroids, 256))
  }

  @Test("at most k distinct vectors: reused exactly in first-occurrence order, no randomness used")
  func paletteReuse() throws {
    // Three distinct 2-vectors; -0.0 equals 0.0.
    let points: [Float] = [1, 2, 0, 0, 1, 2, 3, -4, -0.0, 0, 3, -4]
    let random = try GSLRandom(seed: 4)
    let r = points.withUnsafeBufferPointer {
      VectorKMeans.cluster($0, dimension: 2, weights: nil, k: 4, config: VectorKMeansConfig(), random: random)
    }
    #expect(r.centroidCount == 3)
    #expect(r.centroids == [1, 2, 0, 0, 3, -4])
    #expect(r.assignment == [0, 1, 0, 2, 1, 2])
    #expect(r.inertia == 0)
    #expect(r.iterations == 0)
    #expect(r.seedIndices.isEmpty)
    let fresh = try GSLRandom(seed: 4)
    #expect(random.nextRaw() == fresh.nextRaw())

    // Exactly k distinct is still reuse; k + 1 distinct clusters into k.
    #expect(try cluster(points, 2, k: 3, seed: 1).iterations == 0)
    let clustered = try cluster(points, 2, k: 2, seed: 1)
    #expect(clustered.centroidCount == 2 && clustered.seedIndices.count == 2)
  }

  @Test("k larger than n: clusterDim 4 on 16 weights at 4 bits gives the 4 vectors")
  func kLargerThanN() throws {
    let points = (0..<16).map { Float($0) * 0.5 - 3 }
    let r = try cluster(points, 4, k: 16, seed: 1)
    #expect(r.centroidCount == 4)
    #expect(r.centroids == points)
    #expect(r.assignment == [0, 1, 2, 3])
  }

  @Test("weights move means: hand-worked case, a zero-weight outlier moves nothing")
  func weightedMeans() throws {
    // Clusters {(0,0) w1, (1,0) w3} and {(10,0) w1, (11,0) w1}; (100,0) has weight 0.
    let points: [Float] = [0, 0, 1, 0, 10, 0, 11, 0, 100, 0]
    let weights: [Float] = [1, 3, 1, 1, 0]
    for seed in UInt64(1)...5 {
      let r = try cluster(points, 2, weights: weights, k: 2, seed: seed)
      // The outlier can never be a seed: its seeding mass is 0.
      #expect(!r.seedIndices.contains(4))
      let xs = [r.centroids[0], r.centroids[2]].sorted()
      #expect(xs == [0.75, 10.5])
      #expect(r.centroids[1] == 0 && r.centroids[3] == 0)
      // 1·0.75² + 3·0.25² + 1·0.5² + 1·0.5² (+ 0·89.5²) = 1.25
      #expect(r.inertia == 1.25)
    }
  }

  @Test("an empty cluster keeps its centroid (hand-worked, duplicated seeds)", arguments: VectorKMeans.Kernel.allCases)
  func emptyCluster(kernel: VectorKMeans.Kernel) throws {
    // Seeds 0, 0, 2: centroids (0,0), (0,0), (10,0). Iteration 1: A and B tie between 0 and 1
    // and go to 0; cluster 1 is empty and keeps (0,0); c0 → (1,0). Iteration 2: A moves to
    // c1; c0 → (2,0), c1 → (0,0). Iteration 3: no change.
    let points: [Float] = [0, 0, 2, 0, 10, 0]
    let lloyd = lloydKernel(kernel, points, 2, k: 3)
    let r = points.withUnsafeBufferPointer {
      lloyd.run($0, weights: nil, seeds: [0, 0, 2], maxIter: 300, tol: 1e-4)
    }
    #expect(r.centroids == [2, 0, 0, 0, 10, 0])
    #expect(r.assignment == [1, 0, 2])
    #expect(r.iterations == 3)
    #expect(r.inertia == 0)
  }

  @Test("inertia equals an independently computed Σ w·‖x − c‖²")
  func inertia() throws {
    let points = try laplaceVectors(count: 2000, dimension: 3, seed: 12)
    let random = try GSLRandom(seed: 13)
    let weights = (0..<2000).map { _ in Float(random.nextUniform() * 2) }
    let r = try cluster(points, 3, weights: weights, k: 16, seed: 2)
    let want = Reference.inertia(points, 3, weights, r.centroids, r.assignment)
    #expect(r.inertia == want)
    #expect(r.inertia > 0)
  }

  @Test("seeding: distinct seeds on distinct data, zero-weight vectors never chosen")
  func seeding() throws {
    let points = try laplaceVectors(count: 1000, dimension: 2, seed: 30)
    let weights = (0..<1000).map { Float($0 % 2) }
    let seeds = try points.withUnsafeBufferPointer { pb in
      try weights.withUnsafeBufferPointer { wb in
        VectorKMeans.seedPlusPlus(pb, dimension: 2, weights: wb, k: 32, trials: 5, random: try GSLRandom(seed: 3))
      }
    }
    #expect(seeds.count == 32)
    #expect(Set(seeds).count == 32)
    #expect(seeds.allSatisfy { $0 % 2 == 1 })
  }

  @Test("SIMD nearest-centroid search equals a scalar scan: index (ties to the lowest), distance, runner-up; also over a candidate list",
        arguments: [1, 2, 3, 4, 5, 8], [1, 3, 5, 16, 17, 40, 256])
  func nearestKernel(dimension d: Int, k: Int) throws {
    // Integer grid coordinates: exact ties between centroids, duplicated centroids, and
    // vectors sitting on centroids (distance 0).
    let random = try GSLRandom(seed: UInt64(100 * d + k))
    let centroids = (0..<(k * d)).map { _ in Float(random.nextInt(below: 5)) - 2 }
    let points = (0..<(64 * d)).map { _ in Float(random.nextInt(below: 7)) - 3 }
    let table = VectorKMeans.CentroidTable(k: k, dimension: d)
    defer { table.deallocate() }
    centroids.withUnsafeBufferPointer { table.load($0.baseAddress!) }
    let subsets = try GSLRandom(seed: UInt64(7 * d + k))
    for group in 0..<16 {
      // Coordinate j of vector 4·group + r in lane r of row j.
      let rows = (0..<d).map { j in SIMD4<Float>((0..<4).map { points[(4 * group + $0) * d + j] }) }
      let found = rows.withUnsafeBufferPointer { rows in
        switch d {
        case 2: table.nearest(Width2.self, rows.baseAddress!, runnerUp: true)
        case 4: table.nearest(Width4.self, rows.baseAddress!, runnerUp: true)
        case 8: table.nearest(Width8.self, rows.baseAddress!, runnerUp: true)
        default: table.nearest(WidthAny.self, rows.baseAddress!, runnerUp: true)
        }
      }
      for r in 0..<4 {
        let i = 4 * group + r
        let distances = (0..<k).map { Reference.distance(points, i, centroids, $0, d) }
        let want = Reference.nearest(Array(points[(i * d)..<(i * d + d)]), d, centroids, k)[0]
        #expect(found.index[r] == Int(want))
        #expect(found.distance[r].bitPattern == distances[Int(want)].bitPattern)
        let others = distances.enumerated().filter { $0.offset != Int(want) }.map(\.element)
        #expect(found.runnerUp[r] == (others.min() ?? .infinity))
      }
      // The search over a random candidate list (in index order): its lowest-index minimum.
      let candidates = (0..<k).filter { _ in subsets.nextInt(below: 3) == 0 }.map(Int32.init)
      guard !candidates.isEmpty else { continue }
      let among = rows.withUnsafeBufferPointer { rows in
        candidates.withUnsafeBufferPointer { list in
          switch d {
          case 2: table.nearest(Width2.self, rows.baseAddress!, among: list.baseAddress!, count: list.count)
          case 4: table.nearest(Width4.self, rows.baseAddress!, among: list.baseAddress!, count: list.count)
          case 8: table.nearest(Width8.self, rows.baseAddress!, among: list.baseAddress!, count: list.count)
          default: table.nearest(WidthAny.self, rows.baseAddress!, among: list.baseAddress!, count: list.count)
          }
        }
      }
      for r in 0..<4 {
        let distance = { (c: Int32) in Reference.distance(points, 4 * group + r, centroids, Int(c), d) }
        let want = candidates.dropFirst().reduce(candidates[0]) { distance($1) < distance($0) ? $1 : $0 }
        #expect(among[r] == Int(want))
      }
    }
  }

  @Test("pruned Lloyd equals the reference Lloyd for k = 5, 16, 17, 40 (ties and Laplace data)",
        arguments: [2, 3, 4], [5, 16, 17, 40])
  func prunedMatchesReference(dimension d: Int, k: Int) throws {
    let random = try GSLRandom(seed: UInt64(10 * d + k))
    let grid = (0..<(600 * d)).map { _ in Float(random.nextInt(below: 9)) - 4 }
    let laplace = try laplaceVectors(count: 1100, dimension: d, seed: UInt64(k))
    let weights = (0..<1100).map { _ in Float(random.nextInt(below: 4)) }
    for (points, w) in [(grid, nil), (laplace, nil), (laplace, weights)] as [([Float], [Float]?)] {
      // Seeds may repeat a vector: equal centroids, exact ties, empty clusters.
      let seeds = (0..<k).map { ($0 * 37) % (points.count / d) }
      for kernel in [VectorKMeans.Kernel.reference, .filtering] {
        expectRestartMatchesReference(points, d, w, seeds: seeds, maxIter: 60, kernel: kernel)
      }
    }
  }

  @Test("k-means++ seeding equals the documented draw order written out with plain arrays",
        arguments: [2, 3, 4])
  func seedingMatchesReference(dimension d: Int) throws {
    // 700 vectors: two full blocks of 256 and a partial one; duplicates and zero weights.
    let random = try GSLRandom(seed: UInt64(d))
    let points = (0..<(700 * d)).map { _ in Float(random.nextInt(below: 6)) * 0.25 }
    let weights = (0..<700).map { _ in Float(random.nextInt(below: 3)) }
    for w in [nil, weights] {
      let got = try seedPlusPlus(points, d, w, k: 12, trials: 3, seed: 21)
      let want = Reference.seeds(points, d, w, k: 12, trials: 3, random: try GSLRandom(seed: 21))
      #expect(got == want)
    }
  }
}
