import Encoder
import Foundation
import Palettization

/// `harness embed` and `harness evaluate`: sentence embeddings of a corpus with the fp32 model
/// or with a palettized model's reconstructed weights.
public struct EmbeddingJob: Sendable {
  /// The sentence-transformers model directory (`models/minilm`).
  public var modelDirectory: URL
  /// One sentence per line (see ``SentenceCorpus``).
  public var corpus: URL
  /// A `harness palettize --output` file whose palettized weights replace the model's.
  public var palettized: URL?
  public var threads: Int
  public var batchSize: Int

  public init(modelDirectory: URL, corpus: URL, palettized: URL?, threads: Int, batchSize: Int) {
    precondition(threads >= 1 && batchSize >= 1, "threads and batchSize must be at least 1")
    self.modelDirectory = modelDirectory
    self.corpus = corpus
    self.palettized = palettized
    self.threads = threads
    self.batchSize = batchSize
  }

  /// The embeddings of the corpus (palettized when ``palettized`` is set), with the fp32
  /// encoder for reuse.
  public func embeddings() throws -> (embeddings: EmbeddingMatrix, fp32: SentenceEncoder, sentences: [String]) {
    let sentences = try SentenceCorpus.read(corpus)
    let encoder = try SentenceEncoder(modelDirectory: modelDirectory)
    var candidate = encoder
    if let palettized { candidate = try Self.reconstructed(encoder, from: palettized) }
    return (candidate.encode(sentences, batchSize: batchSize, threads: threads), encoder, sentences)
  }

  /// `harness embed`: writes the `[N, hidden]` float32 embeddings to `output` as `.npy`,
  /// atomically. Returns the matrix.
  @discardableResult
  public func embed(to output: URL) throws -> EmbeddingMatrix {
    let result = try embeddings()
    try AtomicFile.write(NumPyFile.encode(result.embeddings), to: output)
    return result.embeddings
  }

  /// `harness evaluate`: the palettized model's embeddings against the fp32 model's.
  /// - Precondition: ``palettized`` is set.
  public func evaluate() throws -> EmbeddingFidelity {
    precondition(palettized != nil, "evaluate needs a palettized model")
    let result = try embeddings()
    let reference = result.fp32.encode(result.sentences, batchSize: batchSize, threads: threads)
    return EmbeddingFidelity(reference: reference, candidate: result.embeddings)
  }

  /// `encoder` with every palettized weight of the compressed file `url` replaced by its
  /// reconstruction (``CompressedModelFile``); copied-through tensors are ignored.
  /// - Throws: ``EncoderError`` naming the file and the first palettized tensor that is not a
  ///   parameter of the model or whose shape differs from it.
  public static func reconstructed(_ encoder: SentenceEncoder, from url: URL) throws -> SentenceEncoder {
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw EncoderError(file: url.path, problem: "missing; write one with harness palettize --output")
    }
    let contents: CompressedModelFile.Contents
    do { contents = try CompressedModelFile.load(url) } catch { throw EncoderError(file: nil, problem: error.description) }
    let tensors = contents.palettized.keys.sorted().compactMap { name in contents.palettized[name].map { (name: name, tensor: $0) } }
    return try encoder.replacingWeights(replacements(tensors, for: encoder, source: url.path))
  }

  /// The reconstruction of every tensor of `tensors`, by name, checked against `encoder`'s
  /// parameters (a sweep's evaluation and `--palettized` share this).
  /// - Throws: ``EncoderError`` naming `source` and the first tensor that is not a parameter of
  ///   the encoder's model or whose shape differs from it.
  public static func replacements(
    _ tensors: [(name: String, tensor: PalettizedTensor)], for encoder: SentenceEncoder, source: String
  ) throws(EncoderError) -> [String: [Float]] {
    var replacements: [String: [Float]] = [:]
    for (name, tensor) in tensors {
      guard let own = encoder.model.parameters[name] else {
        throw EncoderError(file: source, problem: "palettized tensor '\(name)' is not a parameter of the model in \(encoder.modelDescription)")
      }
      guard own.shape == tensor.layout.shape else {
        throw EncoderError(file: source, problem: "palettized tensor '\(name)' has shape \(tensor.layout.shape), the model's has \(own.shape)")
      }
      replacements[name] = tensor.reconstruct().values
    }
    return replacements
  }
}

extension EmbeddingJob {
  /// Which BLAS the encoder runs on, for logs and manifests: `OpenBLAS core <name> (<path>)`.
  /// OpenBLAS picks its kernels per CPU type, so embeddings can differ in the last bits between
  /// machines with different cores.
  public static func blasDescription() throws -> String {
    let blas = try OpenBLAS.shared()
    return "OpenBLAS core \(blas.coreName) (\(blas.libraryPath))"
  }
}

extension SentenceEncoder {
  /// A short description for messages: the BERT sizes.
  var modelDescription: String {
    let c = model.config
    return "the encoder (\(c.layerCount) layers, hidden \(c.hiddenSize), vocabulary \(c.vocabularySize))"
  }
}
