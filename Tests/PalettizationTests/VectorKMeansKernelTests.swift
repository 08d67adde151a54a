import Testing
@testable import Palettization

/// One seeded vector k-means problem: data, weights, k, config and generator.
struct VectorKernelCase: CustomTestStringConvertible, Sendable {
  enum Data: Sendable {
    /// Laplace(0.02) coordinates.
    case laplace
    /// Integers in `-r...r`: duplicated vectors and exact ties between centroids.
    case grid(Int)
    /// `distinct` Laplace vectors, each repeated `copies` times, interleaved.
    case repeated(distinct: Int, copies: Int)
    /// All vectors equal except `others` Laplace vectors spread through the block.
    case mostlyEqual(others: Int)
    /// Two tight blobs with a few vectors of huge (1e6) and tiny (1e-30) coordinates.
    case extremes
  }
  enum Weights: Sendable {
    case none
    /// Uniform in [0, 2).
    case uniform
    /// 0, 1 or 2: a third of the vectors carry no weight.
    case withZeros
  }

  var name: String
  var n: Int
  var d: Int
  var k: Int
  var data: Data
  var weights: Weights = .none
  var config = VectorKMeansConfig()
  var generator = "mt19937"
  var seed: UInt64
  /// FNV-1a digest of the result of the implementation before the kd-tree kernel (commit
  /// 6f87513), recorded once: the kernels must keep reproducing it.
  var digest: UInt64

  var testDescription: String { name }

  func points() throws -> [Float] {
    let random = try GSLRandom(seed: seed &+ 1000)
    func laplace(_ count: Int) -> [Float] { (0..<count).map { _ in Float(random.laplace(scale: 0.02)) } }
    switch data {
    case .laplace:
      return laplace(n * d)
    case .grid(let r):
      return (0..<(n * d)).map { _ in Float(random.nextInt(below: 2 * r + 1) - r) }
    case .repeated(let distinct, let copies):
      precondition(distinct * copies == n)
      let base = laplace(distinct * d)
      return (0..<n).flatMap { i in base[((i % distinct) * d)..<((i % distinct) * d + d)] }
    case .mostlyEqual(let others):
      let common = laplace(d)
      let odd = laplace(others * d)
      let step = n / others
      var values: [Float] = []
      for i in 0..<n {
        let j = i / step
        values += i % step == 0 && j < others ? odd[(j * d)..<(j * d + d)] : common[0..<d]
      }
      return values
    case .extremes:
      var values: [Float] = []
      for i in 0..<n {
        for _ in 0..<d {
          let g = random.gaussian(sigma: 1)
          switch i % 97 {
          case 0: values.append(Float(g * 1e6))
          case 1: values.append(Float(g * 1e-30))
          default: values.append((i % 2 == 0 ? -1 : 1) + Float(g * 0.01))
          }
        }
      }
      return values
    }
  }

  func weightValues() throws -> [Float]? {
    let random = try GSLRandom(seed: seed &+ 2000)
    switch weights {
    case .none: return nil
    case .uniform: return (0..<n).map { _ in Float(random.nextUniform() * 2) }
    case .withZeros: return (0..<n).map { _ in Float(random.nextInt(below: 3)) }
    }
  }

  /// Clusters the case's data with `kernel`.
  func run(_ kernel: VectorKMeans.Kernel) throws -> VectorClustering {
    let p = try points(), w = try weightValues()
    let random = try GSLRandom(generator: generator, seed: seed)
    return p.withUnsafeBufferPointer { pb in
      guard let w else {
        return VectorKMeans.cluster(pb, dimension: d, weights: nil, k: k, config: config, random: random, kernel: kernel)
      }
      return w.withUnsafeBufferPointer { wb in
        VectorKMeans.cluster(pb, dimension: d, weights: wb, k: k, config: config, random: random, kernel: kernel)
      }
    }
  }

