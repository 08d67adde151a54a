import Foundation
import Palettization
import Testing
@testable import Encoder

@Suite("Linear-input statistics and output SNR")
struct LinearInputStatisticsTests {
  @Test("Gram matrices equal Σ x xᵀ over the inputs of a plain-loop forward pass", arguments: [1, 4])
  func tinyModelBruteForce(batchSize: Int) throws {
    let encoder = try TinyBERT.encoder()
    let sentences = BERTForwardTests.sentences
    let stats = encoder.linearInputStatistics(sentences, batchSize: batchSize, threads: 2)
    let config = TinyBERT.config
    var expected: [String: [Double]] = [:]
    var tokens = 0
    for sentence in sentences {
      let ids = encoder.tokenizer.encode(sentence)
      tokens += ids.count
      _ = TinyBERT.bruteForce(ids, parameters: TinyBERT.parameters()) { layer, site, x in
        for name in site.weightNames(layer: layer) {
          var g = expected[name] ?? [Double](repeating: 0, count: x.count * x.count)
          for i in x.indices { for j in x.indices { g[i * x.count + j] += x[i] * x[j] } }
          expected[name] = g
        }
      }
    }
    #expect(stats.tokens == tokens && stats.sentences == sentences.count)
    #expect(stats.grams.count == config.layerCount * 6)
    for (name, g) in expected {
      let gram = try #require(stats.gram(for: name), "\(name)")
      #expect(gram.tokens == tokens)
      #expect(gram.width == (name.hasSuffix("output.dense.weight") && !name.contains("attention") ? 12 : 8))
      let diff = zip(gram.values, g).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
      #expect(diff < 2e-5, "\(name): relative difference \(diff)")  // fp32 forward vs float64 loops
    }
    #expect(stats.gram(for: "pooler.dense.weight") == nil)
    #expect(try stats.outputSNR(of: "pooler.dense.weight", weight: [1], reconstruction: [0]) == nil)
    let query = try #require(stats.gram(for: "encoder.layer.1.attention.self.query.weight"))
    #expect(query.diagonal == (0..<8).map { query.values[$0 * 9] })
    let weight = TinyBERT.parameters()["encoder.layer.1.attention.self.query.weight"]?.values ?? []
    let rounded = weight.map { ($0 * 8).rounded() / 8 }
    #expect(try stats.outputSNR(of: "encoder.layer.1.attention.self.query.weight", weight: weight, reconstruction: rounded)
            == query.outputSNR(weight: weight, reconstruction: rounded))
    #expect(LinearInputStatistics.unreachedWeights == ["pooler.dense.weight"])
  }

  @Test("one pass gives bitwise the embeddings and Gram matrices of the two separate passes", arguments: [1, 3])
  func onePassEqualsTwo(batchSize: Int) throws {
    let encoder = try TinyBERT.encoder()
    let sentences = BERTForwardTests.sentences
    let ids = encoder.tokenize(sentences)
    let (embeddings, stats) = encoder.encodeWithLinearInputStatistics(ids: ids, batchSize: batchSize, threads: 2)
    let separate = encoder.linearInputStatistics(sentences, batchSize: batchSize, threads: 2)
    #expect(embeddings.values.map(\.bitPattern) == encoder.encode(ids: ids, batchSize: batchSize, threads: 2).values.map(\.bitPattern))
    #expect(stats.tokens == separate.tokens && stats.sentences == separate.sentences)
    #expect(Set(stats.grams.keys) == Set(separate.grams.keys) && !stats.grams.isEmpty)
    for (name, gram) in stats.grams {
      #expect(gram.values.map(\.bitPattern) == separate.grams[name]?.values.map(\.bitPattern), "\(name)")
    }
  }

  @Test("Gram matrices of the real model are bitwise identical for 1 and 2 threads")
  func threadInvariance() throws {
    let encoder = try Fixtures.miniLM()
    let sentences = Array(try SentenceCorpus.read(Fixtures.evalCorpus).prefix(16)) + [String(repeating: "long words ", count: 200)]
    let one = encoder.linearInputStatistics(sentences, batchSize: 16, threads: 1)
    let two = encoder.linearInputStatistics(sentences, batchSize: 16, threads: 2)
    #expect(one.grams.count == 36)
    for (name, gram) in one.grams {
      let other = try #require(two.grams[name]?.values)
      // memcmp: bitwise, and fast in a debug test build (2.4M values per FFN-output matrix).
      let same = gram.values.count == other.count && gram.values.withUnsafeBytes { a in
        other.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 }
      }
      #expect(same, "\(name)")
    }
    let q = try #require(one.gram(for: "encoder.layer.3.attention.self.query.weight"))
    #expect(q == one.gram(for: "encoder.layer.3.attention.self.value.weight"))
    #expect(one.gram(for: "encoder.layer.3.output.dense.weight")?.width == 1536)
  }

  @Test("output SNR from the Gram matrix equals 10·log10(‖XWᵀ‖² / ‖XΔᵀ‖²) computed directly")
  func outputSNRMatchesDirect() throws {
    var random = TinyBERT.SplitMix(state: 3)
    let tokens = 37, width = 11, rows = 5
    let x = (0..<(tokens * width)).map { _ in Double(random.next()) }
    let w = (0..<(rows * width)).map { _ in random.next() }
    let noisy = w.map { $0 + random.next() * 0.05 }
    var g = [Double](repeating: 0, count: width * width)
    for t in 0..<tokens { for i in 0..<width { for j in 0..<width { g[i * width + j] += x[t * width + i] * x[t * width + j] } } }
    let gram = LinearInputStatistics.Gram(width: width, values: g, tokens: tokens)
    func energy(_ m: [Double]) -> Double {
      var total = 0.0
      for t in 0..<tokens {
        for r in 0..<rows {
          let y = (0..<width).reduce(0.0) { $0 + x[t * width + $1] * m[r * width + $1] }
          total += y * y
        }
      }
      return total
    }
    let direct = 10 * log10(energy(w.map(Double.init)) / energy(zip(w, noisy).map { Double($0) - Double($1) }))
    let snr = try gram.outputSNR(weight: w, reconstruction: noisy)
    #expect(abs(snr - direct) < 1e-9, "\(snr) vs \(direct)")
    #expect(try gram.outputSNR(weight: w, reconstruction: w) == .infinity)
  }
}
