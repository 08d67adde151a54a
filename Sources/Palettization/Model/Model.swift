import Foundation

/// A model to palettize: its module tree and its named tensors.
///
/// Tensors stay in their source (a memory-mapped safetensors file, or memory for generated
/// models) and are converted to `Float` one at a time, when a worker needs one — so peak
/// memory is the model plus one tensor's working set per worker.
public struct Model: Sendable {
  /// Modules with types, ops and their own state names.
  public let tree: ModuleTree
  /// Every tensor name, in source order.
  public let tensorNames: [String]
  /// What was guessed rather than read (module types inferred from names and shapes); empty
  /// when a manifest described every module.
  public let inferenceNotes: [String]
  /// Where the tensors live.
  let storage: Storage

  enum Storage: Sendable {
    case checkpoint(SafeTensorsCheckpoint)
    /// Tensors by name; `ties` maps an alias to the name holding its tensor.
    case memory([String: Tensor], ties: [String: String])
  }

  /// The safetensors file behind the model when it is a single file.
  public var file: SafeTensorsFile? {
    if case .checkpoint(let c) = storage, c.shards.count == 1 { return c.shards[0] }
    return nil
  }

  /// The safetensors checkpoint (one file or shards) behind the model, if any.
  public var checkpoint: SafeTensorsCheckpoint? {
    if case .checkpoint(let c) = storage { return c }
    return nil
  }

  /// Tied names: alias → the tensor whose storage it shares (see ``SafeTensorsCheckpoint``).
  public var ties: [String: String] {
    switch storage {
    case .checkpoint(let c): return c.ties
    case .memory(_, let ties): return ties
    }
  }

  /// An identity of the storage behind `name`: equal for tied names, distinct otherwise.
  public func storageKey(of name: String) -> String {
    switch storage {
    case .checkpoint(let c): return c.storageKey(of: name) ?? name
    case .memory(_, let ties): return ties[name] ?? name
    }
  }

  /// Drops `name`'s pages from the resident set after it has been read (checkpoints only; a
  /// no-op for in-memory models). See ``SafeTensorsCheckpoint/releasePages(of:)``.
  public func releasePages(of name: String) {
    if case .checkpoint(let c) = storage { c.releasePages(of: name) }
  }

  /// Calls `body` with the raw little-endian bytes of tensor `name`, straight from the mapping;
  /// `nil` when the model holds its tensors in memory.
  func withMappedBytes<R>(of name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
    guard case .checkpoint(let c) = storage else { return nil }
    guard let (file, info) = c.location(of: name) else { throw Self.notFound(name, in: c) }
    return try file.withUnsafeBytes(of: info) { try body($0) }
  }