  static let all: [VectorKernelCase] = [
    .init(name: "d2 k16 Laplace", n: 5000, d: 2, k: 16, data: .laplace, seed: 1, digest: 0x84bbe1b133689a08),
    .init(name: "d2 k16 Laplace, uniform weights", n: 5000, d: 2, k: 16, data: .laplace, weights: .uniform, seed: 2, digest: 0x20182a8f8ef01fcd),
    .init(name: "d2 k4 Laplace", n: 3000, d: 2, k: 4, data: .laplace, seed: 3, digest: 0x7788ff8f4891b77e),
    .init(name: "d2 k256 Laplace", n: 4000, d: 2, k: 256, data: .laplace, config: VectorKMeansConfig(nInit: 2), seed: 4, digest: 0xae32fcf24d3a1a28),
    .init(name: "d2 k64 integer grid (ties, duplicates)", n: 3000, d: 2, k: 64, data: .grid(6), seed: 5, digest: 0xa7cb4bb1a0d82bd2),
    .init(name: "d2 k16 integer grid, zero weights", n: 3000, d: 2, k: 16, data: .grid(3), weights: .withZeros, seed: 6, digest: 0x3628408ace0b2c09),
    .init(name: "d2 k16 all equal but 20", n: 1000, d: 2, k: 16, data: .mostlyEqual(others: 20), seed: 7, digest: 0xd872d973f3d61b0a),
    .init(name: "d2 k8 40 distinct vectors x 50", n: 2000, d: 2, k: 8, data: .repeated(distinct: 40, copies: 50), seed: 8, digest: 0x83b8ccb4c81dedf5),
    .init(name: "d2 k16 huge and tiny coordinates", n: 3000, d: 2, k: 16, data: .extremes, seed: 9, digest: 0x88244bc11a29e594),
    .init(name: "d2 k2 Laplace, ranlxd2", n: 2000, d: 2, k: 2, data: .laplace, generator: "ranlxd2", seed: 10, digest: 0x182f62def46933ab),
    .init(name: "d4 k16 Laplace", n: 3000, d: 4, k: 16, data: .laplace, seed: 11, digest: 0xd29b172cda722738),
    .init(name: "d4 k16 Laplace, uniform weights", n: 3000, d: 4, k: 16, data: .laplace, weights: .uniform, seed: 12, digest: 0x9bf55272d4cf28d4),
    .init(name: "d4 k4 integer grid", n: 2000, d: 4, k: 4, data: .grid(2), seed: 13, digest: 0x82583146cbc8fd02),
    .init(name: "d4 k64 Laplace", n: 4000, d: 4, k: 64, data: .laplace, config: VectorKMeansConfig(nInit: 2), seed: 14, digest: 0xc3fbb19656c4dd78),
    .init(name: "d8 k16 Laplace", n: 2000, d: 8, k: 16, data: .laplace, seed: 15, digest: 0x3d641249fffb74a0),
    .init(name: "d8 k4 integer grid, zero weights", n: 1500, d: 8, k: 4, data: .grid(1), weights: .withZeros, seed: 16, digest: 0x67bb1806b1f1ecbd),
    .init(name: "d3 k16 Laplace", n: 2000, d: 3, k: 16, data: .laplace, seed: 17, digest: 0xb539477ff936941c),
    .init(name: "d2 k16 tol 0 (runs to a fixed point)", n: 3000, d: 2, k: 16, data: .laplace, config: VectorKMeansConfig(tol: 0), seed: 18, digest: 0x1c8a735629686a6a),
    .init(name: "d2 k16 max_iter 3, 1 local trial", n: 3000, d: 2, k: 16, data: .laplace,
          config: VectorKMeansConfig(nLocalTrials: 1, maxIter: 3), seed: 19, digest: 0xd3a3f63303d3cb73),
    .init(name: "d2 k16 17 distinct vectors x 15", n: 255, d: 2, k: 16, data: .repeated(distinct: 17, copies: 15), seed: 20, digest: 0x76d4145291e9efd9),
    // Added with the exact-moments sums and kd-tree seeding (blocks of at least 16,384): the
    // digest is the reference kernel's, which that change did not touch.
    .init(name: "d2 k16 Laplace, 40,000 vectors", n: 40_000, d: 2, k: 16, data: .laplace, seed: 21, digest: 0x568a259ea0818028),
    .init(name: "d2 k64 integer grid, 20,000 vectors", n: 20_000, d: 2, k: 64, data: .grid(6), seed: 22, digest: 0xa0a847275a4e2bf1),
  ]
}

/// FNV-1a over everything a caller sees: centroids (bits), assignment, inertia (bits),
/// iterations and seed indices.
func digest(_ r: VectorClustering) -> UInt64 {
  var h: UInt64 = 0xcbf2_9ce4_8422_2325
  func mix(_ v: UInt64) {
    for byte in 0..<8 {
      h = (h ^ ((v >> (8 * UInt64(byte))) & 0xff)) &* 0x0000_0100_0000_01b3
    }
  }
  mix(UInt64(r.centroidCount))
  for c in r.centroids { mix(UInt64(c.bitPattern)) }
  for a in r.assignment { mix(UInt64(a)) }
  mix(r.inertia.bitPattern)
  mix(UInt64(r.iterations))
  for s in r.seedIndices { mix(UInt64(s)) }
  return h
}

@Suite("Vector k-means kernels against the previous implementation")
struct VectorKMeansKernelTests {
  @Test("every kernel reproduces the previous implementation bitwise (digest recorded before the kd-tree)",
        arguments: VectorKernelCase.all)
  func matchesPrevious(_ c: VectorKernelCase) throws {
    let reference = try c.run(.reference)
    #expect(digest(reference) == c.digest)
    for kernel in VectorKMeans.Kernel.allCases where kernel != .reference {
      let r = try c.run(kernel)
      #expect(r == reference, "kernel \(kernel.rawValue)")
      #expect(bitPatterns(r.centroids) == bitPatterns(reference.centroids), "kernel \(kernel.rawValue)")
      #expect(r.inertia.bitPattern == reference.inertia.bitPattern, "kernel \(kernel.rawValue)")
    }
  }
}

private func bitPatterns(_ v: [Float]) -> [UInt32] { v.map(\.bitPattern) }
