import Foundation
import Palettization

/// A BERT encoder's parameters, by their Hugging Face names, ready for ``encode(_:threads:observer:)``.
///
/// The value is immutable and cheap to copy (arrays are shared). ``replacingWeights(_:)``
/// returns a model with some parameters swapped for other values — how a palettized model's
/// reconstruction is evaluated in memory, without re-reading any file.
public struct BERTModel: Sendable {
  /// The architecture.
  public let config: BERTConfig
  /// Every parameter the forward pass reads (and the pooler's, which it does not), by name.
  public private(set) var parameters: [String: Tensor]

  struct Layer: Sendable {
    /// Query, key and value weights stacked: `[3H, H]`, rows of query then key then value.
    var qkvWeight: [Float], qkvBias: [Float]
    var attentionOutputWeight: [Float], attentionOutputBias: [Float]
    var attentionNormWeight: [Float], attentionNormBias: [Float]
    var intermediateWeight: [Float], intermediateBias: [Float]
    var outputWeight: [Float], outputBias: [Float]
    var outputNormWeight: [Float], outputNormBias: [Float]
  }
  var layers: [Layer] = []
  var wordEmbeddings: [Float] = [], positionEmbeddings: [Float] = [], typeEmbeddings: [Float] = []
  var embeddingNormWeight: [Float] = [], embeddingNormBias: [Float] = []

  /// The names and shapes of every parameter `config` requires, in checkpoint order.
  public static func requiredShapes(_ config: BERTConfig) -> [(name: String, shape: [Int])] {
    let h = config.hiddenSize, i = config.intermediateSize
    var shapes: [(String, [Int])] = [
      ("embeddings.word_embeddings.weight", [config.vocabularySize, h]),
      ("embeddings.position_embeddings.weight", [config.maxPositions, h]),
      ("embeddings.token_type_embeddings.weight", [config.tokenTypeCount, h]),
      ("embeddings.LayerNorm.weight", [h]), ("embeddings.LayerNorm.bias", [h]),
    ]
    for l in 0..<config.layerCount {
      let p = "encoder.layer.\(l)."
      for name in ["query", "key", "value"] {
        shapes += [("\(p)attention.self.\(name).weight", [h, h]), ("\(p)attention.self.\(name).bias", [h])]
      }
      shapes += [
        ("\(p)attention.output.dense.weight", [h, h]), ("\(p)attention.output.dense.bias", [h]),
        ("\(p)attention.output.LayerNorm.weight", [h]), ("\(p)attention.output.LayerNorm.bias", [h]),
        ("\(p)intermediate.dense.weight", [i, h]), ("\(p)intermediate.dense.bias", [i]),
        ("\(p)output.dense.weight", [h, i]), ("\(p)output.dense.bias", [h]),
        ("\(p)output.LayerNorm.weight", [h]), ("\(p)output.LayerNorm.bias", [h]),
      ]
    }
    return shapes
  }

  /// Parameters that may be present and are checked for shape but that sentence embeddings
  /// never read: the pooler (a Linear on the `[CLS]` vector for next-sentence prediction).
  public static func unusedShapes(_ config: BERTConfig) -> [(name: String, shape: [Int])] {
    [("pooler.dense.weight", [config.hiddenSize, config.hiddenSize]), ("pooler.dense.bias", [config.hiddenSize])]
  }

  /// A model from named parameters (e.g. built in memory by tests).
  /// - Throws: ``EncoderError`` naming the first missing parameter or wrong shape.
  public init(config: BERTConfig, parameters: [String: Tensor], source: String? = nil) throws(EncoderError) {
    self.config = config
    self.parameters = [:]
    for (name, shape) in Self.requiredShapes(config) {
      guard let tensor = parameters[name] else {
        throw EncoderError(file: source, problem: "has no tensor '\(name)', which a BERT model with this config.json needs")
      }
      guard tensor.shape == shape else {
        throw EncoderError(file: source, problem: "tensor '\(name)' has shape \(tensor.shape), config.json implies \(shape)")
      }
      self.parameters[name] = tensor
    }
    for (name, shape) in Self.unusedShapes(config) {
      if let tensor = parameters[name] {
        guard tensor.shape == shape else {
          throw EncoderError(file: source, problem: "tensor '\(name)' has shape \(tensor.shape), config.json implies \(shape)")
        }
        self.parameters[name] = tensor
      }
    }
    assemble()
  }

