import Foundation
import Testing
@testable import Palettization

/// The fp16/bf16 histogram path against the `Float` path on the same values widened to
/// `Float`: every result must be bitwise the same `PalettizedTensor` (LUTs, indices, metrics).
@Suite struct HalfPrecisionPalettizerTests {
  /// Laplace values (GSL mt19937, seeded) rounded to `dtype`, with a few exact ±0 and, for bf16,
  /// some values beyond fp16's range (fast mode keeps those unrounded).
  static func weight(_ shape: [Int], dtype: WeightDType, seed: UInt64, scale: Double = 0.02) throws -> Tensor {
    let random = try GSLRandom(generator: "mt19937", seed: seed)
    var values = (0..<shape.reduce(1, *)).map { _ in dtype.round(Float(random.laplace(scale: scale))) }
    values[0] = 0
    values[1] = -0.0
    if dtype == .bfloat16 && values.count > 10 { values[7] = dtype.round(1e5); values[9] = dtype.round(-3e5) }
    return Tensor(shape: shape, values: values, dtype: dtype)
  }

  static func viaBytes(
    _ weight: Tensor, spec: PalettizationSpec, options: ClusteringOptions, op: OpKind? = .linear,
    sensitivity: Tensor? = nil
  ) throws(PalettizationError) -> PalettizedTensor {
    let bytes = FloatConversion.encode(weight.values, to: weight.dtype)
    return try bytes.withUnsafeBytes { raw in
      Result { () throws(PalettizationError) in
        try TensorPalettizer.palettize(
          halfPrecision: raw, shape: weight.shape, dtype: weight.dtype, spec: spec, options: options, op: op,
          sensitivity: sensitivity)
      }
    }.get()
  }

