import Palettization

/// The shape of a LLaMA-style decoder LM that ``CheckpointSynthesizer`` writes.
///
/// Tensor names and shapes are those of `transformers`' `LlamaForCausalLM`:
/// `model.embed_tokens.weight [vocab, hidden]`; per layer `i`,
/// `model.layers.i.self_attn.{q,o}_proj.weight [hidden, hidden]`,
/// `{k,v}_proj.weight [kvHeads·headDim, hidden]`, `mlp.{gate,up}_proj.weight [intermediate, hidden]`,
/// `mlp.down_proj.weight [hidden, intermediate]`, `input_layernorm.weight` and
/// `post_attention_layernorm.weight [hidden]`; `model.norm.weight [hidden]`; and
/// `lm_head.weight [vocab, hidden]` unless tied to the embedding.
public struct SynthPreset: Sendable, Equatable {
  public var name: String
  public var vocab: Int
  public var hidden: Int
  public var intermediate: Int
  public var layers: Int
  public var heads: Int
  public var kvHeads: Int
  /// `lm_head` shares the embedding's storage (stored once, as `save_model` writes a tie).
  public var tieEmbeddings: Bool

  /// Per-head width: `hidden / heads`.
  public var headDim: Int { hidden / heads }

  /// Every preset, by name.
  public static let all: [SynthPreset] = [tiny, llama1B, llama7BLayer]

  /// A two-layer model of 102,720 parameters with tied embeddings, for tests and CI
  /// (`experiments/llama_synth.json`): every 2-D weight's rows divide by 16, so the `w4`
  /// preset's groups fit.
  public static let tiny = SynthPreset(
    name: "tiny", vocab: 256, hidden: 64, intermediate: 160, layers: 2, heads: 4, kvHeads: 2,
    tieEmbeddings: true)

  /// TinyLlama-1.1B's shape (22 layers, hidden 2048, grouped-query attention with 4 KV heads,
  /// vocabulary 32,000): 1,100,048,384 parameters.
  public static let llama1B = SynthPreset(
    name: "llama-1b", vocab: 32000, hidden: 2048, intermediate: 5632, layers: 22, heads: 32, kvHeads: 4,
    tieEmbeddings: false)

  /// One LLaMA-7B decoder layer with the 7B embedding and head (hidden 4096, intermediate
  /// 11,008, vocabulary 32,000): 464 M parameters; the layer's time × 32 plus the head's
  /// estimates a whole 7B model, and its `lm_head` is the 32000×4096 case.
  public static let llama7BLayer = SynthPreset(
    name: "llama-7b-layer", vocab: 32000, hidden: 4096, intermediate: 11008, layers: 1, heads: 32, kvHeads: 32,
    tieEmbeddings: false)

  /// The preset called `name`, if any.
  public static func named(_ name: String) -> SynthPreset? { all.first { $0.name == name } }

  /// One tensor of the model.
  public struct TensorSpec: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var role: Role
    public var count: Int { shape.reduce(1, *) }
  }

  /// What a tensor does, which decides how it is drawn.
  public enum Role: Sendable, Equatable {
    /// Token embedding table.
    case embedding
    /// A projection reading the residual stream (q, k, v, gate, up, lm_head): it has the
    /// model's outlier input channels.
    case readsResidual
    /// A projection writing the residual stream (o, down).
    case writesResidual
    /// An RMSNorm gain.
    case norm
  }

  /// The stored tensors in checkpoint order (embedding, layers, final norm, head); a tied head
  /// is not stored.
  public var tensors: [TensorSpec] {
    var list = [TensorSpec(name: "model.embed_tokens.weight", shape: [vocab, hidden], role: .embedding)]
    let kv = kvHeads * headDim
    for i in 0..<layers {
      let p = "model.layers.\(i)."
      list += [
        TensorSpec(name: p + "self_attn.q_proj.weight", shape: [hidden, hidden], role: .readsResidual),
        TensorSpec(name: p + "self_attn.k_proj.weight", shape: [kv, hidden], role: .readsResidual),
        TensorSpec(name: p + "self_attn.v_proj.weight", shape: [kv, hidden], role: .readsResidual),
        TensorSpec(name: p + "self_attn.o_proj.weight", shape: [hidden, hidden], role: .writesResidual),
        TensorSpec(name: p + "mlp.gate_proj.weight", shape: [intermediate, hidden], role: .readsResidual),
        TensorSpec(name: p + "mlp.up_proj.weight", shape: [intermediate, hidden], role: .readsResidual),
        TensorSpec(name: p + "mlp.down_proj.weight", shape: [hidden, intermediate], role: .writesResidual),
        TensorSpec(name: p + "input_layernorm.weight", shape: [hidden], role: .norm),
        TensorSpec(name: p + "post_attention_layernorm.weight", shape: [hidden], role: .norm),
      ]
    }
    list.append(TensorSpec(name: "model.norm.weight", shape: [hidden], role: .norm))
    if !tieEmbeddings {
      list.append(TensorSpec(name: "lm_head.weight", shape: [vocab, hidden], role: .readsResidual))
    }
    return list
  }

  /// Parameters of the model (a tied head counted once).
  public var parameterCount: Int { tensors.reduce(0) { $0 + $1.count } }

  /// The `palettelab.modules/1` manifest of the model, with `transformers`' type names.
  public var modules: [ModuleManifest.Entry] {
    let llama = "transformers.models.llama.modeling_llama."
    let linear = "torch.nn.modules.linear.Linear"
    var list: [ModuleManifest.Entry] = [
      .init(name: "", type: llama + "LlamaForCausalLM"),
      .init(name: "model", type: llama + "LlamaModel"),
      .init(name: "model.embed_tokens", type: "torch.nn.modules.sparse.Embedding"),
      .init(name: "model.layers", type: "torch.nn.modules.container.ModuleList"),
    ]
    for i in 0..<layers {
      let p = "model.layers.\(i)"
      list += [
        .init(name: p, type: llama + "LlamaDecoderLayer"),
        .init(name: p + ".self_attn", type: llama + "LlamaAttention"),
        .init(name: p + ".self_attn.q_proj", type: linear),
        .init(name: p + ".self_attn.k_proj", type: linear),
        .init(name: p + ".self_attn.v_proj", type: linear),
        .init(name: p + ".self_attn.o_proj", type: linear),
        .init(name: p + ".mlp", type: llama + "LlamaMLP"),
        .init(name: p + ".mlp.gate_proj", type: linear),
        .init(name: p + ".mlp.up_proj", type: linear),
        .init(name: p + ".mlp.down_proj", type: linear),
        .init(name: p + ".mlp.act_fn", type: "transformers.activations.SiLUActivation"),
        .init(name: p + ".input_layernorm", type: llama + "LlamaRMSNorm"),
        .init(name: p + ".post_attention_layernorm", type: llama + "LlamaRMSNorm"),
      ]
    }
    list += [
      .init(name: "model.norm", type: llama + "LlamaRMSNorm"),
      .init(name: "model.rotary_emb", type: llama + "LlamaRotaryEmbedding"),
      .init(name: "lm_head", type: linear),
    ]
    return list
  }
}
