import Testing
@testable import Palettization

/// The coarse-to-fine pruned search against brute force (tiny inputs) and against the full
/// layered programme (medium inputs, where the full programme is the reference).
@Suite("OptimalKMeans1D: coarse-to-fine pruned search")
struct OptimalKMeans1DTests {
  /// Seeded test data: sorted distinct values with weights.
  enum Shape: String, CaseIterable {
    /// Laplace values, unit weights.
    case laplace
    /// Laplace values, weights in (0.5, 1.5).
    case weightedLaplace
    /// Integers 0..<n with equal weights: many exactly tied partitions.
    case evenGrid
    /// Five tight clumps far apart, weighted: the cost hardly falls beyond k = 5.
    case clumps
    /// Laplace values rounded to a coarse grid, weights = multiplicities (duplicates merged).
    case duplicates
  }

  static func data(_ shape: Shape, count: Int, seed: UInt64) throws -> (x: [Double], w: [Double]) {
    let rng = try GSLRandom(generator: "mt19937", seed: seed)
    switch shape {
    case .laplace, .weightedLaplace:
      let x = Array(Set((0..<count).map { _ in rng.laplace(scale: 0.02) })).sorted()
      let w = x.map { _ in shape == .laplace ? 1 : 0.5 + rng.nextUniform() }
      return (x, w)
    case .evenGrid:
      return ((0..<count).map(Double.init), [Double](repeating: 2, count: count))
    case .clumps:
      let raw = (0..<count).map { _ in Double(rng.nextInt(below: 5)) * 100 + rng.gaussian(sigma: 0.01) }
      let x = Array(Set(raw)).sorted()
      return (x, x.map { _ in 1 + Double(rng.nextInt(below: 3)) })
    case .duplicates:
      var counts: [Double: Double] = [:]
      for _ in 0..<(4 * count) { counts[(rng.laplace(scale: 1) * 20).rounded() / 20, default: 0] += 1 }
      let x = counts.keys.sorted()
      return (x, x.map { counts[$0] ?? 0 })
    }
  }

  @Test("pruned search equals brute force over all contiguous partitions (n <= 12, every k, slot sizes 2 and 3)")
  func matchesBruteForce() throws {
    let rng = try GSLRandom(generator: "mt19937", seed: 77)
    for trial in 0..<120 {
      let n = 3 + rng.nextInt(below: 10)
      let x: [Double] = trial % 2 == 0
        ? Array(Set((0..<n).map { _ in Double(rng.nextInt(below: 40)) * 0.25 })).sorted()
        : (0..<n).map { _ in rng.gaussian(sigma: 1) }.sorted()
      let w: [Double] = x.map { _ in trial % 3 == 0 ? 1 : 0.1 + rng.nextUniform() * 3 }
      for k in 2..<x.count {
        let expected = ScalarReference.bruteForce(x, w, clusters: k)
        let automatic = OptimalKMeans1D.solve(values: x, weights: w, k: k)
        #expect(ScalarReference.close(automatic.cost, expected), "trial \(trial) k \(k)")
        for slot in [2, 3] {
          let forced = x.withUnsafeBufferPointer { x in
            w.withUnsafeBufferPointer { w in
              OptimalKMeans1D.solve(values: x, weights: w, k: k,
                                    method: .coarseToFine(initialSlotSize: slot, nodeBudget: 1 << 20))
            }
          }
          #expect(forced.starts.count == k && forced.starts.first == 0, "trial \(trial) k \(k)")
          #expect(zip(forced.starts, forced.starts.dropFirst()).allSatisfy { $0 < $1 })
          #expect(ScalarReference.close(forced.cost, expected), "trial \(trial) k \(k) slot \(slot)")
        }
      }
    }
  }

