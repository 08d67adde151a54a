import Foundation
import Palettization
import Testing
@testable import Encoder

@Suite("Linear-input moments (activation-aware sensitivities)")
struct LinearInputMomentsTests {
  /// The tiny model with hand-set embeddings: no position or token-type embedding, an identity
  /// embedding LayerNorm, and word rows that put `+1, −1` in one pair of columns. LayerNorm
  /// turns such a row (mean 0, variance 2/8) into `+2, −2` in the pair and 0 elsewhere, so the
  /// first layer's input of a token is known exactly: 4 in its pair's columns.
  static func handSetEncoder() throws -> SentenceEncoder {
    var p = TinyBERT.parameters()
    let h = TinyBERT.config.hiddenSize
    func pair(_ column: Int) -> [Float] { (0..<h).map { $0 == column ? 1 : $0 == column + 1 ? -1 : 0 } }
    var words = p["embeddings.word_embeddings.weight"]?.values ?? []
    // [PAD] 0 → columns 6, 7 (a padded batch counting it would move columns 6, 7 and the mean).
    for (token, column) in [(0, 6), (2, 0), (3, 4), (6, 2), (7, 6)] {
      words.replaceSubrange((token * h)..<((token + 1) * h), with: pair(column))
    }
    p["embeddings.word_embeddings.weight"]?.values = words
    for name in ["embeddings.position_embeddings.weight", "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.bias"] {
      let count = p[name]?.count ?? 0
      p[name]?.values = [Float](repeating: 0, count: count)
    }
    p["embeddings.LayerNorm.weight"]?.values = [Float](repeating: 1, count: h)
    let tokenizer = try BertTokenizer(vocabulary: Vocabulary(tokens: TinyBERT.tokens), settings: TokenizerSettings(maxLength: 16))
    return try SentenceEncoder(tokenizer: tokenizer, model: BERTModel(config: TinyBERT.config, parameters: p),
                               pooling: SentencePooling(normalize: true))
  }

  @Test("first-layer moments worked by hand: [CLS] cat [SEP] and [CLS] cat sat [SEP] in one batch, padding not counted")
  func handWorked() throws {
    let encoder = try Self.handSetEncoder()
    #expect(encoder.tokenize(["cat", "cat sat"]) == [[2, 6, 3], [2, 6, 7, 3]])
    let moments = encoder.linearInputMoments(["cat", "cat sat"], batchSize: 2, threads: 1)
    // 7 real tokens: [CLS] twice (columns 0, 1), cat twice (2, 3), [SEP] twice (4, 5), sat once (6, 7);
    // each contributes 2² = 4 to its pair. A padded batch of 2 × 4 would count 8 tokens and a
    // [PAD] in columns 6, 7.
    #expect(moments.tokens == 7 && moments.sentences == 2)
    let expected: [Double] = [8, 8, 8, 8, 8, 8, 4, 4].map { $0 / 7 }
    for name in LinearSite.attentionInput.weightNames(layer: 0) {
      let means = try #require(moments.meanSquares(for: name), "\(name)")
      #expect(zip(means, expected).allSatisfy { abs($0 - $1) <= 1e-6 * $1 }, "\(name): \(means)")
    }
  }

  @Test("sums of squares equal Σ x_j² over the inputs of a plain-loop float64 forward pass", arguments: [1, 4, 64])
  func tinyModelBruteForce(batchSize: Int) throws {
    let encoder = try TinyBERT.encoder()
    let sentences = BERTForwardTests.sentences
    let moments = encoder.linearInputMoments(sentences, batchSize: batchSize, threads: 2)
    var expected: [String: [Double]] = [:]
    var tokens = 0
    for sentence in sentences {
      let ids = encoder.tokenizer.encode(sentence)
      tokens += ids.count
      _ = TinyBERT.bruteForce(ids, parameters: TinyBERT.parameters()) { layer, site, x in
        for name in site.weightNames(layer: layer) {
          let sums = expected[name] ?? [Double](repeating: 0, count: x.count)
          expected[name] = zip(sums, x).map { $0 + $1 * $1 }
        }
      }
    }
    #expect(moments.tokens == tokens && moments.sentences == sentences.count)
    #expect(Set(moments.sumsOfSquares.keys) == Set(expected.keys))
    #expect(moments.sumsOfSquares.count == TinyBERT.config.layerCount * 6)
    for (name, sums) in expected {
      let got = try #require(moments.sumsOfSquares[name], "\(name)")
      let diff = zip(got, sums).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
      #expect(diff < 2e-5, "\(name): relative difference \(diff)")  // fp32 forward vs float64 loops
      #expect(moments.meanSquares(for: name) == got.map { $0 / Double(tokens) })
    }
    #expect(moments.meanSquares(for: "pooler.dense.weight") == nil)
    #expect(moments.meanSquares(for: "embeddings.word_embeddings.weight") == nil)
  }

