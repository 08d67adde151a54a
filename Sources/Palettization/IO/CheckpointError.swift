import Foundation

/// A checkpoint (one safetensors file, or shards listed by a `model.safetensors.index.json`)
/// that cannot be used: the file or folder given, and what is wrong, naming every file involved.
///
/// ``description`` is one line, e.g.
/// `ckpt/model.safetensors.index.json: tensor 'lm_head.weight' is mapped to
/// ckpt/model-00002-of-00002.safetensors, which has no tensor of that name`.
public struct CheckpointError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
  /// The index file, or the folder or file that was given.
  public var path: String
  /// What is wrong.
  public var fault: Fault

  /// Creates an error about the checkpoint at `path`.
  public init(path: String, fault: Fault) {
    self.path = path
    self.fault = fault
  }

  /// The fault found. Shard paths are full paths (the index's folder joined with the
  /// `weight_map` value).
  public enum Fault: Equatable, Sendable {
    /// A folder holds neither `model.safetensors.index.json` nor `model.safetensors`.
    case noCheckpointInFolder
    /// The index cannot be read (`reason` from the system).
    case indexUnreadable(reason: String)
    /// The index is not a JSON object with a `weight_map` object of strings.
    case indexMalformed(reason: String)
    /// `weight_map` lists a tensor twice (JSON objects cannot say which shard holds it).
    case tensorListedTwice(tensor: String)
    /// A shard the index names does not exist; `tensors` of them map there, `example` is one.
    case shardMissing(shard: String, tensors: Int, example: String)
    /// A shard exists but is not a valid safetensors file.
    case shardInvalid(SafeTensorsError)
    /// The index maps a tensor to a shard that does not hold it (and does not tie it).
    case tensorMissingFromShard(tensor: String, shard: String)
    /// The index maps a tensor to `listed`, but `alsoIn` holds a tensor of that name too.
    case tensorInTwoShards(tensor: String, listed: String, alsoIn: String)
    /// A shard holds a tensor the index does not list (a loader that trusts the index would
    /// silently drop it, so the checkpoint is rejected rather than read differently).
    case tensorNotInIndex(tensor: String, shard: String)
  }

  /// `"<path>: <fault>"`; for an invalid shard the shard's own error, then the index it
  /// belongs to (nothing more for a single file).
  public var description: String {
    if case .shardInvalid(let error) = fault {
      return error.path == path ? error.description : "\(error.description) (a shard of \(path))"
    }
    return "\(path): \(fault)"
  }
  /// Same as ``description``.
  public var errorDescription: String? { description }
}

extension CheckpointError.Fault: CustomStringConvertible {
  /// The fault as the part of a message after `"<path>: "`.
  public var description: String {
    switch self {
    case .noCheckpointInFolder:
      return "holds neither \(SafeTensorsCheckpoint.indexFileName) nor \(SafeTensorsCheckpoint.singleFileName)"
    case .indexUnreadable(let reason):
      return "cannot be read: \(reason)"
    case .indexMalformed(let reason):
      return "is not a safetensors index: \(reason)"
    case .tensorListedTwice(let tensor):
      return "weight_map lists tensor '\(tensor)' more than once"
    case .shardMissing(let shard, let tensors, let example):
      let others = tensors > 1 ? " and \(tensors - 1) more" : ""
      return "shard \(shard) (for '\(example)'\(others)) does not exist"
    case .shardInvalid(let error):
      return error.description
    case .tensorMissingFromShard(let tensor, let shard):
      return "tensor '\(tensor)' is mapped to \(shard), which has no tensor of that name"
    case .tensorInTwoShards(let tensor, let listed, let alsoIn):
      return "tensor '\(tensor)' is in two shards: \(listed) (as the index says) and \(alsoIn)"
    case .tensorNotInIndex(let tensor, let shard):
      return "\(shard) holds tensor '\(tensor)', which weight_map does not list"
    }
  }
}
