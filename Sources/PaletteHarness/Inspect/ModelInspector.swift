import Palettization

/// The text `harness inspect` prints: the module tree with types (and whether inferred), ops,
/// every state tensor with shape and dtype and — given a config — its resolved spec and why,
/// or why it is left alone.
public enum ModelInspector {
  public static func render(_ model: Model, config: KMeansPalettizerConfig?) throws -> String {
    var lines: [String] = []
    let plan = try config.map { try KMeansPalettizer(model: model, config: $0).plan }
    let decisions = Dictionary((plan ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    for module in model.tree.modules {
      let depth = module.name.isEmpty ? 0 : module.name.split(separator: ".").count
      let indent = String(repeating: "  ", count: depth)
      let title = module.name.isEmpty ? "(root)" : module.name
      lines.append("\(indent)\(title): \(module.type)\(module.typeInferred ? " [inferred]" : "")")
      for op in module.ops {
        let support = op.kind == nil ? " (unsupported op type)" : ""
        // A registry op lists every state its type may take (MultiheadAttention's
        // q_proj_weight, a Linear's bias); show those this module has.
        let states = op.states.filter(module.states.contains)
        let consumed = states.isEmpty ? "no state of its own" : states.joined(separator: ", ")
        lines.append("\(indent)  op \(op.name): \(op.type)\(support) on \(consumed)")
      }
      for state in module.states {
        let name = module.tensorName(state)
        let d = try model.describe(name)
        var line = "\(indent)  \(state) \(d.dtype) \(d.shape)"
        if let decision = decisions[name] {
          if let spec = decision.spec {
            line += " -> \(describe(spec)) [\(decision.reason)]"
          } else {
            line += " -> not palettized [\(decision.reason)]"
          }
        }
        lines.append(line)
      }
    }
    lines += checkpointLines(model)
    if !model.inferenceNotes.isEmpty {
      lines.append("")
      // Every module is inferred only when no manifest was given.
      let inferred = model.tree.modules.allSatisfy(\.typeInferred)
      lines.append(inferred ? "Inferred (no module manifest):" : "Notes on the module manifest:")
      lines += model.inferenceNotes.map { "  \($0)" }
    }
    if let plan {
      let selected = plan.filter { $0.spec != nil }
      var parameters = 0
      var storages = Set<String>()  // tied names share one storage, palettized once
      for entry in selected where storages.insert(model.storageKey(of: entry.name)).inserted {
        parameters += try model.describe(entry.name).count
      }
      lines.append("")
      lines.append("\(selected.count) of \(plan.count) state tensors selected (\(parameters) parameters)")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// A sharded checkpoint's index and shards (tensors and bytes each), and tied names.
  static func checkpointLines(_ model: Model) -> [String] {
    var lines: [String] = []
    if let checkpoint = model.checkpoint, let index = checkpoint.files.index {
      lines += ["", "Sharded checkpoint \(index.path):"]
      for shard in checkpoint.shards {
        let bytes = shard.tensorInfos.reduce(0) { $0 + $1.byteCount }
        lines.append("  \(shard.url.lastPathComponent): \(shard.tensorInfos.count) tensors, \(bytes) bytes")
      }
    }
    if !model.ties.isEmpty {
      lines += ["", "Tied (one storage, palettized at most once, under the first name a config selects):"]
      lines += model.ties.sorted { $0.key < $1.key }.map { "  \($0.key) -> \($0.value)" }
    }
    return lines
  }

  /// `4-bit per_tensor`, `2-bit per_grouped_channel(axis=0,group_size=16) cluster_dim 2 lut int8_symmetric`.
  public static func describe(_ spec: PalettizationSpec) -> String {
    var parts = ["\(spec.nBits)-bit", spec.granularity.label]
    if spec.clusterDim > 1 { parts.append("cluster_dim \(spec.clusterDim)") }
    if let q = spec.lutQSpec { parts.append("lut \(q.label)") }
    if spec.enablePerChannelScale { parts.append("per-channel scale") }
    if let t = spec.sparsityDetectionThreshold { parts.append("joint sparse at zero fraction >= \(t)") }
    return parts.joined(separator: " ")
  }
}
