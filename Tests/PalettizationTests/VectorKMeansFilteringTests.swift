import Testing
@testable import Palettization

/// An adversarial 2-vector input for the kd-tree kernel and the seeds to start from.
struct FilteringCase: CustomTestStringConvertible, Sendable {
  var name: String
  var points: [Float]
  var weights: [Float]?
  var seeds: [Int]
  var testDescription: String { name }

  static func all() throws -> [FilteringCase] {
    let random = try GSLRandom(seed: 31)
    let laplace = (0..<(2 * 4000)).map { _ in Float(random.laplace(scale: 0.02)) }
    // Integer coordinates: many duplicates, and many vectors exactly between two centroids.
    let grid = (0..<(2 * 3000)).map { _ in Float(random.nextInt(below: 9)) - 4 }
    // 50 distinct vectors, each 60 times, interleaved.
    let distinct = (0..<100).map { _ in Float(random.laplace(scale: 1)) }
    let repeated = (0..<3000).flatMap { i in distinct[(2 * (i % 50))..<(2 * (i % 50) + 2)] }
    let equal = [Float](repeating: 0.25, count: 2 * 700)
    let zeroWeights = (0..<3000).map { _ in Float(random.nextInt(below: 3)) }
    // A blob with a few far vectors (1e6) and tiny ones (1e-30): boxes of every scale.
    let extremes = (0..<(2 * 2000)).map { i -> Float in
      switch (i / 2) % 101 {
      case 0: return Float(random.gaussian(sigma: 1e6))
      case 1: return Float(random.gaussian(sigma: 1e-30))
      default: return 1 + Float(random.gaussian(sigma: 1e-3))
      }
    }
    return [
      FilteringCase(name: "Laplace, k 16", points: laplace, seeds: (0..<16).map { $0 * 211 }),
      FilteringCase(name: "Laplace, k 64, uniform weights", points: laplace,
                    weights: (0..<4000).map { _ in Float(random.nextUniform() * 2) }, seeds: (0..<64).map { $0 * 59 }),
      FilteringCase(name: "integer grid, exact ties, k 12", points: grid, seeds: (0..<12).map { $0 * 37 }),
      FilteringCase(name: "integer grid, zero weights, k 20", points: grid, weights: zeroWeights,
                    seeds: (0..<20).map { $0 * 41 }),
      FilteringCase(name: "duplicated seeds: equal centroids, empty clusters", points: grid,
                    seeds: [5, 5, 5, 17, 17, 900, 5, 2999]),
      FilteringCase(name: "50 distinct vectors, k 8", points: repeated, seeds: (0..<8).map { $0 * 7 }),
      FilteringCase(name: "k 60 above the 50 distinct vectors", points: repeated, seeds: (0..<60).map { $0 % 50 }),
      FilteringCase(name: "all vectors equal, k 4", points: equal, seeds: [0, 1, 2, 3]),
      FilteringCase(name: "huge and tiny coordinates, k 16", points: extremes, seeds: (0..<16).map { $0 * 123 }),
      FilteringCase(name: "fewer vectors than a leaf, k 3", points: Array(laplace[0..<18]), seeds: [0, 4, 8]),
      FilteringCase(name: "k 1", points: laplace, seeds: [17]),
      FilteringCase(name: "k 256", points: laplace, seeds: (0..<256).map { $0 * 15 }),
    ]
  }
}

@Suite("kd-tree filtering kernel")
struct VectorKMeansFilteringTests {
  @Test("every assignment, centroid and iteration count equals brute-force Lloyd", arguments: try FilteringCase.all())
  func restartEqualsReference(_ c: FilteringCase) throws {
    let want = Reference.lloyd(c.points, 2, c.weights, seeds: c.seeds, maxIter: 300, tol: 1e-4)
    // With the sums of every vector (blocks below `momentsFrom`), and from exact moments.
    for momentsFrom in [VectorKMeans.FilteringLloyd.momentsFrom, 0] {
      let lloyd = c.points.withUnsafeBufferPointer {
        VectorKMeans.FilteringLloyd($0, dimension: 2, k: c.seeds.count, momentsFrom: momentsFrom)
      }
      let got = c.points.withUnsafeBufferPointer { p in
        withOptionalBuffer(c.weights) { w in lloyd.run(p, weights: w, seeds: c.seeds, maxIter: 300, tol: 1e-4) }
      }
      #expect(got.centroids.map(\.bitPattern) == want.centroids.map(\.bitPattern), "momentsFrom \(momentsFrom)")
      #expect(got.assignment == want.assignment, "momentsFrom \(momentsFrom)")
      #expect(got.iterations == want.iterations, "momentsFrom \(momentsFrom)")
      #expect(got.inertia.bitPattern == Reference.inertia(c.points, 2, c.weights, got.centroids, got.assignment).bitPattern)
      if momentsFrom == 0 && c.weights == nil && c.points.count >= 2 * 4000 {
        #expect(lloyd.momentPasses > 0)
      }
    }
  }