  /// A description of a tensor without loading it.
  public struct TensorDescription: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    /// The source dtype name (`F32`, `BF16`, `I64`, …).
    public var dtype: String
    /// The float dtype, or `nil` for integer/bool tensors (never palettized).
    public var weightDType: WeightDType?
    public var count: Int { shape.reduce(1, *) }
  }

  /// Shape and dtype of `name`.
  public func describe(_ name: String) throws(ModelError) -> TensorDescription {
    switch storage {
    case .checkpoint(let checkpoint):
      guard let (_, info) = checkpoint.location(of: name) else { throw Self.notFound(name, in: checkpoint) }
      return TensorDescription(name: name, info: info)
    case .memory(let tensors, let ties):
      guard let t = tensors[ties[name] ?? name] else { throw ModelError(file: nil, problem: "no tensor named '\(name)'") }
      return TensorDescription(name: name, shape: t.shape, dtype: t.dtype.rawValue, weightDType: t.dtype)
    }
  }

  /// The float tensor `name`, converted to `Float` values.
  public func tensor(named name: String) throws(ModelError) -> Tensor {
    switch storage {
    case .checkpoint(let checkpoint):
      guard let (file, info) = checkpoint.location(of: name) else { throw Self.notFound(name, in: checkpoint) }
      do { return try file.tensor(named: info.name) } catch { throw ModelError(file: file.url.path, problem: error.description) }
    case .memory(let tensors, let ties):
      guard let t = tensors[ties[name] ?? name] else { throw ModelError(file: nil, problem: "no tensor named '\(name)'") }
      return t
    }
  }

  /// An entry that writes tensor `name` unchanged: borrowed from the mapping of its shard, or
  /// encoded from memory at its dtype.
  public func copyThroughEntry(_ name: String) throws(ModelError) -> SafeTensorsEntry {
    switch storage {
    case .checkpoint(let checkpoint):
      guard let (file, info) = checkpoint.location(of: name) else { throw Self.notFound(name, in: checkpoint) }
      do { return try SafeTensorsEntry.copying(info.name, from: file).renamed(name) } catch {
        throw ModelError(file: file.url.path, problem: error.description)
      }
    case .memory:
      return SafeTensorsEntry(name: name, tensor: try tensor(named: name))
    }
  }

  private static func notFound(_ name: String, in checkpoint: SafeTensorsCheckpoint) -> ModelError {
    let files = checkpoint.files
    return ModelError(file: (files.index ?? files.shards[0]).path, problem: "no tensor named '\(name)'")
  }

  /// Loads a safetensors model — a `.safetensors` file, a sharded checkpoint's
  /// `model.safetensors.index.json`, or a folder holding either (see
  /// ``SafeTensorsCheckpoint``) — with a `palettelab.modules/1` manifest when given. Without
  /// one, module types are inferred (see ``inferType(module:states:)``) and the guesses are
  /// listed in ``inferenceNotes``.
  ///
  /// - Throws: ``ModelError`` naming the file at fault: for a single file its safetensors
  ///   error, for a sharded checkpoint the ``CheckpointError`` (index and shard).
  public static func load(safetensors url: URL, modules manifestURL: URL? = nil) throws(ModelError) -> Model {
    let checkpoint: SafeTensorsCheckpoint
    do { checkpoint = try SafeTensorsCheckpoint(contentsOf: url) } catch {
      if case .shardInvalid(let inner) = error.fault, error.path == inner.path {
        throw ModelError(file: inner.path, problem: inner.fault.description)  // a single file
      }
      throw ModelError(file: nil, problem: error.description)
    }
    var descriptions: [TensorDescription] = []
    for name in checkpoint.tensorNames {
      guard let (_, info) = checkpoint.location(of: name) else { continue }
      descriptions.append(TensorDescription(name: name, info: info))
    }
    var manifest: ModuleManifest?
    if let manifestURL {
      let data: Data
      do { data = try Data(contentsOf: manifestURL) } catch {
        throw ModelError(file: manifestURL.path, problem: "cannot be read: \(error.localizedDescription)")
      }
      manifest = try ModuleManifest.parse(data, file: manifestURL.path)
    }
    let (tree, notes) = try buildTree(descriptions, manifest: manifest, manifestFile: manifestURL?.path)
    return Model(tree: tree, tensorNames: checkpoint.tensorNames, inferenceNotes: notes, storage: .checkpoint(checkpoint))
  }

  /// A model held in memory: `tensors` in order, module types from `modules` (a manifest's
  /// entries) or inferred when `nil`, and `ties` (alias → name of one of `tensors`): names that
  /// share a tensor's storage, listed after the tensors in name order.
  public init(
    tensors: [(name: String, tensor: Tensor)], modules: [ModuleManifest.Entry]? = nil,
    ties: [String: String] = [:]
  ) throws(ModelError) {
    var byName: [String: Tensor] = [:]
    for (name, tensor) in tensors {
      guard byName.updateValue(tensor, forKey: name) == nil else {
        throw ModelError(file: nil, problem: "tensor '\(name)' is given twice")
      }
    }
    var named = tensors
    for (alias, stored) in ties.sorted(by: { $0.key < $1.key }) {
      guard byName[alias] == nil else { throw ModelError(file: nil, problem: "tied name '\(alias)' is also a tensor") }
      guard let tensor = byName[stored] else {
        throw ModelError(file: nil, problem: "tied name '\(alias)' refers to '\(stored)', which is not a tensor")
      }
      named.append((alias, tensor))
    }
    let descriptions = named.map {
      TensorDescription(name: $0.name, shape: $0.tensor.shape, dtype: $0.tensor.dtype.rawValue, weightDType: $0.tensor.dtype)
    }
    let (tree, notes) = try Self.buildTree(descriptions, manifest: modules.map { ModuleManifest(modules: $0) }, manifestFile: nil)
    self.init(tree: tree, tensorNames: named.map(\.name), inferenceNotes: notes, storage: .memory(byName, ties: ties))
  }

  private init(tree: ModuleTree, tensorNames: [String], inferenceNotes: [String], storage: Storage) {
    self.tree = tree
    self.tensorNames = tensorNames
    self.inferenceNotes = inferenceNotes
    self.storage = storage
  }
}

extension Model.TensorDescription {
  /// The description of a tensor stored as `info` in a safetensors file.
  init(name: String, info: SafeTensorsFile.TensorInfo) {
    self.init(name: name, shape: info.shape, dtype: info.dtype.rawValue, weightDType: info.dtype.weightDType)
  }
}
