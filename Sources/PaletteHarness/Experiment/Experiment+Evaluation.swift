import Foundation

extension Experiment {
  /// Parses `"evaluate": {"embedding": {"corpus": …, "max_sentences": N, "batch_size": B}}`.
  ///
  /// Only the document is checked here (keys, types, ranges, a safetensors model); whether the
  /// corpus and the encoder's files exist is checked when a sweep loads them
  /// (``SweepEvaluator/init(experiment:log:)``), so that a manifest's experiment still parses
  /// on a machine that lacks them.
  static func parseEvaluation(
    _ node: JSONNode, model: ModelSource, path: (JSONNode) throws(ExperimentError) -> URL
  ) throws(ExperimentError) -> EmbeddingEvaluationSettings {
    let fields = try node.object(allowed: ["embedding"])
    guard let embeddingNode = fields["embedding"] else {
      throw node.fail(#"must name an evaluation, e.g. {"embedding": {"corpus": "corpus/eval.txt", "max_sentences": 512}}"#)
    }
    return try parseEncoderCorpus(embeddingNode, model: model, path: path)
  }

  /// Parses the object of an encoder pass over a corpus (``EncoderCorpusSettings``):
  /// `{"corpus": …, "max_sentences": N, "batch_size": B}`, `batch_size` optional. The model must
  /// be a safetensors file, which the encoder reads.
  static func parseEncoderCorpus(
    _ node: JSONNode, model: ModelSource, path: (JSONNode) throws(ExperimentError) -> URL
  ) throws(ExperimentError) -> EncoderCorpusSettings {
    let fields = try node.object(allowed: ["corpus", "max_sentences", "batch_size"])
    guard case .safetensors = model else {
      throw node.fail(
        "needs a safetensors model: the encoder reads the experiment's model.safetensors with the sentence-transformers files of its folder, and this experiment's model is synthetic")
    }
    guard let corpusNode = fields["corpus"] else { throw node.fail("is missing the required key 'corpus'") }
    guard let maxNode = fields["max_sentences"] else { throw node.fail("is missing the required key 'max_sentences'") }
    let maxSentences = try maxNode.int()
    guard maxSentences >= 1 else { throw maxNode.fail("must be at least 1, found \(maxSentences)") }
    var batchSize = EncoderCorpusSettings.defaultBatchSize
    if let batchNode = fields["batch_size"] {
      batchSize = try batchNode.int()
      guard batchSize >= 1 else { throw batchNode.fail("must be at least 1, found \(batchSize)") }
    }
    return EncoderCorpusSettings(corpus: try path(corpusNode), maxSentences: maxSentences, batchSize: batchSize)
  }
}
