import Encoder
import Foundation

extension SentenceEncoder {
  /// The encoder of the sentence-transformers directory that holds `modelFile` (an experiment's
  /// `model.safetensors`): the weights from `modelFile`, everything else (`config.json`,
  /// tokenizer files, pooling) from its folder.
  /// - Throws: ``EncoderError`` naming a missing or faulty file.
  init(modelFile: URL) throws {
    let folder = modelFile.deletingLastPathComponent()
    let config = try BERTConfig(contentsOf: folder.appendingPathComponent("config.json"))
    try self.init(
      tokenizer: BertTokenizer(modelDirectory: folder), model: BERTModel(config: config, weightsFile: modelFile),
      pooling: SentencePooling(modelDirectory: folder))
  }
}
