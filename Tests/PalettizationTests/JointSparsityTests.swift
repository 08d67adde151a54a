import Foundation
import Testing
@testable import Palettization

@Suite("Joint sparse palettization (sparsity_detection_threshold)")
struct JointSparsityTests {
  let exact = ClusteringOptions(enableFastKMeansMode: false)

  struct DetectionCase: Sendable, CustomTestStringConvertible {
    var values: [Float]
    var threshold: Double?
    var sparse: Bool
    var zeroFraction: Double
    var testDescription: String { "\(values) threshold \(threshold.map { "\($0)" } ?? "nil") → \(sparse)" }
  }

  static let detectionCases: [DetectionCase] = [
    // No zero: never sparse, not even at threshold 0.
    .init(values: [1, 2, 3, 4, 5, 6, 7, 8], threshold: 0, sparse: false, zeroFraction: 0),
    // One zero of 8 (1/8 = 0.125): threshold 0 and exactly 0.125 detect it, 0.13 does not.
    .init(values: [1, 0, 3, 4, 5, 6, 7, 8], threshold: 0, sparse: true, zeroFraction: 0.125),
    .init(values: [1, 0, 3, 4, 5, 6, 7, 8], threshold: 0.125, sparse: true, zeroFraction: 0.125),
    .init(values: [1, 0, 3, 4, 5, 6, 7, 8], threshold: 0.13, sparse: false, zeroFraction: 0.125),
    // -0.0 is an exact zero too.
    .init(values: [1, -0.0, 3, 0, 5, 6, 7, 8], threshold: 0.25, sparse: true, zeroFraction: 0.25),
    // Threshold 1: only an all-zero weight.
    .init(values: [0, 0, 0, 0, 0, 0, 0, 9], threshold: 1, sparse: false, zeroFraction: 0.875),
    .init(values: [0, 0, 0, 0, 0, 0, 0, 0], threshold: 1, sparse: true, zeroFraction: 1),
    // Off (nil): dense whatever the zeros.
    .init(values: [0, 0, 0, 0, 0, 0, 0, 9], threshold: nil, sparse: false, zeroFraction: 0.875),
  ]

