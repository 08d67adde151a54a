import Foundation

/// Finding a checkpoint's files, reading its index, and writing one.
extension SafeTensorsCheckpoint {
  /// The file name of shard `index` (0-based) of `count`: `<stem>-00001-of-00003.safetensors`,
  /// as Hugging Face names them.
  public static func shardFileName(stem: String, index: Int, count: Int) -> String {
    String(format: "%@-%05d-of-%05d.safetensors", stem, index + 1, count)
  }

  /// Writes the index `{"metadata": metadata, "weight_map": weightMap}` to `url` atomically:
  /// sorted keys, indented, slashes unescaped, a final newline (the same bytes for the same
  /// content).
  public static func writeIndex(weightMap: [String: String], metadata: [String: Any], to url: URL) throws {
    let index: [String: Any] = ["metadata": metadata, "weight_map": weightMap]
    var data = try JSONSerialization.data(withJSONObject: index, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
    data.append(0x0a)
    try SafeTensorsWriter.writeAtomically(data, to: url)
  }

  /// The files of the checkpoint at `url` (see ``init(contentsOf:)`` for what `url` may be),
  /// without opening any shard: for hashing inputs, or listing what a run read.
  ///
  /// - Throws: ``CheckpointError`` for a folder without a checkpoint or an unusable index.
  public static func files(at url: URL) throws(CheckpointError) -> Files {
    try locate(url).files
  }

  /// The files, and for an index its `weight_map` in file order as (tensor, index into
  /// `files.shards`).
  static func locate(_ url: URL) throws(CheckpointError) -> (files: Files, weightMap: [(tensor: String, shard: Int)]?) {
    var isFolder: ObjCBool = false
    var target = url
    if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue {
      let index = url.appendingPathComponent(indexFileName)
      let single = url.appendingPathComponent(singleFileName)
      if FileManager.default.fileExists(atPath: index.path) {
        target = index
      } else if FileManager.default.fileExists(atPath: single.path) {
        return (Files(index: nil, shards: [single]), nil)
      } else {
        throw CheckpointError(path: url.path, fault: .noCheckpointInFolder)
      }
    }
    guard target.lastPathComponent.lowercased().hasSuffix(".json") else {
      return (Files(index: nil, shards: [target]), nil)
    }
    let (shardNames, map) = try readIndex(target)
    let folder = target.deletingLastPathComponent()
    let shardURLs = shardNames.map { URL(fileURLWithPath: $0, relativeTo: folder).standardizedFileURL }
    return (Files(index: target, shards: shardURLs), map)
  }

  /// Parses an index: the distinct shard names in byte-wise order, and the weight map as
  /// (tensor, position in that list), in file order. Duplicate tensor names are rejected (a
  /// JSON parser that keeps the last would silently pick a shard).
  static func readIndex(_ url: URL) throws(CheckpointError) -> (shards: [String], map: [(tensor: String, shard: Int)]) {
    func malformed(_ reason: String) -> CheckpointError {
      CheckpointError(path: url.path, fault: .indexMalformed(reason: reason))
    }
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
      throw CheckpointError(path: url.path, fault: .indexUnreadable(reason: error.localizedDescription))
    }
    guard String(data: data, encoding: .utf8) != nil else { throw malformed("not UTF-8 text") }
    let parsed = data.withUnsafeBytes { bytes in
      Result { () throws(SafeTensorsJSON.Failure) in try SafeTensorsJSON.parse(bytes) }
    }
    let root: SafeTensorsJSON.Value
    switch parsed {
    case .success(let value): root = value
    case .failure(let error):
      switch error {
      case .syntax(let offset, let reason): throw malformed("invalid JSON at byte \(offset): \(reason)")
      case .duplicateKey(let key, let object):
        if object == "weight_map" {
          throw CheckpointError(path: url.path, fault: .tensorListedTwice(tensor: key))
        }
        throw malformed("repeats key '\(key)'\(object.map { " in '\($0)'" } ?? "")")
      }
    }
    guard case .object(let members) = root else { throw malformed("the top level is \(root.brief), not an object") }
    guard let weightMap = members.first(where: { $0.key == "weight_map" })?.value else {
      throw malformed("no 'weight_map' object")
    }
    guard case .object(let entries) = weightMap else {
      throw malformed("'weight_map' is \(weightMap.brief), not an object")
    }
    var pairs: [(String, String)] = []
    for entry in entries {
      guard case .string(let shard) = entry.value, !shard.isEmpty else {
        throw malformed("weight_map value for '\(entry.key)' is \(entry.value.brief), not a shard file name")
      }
      pairs.append((entry.key, shard))
    }
    guard !pairs.isEmpty else { throw malformed("'weight_map' is empty") }
    let shardNames = Set(pairs.map(\.1)).sorted { Array($0.utf8).lexicographicallyPrecedes($1.utf8) }
    let position = Dictionary(uniqueKeysWithValues: shardNames.enumerated().map { ($1, $0) })
    return (shardNames, pairs.map { (tensor: $0.0, shard: position[$0.1] ?? 0) })
  }
}
