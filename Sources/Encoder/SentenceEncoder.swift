import Foundation

/// A sentence-transformers encoder: tokenizer → BERT → pooling, from a model directory such as
/// `models/minilm` (all-MiniLM-L6-v2).
///
/// ``encode(_:batchSize:threads:)`` sorts sentences by token count (longest first, ties by
/// input position), encodes them in batches of `batchSize`, and returns the embeddings in input
/// order. Results are bitwise identical for any `threads`; they can differ in the last bits
/// for another `batchSize` (the matrix products see other shapes) and between CPU types
/// (OpenBLAS picks kernels per CPU, ``OpenBLAS/coreName``).
public struct SentenceEncoder: Sendable {
  /// The tokenizer.
  public let tokenizer: BertTokenizer
  /// The transformer.
  public let model: BERTModel
  /// Pooling and normalisation.
  public let pooling: SentencePooling
  /// The BLAS library the matrix products run on.
  public let blas: OpenBLAS

  /// An encoder from parts (tests build tiny ones).
  /// - Throws: ``EncoderError`` when OpenBLAS cannot be opened, the vocabulary is larger than the
  ///   embedding table, or ``TokenizerSettings/maxLength`` exceeds the position table.
  public init(tokenizer: BertTokenizer, model: BERTModel, pooling: SentencePooling) throws(EncoderError) {
    guard tokenizer.vocabulary.count <= model.config.vocabularySize else {
      throw EncoderError(file: nil, problem: "vocab.txt holds \(tokenizer.vocabulary.count) tokens but config.json vocab_size is \(model.config.vocabularySize)")
    }
    guard tokenizer.settings.maxLength <= model.config.maxPositions else {
      throw EncoderError(file: nil, problem: "sentence_bert_config.json max_seq_length \(tokenizer.settings.maxLength) exceeds config.json max_position_embeddings \(model.config.maxPositions)")
    }
    self.tokenizer = tokenizer
    self.model = model
    self.pooling = pooling
    self.blas = try OpenBLAS.shared()
  }

  /// Loads a sentence-transformers model directory: `config.json`, `model.safetensors`,
  /// `vocab.txt`, `tokenizer_config.json`, `special_tokens_map.json`,
  /// `sentence_bert_config.json`, `modules.json`, `1_Pooling/config.json`.
  /// `weightsFile` replaces the folder's `model.safetensors` (an experiment's model file beside
  /// the other files).
  /// - Throws: ``EncoderError`` naming the missing or faulty file (and suggesting
  ///   `scripts/setup` for a missing one).
  public init(modelDirectory folder: URL, weightsFile: URL? = nil) throws(EncoderError) {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
      throw EncoderError(file: folder.path, problem: "is not a model directory; run scripts/setup to fetch models/minilm")
    }
    let config = try BERTConfig(contentsOf: folder.appendingPathComponent("config.json"))
    let tokenizer = try BertTokenizer(modelDirectory: folder)
    let pooling = try SentencePooling(modelDirectory: folder)
    let model = try BERTModel(config: config, weightsFile: weightsFile ?? folder.appendingPathComponent("model.safetensors"))
    try self.init(tokenizer: tokenizer, model: model, pooling: pooling)
  }

  /// This encoder with some weights replaced (see ``BERTModel/replacingWeights(_:)``).
  public func replacingWeights(_ replacements: [String: [Float]]) throws(EncoderError) -> SentenceEncoder {
    try SentenceEncoder(tokenizer: tokenizer, model: model.replacingWeights(replacements), pooling: pooling)
  }

  /// The token ids of every sentence, in input order.
  public func tokenize(_ sentences: [String]) -> [[Int32]] { sentences.map(tokenizer.encode) }

  /// Batches of sentence positions: sorted by token count, longest first (ties by position),
  /// cut into groups of `batchSize`.
  public static func batches(_ ids: [[Int32]], batchSize: Int) -> [[Int]] {
    precondition(batchSize >= 1, "batchSize must be at least 1")
    let order = ids.indices.sorted { ids[$0].count != ids[$1].count ? ids[$0].count > ids[$1].count : $0 < $1 }
    return stride(from: 0, to: order.count, by: batchSize).map { Array(order[$0..<min($0 + batchSize, order.count)]) }
  }

  /// Embeddings of `sentences`, in input order: `[sentences.count, hiddenSize]`.
  /// - Complexity: the forward pass of every batch (see ``BERTModel/forward(_:blas:threads:observer:)``).
  public func encode(_ sentences: [String], batchSize: Int = 64, threads: Int = 1) -> EmbeddingMatrix {
    encode(ids: tokenize(sentences), batchSize: batchSize, threads: threads)
  }

  /// Embeddings of already tokenized sentences, in input order.
  public func encode(ids: [[Int32]], batchSize: Int = 64, threads: Int = 1) -> EmbeddingMatrix {
    encode(ids: ids, batchSize: batchSize, threads: threads, observer: nil)
  }

  /// ``encode(ids:batchSize:threads:)``, with `observer` called on the calling thread with
  /// every Linear's input rows, batch by batch in ``batches(_:batchSize:)`` order, layer by
  /// layer, site by site: the rows and order ``forEachLinearInput(_:batchSize:threads:_:)``
  /// gives, so statistics and embeddings come from one pass.
  func encode(ids: [[Int32]], batchSize: Int, threads: Int, observer: LinearInputObserver?) -> EmbeddingMatrix {
    let w = model.config.hiddenSize
    var out = EmbeddingMatrix(rows: ids.count, dimension: w)
    for batch in Self.batches(ids, batchSize: batchSize) {
      let pooled = pooling.pool(model.forward(batch.map { ids[$0] }, blas: blas, threads: threads, observer: observer))
      for (row, position) in batch.enumerated() {
        out.values.replaceSubrange((position * w)..<((position + 1) * w), with: pooled[row: row])
      }
    }
    return out
  }
}
