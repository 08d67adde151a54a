/// Building the module tree: from a manifest, or by inference from tensor names and shapes.
extension Model {
  /// Type given to inferred modules that only group children.
  public static let inferredContainerType = "palettelab.inferred.Module"
  /// Type given to inferred modules whose role could not be guessed.
  public static let inferredUnknownType = "palettelab.inferred.Unknown"

  /// Last dotted components that name a Linear in decoder LMs (LLaMA, Mistral, Qwen, Phi,
  /// GPT-NeoX): attention and MLP projections, and the output head — GPT-NeoX's `embed_out`
  /// is its `lm_head`, so the name wins over the `embed` rule. Names starting with `dense` or
  /// `fc` (`dense_h_to_4h`, `fc1`) are Linear too.
  public static let decoderLinearNames: Set<String> = [
    "q_proj", "k_proj", "v_proj", "o_proj", "qkv_proj", "gate_proj", "up_proj", "down_proj",
    "gate_up_proj", "query_key_value", "lm_head", "embed_out",
  ]
  /// Last dotted components that name an Embedding besides names containing `embed`: GPT-2's
  /// token and position tables.
  public static let decoderEmbeddingNames: Set<String> = ["wte", "wpe"]

  /// The module type guessed for a module owning `states` (local name → description), and why.
  ///
  /// Rules (SPEC section 4, extended for decoder LMs), on the module's last dotted component:
  /// - a 2-D `weight` is a Linear when that component is one of ``decoderLinearNames`` or starts
  ///   with `dense` or `fc`; else an Embedding when it is `wte`/`wpe` or the module's name
  ///   contains `embed` (`embed_tokens`, `word_embeddings`); else a Linear;
  /// - a 3/4/5-D `weight` is a Conv1d/2d/3d;
  /// - a 1-D `weight` of a module whose name contains `norm` or whose last component is `ln` or
  ///   starts with `ln_` (GPT-2's `ln_1`, `ln_f`) is a LayerNorm when the module also has a
  ///   `bias`, else an RMSNorm (LLaMA's `input_layernorm`, `model.norm`) — neither palettized
  ///   by default; any other 1-D weight is unknown;
  /// - no `weight` at all makes a container.
  ///
  /// A GPT-2 `Conv1D` (a 2-D weight stored `[in, out]`) cannot be told from a Linear by name or
  /// shape; only a module manifest saying `transformers.pytorch_utils.Conv1D` makes it one.
  static func inferType(module: String, states: [String: TensorDescription]) -> (type: String, why: String) {
    let lower = module.lowercased()
    let leaf = lower.split(separator: ".").last.map(String.init) ?? lower
    guard let weight = states["weight"] else {
      return (inferredContainerType, "no 'weight' tensor")
    }
    switch weight.shape.count {
    case 2:
      if decoderLinearNames.contains(leaf) || leaf.hasPrefix("dense") || leaf.hasPrefix("fc") {
        return ("torch.nn.modules.linear.Linear", "2-D weight \(weight.shape) and the name '\(leaf)'")
      }
      if decoderEmbeddingNames.contains(leaf) {
        return ("torch.nn.modules.sparse.Embedding", "2-D weight \(weight.shape) and the name '\(leaf)'")
      }
      if lower.contains("embed") {
        return ("torch.nn.modules.sparse.Embedding", "2-D weight \(weight.shape) and 'embed' in the name")
      }
      return ("torch.nn.modules.linear.Linear", "2-D weight \(weight.shape)")
    case 3, 4, 5:
      let d = weight.shape.count - 2
      return ("torch.nn.modules.conv.Conv\(d)d", "\(weight.shape.count)-D weight \(weight.shape)")
    case 1 where lower.contains("norm") || leaf == "ln" || leaf.hasPrefix("ln_"):
      let named = lower.contains("norm") ? "'norm' in the name" : "the name '\(leaf)'"
      if states["bias"] != nil {
        return ("torch.nn.modules.normalization.LayerNorm", "1-D weight with a bias and \(named)")
      }
      return ("torch.nn.modules.normalization.RMSNorm", "1-D weight without a bias and \(named)")
    default:
      return (inferredUnknownType, "\(weight.shape.count)-D weight \(weight.shape)")
    }
  }

  /// The tree for `descriptions`: listed modules from `manifest` (each tensor owned by the
  /// longest listed module prefixing it), or inferred ones (every dotted prefix of a tensor
  /// name is a module).
  static func buildTree(
    _ descriptions: [TensorDescription], manifest: ModuleManifest?, manifestFile: String?
  ) throws(ModelError) -> (ModuleTree, [String]) {
    var notes: [String] = []
    var entries: [ModuleManifest.Entry]
    if let manifest {
      entries = manifest.modules
      if !entries.contains(where: { $0.name.isEmpty }) {
        notes.append("manifest lists no root module; added \"\" of type \(ModuleTree.synthesisedRootType)")
      }
    } else {
      var names: [String] = [""]
      var seen: Set<String> = [""]
      for d in descriptions {
        let parts = d.name.split(separator: ".").map(String.init)
        for depth in 1..<max(parts.count, 1) {
          let prefix = parts[0..<depth].joined(separator: ".")
          if seen.insert(prefix).inserted { names.append(prefix) }
        }
      }
      entries = names.map { ModuleManifest.Entry(name: $0, type: "", ops: nil) }
    }

    // Owner of each tensor: the longest listed module that prefixes it at a dot boundary.
    let listed = Set(entries.map(\.name))
    var statesByModule: [String: [(String, TensorDescription)]] = [:]
    for d in descriptions {
      var owner = ""
      var parts = d.name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
      parts.removeLast()
      while !parts.isEmpty {
        let candidate = parts.joined(separator: ".")
        if listed.contains(candidate) { owner = candidate; break }
        parts.removeLast()
      }
      let local = owner.isEmpty ? d.name : String(d.name.dropFirst(owner.count + 1))
      statesByModule[owner, default: []].append((local, d))
    }

    var nodes: [ModuleNode] = []
    for entry in entries {
      let states = statesByModule[entry.name] ?? []
      if manifest != nil {
        nodes.append(ModuleNode(name: entry.name, type: entry.type, typeInferred: false, ops: entry.ops, states: states.map(\.0)))
        if entry.ops == nil && OpRegistry.ops(forModuleType: entry.type) == nil && !states.isEmpty {
          notes.append("module \"\(entry.name)\" has type \(entry.type), which the op registry does not know, and no 'ops' in the manifest: its tensors are reached only through module_state_spec")
        }
        continue
      }
      let (type, why) = inferType(module: entry.name, states: Dictionary(states, uniquingKeysWith: { a, _ in a }))
      if type != inferredContainerType {
        notes.append("module \"\(entry.name)\": inferred \(type) from \(why)")
      }
      nodes.append(ModuleNode(name: entry.name, type: type, typeInferred: true, ops: nil, states: states.map(\.0)))
    }
    do {
      return (try ModuleTree(modules: nodes), notes)
    } catch {
      throw ModelError(file: manifestFile, problem: error.description)
    }
  }
}
