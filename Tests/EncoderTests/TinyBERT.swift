import Foundation
import Palettization
@testable import Encoder

/// A tiny random BERT (hidden 8, 2 heads, intermediate 12, 2 layers) over a 20-token vocabulary,
/// for checks against brute force. Weights from a seeded SplitMix64, so failures replay.
enum TinyBERT {
  static let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat",
                       "dog", "ran", "a", "##s", ".", ",", "un", "##aff", "##able", "big"]
  static let config = BERTConfig(hiddenSize: 8, layerCount: 2, headCount: 2, intermediateSize: 12,
                                 layerNormEpsilon: 1e-12, maxPositions: 16, vocabularySize: tokens.count)

  struct SplitMix {
    var state: UInt64
    mutating func next() -> Float {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      z ^= z >> 31
      return Float(z >> 40) / Float(1 << 24) * 2 - 1  // uniform in [-1, 1)
    }
  }

  static func parameters(seed: UInt64 = 7) -> [String: Tensor] {
    var random = SplitMix(state: seed)
    var out: [String: Tensor] = [:]
    for (name, shape) in BERTModel.requiredShapes(config) + BERTModel.unusedShapes(config) {
      let count = shape.reduce(1, *)
      var values = (0..<count).map { _ in random.next() * 0.5 }
      if name.hasSuffix("LayerNorm.weight") { values = values.map { 1 + $0 * 0.2 } }
      out[name] = Tensor(shape: shape, values: values)
    }
    return out
  }

  static func model(seed: UInt64 = 7) throws -> BERTModel {
    try BERTModel(config: config, parameters: parameters(seed: seed))
  }

  static func encoder(seed: UInt64 = 7, maxLength: Int = 16) throws -> SentenceEncoder {
    let tokenizer = try BertTokenizer(vocabulary: Vocabulary(tokens: tokens), settings: TokenizerSettings(maxLength: maxLength))
    return try SentenceEncoder(tokenizer: tokenizer, model: model(seed: seed), pooling: SentencePooling(normalize: true))
  }

  /// The BERT forward pass of one sequence by plain loops in Double (no BLAS, no packing),
  /// recording each Linear input; the independent reference for the Swift forward pass.
  static func bruteForce(_ ids: [Int32], parameters p: [String: Tensor],
                         record: ((_ layer: Int, _ site: LinearSite, _ row: [Double]) -> Void)? = nil) -> [Double] {
    let h = config.hiddenSize, heads = config.headCount, d = h / heads, n = ids.count
    func v(_ name: String) -> [Double] { (p[name]?.values ?? []).map(Double.init) }
    func linear(_ x: [Double], _ name: String, out: Int, inp: Int) -> [Double] {
      let w = v(name + ".weight"), b = v(name + ".bias")
      return (0..<out).map { o in (0..<inp).reduce(b[o]) { $0 + w[o * inp + $1] * x[$1] } }
    }
    func norm(_ x: [Double], _ name: String) -> [Double] {
      let g = v(name + ".weight"), b = v(name + ".bias")
      let mean = x.reduce(0, +) / Double(x.count)
      let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count)
      return x.indices.map { (x[$0] - mean) / (variance + 1e-12).squareRoot() * g[$0] + b[$0] }
    }
    let word = v("embeddings.word_embeddings.weight"), pos = v("embeddings.position_embeddings.weight")
    let type = v("embeddings.token_type_embeddings.weight")
    var x: [[Double]] = (0..<n).map { t in
      norm((0..<h).map { word[Int(ids[t]) * h + $0] + type[$0] + pos[t * h + $0] }, "embeddings.LayerNorm")
    }
    for l in 0..<config.layerCount {
      let s = "encoder.layer.\(l)."
      x.forEach { record?(l, .attentionInput, $0) }
      let q = x.map { linear($0, s + "attention.self.query", out: h, inp: h) }
      let k = x.map { linear($0, s + "attention.self.key", out: h, inp: h) }
      let val = x.map { linear($0, s + "attention.self.value", out: h, inp: h) }
      var context = [[Double]](repeating: [Double](repeating: 0, count: h), count: n)
      for head in 0..<heads {
        for i in 0..<n {
          let scores = (0..<n).map { j in (0..<d).reduce(0.0) { $0 + q[i][head * d + $1] * k[j][head * d + $1] } / Double(d).squareRoot() }
          let top = scores.max() ?? 0
          let e = scores.map { exp($0 - top) }
          let total = e.reduce(0, +)
          for c in 0..<d { context[i][head * d + c] = (0..<n).reduce(0.0) { $0 + e[$1] / total * val[$1][head * d + c] } }
        }
      }
      context.forEach { record?(l, .attentionOutput, $0) }
      let attended = (0..<n).map { t in
        norm(zip(linear(context[t], s + "attention.output.dense", out: h, inp: h), x[t]).map(+), s + "attention.output.LayerNorm")
      }
      attended.forEach { record?(l, .intermediate, $0) }
      let inter = attended.map { linear($0, s + "intermediate.dense", out: config.intermediateSize, inp: h).map { $0 * 0.5 * (1 + erf($0 / 2.0.squareRoot())) } }
      inter.forEach { record?(l, .output, $0) }
      x = (0..<n).map { t in
        norm(zip(linear(inter[t], s + "output.dense", out: h, inp: config.intermediateSize), attended[t]).map(+), s + "output.LayerNorm")
      }
    }
    let mean = (0..<h).map { j in x.reduce(0) { $0 + $1[j] } / Double(n) }
    let length = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return mean.map { $0 / length }
  }
}
