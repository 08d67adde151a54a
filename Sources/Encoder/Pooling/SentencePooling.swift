import Foundation

/// How token vectors become one sentence vector, as a sentence-transformers model's
/// `modules.json` and `1_Pooling/config.json` say: the mean over the sentence's tokens
/// (`[CLS]` and `[SEP]` included, padding excluded), then optionally L2 normalisation.
public struct SentencePooling: Sendable, Equatable {
  /// Divide each sentence vector by its Euclidean norm (a `Normalize` module follows pooling).
  public var normalize: Bool

  public init(normalize: Bool) { self.normalize = normalize }

  /// Reads the pipeline of a sentence-transformers model directory.
  /// - Throws: ``EncoderError`` when a file is missing, or the pipeline is not
  ///   Transformer → Pooling (mean tokens) → optional Normalize.
  public init(modelDirectory folder: URL) throws(EncoderError) {
    let hint = "run scripts/setup to fetch the MiniLM model directory"
    let modulesURL = folder.appendingPathComponent("modules.json")
    guard let data = FileManager.default.contents(atPath: modulesURL.path) else {
      throw EncoderError(file: modulesURL.path, problem: "missing; \(hint)")
    }
    guard let modules = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else {
      throw EncoderError(file: modulesURL.path, problem: "is not a JSON array of modules")
    }
    let types = modules.map { ($0["type"] as? String ?? "?").split(separator: ".").last.map(String.init) ?? "?" }
    guard types.count >= 2, types.count <= 3, types[0] == "Transformer", types[1] == "Pooling",
          types.count == 2 || types[2] == "Normalize" else {
      throw EncoderError(file: modulesURL.path, problem: "pipeline \(types) is not supported (Transformer, Pooling, optional Normalize)")
    }
    let poolingPath = modules[1]["path"] as? String ?? "1_Pooling"
    let config = try JSONObjectFile(folder.appendingPathComponent(poolingPath).appendingPathComponent("config.json"), hint: hint)
    // sentence-transformers ≥ 3 writes "pooling_mode": "mean"; older ones a flag per mode.
    if let mode = try config.string("pooling_mode") {
      guard mode == "mean" else { throw config.fail("pooling_mode", "'\(mode)' is not supported (only mean)") }
    } else {
      guard try config.bool("pooling_mode_mean_tokens") == true else {
        throw config.fail("pooling_mode_mean_tokens", "must be true (only mean pooling is supported)")
      }
      for other in ["pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens",
                    "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"] where try config.bool(other) == true {
        throw config.fail(other, "is not supported (only mean pooling)")
      }
    }
    self.init(normalize: types.count == 3)
  }

  /// One vector per sequence of `states`: the mean of its rows (summed in `Double` in row
  /// order), divided by its norm when ``normalize`` (by max(norm, 1e-12), as
  /// `torch.nn.functional.normalize`).
  /// - Complexity: O(tokens · width).
  public func pool(_ states: TokenStates) -> EmbeddingMatrix {
    let w = states.width
    var out = EmbeddingMatrix(rows: states.lengths.count, dimension: w)
    var sums = [Double](repeating: 0, count: w)
    for s in 0..<states.lengths.count {
      for j in 0..<w { sums[j] = 0 }
      let first = states.offsets[s], n = states.lengths[s]
      for r in first..<(first + n) {
        for j in 0..<w { sums[j] += Double(states.values[r * w + j]) }
      }
      var vector = sums.map { Float($0 / Double(n)) }
      if normalize {
        var squares = 0.0
        for v in vector { squares += Double(v) * Double(v) }
        let norm = Float(max(squares.squareRoot(), 1e-12))
        for j in 0..<w { vector[j] /= norm }
      }
      out.values.replaceSubrange((s * w)..<((s + 1) * w), with: vector)
    }
    return out
  }
}
