import Testing
import Foundation
@testable import Palettization

/// Seeded Gaussian values, so any failure replays.
func gaussianValues(_ count: Int, seed: UInt64, sigma: Double = 1) throws -> [Float] {
  let rng = try GSLRandom(generator: "mt19937", seed: seed)
  return (0..<count).map { _ in Float(rng.gaussian(sigma: sigma)) }
}

@Suite("Palettizing one tensor: views, blocks, vectors, scales, metrics")
struct TensorPalettizerTests {
  /// Clusters `values` directly with the exact scalar clusterer and maps each to its centroid.
  func referenceScalar(_ values: [Float], k: Int) -> [Float] {
    let r = values.withUnsafeBufferPointer { ScalarKMeans.cluster($0, weights: nil, k: k, mode: .exact) }
    return r.assignment.map { r.centroids[Int($0)] }
  }

  @Test("axis-1 grouped conv: every value reconstructed in place (scalar reference path)")
  func groupedConvAxis1() throws {
    // Conv2d weight [out 6, in 8, 3, 3]; groups of 4 input channels → 2 LUT blocks.
    let shape = [6, 8, 3, 3]
    let w = Tensor(shape: shape, values: try gaussianValues(6 * 8 * 9, seed: 11))
    let spec = PalettizationSpec(nBits: 2, granularity: .perGroupedChannel(axis: 1, groupSize: 4))
    let result = try TensorPalettizer.palettize(
      w, spec: spec, options: ClusteringOptions(enableFastKMeansMode: false), op: .conv2d)
    #expect(result.metrics.blocks == 2)
    var expected = [Float](repeating: .nan, count: w.count)
    for group in 0..<2 {
      var offsets = [Int]()
      for o in 0..<6 { for i in group * 4 ..< group * 4 + 4 { for s in 0..<9 { offsets.append((o * 8 + i) * 9 + s) } } }
      let recon = referenceScalar(offsets.map { w.values[$0] }, k: 4)
      for (j, offset) in offsets.enumerated() { expected[offset] = recon[j] }
    }
    #expect(result.reconstruct().values == expected)
  }

  @Test("transposed conv groups along axis 1 by default (scalar reference path)")
  func transposedConvDefaultAxis() throws {
    // ConvTranspose2d weight [in 8, out 6, 2, 2]; group 3 output channels → 2 blocks.
    let w = Tensor(shape: [8, 6, 2, 2], values: try gaussianValues(8 * 6 * 4, seed: 12))
    let spec = PalettizationSpec(nBits: 2, granularity: .perGroupedChannel(axis: nil, groupSize: 3))
    let result = try TensorPalettizer.palettize(
      w, spec: spec, options: ClusteringOptions(enableFastKMeansMode: false), op: .convTranspose2d)
    #expect(result.layout.axis == 1)
    var expected = [Float](repeating: .nan, count: w.count)
    for group in 0..<2 {
      var offsets = [Int]()
      for i in 0..<8 { for o in group * 3 ..< group * 3 + 3 { for s in 0..<4 { offsets.append((i * 6 + o) * 4 + s) } } }
      let recon = referenceScalar(offsets.map { w.values[$0] }, k: 4)
      for (j, offset) in offsets.enumerated() { expected[offset] = recon[j] }
    }
    #expect(result.reconstruct().values == expected)
  }

  @Test("vectors run along axis 1 for transposed conv; indices sit where their vector starts")
  func vectorsAlongAxis1() throws {
    // [in 4, out 6, 2]: vectors are pairs (w[i, 2j, r], w[i, 2j+1, r]) → 4·3·2 = 24 vectors,
    // built from 6 distinct pairs so the palette is reused and reconstruction is exact.
    var values = [Float](repeating: 0, count: 48)
    for i in 0..<4 { for o in 0..<6 { for r in 0..<2 {
      values[(i * 6 + o) * 2 + r] = Float(10 * (o / 2) + r) + (o % 2 == 0 ? 0.25 : 0.5)
    } } }
    let w = Tensor(shape: [4, 6, 2], values: values)
    let spec = PalettizationSpec(nBits: 4, clusterDim: 2)
    let result = try TensorPalettizer.palettize(
      w, spec: spec, options: ClusteringOptions(enableFastKMeansMode: false), op: .convTranspose1d, seed: 1)
    #expect(result.layout.indexShape == [4, 3, 2])
    #expect(result.reconstruct() == w)
    for i in 0..<4 { for j in 0..<3 { for r in 0..<2 {
      let index = Int(result.indices[(i * 3 + j) * 2 + r])
      #expect(result.lut[index * 2] == values[(i * 6 + 2 * j) * 2 + r])
      #expect(result.lut[index * 2 + 1] == values[(i * 6 + 2 * j + 1) * 2 + r])
    } } }
    #expect(result.metrics.snrDB == .infinity)
  }

  struct ShapeCase: Sendable, CustomTestStringConvertible {
    var shape: [Int]
    var spec: PalettizationSpec
    var op: OpKind?
    var message: String
    var testDescription: String { message }
  }