  @Test("pruned search cost equals the full programme's (relative 1e-12), several first slot sizes",
        arguments: Shape.allCases)
  func matchesFullProgramme(shape: Shape) throws {
    for (index, count) in [1500, 4000].enumerated() {
      let (x, w) = try Self.data(shape, count: count, seed: UInt64(100 + index))
      for k in [2, 3, 5, 6, 7, 16, 33, 64, 200] where k < x.count {
        x.withUnsafeBufferPointer { xs in
          w.withUnsafeBufferPointer { ws in
            let full = OptimalKMeans1D.solve(values: xs, weights: ws, k: k, method: .layers(tableLimit: .max))
            #expect(ScalarReference.close(ScalarReference.cost(x, w, starts: full.starts), full.cost))
            var methods: [OptimalKMeans1D.Method] = [.automatic]
            for slot in [nil, 7, 64, 400] as [Int?] {
              methods.append(.coarseToFine(initialSlotSize: slot, nodeBudget: 1 << 22))
            }
            let lagrangian = OptimalKMeans1D.solve(values: xs, weights: ws, k: k, method: .lagrangian)
            if shape != .evenGrid || !lagrangian.starts.isEmpty { methods.append(.lagrangian) }
            for method in methods {
              let pruned = OptimalKMeans1D.solve(values: xs, weights: ws, k: k, method: method)
              #expect(pruned.starts.count == k && pruned.starts.first == 0, "\(shape) n \(x.count) k \(k) \(method)")
              #expect(zip(pruned.starts, pruned.starts.dropFirst()).allSatisfy { $0 < $1 })
              #expect(ScalarReference.close(pruned.cost, full.cost, relative: 1e-12),
                      "\(shape) n \(x.count) k \(k) \(method): \(pruned.cost) vs \(full.cost)")
            }
          }
        }
      }
    }
  }

  @Test("the layered programme and the Lagrangian search equal a naive O(k·n²) programme",
        arguments: Shape.allCases)
  func matchesNaiveProgramme(shape: Shape) throws {
    let (x, w) = try Self.data(shape, count: 300, seed: 31)
    let n = x.count
    // Independent sums (not `SegmentCosts`): cost(i, j) from plain prefix sums of w, wx, wx².
    var sw = [0.0], swx = [0.0], swxx = [0.0]
    for t in 0..<n {
      sw.append(sw[t] + w[t])
      swx.append(swx[t] + w[t] * x[t])
      swxx.append(swxx[t] + w[t] * x[t] * x[t])
    }
    func cost(_ i: Int, _ j: Int) -> Double {
      let s = swx[j] - swx[i]
      return max(0, swxx[j] - swxx[i] - s * s / (sw[j] - sw[i]))
    }
    var layer = (0...n).map { $0 == 0 ? 0 : cost(0, $0) }
    for k in 2...40 {
      var next = [Double](repeating: .infinity, count: n + 1)
      for j in k...n {
        for i in (k - 1)..<j { next[j] = min(next[j], layer[i] + cost(i, j)) }
      }
      layer = next
      guard [2, 3, 7, 16, 40].contains(k) else { continue }
      let expected = layer[n]
      let tolerance = 1e-9 * swxx[n]
      let layered = OptimalKMeans1D.solve(values: x, weights: w, k: k, method: .layers(tableLimit: .max))
      #expect(layered.starts.count == k)
      #expect(abs(layered.cost - expected) <= tolerance, "\(shape) k \(k): \(layered.cost) vs \(expected)")
      let lagrangian = OptimalKMeans1D.solve(values: x, weights: w, k: k, method: .lagrangian)
      #expect(lagrangian.starts.count == k || (shape == .evenGrid && lagrangian.starts.isEmpty))
      if !lagrangian.starts.isEmpty {
        #expect(abs(lagrangian.cost - expected) <= tolerance, "\(shape) k \(k): \(lagrangian.cost) vs \(expected)")
      }
    }
  }

  @Test("the Lagrangian search's queue gives the same partition when its buffer must move and grow")
  func lagrangianQueueGrowth() throws {
    let (x, w) = try Self.data(.weightedLaplace, count: 3000, seed: 12)
    x.withUnsafeBufferPointer { xs in
      w.withUnsafeBufferPointer { ws in
        let costs = SegmentCosts(values: xs, weights: ws)
        for k in [2, 16, 200] {
          let roomy = LagrangianSearch(costs: costs, value: { xs[$0] }, clusters: k).optimalStarts()
          let cramped = LagrangianSearch(costs: costs, value: { xs[$0] }, clusters: k, queueCapacity: 1)
            .optimalStarts()
          #expect(roomy != nil && roomy == cramped, "k \(k)")
          let full = OptimalKMeans1D.solve(values: x, weights: w, k: k, method: .layers(tableLimit: .max))
          #expect(ScalarReference.close(costs.partitionCost(cramped ?? []), full.cost, relative: 1e-12))
        }
      }
    }
  }

  @Test("a first penalty from a coarse version of the problem gives the same optimum", arguments: [4, 16, 40])
  func lagrangianCoarsening(k: Int) throws {
    let (x, w) = try Self.data(.laplace, count: 4000, seed: 21)
    x.withUnsafeBufferPointer { xs in
      w.withUnsafeBufferPointer { ws in
        let costs = SegmentCosts(values: xs, weights: ws)
        let direct = LagrangianSearch(costs: costs, value: { xs[$0] }, clusters: k).optimalStarts()
        let viaCoarse = LagrangianSearch(costs: costs, value: { xs[$0] }, clusters: k,
                                         coarseningThreshold: 1000, coarseCount: 400).optimalStarts()
        let full = OptimalKMeans1D.solve(values: x, weights: w, k: k, method: .layers(tableLimit: .max))
        #expect(direct == full.starts && viaCoarse == full.starts, "k \(k)")
      }
    }
  }

  @Test("values a few ulps apart and weights over 30 orders of magnitude: k runs, cost of the full programme",
        arguments: [2, 5, 17])
  func nearlyDegenerateInputs(k: Int) {
    // Prefix sums cancel to 0 on the first; the second has a point with negligible weight.
    var tight: [Double] = [1]
    for _ in 1..<60 { tight.append(tight[tight.count - 1].nextUp) }
    let wide: [Double] = (0..<60).map { Double($0) * 0.01 }
    let cases: [(x: [Double], w: [Double])] = [
      (tight, [Double](repeating: 1, count: 60)),
      (wide, (0..<60).map { $0 == 30 ? 1e-30 : 1 + Double($0 % 7) }),
    ]
    for (x, w) in cases {
      let automatic = OptimalKMeans1D.solve(values: x, weights: w, k: k)
      let full = OptimalKMeans1D.solve(values: x, weights: w, k: k, method: .layers(tableLimit: .max))
      #expect(automatic.starts.count == k && automatic.starts.first == 0)
      #expect(zip(automatic.starts, automatic.starts.dropFirst()).allSatisfy { $0 < $1 })
      #expect(automatic.cost >= 0 && abs(automatic.cost - full.cost) <= 1e-9 * max(full.cost, 1e-300) + 1e-30,
              "k \(k): \(automatic.cost) vs \(full.cost)")
    }
  }

  @Test("the Lagrangian search gives up where k is no hull vertex; the automatic path still finds the optimum")
  func lagrangianCollinear() {
    // 0, 1, 2, 3 with equal weights: f(2) = 1, f(3) = 0.5, f(4) = 0 lie on one line, so no
    // penalty makes 3 runs the unique optimum; the cost of 3 runs is 0.5 (hand-computed: {0,1}
    // costs 0.5, the singletons 0).
    let x: [Double] = [0, 1, 2, 3]
    let w: [Double] = [1, 1, 1, 1]
    let automatic = OptimalKMeans1D.solve(values: x, weights: w, k: 3)
    #expect(automatic.cost == 0.5 && automatic.starts.count == 3)
    let lagrangian = OptimalKMeans1D.solve(values: x, weights: w, k: 3, method: .lagrangian)
    #expect(lagrangian.starts.isEmpty || lagrangian.cost == 0.5)
    // 2 runs is a vertex (f(1) = 5): found directly, {0,1} and {2,3}.
    let two = OptimalKMeans1D.solve(values: x, weights: w, k: 2, method: .lagrangian)
    #expect(two.starts == [0, 2] && two.cost == 1)
  }

  @Test("a node budget too small for the windows gives up (nil) and the automatic path falls back")
  func budgetFallback() throws {
    let (x, w) = try Self.data(.laplace, count: 3000, seed: 9)
    x.withUnsafeBufferPointer { xs in
      w.withUnsafeBufferPointer { ws in
        let full = OptimalKMeans1D.solve(values: xs, weights: ws, k: 40, method: .layers(tableLimit: .max))
        let starved = OptimalKMeans1D.solve(values: xs, weights: ws, k: 40,
                                            method: .coarseToFine(initialSlotSize: 64, nodeBudget: 100))
        #expect(starved.starts.isEmpty && starved.cost.isNaN)
        let automatic = OptimalKMeans1D.solve(values: xs, weights: ws, k: 40)
        #expect(ScalarReference.close(automatic.cost, full.cost, relative: 1e-12))
      }
    }
  }

  @Test("k >= the number of points: every point is its own cluster, cost 0 (up to rounding)", arguments: [0, 1, 7])
  func kAtLeastPointCount(extra: Int) throws {
    let (x, w) = try Self.data(.weightedLaplace, count: 300, seed: 5)
    let k = x.count + extra
    let result = OptimalKMeans1D.solve(values: x, weights: w, k: k)
    #expect(result.starts == Array(0..<x.count))
    // Centroids come from prefix sums: equal to the points up to rounding.
    #expect(zip(result.centroids, x).allSatisfy { abs($0 - $1) <= 1e-15 }, "extra \(extra)")
    #expect(result.cost <= 1e-25, "extra \(extra)")
    // One cluster fewer than points: the closest adjacent pair merges, cost w1·w2/(w1+w2)·d².
    let merged = OptimalKMeans1D.solve(values: x, weights: w, k: x.count - 1)
    var expected = Double.infinity
    for t in 1..<x.count {
      let gap = x[t] - x[t - 1]
      let pairWeight: Double = w[t - 1] * w[t] / (w[t - 1] + w[t])
      expected = min(expected, pairWeight * gap * gap)
    }
    #expect(ScalarReference.close(merged.cost, expected, relative: 1e-9))
  }
}