  @Test("a batch of unequal sentences (padded elsewhere) equals the sum of per-sentence runs")
  func batchEqualsPerSentence() throws {
    let encoder = try TinyBERT.encoder()
    let sentences = BERTForwardTests.sentences
    let batched = encoder.linearInputMoments(sentences, batchSize: sentences.count, threads: 1)
    var summed: [String: [Double]] = [:]
    var tokens = 0
    for sentence in sentences {
      let alone = encoder.linearInputMoments([sentence], batchSize: 1, threads: 1)
      tokens += alone.tokens
      for (name, sums) in alone.sumsOfSquares { summed[name] = zip(summed[name] ?? sums.map { _ in 0 }, sums).map(+) }
    }
    let lengths = encoder.tokenize(sentences).map(\.count)
    #expect(batched.tokens == tokens && tokens == lengths.reduce(0, +))
    #expect(tokens < sentences.count * (lengths.max() ?? 0))  // padding would have counted more
    for (name, sums) in summed {
      let got = try #require(batched.sumsOfSquares[name])
      // Only the matrix-product shapes differ, so only the last bits may.
      #expect(zip(got, sums).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) }, "\(name)")
    }
  }

  @Test("bitwise identical for 1, 2 and 3 threads (batches long enough to split)")
  func threadInvariance() throws {
    let encoder = try TinyBERT.encoder()
    // 40 sentences of 7–16 tokens: one batch of about 450 rows, split into up to 3 row blocks.
    let words = ["the", "cat", "sat", "on", "mat", "dog", "ran", "big", "unaffable", "a"]
    let sentences = (0..<40).map { i in (0..<(5 + i % 12)).map { words[(i * 7 + $0 * 3) % words.count] }.joined(separator: " ") }
    let one = encoder.linearInputMoments(sentences, batchSize: 64, threads: 1)
    #expect(one.tokens > 3 * 64)
    for threads in [2, 3] {
      let other = encoder.linearInputMoments(sentences, batchSize: 64, threads: threads)
      #expect(other.tokens == one.tokens)
      for (name, sums) in one.sumsOfSquares {
        #expect(other.sumsOfSquares[name]?.map(\.bitPattern) == sums.map(\.bitPattern), "\(name), \(threads) threads")
      }
    }
  }

  @Test("the diagonal of the Gram matrices, and the rows a full forward pass observes")
  func agreesWithGramAndForward() throws {
    let encoder = try TinyBERT.encoder()
    let sentences = BERTForwardTests.sentences
    let moments = encoder.linearInputMoments(sentences, batchSize: 4, threads: 2)
    let stats = encoder.linearInputStatistics(sentences, batchSize: 4, threads: 2)
    for (name, sums) in moments.sumsOfSquares {
      let diagonal = try #require(stats.gram(for: name)?.diagonal)
      #expect(zip(sums, diagonal).allSatisfy { abs($0 - $1) <= 1e-12 * abs($1) }, "\(name)")  // dsyrk sums in another order
    }
    // observeLinearInputs stops after the last Linear input but observes the same bits.
    let ids = encoder.tokenize(sentences)
    var full: [[Float]] = [], observed: [[Float]] = []
    _ = encoder.model.forward(ids, blas: encoder.blas, threads: 2) { _, _, rows, _ in full.append(Array(rows)) }
    encoder.model.observeLinearInputs(ids, blas: encoder.blas, threads: 2) { _, _, rows, _ in observed.append(Array(rows)) }
    #expect(observed.count == TinyBERT.config.layerCount * LinearSite.allCases.count)
    #expect(observed.map { $0.map(\.bitPattern) } == full.map { $0.map(\.bitPattern) })
  }
}
