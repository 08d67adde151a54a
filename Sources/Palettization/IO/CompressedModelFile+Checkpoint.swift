import Foundation

/// Compressed exports of large models: ties, sharded output with its own index, and reloading
/// either form.
extension CompressedModelFile {
  /// Hugging Face's default shard limit is 5 GB; ours is 4 GiB, which also keeps every shard
  /// below the 32-bit offset limit some readers still have.
  public static let defaultMaxShardBytes = 4 << 30

  /// Names written as ties: every name of a shared storage except one maps to the one written
  /// — the palettized name when the storage was palettized, else the first in model order.
  static func tiedAliases(_ palettized: PalettizedModel, model: Model) -> [String: String] {
    guard !model.ties.isEmpty else { return [:] }
    let palettizedNames = Set(palettized.palettized.map(\.name))
    var groups: [String: [String]] = [:]
    for name in model.tensorNames { groups[model.storageKey(of: name), default: []].append(name) }
    var aliases: [String: String] = [:]
    for names in groups.values where names.count > 1 {
      let written = names.first(where: palettizedNames.contains) ?? names[0]
      for name in names where name != written { aliases[name] = written }
    }
    return aliases
  }

  /// Writes the compressed model of `palettized` as one file at `url` when its tensors take at
  /// most `maxShardBytes`, else as shards of at most that size (a palettized tensor's entries
  /// stay together; a single larger tensor gets a shard of its own) named like Hugging Face's:
  /// `<stem>-00001-of-00003.safetensors` beside `url`, plus the index `<url>.index.json`
  /// (`{"metadata": {"format", "total_size"}, "weight_map": {entry: shard}}`). Every shard is
  /// a complete compressed file (`format` and `palettelab.tensors` for its own tensors); each
  /// file is written atomically, the index last.
  ///
  /// - Returns: the files written (the index last).
  /// - Throws: ``SafeTensorsError`` for a failed write, ``ModelError`` for an unreadable tensor.
  @discardableResult
  public static func writeCheckpoint(
    _ palettized: PalettizedModel, model: Model, to url: URL, maxShardBytes: Int = defaultMaxShardBytes
  ) throws -> [URL] {
    precondition(maxShardBytes > 0, "maxShardBytes must be positive")
    let parts = try parts(for: palettized, model: model)
    let total = parts.groups.reduce(0) { $0 + $1.entries.reduce(0) { $0 + $1.byteCount } }
    if total <= maxShardBytes {
      var writer = SafeTensorsWriter(entries: parts.groups.flatMap(\.entries))
      writer.metadata = try metadata(described: parts.described, aliases: parts.aliases)
      try writer.write(to: url)
      return [url]
    }

    // Whole tensors per shard, in model order.
    var shards: [[(name: String, entries: [SafeTensorsEntry])]] = [[]]
    var shardBytes = 0
    for group in parts.groups {
      let bytes = group.entries.reduce(0) { $0 + $1.byteCount }
      if shardBytes + bytes > maxShardBytes && !(shards.last?.isEmpty ?? true) {
        shards.append([])
        shardBytes = 0
      }
      shards[shards.count - 1].append(group)
      shardBytes += bytes
    }

    let stem = url.deletingPathExtension().lastPathComponent
    let folder = url.deletingLastPathComponent()
    var weightMap: [String: String] = [:]
    var written: [URL] = []
    for (s, groups) in shards.enumerated() {
      let fileName = SafeTensorsCheckpoint.shardFileName(stem: stem, index: s, count: shards.count)
      let members = Set(groups.map(\.name))
      let aliases = parts.aliases.filter { members.contains($0.value) }
      var writer = SafeTensorsWriter(entries: groups.flatMap(\.entries))
      writer.metadata = try metadata(described: parts.described.filter { members.contains($0.key) }, aliases: aliases)
      // A copied tensor's alias resolves through the shard (as in any checkpoint); a
      // palettized one is not a tensor, so its alias lives in the shard's metadata only.
      for (alias, target) in aliases where parts.described[target] == nil { weightMap[alias] = fileName }
      for entry in writer.entries { weightMap[entry.name] = fileName }
      let shardURL = folder.appendingPathComponent(fileName)
      try writer.write(to: shardURL)
      written.append(shardURL)
    }
    let indexURL = folder.appendingPathComponent(url.lastPathComponent + ".index.json")
    try SafeTensorsCheckpoint.writeIndex(weightMap: weightMap, metadata: ["format": formatName, "total_size": total], to: indexURL)
    written.append(indexURL)
    return written
  }

  /// A reloaded compressed checkpoint (one file or shards): every palettized tensor rebuilt
  /// exactly, the names copied through, and tied names.
  public struct CheckpointContents: Sendable {
    public var palettized: [String: PalettizedTensor]
    /// Tensors stored unchanged, in checkpoint order.
    public var passthrough: [String]
    /// Tied names: alias → the name written (a palettized tensor or a copied one).
    public var ties: [String: String]
    /// The files, opened and checked against the index.
    public var checkpoint: SafeTensorsCheckpoint
  }

  /// Reads what ``writeCheckpoint(_:model:to:maxShardBytes:)`` wrote: the `.safetensors` file,
  /// or the index (or a folder holding `model.safetensors.index.json`).
  /// - Throws: ``ModelError`` naming the index or shard at fault.
  public static func loadCheckpoint(_ url: URL) throws(ModelError) -> CheckpointContents {
    let checkpoint: SafeTensorsCheckpoint
    do { checkpoint = try SafeTensorsCheckpoint(contentsOf: url) } catch {
      throw ModelError(file: nil, problem: error.description)
    }
    var palettized: [String: PalettizedTensor] = [:]
    var passthrough: [String] = []
    var ties: [String: String] = [:]
    for shard in checkpoint.shards {
      let contents = try load(shard)
      palettized.merge(contents.palettized, uniquingKeysWith: { a, _ in a })
      passthrough += contents.passthrough
      for (key, value) in shard.metadata where !shard.contains(key) && key != "format" && key != "palettelab.tensors"
        && (shard.contains(value) || contents.palettized[value] != nil)
      {
        ties[key] = value
      }
    }
    return CheckpointContents(palettized: palettized, passthrough: passthrough, ties: ties, checkpoint: checkpoint)
  }
}
