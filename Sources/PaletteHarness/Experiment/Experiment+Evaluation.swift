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
    let embedding = try embeddingNode.object(allowed: ["corpus", "max_sentences", "batch_size"])
    guard case .safetensors = model else {
      throw embeddingNode.fail(
        "needs a safetensors model: the encoder reads the experiment's model.safetensors with the sentence-transformers files of its folder, and this experiment's model is synthetic")
    }
    guard let corpusNode = embedding["corpus"] else { throw embeddingNode.fail("is missing the required key 'corpus'") }
    guard let maxNode = embedding["max_sentences"] else {
      throw embeddingNode.fail("is missing the required key 'max_sentences'")
    }
    let maxSentences = try maxNode.int()
    guard maxSentences >= 1 else { throw maxNode.fail("must be at least 1, found \(maxSentences)") }
    var batchSize = EmbeddingEvaluationSettings.defaultBatchSize
    if let batchNode = embedding["batch_size"] {
      batchSize = try batchNode.int()
      guard batchSize >= 1 else { throw batchNode.fail("must be at least 1, found \(batchSize)") }
    }
    return EmbeddingEvaluationSettings(corpus: try path(corpusNode), maxSentences: maxSentences, batchSize: batchSize)
  }
}
