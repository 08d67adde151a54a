import Foundation
import Testing
@testable import Palettization

/// A small model with every kind of module: Linear, Conv2d, ConvTranspose2d, Embedding,
/// LayerNorm, and a custom block with two explicit `linear` ops.
func smallModel(convOutChannels: Int = 24) throws -> Model {
  var seed: UInt64 = 100
  func tensor(_ shape: [Int]) throws -> Tensor {
    seed += 1
    return Tensor(shape: shape, values: try gaussianValues(shape.reduce(1, *), seed: seed, sigma: 0.05))
  }
  let tensors: [(name: String, tensor: Tensor)] = [
    ("enc.weight", try tensor([32, 16])), ("enc.bias", try tensor([32])),
    ("conv.weight", try tensor([convOutChannels, 8, 3, 3])), ("conv.bias", try tensor([convOutChannels])),
    ("up.weight", try tensor([8, 16, 2, 2])),
    ("tok.weight", try tensor([50, 8])),
    ("norm.weight", try tensor([16])), ("norm.bias", try tensor([16])),
    ("blk.w1", try tensor([16, 16])), ("blk.w2", try tensor([16, 16])),
  ]
  let modules: [ModuleManifest.Entry] = [
    .init(name: "", type: "mypkg.Net"),
    .init(name: "enc", type: "torch.nn.modules.linear.Linear"),
    .init(name: "conv", type: "torch.nn.modules.conv.Conv2d"),
    .init(name: "up", type: "torch.nn.modules.conv.ConvTranspose2d"),
    .init(name: "tok", type: "torch.nn.modules.sparse.Embedding"),
    .init(name: "norm", type: "torch.nn.modules.normalization.LayerNorm"),
    .init(name: "blk", type: "mypkg.Block", ops: [
      OpInfo(name: "linear", type: "linear", states: ["w1"]),
      OpInfo(name: "linear_1", type: "linear", states: ["w2"]),
    ]),
  ]
  return try Model(tensors: tensors, modules: modules)
}

/// w4 everywhere; transposed conv grouped on its default axis; the custom block: every state
/// 4-bit, but op linear_1 8-bit; the embedding only through module_state_spec.
let mixedConfigYAML = """
  kmeans_palettization_config:
    global_config:
      op_state_spec:
        weight: {n_bits: 4, granularity: {type: per_grouped_channel, axis: 0, group_size: 16}}
    module_type_configs:
      torch.nn.modules.conv.ConvTranspose2d:
        op_state_spec:
          weight: {n_bits: 4, granularity: {type: per_grouped_channel, group_size: 16}}
    module_name_configs:
      blk:
        op_state_spec:
          "*": {n_bits: 4}
        op_name_config:
          linear_1:
            op_state_spec:
              "*": {n_bits: 8}
      tok:
        module_state_spec:
          weight: {n_bits: 2}
  """

@Suite("KMeansPalettizer over a whole model")
struct KMeansPalettizerTests {
  @Test("a mixed config palettizes exactly the expected tensors with the expected specs")
  func mixedConfig() throws {
    let model = try smallModel()
    let config = try KMeansPalettizerConfig.load(yaml: mixedConfigYAML)
    let result = try KMeansPalettizer(model: model, config: config).prepare(numWorkers: 2, seed: 1)
    let specs = Dictionary(uniqueKeysWithValues: result.palettized.map { ($0.name, $0.result.spec) })
    #expect(Set(specs.keys) == ["enc.weight", "up.weight", "tok.weight", "blk.w1", "blk.w2"])
    #expect(specs["enc.weight"] == PalettizationSpec(nBits: 4, granularity: .perGroupedChannel(axis: 0, groupSize: 16)))
    #expect(specs["up.weight"] == PalettizationSpec(nBits: 4, granularity: .perGroupedChannel(axis: nil, groupSize: 16)))
    #expect(specs["blk.w1"] == PalettizationSpec(nBits: 4))
    #expect(specs["blk.w2"] == PalettizationSpec(nBits: 8))
    #expect(specs["tok.weight"] == PalettizationSpec(nBits: 2))
    // The transposed conv groups its 16 output channels (axis 1) into one block.
    #expect(result.palettized.first { $0.name == "up.weight" }?.result.layout.axis == 1)
    // The grouped conv has 24 output channels: skipped with a warning naming it and why.
    #expect(result.warnings == ["tensor 'conv.weight' skipped: size 24 along axis 0 of shape [24, 8, 3, 3] is not divisible by group_size 16"])
    // Everything else is untouched.
    let untouched = result.outcomes.filter { if case .untouched = $0 { return true } else { return false } }.map(\.name)
    #expect(Set(untouched) == ["enc.bias", "conv.bias", "norm.weight", "norm.bias"])
  }