  static let shapeCases: [ShapeCase] = [
    .init(shape: [120, 64], spec: .init(granularity: .perGroupedChannel(axis: 0, groupSize: 16)), op: .linear,
          message: "size 120 along axis 0 of shape [120, 64] is not divisible by group_size 16"),
    .init(shape: [3, 5], spec: .init(granularity: .perGroupedChannel(axis: 1, groupSize: 2)), op: .linear,
          message: "size 5 along axis 1 of shape [3, 5] is not divisible by group_size 2"),
    .init(shape: [10, 4], spec: .init(clusterDim: 4), op: .linear,
          message: "block rows 10 along axis 0 of shape [10, 4] are not divisible by cluster_dim 4"),
    .init(shape: [32, 8], spec: .init(granularity: .perGroupedChannel(axis: 0, groupSize: 8), clusterDim: 3), op: .linear,
          message: "block rows 8 along axis 0 of shape [32, 8] are not divisible by cluster_dim 3"),
    .init(shape: [64], spec: .init(granularity: .perGroupedChannel(axis: 0, groupSize: 16)), op: nil,
          message: "shape [64] has 1 dimension(s); per_grouped_channel granularity needs at least 2"),
    .init(shape: [], spec: .init(), op: nil,
          message: "shape [] has 0 dimension(s); palettization needs at least 1"),
  ]

