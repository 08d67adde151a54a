/// The standard PyTorch module types whose ops PaletteLab knows (SPEC section 3): which ops a
/// module of that type runs, and which of its local state tensors each op consumes.
///
/// Types are matched by their **fully-qualified** name as `type(module).__module__ + "." +
/// type(module).__qualname__` prints it (`torch.nn.modules.linear.Linear`); the public aliases
/// (`torch.nn.Linear`) are deliberately not accepted, so that a manifest, a config's
/// `module_type_configs` key and this registry always spell a type the same way.
///
/// Op names follow the reference's numbering within a module: the first call of an op type is
/// named after the type (`linear`), later calls get `_1`, `_2`, … — a standard module runs each
/// of its ops once, so its op name equals its op type.
public enum OpRegistry {
  /// Module type → ops. Types that are known but run no supported op (embeddings, norms) map to
  /// an empty list; only a `module_state_spec` entry reaches their tensors.
  ///
  /// `MultiheadAttention` runs `multi_head_attention_forward` on its input projection; its
  /// `out_proj` is a child module (`NonDynamicallyQuantizableLinear`, a `Linear` subclass),
  /// which runs its own `linear` op. A `module_type_configs` key for `Linear` does not match
  /// that subclass: type keys compare exact type names.
  public static let opsByModuleType: [String: [OpInfo]] = {
    var table: [String: [OpInfo]] = [:]
    func single(_ kind: OpKind, states: [String]) -> [OpInfo] {
      [OpInfo(name: kind.rawValue, type: kind.rawValue, states: states)]
    }
    let weightAndBias = ["weight", "bias"]
    for type in ["Linear", "NonDynamicallyQuantizableLinear"] {
      table["torch.nn.modules.linear.\(type)"] = single(.linear, states: weightAndBias)
    }
    let convs: [(String, OpKind)] = [
      ("Conv1d", .conv1d), ("Conv2d", .conv2d), ("Conv3d", .conv3d),
      ("ConvTranspose1d", .convTranspose1d), ("ConvTranspose2d", .convTranspose2d),
      ("ConvTranspose3d", .convTranspose3d),
    ]
    for (type, kind) in convs {
      table["torch.nn.modules.conv.\(type)"] = single(kind, states: weightAndBias)
    }
    table["torch.nn.modules.activation.MultiheadAttention"] = single(
      .multiHeadAttentionForward,
      states: ["in_proj_weight", "in_proj_bias", "q_proj_weight", "k_proj_weight", "v_proj_weight",
               "bias_k", "bias_v"])
    // GPT-2's Conv1D (`[in, out]` weight): see ``OpKind/addmm``.
    table["transformers.pytorch_utils.Conv1D"] = single(.addmm, states: weightAndBias)
    let withoutOps = [
      "torch.nn.modules.sparse.Embedding", "torch.nn.modules.sparse.EmbeddingBag",
      "torch.nn.modules.normalization.LayerNorm", "torch.nn.modules.normalization.GroupNorm",
      "torch.nn.modules.normalization.RMSNorm",
      "torch.nn.modules.batchnorm.BatchNorm1d", "torch.nn.modules.batchnorm.BatchNorm2d",
      "torch.nn.modules.batchnorm.BatchNorm3d",
    ]
    for type in withoutOps { table[type] = [] }
    return table
  }()

  /// The ops a module of `moduleType` runs: `nil` for a type the registry does not know (a
  /// custom module, whose ops must come from a manifest), `[]` for a known type without a
  /// supported op.
  ///
  /// - Complexity: O(1) expected.
  public static func ops(forModuleType moduleType: String) -> [OpInfo]? {
    opsByModuleType[moduleType]
  }
}
