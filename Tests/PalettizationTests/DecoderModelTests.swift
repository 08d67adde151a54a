import Foundation
import Testing
@testable import Palettization

/// Decoder-LM module inference and GPT-2's transposed `Conv1D`.
@Suite("decoder LMs: name inference and Conv1D")
struct DecoderModelTests {
  struct Named: Sendable, CustomTestStringConvertible {
    var module: String
    var shape: [Int]
    var bias = false
    var type: String
    var testDescription: String { module }
  }

  static let linear = "torch.nn.modules.linear.Linear"
  static let embedding = "torch.nn.modules.sparse.Embedding"
  static let names: [Named] = [
    // LLaMA / Mistral / Qwen
    Named(module: "model.layers.0.self_attn.q_proj", shape: [64, 64], type: linear),
    Named(module: "model.layers.0.self_attn.o_proj", shape: [64, 64], type: linear),
    Named(module: "model.layers.3.mlp.gate_proj", shape: [160, 64], type: linear),
    Named(module: "model.layers.3.mlp.down_proj", shape: [64, 160], type: linear),
    Named(module: "lm_head", shape: [256, 64], type: linear),
    Named(module: "model.embed_tokens", shape: [256, 64], type: embedding),
    Named(module: "model.layers.0.input_layernorm", shape: [64], type: "torch.nn.modules.normalization.RMSNorm"),
    Named(module: "model.norm", shape: [64], type: "torch.nn.modules.normalization.RMSNorm"),
    // Phi
    Named(module: "model.layers.0.self_attn.qkv_proj", shape: [192, 64], type: linear),
    Named(module: "model.layers.0.mlp.fc1", shape: [256, 64], type: linear),
    Named(module: "model.layers.0.self_attn.dense", shape: [64, 64], type: linear),
    // GPT-NeoX: embed_out is the output head, embed_in the table
    Named(module: "gpt_neox.layers.0.attention.query_key_value", shape: [192, 64], type: linear),
    Named(module: "gpt_neox.layers.0.mlp.dense_h_to_4h", shape: [256, 64], type: linear),
    Named(module: "embed_out", shape: [256, 64], type: linear),
    Named(module: "gpt_neox.embed_in", shape: [256, 64], type: embedding),
    Named(module: "gpt_neox.final_layer_norm", shape: [64], bias: true, type: "torch.nn.modules.normalization.LayerNorm"),
    // GPT-2 (its c_attn/c_fc are Conv1D, which only a manifest can say: by shape they are Linear)
    Named(module: "transformer.wte", shape: [256, 64], type: embedding),
    Named(module: "transformer.wpe", shape: [128, 64], type: embedding),
    Named(module: "transformer.h.0.ln_1", shape: [64], bias: true, type: "torch.nn.modules.normalization.LayerNorm"),
    Named(module: "transformer.ln_f", shape: [64], bias: true, type: "torch.nn.modules.normalization.LayerNorm"),
    Named(module: "transformer.h.0.attn.c_attn", shape: [64, 192], type: linear),
    // BERT, as before
    Named(module: "encoder.layer.0.attention.self.query", shape: [384, 384], type: linear),
    Named(module: "embeddings.word_embeddings", shape: [512, 384], type: embedding),
    Named(module: "embeddings.LayerNorm", shape: [384], bias: true, type: "torch.nn.modules.normalization.LayerNorm"),
    Named(module: "blocks.0.scale", shape: [64], type: Model.inferredUnknownType),
  ]

  @Test("module types inferred from decoder-LM names and shapes", arguments: names)
  func inference(_ c: Named) {
    func d(_ name: String, _ shape: [Int]) -> Model.TensorDescription {
      Model.TensorDescription(name: name, shape: shape, dtype: "BF16", weightDType: .bfloat16)
    }
    var states = ["weight": d(c.module + ".weight", c.shape)]
    if c.bias { states["bias"] = d(c.module + ".bias", [c.shape[0]]) }
    #expect(Model.inferType(module: c.module, states: states).type == c.type)
  }

  /// A GPT-2 block's `c_fc` as a manifest describes it, holding `weight` `[in, out]`.
  static func conv1DModel(_ weight: Tensor) throws -> Model {
    try Model(
      tensors: [("h.0.mlp.c_fc.weight", weight)],
      modules: [
        .init(name: "", type: "transformers.models.gpt2.modeling_gpt2.GPT2LMHeadModel"),
        .init(name: "h.0.mlp.c_fc", type: "transformers.pytorch_utils.Conv1D"),
      ])
  }

