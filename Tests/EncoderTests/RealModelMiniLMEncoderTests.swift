import Foundation
import Testing
@testable import Encoder

/// The Swift encoder against PyTorch + sentence-transformers on the committed sentences
/// (Resources/sentences.txt: accents, CJK, emoji, control characters, punctuation runs, special
/// tokens in text, a sentence over 256 tokens, blank lines). References come from
/// scripts/reference_embeddings.py (torch 2.13 CPU, transformers 5, sentence-transformers 6).
@Suite("Real model: MiniLM encoder vs PyTorch references")
struct RealModelMiniLMEncoderTests {
  @Test("token ids equal the reference tokenizer's, sentence by sentence")
  func tokenIDs() throws {
    let encoder = try Fixtures.miniLM()
    let sentences = try SentenceCorpus.read(Fixtures.sentences)
    let reference = try Fixtures.referenceTokenIDs()
    #expect(sentences.count == reference.count)
    for (i, (sentence, expected)) in zip(sentences, reference).enumerated() {
      let ids = encoder.tokenizer.encode(sentence)
      #expect(ids == expected, "sentence \(i + 1): \(sentence.debugDescription)")
    }
    #expect(reference.contains { $0.count == 256 }, "the long sentence is truncated to max_seq_length")
  }

  @Test("every embedding is within 1e-5 (max abs) of PyTorch's", arguments: [1, 2])
  func embeddings(threads: Int) throws {
    let encoder = try Fixtures.miniLM()
    let sentences = try SentenceCorpus.read(Fixtures.sentences)
    let reference = try NumPyFile.read(Fixtures.referenceEmbeddings)
    let embeddings = encoder.encode(sentences, batchSize: 16, threads: threads)
    #expect(embeddings.rows == reference.rows && embeddings.dimension == 384 && reference.dimension == 384)
    var worst = 0 as Float
    for i in 0..<min(embeddings.rows, reference.rows) {
      let diff = zip(embeddings[row: i], reference[row: i]).map { abs($0 - $1) }.max() ?? .infinity
      worst = max(worst, diff)
      #expect(diff <= 1e-5, "sentence \(i + 1): max abs difference \(diff)")
    }
    print("max abs difference to PyTorch: \(worst)")
  }

  @Test("embeddings are bitwise identical for 1, 2 and 3 threads (also with sentences > 256 tokens)")
  func threadInvariance() throws {
    let encoder = try Fixtures.miniLM()
    let sentences = try SentenceCorpus.read(Fixtures.sentences) + Array(try SentenceCorpus.read(Fixtures.evalCorpus).prefix(40))
    let one = encoder.encode(sentences, batchSize: 32, threads: 1)
    for threads in [2, 3] {
      let other = encoder.encode(sentences, batchSize: 32, threads: threads)
      #expect(one.values.map(\.bitPattern) == other.values.map(\.bitPattern), "\(threads) threads")
    }
  }

  @Test("cblas_sgemm resolves to OpenBLAS, not GSL's reference CBLAS")
  func blasBinding() throws {
    let blas = try OpenBLAS.shared()
    let path = try #require(OpenBLAS.path(ofSymbolAt: blas.sgemmAddress))
    #expect(path.contains("libopenblas"), "cblas_sgemm lives in \(path)")
    #expect(!path.contains("gslcblas"))
    #expect(!blas.coreName.isEmpty && blas.coreName != "unknown")
  }
}