  /// Field by field (short failure messages), then the whole value.
  static func expectSame(_ a: PalettizedTensor, _ b: PalettizedTensor, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.lut.map(\.bitPattern) == b.lut.map(\.bitPattern), "lut", sourceLocation: sourceLocation)
    let differing = zip(a.indices, b.indices).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
    #expect(a.indices.count == b.indices.count && differing.isEmpty,
            "indices differ at \(differing.prefix(5)) of \(a.indices.count)", sourceLocation: sourceLocation)
    #expect(a.metrics.inertia.bitPattern == b.metrics.inertia.bitPattern, "inertia \(a.metrics.inertia) vs \(b.metrics.inertia)", sourceLocation: sourceLocation)
    #expect(a.metrics.signalEnergy.bitPattern == b.metrics.signalEnergy.bitPattern, "energy", sourceLocation: sourceLocation)
    #expect(a.quantizedLUT == b.quantizedLUT && a.lutScale == b.lutScale && a.lutZeroPoint == b.lutZeroPoint, "quantized LUT", sourceLocation: sourceLocation)
    if a.lut.map(\.bitPattern) == b.lut.map(\.bitPattern) && differing.isEmpty {
      #expect(a == b, "whole value", sourceLocation: sourceLocation)
    }
  }

  struct Case: Sendable, CustomStringConvertible {
    var name: String
    var spec: PalettizationSpec
    var fast: Bool
    var description: String { name }
  }

  static let grouped = Granularity.perGroupedChannel(axis: 0, groupSize: 16)
  static let cases: [Case] = [
    Case(name: "4-bit per-tensor exact", spec: PalettizationSpec(nBits: 4), fast: false),
    Case(name: "8-bit per-tensor exact", spec: PalettizationSpec(nBits: 8), fast: false),
    Case(name: "1-bit per-tensor exact", spec: PalettizationSpec(nBits: 1), fast: false),
    Case(name: "3-bit grouped g16 exact", spec: PalettizationSpec(nBits: 3, granularity: grouped), fast: false),
    Case(name: "4-bit per-tensor fast", spec: PalettizationSpec(nBits: 4), fast: true),
    Case(name: "6-bit grouped g16 fast", spec: PalettizationSpec(nBits: 6, granularity: grouped), fast: true),
    Case(name: "4-bit int8 symmetric LUT exact",
         spec: PalettizationSpec(nBits: 4, lutQSpec: QuantizationSpec(dtype: .int8, qscheme: .symmetric)), fast: false),
    Case(name: "4-bit uint8 asymmetric LUT fast",
         spec: PalettizationSpec(nBits: 4, lutQSpec: QuantizationSpec(dtype: .uint8, qscheme: .asymmetric)), fast: true),
    Case(name: "8-bit e4m3 LUT grouped exact",
         spec: PalettizationSpec(nBits: 8, granularity: grouped, lutQSpec: QuantizationSpec(dtype: .float8E4M3FN, qscheme: .symmetric)),
         fast: false),
  ]

  @Test(arguments: cases, [WeightDType.bfloat16, .float16])
  func sameResultAsTheFloatPath(_ c: Case, dtype: WeightDType) throws {
    let w = try Self.weight([96, 80], dtype: dtype, seed: 11)
    let options = ClusteringOptions(enableFastKMeansMode: c.fast)
    #expect(TensorPalettizer.handlesHalfPrecision(dtype: dtype, shape: w.shape, spec: c.spec, options: options, op: .linear, weighted: false))
    let reference = try TensorPalettizer.palettize(w, spec: c.spec, options: options, op: .linear)
    let histogram = try Self.viaBytes(w, spec: c.spec, options: options)
    Self.expectSame(histogram, reference)
  }

  /// Larger blocks with tens of thousands of distinct fp16 values reach the other exact
  /// searches (coarse-to-fine, Lagrangian at large k); seeds vary the data.
  @Test(arguments: [(UInt64(21), 2), (22, 4), (23, 6), (24, 8)])
  func largeFloat16BlocksMatch(seed: UInt64, bits: Int) throws {
    let w = try Self.weight([512, 384], dtype: .float16, seed: seed, scale: 0.5)
    for fast in [false, true] {
      let options = ClusteringOptions(enableFastKMeansMode: fast)
      let spec = PalettizationSpec(nBits: bits)
      Self.expectSame(try Self.viaBytes(w, spec: spec, options: options), try TensorPalettizer.palettize(w, spec: spec, options: options, op: .linear))
    }
  }

  @Test func negativeZeroWithoutPositiveZero() throws {
    var values = try Self.weight([32, 16], dtype: .bfloat16, seed: 3).values
    for i in values.indices where values[i] == 0 { values[i] = 0.5 }
    values[5] = -0.0
    values[300] = -0.0
    let w = Tensor(shape: [32, 16], values: values, dtype: .bfloat16)
    for fast in [false, true] {
      let options = ClusteringOptions(enableFastKMeansMode: fast)
      let spec = PalettizationSpec(nBits: 3, granularity: Self.grouped)
      Self.expectSame(try Self.viaBytes(w, spec: spec, options: options), try TensorPalettizer.palettize(w, spec: spec, options: options))
    }
  }

  @Test(arguments: [WeightDType.bfloat16, .float16])
  func sensitivityWeightedExactModeMatches(_ dtype: WeightDType) throws {
    let w = try Self.weight([64, 40], dtype: dtype, seed: 5)
    let random = try GSLRandom(generator: "mt19937", seed: 9)
    // Some zero weights: their points leave the DP and are assigned to the nearest centroid.
    let s = Tensor(shape: w.shape, values: (0..<w.count).map { i in i % 7 == 0 ? 0 : Float(random.nextUniform()) })
    let options = ClusteringOptions(enableFastKMeansMode: false)
    for spec in [PalettizationSpec(nBits: 4), PalettizationSpec(nBits: 2, granularity: Self.grouped)] {
      let reference = try TensorPalettizer.palettize(w, spec: spec, options: options, op: .linear, sensitivity: s)
      Self.expectSame(try Self.viaBytes(w, spec: spec, options: options, sensitivity: s), reference)
    }
    // All-zero sensitivities mean unweighted, on both paths.
    let zeros = Tensor(shape: w.shape, values: [Float](repeating: 0, count: w.count))
    let unweighted = try TensorPalettizer.palettize(w, spec: PalettizationSpec(nBits: 4), options: options, op: .linear)
    Self.expectSame(try Self.viaBytes(w, spec: PalettizationSpec(nBits: 4), options: options, sensitivity: zeros), unweighted)
  }

  @Test func fewDistinctValuesAreKeptExactly() throws {
    // 5 distinct values (with -0 folded into +0) under a 3-bit LUT: the palette is reused.
    let values: [Float] = [0.5, -0.0, 0, 0.25, -1, 2, 0.5, 2, 0, -1, 0.25, 0.5]
    let w = Tensor(shape: [4, 3], values: values, dtype: .bfloat16)
    for fast in [false, true] {
      let options = ClusteringOptions(enableFastKMeansMode: fast)
      let reference = try TensorPalettizer.palettize(w, spec: PalettizationSpec(nBits: 3), options: options)
      let histogram = try Self.viaBytes(w, spec: PalettizationSpec(nBits: 3), options: options, op: nil)
      Self.expectSame(histogram, reference)
      #expect(Array(histogram.lut.prefix(5)) == [-1, 0, 0.25, 0.5, 2])
      #expect(histogram.metrics.snrDB == .infinity)
    }
  }

  @Test func nonFiniteValuesAreCountedOverTheWholeWeight() throws {
    var values = [Float](repeating: 0.25, count: 64)
    values[3] = .nan
    values[40] = .infinity
    values[63] = -.infinity
    let w = Tensor(shape: [16, 4], values: values, dtype: .bfloat16)
    let spec = PalettizationSpec(nBits: 2, granularity: Self.grouped)
    #expect(throws: PalettizationError.shape(.nonFiniteValues(count: 3))) {
      try Self.viaBytes(w, spec: spec, options: ClusteringOptions(enableFastKMeansMode: false))
    }
    #expect(throws: PalettizationError.shape(.nonFiniteValues(count: 3))) {
      try TensorPalettizer.palettize(w, spec: spec, options: ClusteringOptions(enableFastKMeansMode: false))
    }
  }

  @Test func onlyScalarUnscaledContiguousBlocksTakeTheHistogramPath() {
    let exact = ClusteringOptions(enableFastKMeansMode: false)
    let fast = ClusteringOptions()
    func handles(_ dtype: WeightDType, _ spec: PalettizationSpec, _ options: ClusteringOptions, op: OpKind? = .linear, weighted: Bool = false) -> Bool {
      TensorPalettizer.handlesHalfPrecision(dtype: dtype, shape: [32, 16], spec: spec, options: options, op: op, weighted: weighted)
    }
    #expect(handles(.bfloat16, PalettizationSpec(nBits: 4), exact))
    #expect(handles(.float16, PalettizationSpec(nBits: 4), fast))
    #expect(handles(.bfloat16, PalettizationSpec(nBits: 4), exact, weighted: true))
    #expect(!handles(.bfloat16, PalettizationSpec(nBits: 4), fast, weighted: true))
    #expect(!handles(.float32, PalettizationSpec(nBits: 4), exact))
    #expect(!handles(.bfloat16, PalettizationSpec(nBits: 4, clusterDim: 2), exact))
    #expect(!handles(.bfloat16, PalettizationSpec(nBits: 4, enablePerChannelScale: true), exact))
    // Grouping along stored axis 1 (transposed conv's default, or a Conv1D's output axis).
    #expect(!handles(.bfloat16, PalettizationSpec(nBits: 4, granularity: .perGroupedChannel(axis: 1, groupSize: 8)), exact))
    #expect(!handles(.bfloat16, PalettizationSpec(nBits: 4, granularity: Self.grouped), exact, op: .addmm))
    // Per-tensor scalar clustering is order-free, so a Conv1D weight qualifies.
    #expect(handles(.bfloat16, PalettizationSpec(nBits: 4), exact, op: .addmm))
  }

  /// Memory independence by structure: the histogram's tables are the same size after a
  /// 1,000-element block and a 2,000,000-element one, and hold no per-element state.
  @Test func workingMemoryDoesNotGrowWithTheBlock() throws {
    var histogram = ScalarKMeans.HalfHistogram(format: .bfloat16)
    let before = histogram.scratchByteCount
    #expect(before < 2 << 20)  // a few MiB at most: counts, cluster table, occupied patterns
    for n in [1_000, 2_000_000] {
      let w = try Self.weight([n], dtype: .bfloat16, seed: UInt64(n))
      let bytes = FloatConversion.encode(w.values, to: .bfloat16)
      let nonFinite = bytes.withUnsafeBytes { histogram.count($0, weights: nil) }
      #expect(nonFinite == 0)
      _ = histogram.cluster(k: 256, mode: .exact, weighted: false)
      #expect(histogram.scratchByteCount == before)
      #expect(histogram.occupied.count <= ScalarKMeans.HalfHistogram.bins)
    }
  }
}
