import Foundation
import Testing
@testable import Palettization

@Suite("Pruning before palettization: magnitude and n:m")
struct PruningTests {
  @Test("magnitude: the smallest |w| become +0.0, ties broken by index (hand-worked)")
  func magnitudeTies() throws {
    // Order by (|w|, index): 0.5@3, -0.5@4, -1@1, 1@2, 1@5, 2@6, 3@0, -3@7 → the first 4 go.
    let w = Tensor(shape: [2, 4], values: [3, -1, 1, 0.5, -0.5, 1, 2, -3])
    let pruned = try PruningSpec.magnitude(sparsity: 0.5).prune(w, op: .linear)
    #expect(pruned.values == [3, 0, 0, 0, 0, 1, 2, -3])
    #expect(pruned.values.allSatisfy { $0 != 0 || $0.sign == .plus })
    // Existing zeros (±0) count as the smallest; 0.25 · 8 = 2 elements.
    let withZeros = Tensor(shape: [8], values: [5, -0.0, 4, 0, 3, 2, 1, 6])
    #expect(try PruningSpec.magnitude(sparsity: 0.25).prune(withZeros, op: nil).values == [5, 0, 4, 0, 3, 2, 1, 6])
  }

  @Test("magnitude: the count is round(sparsity · n), half to even", arguments: [
    (0.3, 5, 2),  // 1.5 → 2
    (0.5, 5, 2),  // 2.5 → 2
    (0.3, 7, 2),  // 2.1 → 2
    (0.7, 5, 4),  // 3.5 → 4
    (0.0, 5, 0), (1.0, 5, 5),
  ])
  func magnitudeCount(sparsity: Double, n: Int, pruned: Int) throws {
    let w = Tensor(shape: [n], values: (1...n).map(Float.init))
    let result = try PruningSpec.magnitude(sparsity: sparsity).prune(w, op: nil)
    #expect(result.values == (1...n).map { $0 <= pruned ? 0 : Float($0) })
  }

  @Test("magnitude on a large seeded tensor equals a plain sort by (|w|, index)")
  func magnitudeMatchesSort() throws {
    // Values on a coarse grid so that ties are frequent.
    let random = try GSLRandom(seed: 31)
    let values = (0..<20_000).map { _ in Float((random.gaussian(sigma: 1) * 20).rounded() / 20) }
    let w = Tensor(shape: [100, 200], values: values)
    let count = 7_777
    let order = values.indices.sorted { (abs(values[$0]), $0) < (abs(values[$1]), $1) }
    var expected = values
    for i in order.prefix(count) { expected[i] = 0 }
    let pruned = try PruningSpec.magnitude(sparsity: Double(count) / 20_000).prune(w, op: .linear)
    #expect(pruned.values == expected)
  }