  @Test("incompatible shapes raise the specific error", arguments: shapeCases)
  func incompatibleShapes(_ c: ShapeCase) {
    let count = c.shape.reduce(1, *)
    let w = Tensor(shape: c.shape, values: [Float](repeating: 1, count: count))
    #expect(throws: PalettizationError.self) {
      try TensorPalettizer.palettize(w, spec: c.spec, op: c.op)
    }
    do {
      _ = try TensorPalettizer.palettize(w, spec: c.spec, op: c.op)
    } catch {
      #expect(error.isSkip)
      #expect(error.description == c.message)
    }
  }

  @Test("a block with fewer vectors than K clusters them all and pads the LUT")
  func fewerVectorsThanK() throws {
    // clusterDim 4 on 16 weights at 4 bits: 4 vectors, 16 LUT entries.
    let w = Tensor(shape: [4, 4], values: (0..<16).map { Float($0) * 0.5 })
    let result = try TensorPalettizer.palettize(
      w, spec: PalettizationSpec(nBits: 4, clusterDim: 4),
      options: ClusteringOptions(enableFastKMeansMode: false), op: .linear, seed: 3)
    #expect(result.lut.count == 16 * 4)
    #expect(result.reconstruct() == w)
    let used = Set(result.indices.map(Int.init))
    #expect(used.count == 4)
    let last = used.max()!
    for entry in 4..<16 {
      #expect(Array(result.lut[entry * 4 ..< entry * 4 + 4]) == Array(result.lut[last * 4 ..< last * 4 + 4]))
    }
  }

  @Test("vector results are identical on 1 and 2 threads and across runs with the same seed")
  func threadsAndSeeds() throws {
    let w = Tensor(shape: [64, 48], values: try gaussianValues(64 * 48, seed: 5))
    let spec = PalettizationSpec(nBits: 3, granularity: .perGroupedChannel(axis: 0, groupSize: 16), clusterDim: 2)
    let options = ClusteringOptions(enableFastKMeansMode: false)
    let one = try TensorPalettizer.palettize(w, spec: spec, options: options, op: .linear, seed: 99, threads: 1)
    let two = try TensorPalettizer.palettize(w, spec: spec, options: options, op: .linear, seed: 99, threads: 2)
    let again = try TensorPalettizer.palettize(w, spec: spec, options: options, op: .linear, seed: 99, threads: 2)
    #expect(one == two)
    #expect(two == again)
    let other = try TensorPalettizer.palettize(w, spec: spec, options: options, op: .linear, seed: 100, threads: 1)
    #expect(other.lut != one.lut)
  }

  @Test("per-channel scale divides each output channel by its max |w| and multiplies back")
  func perChannelScale() throws {
    // Channel c holds ±2^c and ±2^(c-1): scaled values are {±1, ±0.5}, 4 distinct → exact at 2 bits.
    var values = [Float]()
    for c in 0..<4 {
      let s = Float(1 << c)
      values += [s, -s, s / 2, -s / 2, s / 2, s]
    }
    let w = Tensor(shape: [4, 6], values: values)
    let result = try TensorPalettizer.palettize(
      w, spec: PalettizationSpec(nBits: 2, enablePerChannelScale: true), op: .linear)
    #expect(result.perChannelScale == [1, 2, 4, 8])
    #expect(Set(result.lut) == [-1, -0.5, 0.5, 1])
    #expect(result.reconstruct() == w)
  }

  @Test("quantized LUT: every weight maps to its nearest dequantized entry")
  func quantizedLUTReassignment() throws {
    let w = Tensor(shape: [32, 16], values: try gaussianValues(512, seed: 8, sigma: 0.05))
    for dtype in QuantizationSpec.DType.allCases {
      let spec = PalettizationSpec(
        nBits: 3, granularity: .perGroupedChannel(axis: 0, groupSize: 8),
        lutQSpec: QuantizationSpec(dtype: dtype, qscheme: dtype.isFloat8 ? .symmetric : .asymmetric))
      let result = try TensorPalettizer.palettize(w, spec: spec, op: .linear)
      let recon = result.reconstruct()
      for i in 0..<w.count {
        let block = i / (8 * 16)
        let entries = result.lut[block * 8 ..< block * 8 + 8]
        let best = entries.map { abs($0 - w.values[i]) }.min()!
        #expect(abs(recon.values[i] - w.values[i]) == best, "\(dtype) element \(i)")
      }
      #expect(result.quantizedLUT?.count == 4 * 8)
      #expect(result.lutScale?.count == 4)
    }
  }

  @Test("metrics: inertia, SNR and bits per weight match closed forms")
  func metrics() throws {
    let w = Tensor(shape: [64, 32], values: try gaussianValues(2048, seed: 21))
    let result = try TensorPalettizer.palettize(w, spec: PalettizationSpec(nBits: 4), op: .linear)
    let recon = result.reconstruct()
    var inertia = 0.0, energy = 0.0
    for i in 0..<w.count {
      let residual = Double(w.values[i]) - Double(recon.values[i])
      inertia += residual * residual
      energy += Double(w.values[i]) * Double(w.values[i])
    }
    #expect(result.metrics.inertia == inertia)
    #expect(result.metrics.snrDB == 10 * log10(energy / inertia))
    // 2048 indices · 4 bits + 16 fp32 entries.
    #expect(result.metrics.bitsPerWeight == Double(2048 * 4 + 16 * 32) / 2048)

    let quantized = try TensorPalettizer.palettize(
      w, spec: PalettizationSpec(
        nBits: 4, granularity: .perGroupedChannel(axis: 0, groupSize: 16),
        lutQSpec: QuantizationSpec(dtype: .uint8, qscheme: .asymmetric), enablePerChannelScale: true),
      op: .linear)
    // 4 blocks: indices + 4·16 8-bit entries + 64 fp32 channel scales + 4·(32 + 8) qparams.
    #expect(quantized.metrics.bitsPerWeight == Double(2048 * 4 + 4 * 16 * 8 + 64 * 32 + 4 * 40) / 2048)

    let vector = try TensorPalettizer.palettize(
      Tensor(shape: [64, 32], values: w.values, dtype: .float16),
      spec: PalettizationSpec(nBits: 2, clusterDim: 2),
      options: ClusteringOptions(enableFastKMeansMode: false), op: .linear, seed: 1)
    // 1024 vector indices · 2 bits + 4 entries · 2 · 16 bits.
    #expect(vector.metrics.bitsPerWeight == Double(1024 * 2 + 4 * 2 * 16) / 2048)
  }

  @Test("fp16 and bf16 weights get LUT entries representable in their dtype")
  func lutAtWeightDType() throws {
    let values = try gaussianValues(256, seed: 4).map { WeightDType.float16.round($0) }
    for dtype in [WeightDType.float16, .bfloat16] {
      let w = Tensor(shape: [16, 16], values: values.map(dtype.round), dtype: dtype)
      let result = try TensorPalettizer.palettize(w, spec: PalettizationSpec(nBits: 3), op: .linear)
      #expect(result.lut.allSatisfy { dtype.round($0) == $0 })
    }
  }

  @Test("an exactly representable weight has zero inertia and infinite SNR")
  func exactWeight() throws {
    let w = Tensor(shape: [8, 8], values: (0..<64).map { Float($0 % 5) })
    let result = try TensorPalettizer.palettize(w, spec: PalettizationSpec(nBits: 3), op: .linear)
    #expect(result.metrics.inertia == 0)
    #expect(result.metrics.snrDB == .infinity)
  }

  @Test("NaN weights and mismatched sensitivities are reported, not clustered")
  func badInputs() {
    let w = Tensor(shape: [2, 2], values: [1, .nan, 2, .infinity])
    #expect(throws: PalettizationError.shape(.nonFiniteValues(count: 2))) {
      try TensorPalettizer.palettize(w, spec: PalettizationSpec(), op: .linear)
    }
    let ok = Tensor(shape: [2, 2], values: [1, 2, 3, 4])
    #expect(throws: PalettizationError.shape(.sensitivityShapeMismatch(weight: [2, 2], sensitivity: [4]))) {
      try TensorPalettizer.palettize(
        ok, spec: PalettizationSpec(), op: .linear, sensitivity: Tensor(shape: [4], values: [1, 1, 1, 1]))
    }
    #expect(throws: PalettizationError.spec(SpecError(keyPath: "n_bits", value: "5", problem: "is not one of 1, 2, 3, 4, 6, 8"))) {
      try TensorPalettizer.palettize(ok, spec: PalettizationSpec(nBits: 5), op: .linear)
    }
  }
}
