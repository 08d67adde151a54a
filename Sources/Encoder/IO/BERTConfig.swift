import Foundation

/// The architecture of a BERT encoder, as its Hugging Face `config.json` gives it.
///
/// Only what the forward pass of ``BERTModel`` implements is accepted: `hidden_act` `gelu`
/// (the exact erf form), absolute position embeddings, and a hidden size divisible by the head
/// count. Anything else is a ``EncoderError`` naming the file and key, never a silent mismatch.
public struct BERTConfig: Sendable, Equatable {
  /// Width of every token vector (`hidden_size`; 384 for MiniLM-L6).
  public var hiddenSize: Int
  /// Transformer layers (`num_hidden_layers`).
  public var layerCount: Int
  /// Attention heads per layer (`num_attention_heads`); head width = hiddenSize / headCount.
  public var headCount: Int
  /// Width of the feed-forward layer (`intermediate_size`).
  public var intermediateSize: Int
  /// LayerNorm epsilon (`layer_norm_eps`), added to the variance.
  public var layerNormEpsilon: Float
  /// Rows of the position-embedding table (`max_position_embeddings`): the longest input.
  public var maxPositions: Int
  /// Rows of the word-embedding table (`vocab_size`).
  public var vocabularySize: Int
  /// Rows of the token-type table (`type_vocab_size`); the encoder uses type 0 only.
  public var tokenTypeCount: Int

  /// Width of one attention head.
  public var headSize: Int { hiddenSize / headCount }

  /// A config given directly (tests build tiny models this way).
  /// - Precondition: all sizes positive, `hiddenSize` divisible by `headCount`.
  public init(hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int,
              layerNormEpsilon: Float, maxPositions: Int, vocabularySize: Int, tokenTypeCount: Int = 2) {
    precondition(hiddenSize > 0 && layerCount > 0 && headCount > 0 && intermediateSize > 0 && maxPositions > 0
                 && vocabularySize > 0 && tokenTypeCount > 0, "BERT sizes must be positive")
    precondition(hiddenSize % headCount == 0, "hidden size must be divisible by the head count")
    self.hiddenSize = hiddenSize
    self.layerCount = layerCount
    self.headCount = headCount
    self.intermediateSize = intermediateSize
    self.layerNormEpsilon = layerNormEpsilon
    self.maxPositions = maxPositions
    self.vocabularySize = vocabularySize
    self.tokenTypeCount = tokenTypeCount
  }

  /// Reads and checks `config.json`.
  /// - Throws: ``EncoderError`` naming the file and the key at fault.
  public init(contentsOf url: URL) throws(EncoderError) {
    let json = try JSONObjectFile(url, hint: "run scripts/setup to fetch the MiniLM model directory")
    if let type = try json.string("model_type"), type != "bert" {
      throw json.fail("model_type", "'\(type)' is not supported (the encoder implements BERT)")
    }
    let activation = try json.string("hidden_act") ?? "gelu"
    guard activation == "gelu" else {
      throw json.fail("hidden_act", "'\(activation)' is not supported (the encoder implements gelu, the exact erf form)")
    }
    let positions = try json.string("position_embedding_type") ?? "absolute"
    guard positions == "absolute" else {
      throw json.fail("position_embedding_type", "'\(positions)' is not supported (only absolute)")
    }
    let sizes = ["hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                 "max_position_embeddings", "vocab_size"]
    var values: [String: Int] = [:]
    for key in sizes {
      let value = try json.int(key)
      guard value > 0 else { throw json.fail(key, "must be positive, found \(value)") }
      values[key] = value
    }
    let hidden = values["hidden_size", default: 0], heads = values["num_attention_heads", default: 0]
    guard hidden % heads == 0 else {
      throw json.fail("num_attention_heads", "\(heads) does not divide hidden_size \(hidden)")
    }
    let types = try json.int("type_vocab_size", default: 2)
    guard types > 0 else { throw json.fail("type_vocab_size", "must be positive, found \(types)") }
    let epsilon = try json.double("layer_norm_eps", default: 1e-12)
    guard epsilon >= 0, epsilon.isFinite else { throw json.fail("layer_norm_eps", "must be a finite non-negative number") }
    self.init(hiddenSize: hidden, layerCount: values["num_hidden_layers", default: 0], headCount: heads,
              intermediateSize: values["intermediate_size", default: 0], layerNormEpsilon: Float(epsilon),
              maxPositions: values["max_position_embeddings", default: 0],
              vocabularySize: values["vocab_size", default: 0], tokenTypeCount: types)
  }
}