  @Test("results and exported bytes are identical for 1, 2 and 8 workers (vector config)")
  func workerCountInvariance() throws {
    let model = try smallModel(convOutChannels: 32)
    let config = KMeansPalettizerConfig(globalConfig: ModuleKMeansPalettizerConfig(
      opStateSpec: ["weight": PalettizationSpec(nBits: 3, granularity: .perGroupedChannel(axis: nil, groupSize: 8), clusterDim: 2)],
      enableFastKMeansMode: false))
    let folder = try TemporaryFolder()
    var files: [Data] = []
    var models: [[PalettizedTensor]] = []
    for workers in [1, 2, 8] {
      let result = try KMeansPalettizer(model: model, config: config).prepare(numWorkers: workers, seed: 42, generator: "taus2")
      #expect(result.palettized.count == 3)
      models.append(result.palettized.map(\.result))
      let url = folder.url.appendingPathComponent("w\(workers).safetensors")
      try CompressedModelFile.write(result, model: model, to: url)
      files.append(try Data(contentsOf: url))
    }
    #expect(models[0] == models[1] && models[1] == models[2])
    #expect(files[0] == files[1] && files[1] == files[2])
  }

  @Test("a skipped tensor is bitwise unchanged: nothing is scaled before the skip decision")
  func skippedTensorUnchanged() throws {
    // 120 output channels, group 16, per-channel scale on: the shape check fails first.
    let weight = Tensor(shape: [120, 8], values: try gaussianValues(960, seed: 9, sigma: 0.1))
    let model = try Model(tensors: [("head.weight", weight)], modules: [.init(name: "head", type: "torch.nn.modules.linear.Linear")])
    let config = KMeansPalettizerConfig(globalConfig: ModuleKMeansPalettizerConfig(opStateSpec: [
      "weight": PalettizationSpec(nBits: 4, granularity: .perGroupedChannel(axis: 0, groupSize: 16), enablePerChannelScale: true),
    ]))
    let result = try KMeansPalettizer(model: model, config: config).prepare(seed: 0)
    #expect(result.palettized.isEmpty)
    #expect(result.warnings.count == 1)
    let folder = try TemporaryFolder()
    let url = folder.url.appendingPathComponent("out.safetensors")
    try CompressedModelFile.write(result, model: model, to: url)
    let file = try SafeTensorsFile(contentsOf: url)
    let stored = try file.tensor(named: "head.weight")
    #expect(stored.values.map(\.bitPattern) == weight.values.map(\.bitPattern))
  }

  @Test("export → reload reconstructs bit for bit; file size matches the bits-per-weight accounting",
        arguments: [false, true])
  func exportRoundTrip(quantizedLUT: Bool) throws {
    let model = try smallModel(convOutChannels: 32)
    var module = ModuleKMeansPalettizerConfig.presets.w4()
    if quantizedLUT {
      module.opStateSpec = ["weight": PalettizationSpec(
        nBits: 3, granularity: .perGroupedChannel(axis: nil, groupSize: 8),
        lutQSpec: QuantizationSpec(dtype: .uint8, qscheme: .asymmetric), enablePerChannelScale: true)]
    }
    let result = try KMeansPalettizer(model: model, config: KMeansPalettizerConfig(globalConfig: module)).prepare(seed: 3)
    // w4 groups axis 0 by 16: the transposed conv's 8 input channels do not divide.
    #expect(result.palettized.map(\.name) == (quantizedLUT ? ["enc.weight", "conv.weight", "up.weight"] : ["enc.weight", "conv.weight"]))
    let folder = try TemporaryFolder()
    let url = folder.url.appendingPathComponent("c.safetensors")
    try CompressedModelFile.write(result, model: model, to: url)
    let reloaded = try CompressedModelFile.load(url)
    for (name, original) in result.palettized {
      let back = try #require(reloaded.palettized[name])
      #expect(back.reconstruct().values.map(\.bitPattern) == original.reconstruct().values.map(\.bitPattern), "\(name)")
      #expect(back.lut == original.lut)
    }
    // Size: header + 8 + untouched bytes + Σ ceil(bits of each palettized tensor / 8).
    let file = try SafeTensorsFile(contentsOf: url)
    let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! Int
    let untouched = reloaded.passthrough.reduce(0) { $0 + ((try? file.info($1).byteCount) ?? 0) }
    var accounted = 0.0
    for (_, r) in result.palettized { accounted += r.metrics.bitsPerWeight * Double(r.layout.count) / 8 }
    let headerBytes = file.dataStart
    let palettizedBytes = Double(size - headerBytes - untouched)
    // Each tensor's packed indices round up to a whole byte.
    #expect(palettizedBytes >= accounted && palettizedBytes < accounted + Double(result.palettized.count))
    #expect(reloaded.passthrough.contains("conv.weight") == false)
    #expect(reloaded.passthrough.contains("norm.weight"))
  }

  @Test("index packing is least-significant bit first and inverts exactly", arguments: [1, 2, 3, 4, 6, 8])
  func indexPacking(bits: Int) throws {
    let random = try GSLRandom(seed: UInt64(bits))
    let indices = (0..<1001).map { _ in UInt8(random.nextInt(below: 1 << bits)) }
    let packed = IndexPacking.pack(indices, bits: bits)
    #expect(packed.count == (1001 * bits + 7) / 8)
    #expect(IndexPacking.unpack(packed, bits: bits, count: 1001) == indices)
    // Hand-worked: 3-bit indices [5, 3, 7] → stream bits 101 110 111 (LSB first) = 0b11_011_101, 0b1.
    #expect(IndexPacking.pack([5, 3, 7], bits: 3) == [0b1101_1101, 0b0000_0001])
  }
}
