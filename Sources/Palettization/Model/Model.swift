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
    case safetensors(SafeTensorsFile)
    case memory([String: Tensor])
  }

  /// The safetensors file behind the model, if any.
  public var file: SafeTensorsFile? {
    if case .safetensors(let f) = storage { return f }
    return nil
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
    case .safetensors(let file):
      do {
        let info = try file.info(name)
        return TensorDescription(name: name, shape: info.shape, dtype: info.dtype.rawValue, weightDType: info.dtype.weightDType)
      } catch { throw ModelError(file: file.url.path, problem: error.description) }
    case .memory(let tensors):
      guard let t = tensors[name] else { throw ModelError(file: nil, problem: "no tensor named '\(name)'") }
      return TensorDescription(name: name, shape: t.shape, dtype: t.dtype.rawValue, weightDType: t.dtype)
    }
  }

  /// The float tensor `name`, converted to `Float` values.
  public func tensor(named name: String) throws(ModelError) -> Tensor {
    switch storage {
    case .safetensors(let file):
      do { return try file.tensor(named: name) } catch { throw ModelError(file: file.url.path, problem: error.description) }
    case .memory(let tensors):
      guard let t = tensors[name] else { throw ModelError(file: nil, problem: "no tensor named '\(name)'") }
      return t
    }
  }

  /// Loads a safetensors model, with a `palettelab.modules/1` manifest when given. Without
  /// one, module types are inferred (see ``inferModules(_:)``) and the guesses are listed in
  /// ``inferenceNotes``.
  public static func load(safetensors url: URL, modules manifestURL: URL? = nil) throws(ModelError) -> Model {
    let file: SafeTensorsFile
    do { file = try SafeTensorsFile(contentsOf: url) } catch { throw ModelError(file: url.path, problem: error.description) }
    var descriptions: [TensorDescription] = []
    for info in file.tensorInfos {
      descriptions.append(TensorDescription(name: info.name, shape: info.shape, dtype: info.dtype.rawValue, weightDType: info.dtype.weightDType))
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
    return Model(tree: tree, tensorNames: file.tensorNames, inferenceNotes: notes, storage: .safetensors(file))
  }

  /// A model held in memory: `tensors` in order, module types from `modules` (a manifest's
  /// entries) or inferred when `nil`.
  public init(tensors: [(name: String, tensor: Tensor)], modules: [ModuleManifest.Entry]? = nil) throws(ModelError) {
    var byName: [String: Tensor] = [:]
    for (name, tensor) in tensors {
      guard byName.updateValue(tensor, forKey: name) == nil else {
        throw ModelError(file: nil, problem: "tensor '\(name)' is given twice")
      }
    }
    let descriptions = tensors.map {
      TensorDescription(name: $0.name, shape: $0.tensor.shape, dtype: $0.tensor.dtype.rawValue, weightDType: $0.tensor.dtype)
    }
    let (tree, notes) = try Self.buildTree(descriptions, manifest: modules.map { ModuleManifest(modules: $0) }, manifestFile: nil)
    self.init(tree: tree, tensorNames: tensors.map(\.name), inferenceNotes: notes, storage: .memory(byName))
  }

  private init(tree: ModuleTree, tensorNames: [String], inferenceNotes: [String], storage: Storage) {
    self.tree = tree
    self.tensorNames = tensorNames
    self.inferenceNotes = inferenceNotes
    self.storage = storage
  }
}