  @Test("2:4 keeps the two largest |w| of every 4 consecutive inputs (linear, conv, transposed conv)")
  func twoFourPattern() throws {
    // Linear [2, 8]: groups along dim 1 are contiguous runs of 4.
    let linear = Tensor(shape: [2, 8], values: [1, -4, 3, 2,  0.5, 0.5, -0.5, 9,  7, 0, 0, -7,  1, 1, 1, 1])
    #expect(try PruningSpec.nM(n: 2, m: 4).prune(linear, op: .linear).values
      == [0, -4, 3, 0,  0, 0, -0.5, 9,  7, 0, 0, -7,  0, 0, 1, 1])
    // Conv [1, 4, 1, 2]: input dim 1 has stride 2, so the groups are the even and the odd offsets.
    let conv = Tensor(shape: [1, 4, 1, 2], values: [1, 8, 2, 7, 3, 6, 4, 5])
    #expect(try PruningSpec.nM(n: 2, m: 4).prune(conv, op: .conv2d).values == [0, 8, 0, 7, 3, 0, 4, 0])
    // Transposed conv [4, 2]: the input dim is dim 0, so groups run down each column.
    let transposed = Tensor(shape: [4, 2], values: [1, 8, 2, 7, 3, 6, 4, 5])
    #expect(try PruningSpec.nM(n: 2, m: 4).prune(transposed, op: .convTranspose1d).values == [0, 8, 0, 7, 3, 0, 4, 0])
    // Every group of a seeded 64 × 128 weight keeps exactly its 2 largest.
    let w = Tensor(shape: [64, 128], values: try gaussianValues(64 * 128, seed: 8))
    let pruned = try PruningSpec.nM(n: 2, m: 4).prune(w, op: .linear).values
    for g in stride(from: 0, to: w.count, by: 4) {
      let group = Array(w.values[g ..< g + 4])
      let kept = Set(group.indices.sorted { abs(group[$0]) > abs(group[$1]) }.prefix(2))
      #expect((0..<4).allSatisfy { pruned[g + $0] == (kept.contains($0) ? group[$0] : 0) })
    }
  }

  @Test("a shape that cannot take n:m is skipped with a warning naming the tensor and the reason")
  func misfitShapeSkipped() throws {
    let model = try Model(
      tensors: [("a.weight", Tensor(shape: [4, 6], values: try gaussianValues(24, seed: 1))),
                ("b.weight", Tensor(shape: [4, 8], values: try gaussianValues(32, seed: 2)))],
      modules: [.init(name: "", type: "mypkg.Net"), .init(name: "a", type: "torch.nn.modules.linear.Linear"),
                .init(name: "b", type: "torch.nn.modules.linear.Linear")])
    let result = try KMeansPalettizer(model: model, config: KMeansPalettizerConfig())
      .withPruning(.nM(n: 2, m: 4)).prepare(seed: 0)
    #expect(result.warnings == [
      "tensor 'a.weight' skipped: input dimension 1 of shape [4, 6] has size 6, not a multiple of m = 4 for n:m pruning"])
    #expect(result.palettized.map(\.name) == ["b.weight"])
    let bias = Tensor(shape: [8], values: [1, 2, 3, 4, 5, 6, 7, 8])
    #expect(throws: ShapeError.tooFewDimensions(shape: [8], needed: 2, reason: "n:m pruning along the input dimension")) {
      try PruningSpec.nM(n: 2, m: 4).prune(bias, op: nil)
    }
  }

  @Test("metrics compare against the weight before pruning: the pruning error counts")
  func metricsAgainstDenseWeight() throws {
    // 4 distinct magnitudes, 1 pruned of 4 by 0.25-magnitude; 2 bits reuse the 3 kept values, so
    // the reconstruction is the pruned weight and the inertia is exactly the pruned energy 0.5².
    let w = Tensor(shape: [1, 4], values: [0.5, -2, 1, 3])
    let options = ClusteringOptions(enableFastKMeansMode: false, pruning: .magnitude(sparsity: 0.25))
    let result = try TensorPalettizer.palettize(
      w, spec: PalettizationSpec(nBits: 2, sparsityDetectionThreshold: 0.2), options: options, op: .linear)
    #expect(result.reconstruct().values == [0, -2, 1, 3])
    #expect(result.metrics.inertia == 0.25)
    #expect(result.metrics.signalEnergy == 14.25)  // 0.25 + 4 + 1 + 9
    #expect(result.metrics.zeroFraction == 0.25)
    #expect(result.mask?.stored == [false, true, true, true])
  }

  @Test("invalid pruning parameters name the key", arguments: [
    (PruningSpec.magnitude(sparsity: 1.5), "prune.sparsity: 1.5 must be in [0, 1]"),
    (PruningSpec.nM(n: 5, m: 4), "prune.n: 5 must be in 1...m (m = 4)"),
    (PruningSpec.nM(n: 0, m: 4), "prune.n: 0 must be in 1...m (m = 4)"),
    (PruningSpec.nM(n: 1, m: 0), "prune.m: 0 must be at least 1"),
  ])
  func invalidPruning(spec: PruningSpec, message: String) {
    #expect(throws: SpecError.self) { try spec.validate(path: "prune") }
    do { try spec.validate(path: "prune") } catch { #expect(error.description == message) }
  }

  @Test("JSON form: {method: magnitude, sparsity} and {method: n_m, n, m}")
  func codable() throws {
    for (spec, json) in [(PruningSpec.magnitude(sparsity: 0.5), #"{"method":"magnitude","sparsity":0.5}"#),
                         (PruningSpec.nM(n: 2, m: 4), #"{"m":4,"method":"n_m","n":2}"#)] {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      #expect(String(decoding: try encoder.encode(spec), as: UTF8.self) == json)
      #expect(try JSONDecoder().decode(PruningSpec.self, from: Data(json.utf8)) == spec)
    }
    #expect(throws: DecodingError.self) {
      try JSONDecoder().decode(PruningSpec.self, from: Data(#"{"method":"random"}"#.utf8))
    }
  }
}