  /// Reads the float parameters of `model.safetensors` (F32, F16, BF16, F64; integer tensors
  /// such as `embeddings.position_ids` are ignored).
  /// - Throws: ``EncoderError`` naming the file and the tensor at fault.
  public init(config: BERTConfig, weightsFile url: URL) throws(EncoderError) {
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw EncoderError(file: url.path, problem: "missing; run scripts/setup to fetch the MiniLM model directory")
    }
    var tensors: [String: Tensor] = [:]
    do {
      let file = try SafeTensorsFile(contentsOf: url)
      for info in file.tensorInfos where info.dtype.weightDType != nil {
        tensors[info.name] = try file.tensor(named: info.name)
      }
    } catch {
      throw EncoderError(file: nil, problem: error.description)
    }
    try self.init(config: config, parameters: tensors, source: url.path)
  }

  /// The names of the Linear weights, layer by layer: query, key, value, attention output,
  /// intermediate, output; then the pooler's.
  public var linearWeightNames: [String] {
    (0..<config.layerCount).flatMap { l in LinearSite.allCases.flatMap { $0.weightNames(layer: l) } } + ["pooler.dense.weight"]
  }

  /// A copy with the parameters named in `replacements` set to the given values (same shape,
  /// row-major) — e.g. every palettized Linear weight by its reconstruction.
  ///
  /// - Throws: ``EncoderError`` naming a tensor that is not a parameter of this model, or
  ///   whose value count does not match the parameter's shape.
  /// - Complexity: O(size of the replaced tensors + the stacked query/key/value weights).
  public func replacingWeights(_ replacements: [String: [Float]]) throws(EncoderError) -> BERTModel {
    var copy = self
    for (name, values) in replacements.sorted(by: { $0.key < $1.key }) {
      guard var tensor = copy.parameters[name] else {
        throw EncoderError(file: nil, problem: "tensor '\(name)' is not a parameter of the BERT model")
      }
      guard values.count == tensor.count else {
        throw EncoderError(file: nil, problem: "tensor '\(name)' has \(values.count) values, the model's has shape \(tensor.shape) (\(tensor.count) values)")
      }
      tensor.values = values
      copy.parameters[name] = tensor
    }
    copy.assemble()
    return copy
  }

  /// Builds the forward pass's arrays from ``parameters`` (checked complete by init).
  private mutating func assemble() {
    func p(_ name: String) -> [Float] { parameters[name]?.values ?? [] }
    wordEmbeddings = p("embeddings.word_embeddings.weight")
    positionEmbeddings = p("embeddings.position_embeddings.weight")
    typeEmbeddings = p("embeddings.token_type_embeddings.weight")
    embeddingNormWeight = p("embeddings.LayerNorm.weight")
    embeddingNormBias = p("embeddings.LayerNorm.bias")
    layers = (0..<config.layerCount).map { l in
      let s = "encoder.layer.\(l)."
      return Layer(
        qkvWeight: p(s + "attention.self.query.weight") + p(s + "attention.self.key.weight") + p(s + "attention.self.value.weight"),
        qkvBias: p(s + "attention.self.query.bias") + p(s + "attention.self.key.bias") + p(s + "attention.self.value.bias"),
        attentionOutputWeight: p(s + "attention.output.dense.weight"), attentionOutputBias: p(s + "attention.output.dense.bias"),
        attentionNormWeight: p(s + "attention.output.LayerNorm.weight"), attentionNormBias: p(s + "attention.output.LayerNorm.bias"),
        intermediateWeight: p(s + "intermediate.dense.weight"), intermediateBias: p(s + "intermediate.dense.bias"),
        outputWeight: p(s + "output.dense.weight"), outputBias: p(s + "output.dense.bias"),
        outputNormWeight: p(s + "output.LayerNorm.weight"), outputNormBias: p(s + "output.LayerNorm.bias"))
    }
  }
}

/// The four places in a BERT layer where a Linear reads its input.
public enum LinearSite: Int, CaseIterable, Sendable {
  /// The layer input, read by the query, key and value Linears.
  case attentionInput
  /// The attention context (heads concatenated), read by `attention.output.dense`.
  case attentionOutput
  /// The attention block's output, read by `intermediate.dense`.
  case intermediate
  /// The GELU activations, read by `output.dense`.
  case output

  /// The weights of layer `layer` that read this input.
  public func weightNames(layer: Int) -> [String] {
    let p = "encoder.layer.\(layer)."
    switch self {
    case .attentionInput: return ["query", "key", "value"].map { "\(p)attention.self.\($0).weight" }
    case .attentionOutput: return ["\(p)attention.output.dense.weight"]
    case .intermediate: return ["\(p)intermediate.dense.weight"]
    case .output: return ["\(p)output.dense.weight"]
    }
  }
}