  @Test("Conv1D runs addmm on its [in, out] weight: output axis 1 for grouping, vectors and scales")
  func conv1DLayout() throws {
    #expect(OpRegistry.ops(forModuleType: "transformers.pytorch_utils.Conv1D") == [
      OpInfo(name: "addmm", type: "addmm", states: ["weight", "bias"])
    ])
    let spec = PalettizationSpec(nBits: 4, granularity: .perGroupedChannel(axis: 0, groupSize: 16))
    let layout = try WeightLayout(shape: [32, 48], spec: spec, op: .addmm)
    #expect(layout.axis == 1 && layout.rows == 48 && layout.blockCount == 3 && layout.outputAxis == 1)
    #expect(layout.indexShape == [32, 48])
    #expect(layout.outputChannel(ofElement: 1 * 48 + 5) == 5)
    // Vectors run along output channels (stored dimension 1) even per tensor.
    let vectors = try WeightLayout(shape: [32, 48], spec: PalettizationSpec(nBits: 4, clusterDim: 2), op: .addmm)
    #expect(vectors.axis == 1 && vectors.indexShape == [32, 24])
    // A spec's axis 1 for a Conv1D is its input dimension, stored first.
    let byInput = try WeightLayout(shape: [32, 48], spec: PalettizationSpec(nBits: 4, granularity: .perGroupedChannel(axis: 1, groupSize: 8)), op: .addmm)
    #expect(byInput.axis == 0 && byInput.blockCount == 4)
    // Through a manifest, the plan carries the op.
    let random = try GSLRandom(generator: "mt19937", seed: 4)
    let w = Tensor(shape: [32, 48], values: (0..<(32 * 48)).map { _ in Float(random.laplace(scale: 0.02)) })
    let plan = try KMeansPalettizer(model: Self.conv1DModel(w), config: KMeansPalettizerConfig.presets.w4()).plan
    #expect(plan.first?.op?.kind == .addmm && plan.first?.spec == spec)
  }

  /// Palettizing a Conv1D weight `W [in, out]` is palettizing the Linear `Wᵀ [out, in]`: the same
  /// LUTs and per-channel scales, and the transposed indices and reconstruction.
  @Test("a Conv1D weight palettizes as its transpose does as a Linear", arguments: [
    PalettizationSpec(nBits: 4, granularity: .perGroupedChannel(axis: 0, groupSize: 16)),
    PalettizationSpec(nBits: 3, granularity: .perGroupedChannel(axis: 0, groupSize: 8), enablePerChannelScale: true),
    PalettizationSpec(nBits: 4, clusterDim: 2),
    PalettizationSpec(nBits: 2, granularity: .perGroupedChannel(axis: 0, groupSize: 16), clusterDim: 4),
  ])
  func conv1DIsATransposedLinear(_ spec: PalettizationSpec) throws {
    let (input, output) = (24, 48)
    let random = try GSLRandom(generator: "mt19937", seed: 8)
    let w = Tensor(shape: [input, output], values: (0..<(input * output)).map { _ in Float(random.laplace(scale: 0.05)) })
    var transposed = [Float](repeating: 0, count: w.count)
    for i in 0..<input { for o in 0..<output { transposed[o * input + i] = w.values[i * output + o] } }
    let linear = Tensor(shape: [output, input], values: transposed)
    let options = ClusteringOptions(enableFastKMeansMode: false)
    let a = try TensorPalettizer.palettize(w, spec: spec, options: options, op: .addmm, seed: 5)
    let b = try TensorPalettizer.palettize(linear, spec: spec, options: options, op: .linear, seed: 5)
    #expect(a.lut == b.lut)
    #expect(a.perChannelScale == b.perChannelScale)
    #expect(a.layout.blockCount == b.layout.blockCount)
    let ra = a.reconstruct().values
    let rb = b.reconstruct().values
    var mismatches = 0
    for i in 0..<input { for o in 0..<output where ra[i * output + o] != rb[o * input + i] { mismatches += 1 } }
    #expect(mismatches == 0)
    // Same error, summed in another element order.
    #expect(abs(a.metrics.inertia - b.metrics.inertia) <= 1e-12 * max(1, b.metrics.inertia))
    if spec.enablePerChannelScale { #expect(a.perChannelScale?.count == output) }
  }
}