  @Test("detection: at least one exact zero and zero fraction >= threshold", arguments: detectionCases)
  func detection(_ c: DetectionCase) throws {
    let w = Tensor(shape: [2, 4], values: c.values)
    let result = try TensorPalettizer.palettize(
      w, spec: PalettizationSpec(nBits: 1, sparsityDetectionThreshold: c.threshold), options: exact, op: .linear)
    #expect((result.mask != nil) == c.sparse)
    #expect(result.metrics.zeroFraction == c.zeroFraction)
    let rebuilt = result.reconstruct().values
    if c.sparse {
      // Zeros stay exactly 0.0 and take no index.
      for (x, r) in zip(c.values, rebuilt) where x == 0 { #expect(r == 0) }
      #expect(result.mask?.stored == c.values.map { $0 != 0 })
    }
    if c.values.allSatisfy({ $0 == 0 }) {
      #expect(rebuilt == [Float](repeating: 0, count: 8))
      #expect(result.lut == [0, 0])
      #expect(result.metrics.snrDB == .infinity)
      // Mask bits only: 8 elements, 0 stored indices, LUT 2 × 32 bits.
      #expect(result.metrics.bitsPerWeight == Double(8 + 0 + 64) / 8)
    }
  }

  @Test("per-tensor scalar: the palette is fitted to the nonzeros alone (hand-worked, 1 bit)")
  func perTensorScalar() throws {
    // Nonzeros {1, 2, 10, 11} into K = 2: {1, 2} → 1.5 and {10, 11} → 10.5. (Dense k-means
    // would put the four zeros with 1 and 2: centroid 0.5.)
    let values: [Float] = [0, 1, 0, 2, 10, 0, 11, 0]
    let w = Tensor(shape: [2, 4], values: values)
    let result = try TensorPalettizer.palettize(
      w, spec: PalettizationSpec(nBits: 1, sparsityDetectionThreshold: 0.3), options: exact, op: .linear)
    #expect(result.lut == [1.5, 10.5])
    #expect(result.reconstruct().values == [0, 1.5, 0, 1.5, 10.5, 0, 10.5, 0])
    #expect(result.mask == SparsityMask(
      stored: [false, true, false, true, true, false, true, false], storedPerBlock: 4, zeroReserved: [false]))
    #expect(result.metrics.inertia == 4 * 0.25)
    // 8 mask bits + 4 stored 1-bit indices + 2 fp32 LUT entries, over 8 weights.
    #expect(result.metrics.bitsPerWeight == Double(8 + 4 + 64) / 8)
    // Fast mode (the default) sees the same points here: they lie on its rounding grid.
    let fast = try TensorPalettizer.palettize(
      w, spec: PalettizationSpec(nBits: 1, sparsityDetectionThreshold: 0.3), op: .linear)
    #expect(fast.reconstruct() == result.reconstruct())
  }

  @Test("grouped axis 0: a block with fewer nonzeros reserves entry 0 = 0.0 and pads with stored zeros")
  func reserveZeroBlocks() throws {
    // Two blocks of 2 rows (1 bit, K = 2).
    //   block 0, rows 0–1: [1 0 2 0 | 0 10 0 12]: 4 nonzeros, the fullest → all K entries:
    //     {1, 2} → 1.5, {10, 12} → 11.
    //   block 1, rows 2–3: [0 0 4 0 | 0 6 0 0]: 2 nonzeros < 4 → entry 0 = 0.0, the other
    //     K − 1 = 1 entry is their mean 5; stored: 4 per block, so its first two zeros
    //     (elements 8 and 9) are stored as padding with index 0.
    let values: [Float] = [1, 0, 2, 0, 0, 10, 0, 12, 0, 0, 4, 0, 0, 6, 0, 0]
    let w = Tensor(shape: [4, 4], values: values)
    let spec = PalettizationSpec(
      nBits: 1, granularity: .perGroupedChannel(axis: 0, groupSize: 2), sparsityDetectionThreshold: 0.5)
    let result = try TensorPalettizer.palettize(w, spec: spec, options: exact, op: .linear)
    #expect(result.lut == [1.5, 11, 0, 5])
    let storedElements: Set<Int> = [0, 2, 5, 7, 8, 9, 10, 13]
    #expect(result.mask?.stored == (0..<16).map { storedElements.contains($0) })
    #expect(result.mask?.storedPerBlock == 4)
    #expect(result.mask?.zeroReserved == [false, true])
    for i in [0, 2, 8, 9] { #expect(result.indices[i] == 0) }
    for i in [5, 7, 10, 13] { #expect(result.indices[i] == 1) }
    #expect(result.reconstruct().values == [1.5, 0, 1.5, 0, 0, 11, 0, 11, 0, 0, 5, 0, 0, 5, 0, 0])
    // (0.5² · 2) + (1² · 2) + (1² · 2).
    #expect(result.metrics.inertia == 4.5)
    // 16 mask bits + 2 blocks × 4 stored × 1 bit + 2 blocks × 2 fp32 entries.
    #expect(result.metrics.bitsPerWeight == Double(16 + 8 + 128) / 16)
  }

  @Test("the reserved zero survives LUT quantization and per-channel scale; every zero stays 0.0",
        arguments: [QuantizationSpec(dtype: .int8), QuantizationSpec(dtype: .uint8, qscheme: .asymmetric),
                    QuantizationSpec(dtype: .float8E4M3FN)])
  func reserveZeroComposes(qspec: QuantizationSpec) throws {
    // 32 × 24 Gaussian weights with a seeded, uneven pattern of zeros: rows 0–7 keep every
    // value, later rows lose more, so blocks 1–3 reserve zero.
    var values = try gaussianValues(32 * 24, seed: 77, sigma: 0.1)
    let random = try GSLRandom(seed: 78)
    for i in values.indices where random.nextUniform() < Double(max(0, i / 24 - 7)) / 40 { values[i] = 0 }
    let w = Tensor(shape: [32, 24], values: values)
    let spec = PalettizationSpec(
      nBits: 2, granularity: .perGroupedChannel(axis: 0, groupSize: 8), lutQSpec: qspec,
      enablePerChannelScale: true, sparsityDetectionThreshold: 0.1)
    let result = try TensorPalettizer.palettize(w, spec: spec, op: .linear)
    let mask = try #require(result.mask)
    #expect(mask.zeroReserved == [false, true, true, true])
    for block in 1..<4 { #expect(result.lut[block * 4] == 0) }
    let rebuilt = result.reconstruct().values
    for (x, r) in zip(values, rebuilt) where x == 0 { #expect(r == 0 && r.sign == .plus) }
    // Every block stores as many elements as block 0 has nonzeros (all 192 of them).
    #expect(mask.storedPerBlock == 192)
    #expect(mask.stored.filter { $0 }.count == 4 * 192)
  }

  @Test("vectors: the mask keeps whole vectors, only nonzero vectors are clustered, equally many per group")
  func vectorMaskAlignment() throws {
    // Shape [4, 3], cluster_dim 2 (pairs of rows), grouped by 2 rows: block b holds the three
    // vectors (w[2b, m], w[2b+1, m]).
    //   block 0: (1, 2), (0, 0), (0, 5) → 2 nonzero vectors; (0, 5) is partly zero and stored whole.
    //   block 1: (0, 0), (3, 4), (0, 0) → 1 nonzero vector < 2 → entry 0 = (0, 0); its first
    //   zero vector (column 0) is stored as padding.
    // 2 bits: K = 4 ≥ the distinct vectors, so each block keeps its own (palette reuse).
    let values: [Float] = [1, 0, 0,  2, 0, 5,  0, 3, 0,  0, 4, 0]
    let w = Tensor(shape: [4, 3], values: values)
    let spec = PalettizationSpec(
      nBits: 2, granularity: .perGroupedChannel(axis: 0, groupSize: 2), clusterDim: 2,
      sparsityDetectionThreshold: 0.5)
    let result = try TensorPalettizer.palettize(w, spec: spec, options: exact, op: .linear, seed: 1)
    let mask = try #require(result.mask)
    // Index layout [2, 3]: one index per vector.
    #expect(mask.stored == [true, false, true, true, true, false])
    #expect(mask.storedPerBlock == 2)
    #expect(mask.zeroReserved == [false, true])
    #expect(mask.elementBits(layout: result.layout) == [true, false, true, true, false, true, true, true, false, true, true, false])
    #expect(SparsityMask.storedVectors(elementBits: mask.elementBits(layout: result.layout), layout: result.layout) == mask.stored)
    // Block 0: its two vectors in first-occurrence order, padded with the last.
    #expect(Array(result.lut[0..<8]) == [1, 2, 0, 5, 0, 5, 0, 5])
    // Block 1: the reserved zero vector, then (3, 4), padded.
    #expect(Array(result.lut[8..<16]) == [0, 0, 3, 4, 3, 4, 3, 4])
    #expect(Array(result.indices) == [0, 0, 1, 0, 1, 0])
    #expect(result.reconstruct() == w)
    // Bits: 12 mask bits + 2 blocks × 2 stored × 2 bits + 2 blocks × 4 entries × 2 × 32 bits.
    #expect(result.metrics.bitsPerWeight == Double(12 + 8 + 512) / 12)
  }

  @Test("sensitivities of the nonzeros weight the joint fit; zeros' sensitivities are ignored")
  func sensitivitiesOfNonzeros() throws {
    // Nonzeros {1, 2, 5} with weights {3, 1, 1} into K = 2: {1, 2} | {5} costs
    // 3·0.25² + 0.75² = 0.75 against 2·1.5² = 4.5 for {1} | {2, 5}; centroid (3·1 + 1·2)/4 = 1.25.
    // The zero's huge weight plays no part.
    let w = Tensor(shape: [1, 4], values: [1, 0, 2, 5])
    let s = Tensor(shape: [1, 4], values: [3, 1000, 1, 1])
    let result = try TensorPalettizer.palettize(
      w, spec: PalettizationSpec(nBits: 1, sparsityDetectionThreshold: 0.2), options: exact, op: .linear,
      sensitivity: s)
    #expect(result.lut == [1.25, 5])
    #expect(result.reconstruct().values == [1.25, 0, 1.25, 5])
  }

  @Test("export: T.mask + stored indices only; reload is bit for bit; size matches bits_per_weight",
        arguments: [1, 2])
  func exportRoundTrip(clusterDim: Int) throws {
    // A 50%-magnitude-pruned Linear and a grouped conv (scalar: reserve-zero blocks; vector:
    // aligned masks), plus a dense tensor with the threshold unset.
    let linear = try PruningSpec.magnitude(sparsity: 0.5).prune(
      Tensor(shape: [32, 16], values: try gaussianValues(512, seed: 5, sigma: 0.05)), op: .linear)
    var conv = try gaussianValues(16 * 4 * 9, seed: 6, sigma: 0.05)
    for i in conv.indices where i % 7 == 0 || i < 36 { conv[i] = 0 }
    let model = try Model(
      tensors: [("enc.weight", linear), ("conv.weight", Tensor(shape: [16, 4, 3, 3], values: conv)),
                ("dense.weight", Tensor(shape: [8, 8], values: try gaussianValues(64, seed: 7)))],
      modules: [.init(name: "", type: "mypkg.Net"), .init(name: "enc", type: "torch.nn.modules.linear.Linear"),
                .init(name: "conv", type: "torch.nn.modules.conv.Conv2d"),
                .init(name: "dense", type: "torch.nn.modules.linear.Linear")])
    let sparse = PalettizationSpec(
      nBits: 3, granularity: .perGroupedChannel(axis: 0, groupSize: 4), clusterDim: clusterDim,
      sparsityDetectionThreshold: 0.1)
    let config = KMeansPalettizerConfig(
      globalConfig: ModuleKMeansPalettizerConfig(opStateSpec: ["weight": sparse], enableFastKMeansMode: clusterDim == 1),
      moduleNameConfigs: ["dense": ModuleKMeansPalettizerConfig(opStateSpec: ["weight": PalettizationSpec(nBits: 3)])])
    let result = try KMeansPalettizer(model: model, config: config).prepare(seed: 4)
    let byName = Dictionary(uniqueKeysWithValues: result.palettized.map { ($0.name, $0.result) })
    let enc = try #require(byName["enc.weight"]?.mask)
    #expect(enc.stored.filter { $0 }.count == enc.storedCount)
    #expect(try #require(byName["conv.weight"]?.mask).zeroReserved.contains(true))
    #expect(byName["dense.weight"]?.mask == nil)

    let folder = try TemporaryFolder()
    let url = folder.url.appendingPathComponent("sparse.safetensors")
    try CompressedModelFile.write(result, model: model, to: url)
    let reloaded = try CompressedModelFile.load(url)
    let file = try SafeTensorsFile(contentsOf: url)
    var accountedBits = 0.0
    var storedBytes = 0
    for (name, original) in result.palettized {
      let back = try #require(reloaded.palettized[name])
      #expect(back.reconstruct().values.map(\.bitPattern) == original.reconstruct().values.map(\.bitPattern), "\(name)")
      #expect(back.mask == original.mask, "\(name)")
      #expect(back.lut == original.lut && back.indices == original.indices, "\(name)")
      accountedBits += original.metrics.bitsPerWeight * Double(original.layout.count)
      for suffix in ["lut", "indices", "mask"] where file.tensorNames.contains("\(name).\(suffix)") {
        storedBytes += try file.info("\(name).\(suffix)").byteCount
      }
      guard let mask = original.mask else {
        #expect(!file.tensorNames.contains("\(name).mask"))
        continue
      }
      // The mask entry, read independently: bit i (LSB first) says whether element i is stored.
      let maskBytes = try file.bytes(of: "\(name).mask")
      #expect(maskBytes.count == (original.layout.count + 7) / 8)
      let bits = (0..<original.layout.count).map { maskBytes[$0 / 8] >> ($0 % 8) & 1 == 1 }
      #expect(bits == mask.elementBits(layout: original.layout))
      // An element without a mask bit is an exact zero of the weight and of the reconstruction.
      let weight = try model.tensor(named: name).values
      for (i, bit) in bits.enumerated() where !bit { #expect(weight[i] == 0 && original.reconstruct().values[i] == 0) }
      #expect(try file.info("\(name).indices").byteCount == (mask.storedCount * 3 + 7) / 8)
    }
    // Each tensor's packed indices and mask round up to whole bytes.
    #expect(Double(storedBytes) * 8 >= accountedBits && Double(storedBytes) * 8 < accountedBits + 16 * 3)
  }

  @Test("the eight-lane masked gather and zero count equal their scalar forms (ranges not a multiple of 8)")
  func vectorHelpersMatchScalar() throws {
    let random = try GSLRandom(seed: 21)
    let entries: [Float] = (0..<32).map { _ in Float(random.gaussian(sigma: 1)) } + [-0.0]
    let indices = (0..<1003).map { _ in UInt8(random.nextInt(below: 17)) }
    let stored = (0..<1003).map { _ in random.nextUniform() < 0.5 }
    for range in [0..<1003, 5..<998, 16..<23, 7..<7] {
      var out = [Float](repeating: .nan, count: 1003)
      entries.withUnsafeBufferPointer { e in
        indices.withUnsafeBufferPointer { i in
          stored.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
              PalettizedTensor.gatherMasked(range, entries: e, lutBase: 16, indices: i, stored: s, into: o)
            }
          }
        }
      }
      for t in range {
        let expected: Float = stored[t] ? entries[16 + Int(indices[t])] : 0
        #expect(out[t].bitPattern == expected.bitPattern, "range \(range) element \(t)")
      }
      #expect(out[..<range.lowerBound].allSatisfy(\.isNaN) && out[range.upperBound...].allSatisfy(\.isNaN))
    }
    let values = (0..<1005).map { _ in random.nextUniform() < 0.3 ? (random.nextUniform() < 0.5 ? Float(0) : -0.0) : Float(random.gaussian(sigma: 1)) }
    #expect(TensorPalettizer.zeroCount(values) == values.filter { $0 == 0 }.count)
    #expect(TensorPalettizer.zeroCount([]) == 0)
  }
}
