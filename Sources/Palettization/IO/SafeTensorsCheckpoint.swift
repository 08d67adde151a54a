import Foundation

/// A model's weights in safetensors form: one file, or a sharded checkpoint whose
/// `model.safetensors.index.json` maps every tensor name to the shard file holding it
/// (`{"metadata": {"total_size": …}, "weight_map": {"name": "model-00001-of-00003.safetensors"}}`,
/// the layout Hugging Face writes).
///
/// Opening validates every shard exactly as ``SafeTensorsFile`` validates one file, maps each
/// (pages are read on first touch) and checks the index against the shards: a shard that does
/// not exist, a tensor the index maps to a shard that does not hold it, a tensor in two shards,
/// and a tensor a shard holds but the index does not list are errors naming both files
/// (``CheckpointError``). The last one is an error rather than a tolerated extra because a
/// loader that trusts the index (as `transformers` does) would never see that tensor, so
/// palettizing it would describe a different model than the one users load.
///
/// **Ties.** A tensor name may share another tensor's storage (a tied `lm_head.weight` and
/// `embed_tokens.weight`). safetensors files cannot hold two names for one buffer, so
/// `safetensors.torch.save_model` drops all but one name and records each dropped one in
/// `__metadata__` as `"dropped name": "kept name"`. That record is what makes a tie here:
/// a `__metadata__` key that is not a tensor of the file, whose value is one, is an alias of
/// that tensor — in a single file always, in a sharded checkpoint when `weight_map` lists the
/// alias under the shard holding the kept tensor. An alias reads the kept tensor's bytes;
/// ``ties`` lists them, and the palettizer clusters a tied group once.
///
/// - Complexity: Opening is O(index size + Σ shard header sizes); tensor data is not touched.
public struct SafeTensorsCheckpoint: Sendable {
  /// The standard name of a sharded checkpoint's index.
  public static let indexFileName = "model.safetensors.index.json"
  /// The standard name of a single-file checkpoint.
  public static let singleFileName = "model.safetensors"

  /// The files a checkpoint consists of.
  public struct Files: Sendable, Equatable {
    /// The index, or `nil` for a single file.
    public var index: URL?
    /// The shard files, in name order (one file without an index).
    public var shards: [URL]

    public init(index: URL?, shards: [URL]) {
      self.index = index
      self.shards = shards
    }
  }

  /// The index and shard files.
  public let files: Files
  /// The opened shards, in ``Files/shards`` order.
  public let shards: [SafeTensorsFile]
  /// Every tensor name: the stored tensors shard by shard, each shard in data order, then the
  /// aliases in name order.
  public let tensorNames: [String]
  /// Tied names: alias → the stored tensor whose bytes it reads (in the same shard).
  public let ties: [String: String]
  let locations: [String: Location]

  /// Where a name's bytes are: shard index and the stored tensor's name.
  struct Location: Sendable, Hashable {
    var shard: Int
    var stored: String
  }

  /// Opens the checkpoint at `url`: a `.safetensors` file, a `*.index.json` index, or a folder
  /// holding ``indexFileName`` (preferred) or ``singleFileName``.
  ///
  /// - Throws: ``CheckpointError`` naming the index (or folder) and the shard at fault; a shard
  ///   that is not valid safetensors gives ``CheckpointError/Fault/shardInvalid(_:)`` with the
  ///   shard's own ``SafeTensorsError``.
  public init(contentsOf url: URL) throws(CheckpointError) {
    let (files, weightMap) = try Self.locate(url)
    var shards: [SafeTensorsFile] = []
    for shardURL in files.shards {
      if let index = files.index, !FileManager.default.fileExists(atPath: shardURL.path) {
        let listed = weightMap?.filter { files.shards[$0.shard] == shardURL } ?? []
        throw CheckpointError(
          path: index.path,
          fault: .shardMissing(shard: shardURL.path, tensors: listed.count, example: listed.first?.tensor ?? ""))
      }
      do { shards.append(try SafeTensorsFile(contentsOf: shardURL)) } catch {
        throw CheckpointError(path: files.index?.path ?? shardURL.path, fault: .shardInvalid(error))
      }
    }

    var locations: [String: Location] = [:]
    var ties: [String: String] = [:]
    if let index = files.index, let weightMap {
      let indexPath = index.path
      var listedShard: [String: Int] = [:]
      for (tensor, s) in weightMap {
        listedShard[tensor] = s
        let file = shards[s]
        if file.contains(tensor) {
          locations[tensor] = Location(shard: s, stored: tensor)
        } else if let stored = file.metadata[tensor], file.contains(stored) {
          locations[tensor] = Location(shard: s, stored: stored)
          ties[tensor] = stored
        } else {
          throw CheckpointError(path: indexPath, fault: .tensorMissingFromShard(tensor: tensor, shard: file.url.path))
        }
      }
      for (s, file) in shards.enumerated() {
        for name in file.tensorNames {
          guard let listed = listedShard[name] else {
            throw CheckpointError(path: indexPath, fault: .tensorNotInIndex(tensor: name, shard: file.url.path))
          }
          if listed != s {
            throw CheckpointError(
              path: indexPath,
              fault: .tensorInTwoShards(tensor: name, listed: shards[listed].url.path, alsoIn: file.url.path))
          }
        }
      }
    } else {
      let file = shards[0]
      for name in file.tensorNames { locations[name] = Location(shard: 0, stored: name) }
      for (alias, stored) in file.metadata where !file.contains(alias) && file.contains(stored) {
        locations[alias] = Location(shard: 0, stored: stored)
        ties[alias] = stored
      }
    }

    let names = shards.flatMap(\.tensorNames) + ties.keys.sorted()
    self.files = files
    self.shards = shards
    self.tensorNames = names
    self.ties = ties
    self.locations = locations
  }

  /// Whether the checkpoint has a tensor (or alias) called `name`.
  public func contains(_ name: String) -> Bool { locations[name] != nil }

  /// The shard holding `name`'s bytes and the stored tensor's entry there (for an alias, the
  /// tensor it is tied to); `nil` for an unknown name.
  public func location(of name: String) -> (file: SafeTensorsFile, info: SafeTensorsFile.TensorInfo)? {
    guard let at = locations[name], let info = try? shards[at.shard].info(at.stored) else { return nil }
    return (shards[at.shard], info)
  }

  /// An identity of the bytes behind `name`, equal for tied names and distinct otherwise:
  /// `"<shard index>/<stored name>"`; `nil` for an unknown name.
  public func storageKey(of name: String) -> String? {
    locations[name].map { "\($0.shard)/\($0.stored)" }
  }

  /// Drops the resident pages of `name`'s bytes from this process (the file stays in the page
  /// cache; a later read faults them in again, unchanged). Only pages lying wholly inside the
  /// tensor are released, so neighbouring tensors are not affected.
  ///
  /// Why: a palettizer reads each weight once, and without this every touched page of a
  /// multi-GiB checkpoint would stay in the resident set until the run ends.
  public func releasePages(of name: String) {
    guard let (file, info) = location(of: name) else { return }
    file.releasePages(of: info)
  }
}