  @Test("one assignment pass equals brute force from any centroids, ties to the lowest index",
        arguments: [1, 2, 3, 4, 8], [1, 2, 5, 16, 40])
  func assignmentPass(dimension d: Int, k: Int) throws {
    let random = try GSLRandom(seed: UInt64(10 * d + k))
    // Coordinates on a half-integer grid: exact ties, duplicated centroids, vectors on centroids.
    let points = (0..<(900 * d)).map { _ in Float(random.nextInt(below: 13)) * 0.5 - 3 }
    let lloyd = points.withUnsafeBufferPointer { VectorKMeans.FilteringLloyd($0, dimension: d, k: k, momentsFrom: 0) }
    let seeds = (0..<k).map { ($0 * 97) % 900 }
    points.withUnsafeBufferPointer { p in
      lloyd.start(p, seeds: seeds)
      for pass in 0..<3 {
        let centroids = Array(lloyd.centroidValues)
        _ = lloyd.assign(p, weights: nil, first: pass == 0, accumulate: true, inertia: false)
        #expect(Array(lloyd.assignmentValues) == Reference.nearest(points, d, centroids, k), "pass \(pass)")
        lloyd.update(p, weights: nil)
      }
    }
  }

  @Test("kd-tree: order is a permutation, nodes nest in preorder, boxes hold their vectors, leaves are small",
        arguments: [2, 3, 4])
  func treeInvariants(dimension d: Int) throws {
    let random = try GSLRandom(seed: UInt64(40 + d))
    // Laplace values with runs of duplicates.
    let distinct = (0..<(800 * d)).map { _ in Float(random.laplace(scale: 0.5)) }
    let points = (0..<2000).flatMap { i in distinct[((i % 800) * d)..<((i % 800) * d + d)] }
    let tree = points.withUnsafeBufferPointer { VectorKMeans.KDTree($0, dimension: d) }
    defer { tree.deallocate() }
    #expect(Set(tree.order.map(Int.init)) == Set(0..<2000))
    for i in 0..<2000 {
      for j in 0..<d { #expect(tree.sortedPoints[i * d + j] == points[Int(tree.order[i]) * d + j]) }
    }
    #expect(tree.start[0] == 0 && tree.end[0] == 2000 && Int(tree.subtreeEnd[0]) == tree.nodeCount)
    for v in 0..<tree.nodeCount {
      let first = Int(tree.start[v]), last = Int(tree.end[v])
      for i in first..<last {
        for j in 0..<d {
          let x = Double(tree.sortedPoints[i * d + j])
          #expect(abs(x - tree.middle[v * d + j]) <= tree.half[v * d + j])
        }
      }
      if tree.isLeaf(v) {
        #expect(tree.subtreeEnd[v] == Int32(v + 1))
        let rows = (first..<last).map { Array(tree.sortedPoints[($0 * d)..<($0 * d + d)]) }
        #expect(last - first <= VectorKMeans.KDTree.leafSize || Set(rows).count == 1)
      } else {
        let left = v + 1, right = Int(tree.right[v])
        #expect(tree.start[left] == tree.start[v] && tree.end[left] == tree.start[right] && tree.end[right] == tree.end[v])
        #expect(tree.subtreeEnd[left] == Int32(right) && tree.subtreeEnd[right] == tree.subtreeEnd[v])
        #expect(tree.start[right] > tree.start[v] && tree.end[left] < tree.end[v])
      }
    }
  }

  @Test("inertia estimates: exact ones decide as the sequential test; bounds contain the sequential sum")
  func inertiaEstimates() throws {
    // Exact: the schedule's comparison itself, including the equality edge.
    for (last, now, tol) in [(100.0, 99.96, 1e-4), (100.0, 99.94, 1e-4), (100.0, 99.95, 1e-4), (0.0, 0.0, 1e-4), (5.0, 5.0, 0.0)] {
      #expect(InertiaEstimate.improvesTooLittle(.init(exactly: last), .init(exactly: now), tol: tol) == (last - now < 5 * tol * last))
    }
    // Wide enough to straddle the threshold: undecided; narrow: decided as the midpoints.
    var last = InertiaEstimate(exactly: 100), now = InertiaEstimate(exactly: 99.95)
    now.bound = 0.01
    #expect(InertiaEstimate.improvesTooLittle(last, now, tol: 1e-4) == nil)
    last.bound = 1e-9
    now = InertiaEstimate(exactly: 99.9)
    now.bound = 1e-9
    #expect(InertiaEstimate.improvesTooLittle(last, now, tol: 1e-4) == false)

    // The kernel's estimates (4 reordered sums when weighted, exact moments when not) contain
    // the sequential sum and are tight enough to decide; its snapshots give that sum back.
    let random = try GSLRandom(seed: 77)
    let points = (0..<(2 * 5000)).map { _ in Float(random.laplace(scale: 0.02)) }
    let weights = (0..<5000).map { _ in Float(random.nextUniform()) }
    for weighted in [true, false] {
      let lloyd = points.withUnsafeBufferPointer { VectorKMeans.FilteringLloyd($0, dimension: 2, k: 9, momentsFrom: 0) }
      points.withUnsafeBufferPointer { p in
        withOptionalBuffer(weighted ? weights : nil) { w in
          lloyd.start(p, seeds: (0..<9).map { $0 * 300 })
          var exact: [Double] = []
          for pass in 0..<3 {
            let centroids = Array(lloyd.centroidValues)
            let estimate = lloyd.assign(p, weights: w, first: pass == 0, accumulate: true, inertia: true).inertia
            let sequential = Reference.inertia(
              points, 2, weighted ? weights : nil, centroids, Array(lloyd.assignmentValues))
            #expect(estimate.bound > 0 && abs(estimate.value - sequential) <= estimate.bound, "weighted \(weighted)")
            #expect(estimate.bound < 1e-9 * sequential, "weighted \(weighted)")
            exact.append(sequential)
            lloyd.update(p, weights: w)
          }
          #expect(lloyd.exactInertia(p, weights: w, ago: 0).bitPattern == exact[2].bitPattern)
          #expect(lloyd.exactInertia(p, weights: w, ago: 1).bitPattern == exact[1].bitPattern)
        }
      }
    }
  }

  @Test("means from exact moments: the sequential sums' means when proven, unproven on a Float tie")
  func momentMeans() throws {
    // Hand-worked: the mean of 1 and 1 + 2⁻²³ is 1 + 2⁻²⁴, exactly between two Floats, where
    // any error in the sum could round either way; the mean of 1 and 1 + 2⁻²² is the Float
    // 1 + 2⁻²³.
    func means(_ xs: [Float]) -> [Float]? {
      let moments = VectorKMeans.ExactMoments(
        rows: 1, dimension: 1, quantizer: .init(largest: Double(xs.map(\.magnitude).max() ?? 0)))
      defer { moments.deallocate() }
      xs.withUnsafeBufferPointer { x in
        for i in 0..<xs.count { moments.add(WidthAny.self, vector: x.baseAddress! + i, to: 0) }
      }
      var out: [Float] = [0], scratch: [Float] = [0]
      let counts = [xs.count]
      return moments.means(counts: counts, into: &out, scratch: &scratch) ? out : nil
    }
    #expect(means([1, 1 + 0x1p-23]) == nil)
    #expect(means([1, 1 + 0x1p-22]) == [1 + 0x1p-23])
    #expect(means([-3, 5, 0.25]) == [Float(2.25 / 3.0)])

    // Random clusters (Laplace coordinates, tiny and huge ones mixed in): every proven mean is
    // bitwise the mean of the sequential Double sums, and almost all are proven.
    let random = try GSLRandom(seed: 91)
    var proven = 0
    for trial in 0..<200 {
      let n = 1 + random.nextInt(below: 3000)
      let spread = trial % 3 == 0 ? 1e-20 : 1
      let xs = (0..<n).map { i in Float(random.laplace(scale: i % 97 == 0 ? 50 * spread : 0.02 * spread)) }
      var sum = 0.0
      for x in xs { sum += Double(x) }
      if let got = means(xs) {
        proven += 1
        #expect(got[0].bitPattern == Float(sum / Double(n)).bitPattern, "trial \(trial)")
      }
    }
    #expect(proven >= 190)
  }

  @Test("a cluster mean on a Float tie falls back to the sequential sums, with brute force's result")
  func unprovenMeans() throws {
    // Two groups far apart; group A's mean x is 1 + 2⁻²⁴, a tie between two Floats.
    var points: [Float] = []
    for i in 0..<3000 {
      switch i % 4 {
      case 0: points += [1, 0]
      case 1: points += [1 + 0x1p-23, 0]
      case 2: points += [-1, 5]
      default: points += [-1, 5 + 0x1p-21]
      }
    }
    let seeds = [0, 2]
    let want = Reference.lloyd(points, 2, nil, seeds: seeds, maxIter: 300, tol: 1e-4)
    let lloyd = points.withUnsafeBufferPointer { VectorKMeans.FilteringLloyd($0, dimension: 2, k: 2, momentsFrom: 0) }
    let got = points.withUnsafeBufferPointer { lloyd.run($0, weights: nil, seeds: seeds, maxIter: 300, tol: 1e-4) }
    #expect(lloyd.sequentialPasses >= 1)
    #expect(got.centroids.map(\.bitPattern) == want.centroids.map(\.bitPattern))
    #expect(got.centroids[0] == 1)
    #expect(got.assignment == want.assignment)
  }

  @Test("block-by-block and kd-tree seeding equal one-candidate-at-a-time seeding", arguments: [2, 3, 4, 8])
  func seedingPaths(dimension d: Int) throws {
    let random = try GSLRandom(seed: UInt64(60 + d))
    // 1,000 vectors: three full blocks of 256 and a partial one (lanes of the tail).
    let points = (0..<(1000 * d)).map { _ in Float(random.laplace(scale: 0.02)) }
    let weights = (0..<1000).map { _ in Float(random.nextInt(below: 4)) }
    for w in [nil, weights] {
      let seeds = try [false, true].map { fused in
        let r = try GSLRandom(seed: 5)
        return points.withUnsafeBufferPointer { p in
          withOptionalBuffer(w) { VectorKMeans.seedPlusPlus(p, dimension: d, weights: $0, k: 20, trials: 4, random: r, fused: fused) }
        }
      }
      #expect(seeds[0] == seeds[1])
      #expect(seeds[1].count == 20)
    }
    let treeRandom = try GSLRandom(seed: 5)
    let tree = points.withUnsafeBufferPointer { p in
      let tree = VectorKMeans.KDTree(p, dimension: d)
      defer { tree.deallocate() }
      return VectorKMeans.seedTree(p, dimension: d, tree: tree, k: 20, trials: 4, random: treeRandom)
    }
    let r = try GSLRandom(seed: 5)
    #expect(tree == points.withUnsafeBufferPointer {
      VectorKMeans.seedPlusPlus($0, dimension: d, weights: nil, k: 20, trials: 4, random: r, fused: false)
    })
  }

  @Test("seeding through the kd-tree equals one-candidate-at-a-time seeding, ties and duplicates included")
  func treeSeeding() throws {
    var undecided = 0
    for c in try FilteringCase.all() where c.weights == nil {
      for (k, trials) in [(c.seeds.count, 4), (min(c.seeds.count, 5), 9)] {
        let want = try c.points.withUnsafeBufferPointer { p in
          VectorKMeans.seedPlusPlus(p, dimension: 2, weights: nil, k: k, trials: trials, random: try GSLRandom(seed: 8), fused: false)
        }
        let random = try GSLRandom(seed: 8)
        let got = c.points.withUnsafeBufferPointer { p in
          let tree = VectorKMeans.KDTree(p, dimension: 2)
          defer { tree.deallocate() }
          let seeding = VectorKMeans.TreeSeeding<Width2>(p, dimension: 2, tree: tree)
          defer { undecided += seeding.sequentialSteps }
          return seeding.seeds(k: k, trials: trials, random: random)
        }
        #expect(got == want, "\(c.name), k \(k), \(trials) trials")
      }
    }
    // The integer grid's exact ties leave candidates the bounds cannot separate.
    #expect(undecided > 0)
  }

  @Test("large blocks of 2-vectors use the kd-tree; small blocks and other widths the previous kernel")
  func automaticKernel() {
    #expect(VectorKMeans.Kernel.automatic(dimension: 2, count: 294_912) == .filtering)
    #expect(VectorKMeans.Kernel.automatic(dimension: 2, count: 3_072) == .filtering)
    #expect(VectorKMeans.Kernel.automatic(dimension: 2, count: 2_047) == .reference)
    #expect(VectorKMeans.Kernel.automatic(dimension: 4, count: 147_456) == .reference)
    #expect(VectorKMeans.Kernel.automatic(dimension: 8, count: 73_728) == .reference)
  }
}
