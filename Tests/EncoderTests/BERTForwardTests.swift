import Foundation
import Palettization
import Testing
@testable import Encoder

@Suite("BERT forward pass on a tiny random model")
struct BERTForwardTests {
  static let sentences = ["the cat sat on the mat.", "a dog", "big dogs ran, unaffable", "cat", "",
                          "the the the the the the the the the the the the the the the the the the"]

  @Test("embeddings match a plain-loop float64 forward pass (packed batches of unequal lengths)", arguments: [1, 2, 4])
  func matchesBruteForce(batchSize: Int) throws {
    let encoder = try TinyBERT.encoder()
    let embeddings = encoder.encode(Self.sentences, batchSize: batchSize, threads: 2)
    for (i, sentence) in Self.sentences.enumerated() {
      let expected = TinyBERT.bruteForce(encoder.tokenizer.encode(sentence), parameters: TinyBERT.parameters())
      let diff = zip(embeddings[row: i], expected).map { abs(Double($0) - $1) }.max() ?? .infinity
      #expect(diff < 2e-6, "sentence \(i): \(diff)")
    }
  }

  @Test("replacingWeights equals a model built from the replaced parameters, bit for bit")
  func replacingWeights() throws {
    let encoder = try TinyBERT.encoder()
    var random = TinyBERT.SplitMix(state: 99)
    let names = ["encoder.layer.0.attention.self.key.weight", "encoder.layer.1.output.dense.weight"]
    var parameters = TinyBERT.parameters()
    var replacements: [String: [Float]] = [:]
    for name in names {
      let values = (0..<(parameters[name]?.count ?? 0)).map { _ in random.next() }
      replacements[name] = values
      parameters[name]?.values = values
    }
    let replaced = try encoder.replacingWeights(replacements)
    let rebuilt = try SentenceEncoder(tokenizer: encoder.tokenizer, model: BERTModel(config: TinyBERT.config, parameters: parameters),
                                      pooling: encoder.pooling)
    let a = replaced.encode(Self.sentences, threads: 2), b = rebuilt.encode(Self.sentences, threads: 1)
    #expect(a.values.map(\.bitPattern) == b.values.map(\.bitPattern))
    #expect(a != encoder.encode(Self.sentences))
    // The original is untouched (value semantics).
    #expect(encoder.model.parameters[names[0]]?.values == TinyBERT.parameters()[names[0]]?.values)
  }

  @Test("replacingWeights rejects unknown tensors and wrong sizes, naming the tensor")
  func replacingWeightsErrors() throws {
    let model = try TinyBERT.model()
    #expect(throws: EncoderError(file: nil, problem: "tensor 'encoder.layer.9.output.dense.weight' is not a parameter of the BERT model")) {
      try model.replacingWeights(["encoder.layer.9.output.dense.weight": [0]])
    }
    #expect(throws: EncoderError(file: nil, problem: "tensor 'encoder.layer.0.intermediate.dense.weight' has 3 values, the model's has shape [12, 8] (96 values)")) {
      try model.replacingWeights(["encoder.layer.0.intermediate.dense.weight": [1, 2, 3]])
    }
  }

  @Test("a missing parameter or a wrong shape is an error naming the tensor")
  func parameterErrors() throws {
    var parameters = TinyBERT.parameters()
    parameters["encoder.layer.1.attention.self.value.bias"] = nil
    #expect(throws: EncoderError(file: "m.safetensors", problem: "has no tensor 'encoder.layer.1.attention.self.value.bias', which a BERT model with this config.json needs")) {
      try BERTModel(config: TinyBERT.config, parameters: parameters, source: "m.safetensors")
    }
    parameters = TinyBERT.parameters()
    parameters["embeddings.position_embeddings.weight"] = Tensor(shape: [8, 8], values: [Float](repeating: 0, count: 64))
    #expect(throws: EncoderError(file: nil, problem: "tensor 'embeddings.position_embeddings.weight' has shape [8, 8], config.json implies [16, 8]")) {
      try BERTModel(config: TinyBERT.config, parameters: parameters)
    }
  }

  @Test("batches: longest first, ties by position, input order restored")
  func batching() throws {
    let ids: [[Int32]] = [[1, 2], [1, 2, 3], [1], [4, 5, 6], [7, 8]]
    #expect(SentenceEncoder.batches(ids, batchSize: 2) == [[1, 3], [0, 4], [2]])
    let encoder = try TinyBERT.encoder()
    let together = encoder.encode(Self.sentences, batchSize: 3)
    for (i, sentence) in Self.sentences.enumerated() {
      let alone = encoder.encode([sentence])
      let diff = zip(together[row: i], alone.values).map { abs($0 - $1) }.max() ?? .infinity
      #expect(diff < 1e-6, "sentence \(i)")
    }
  }
}

@Suite("Row-split matrix products")
struct MatmulSplitTests {
  @Test("row ranges: 64-aligned starts, end at rows, no short tail", arguments: [
    (1, 2, [0..<1]), (64, 2, [0..<64]), (65, 2, [0..<65]), (80, 2, [0..<64, 64..<80]), (129, 3, [0..<64, 64..<129]),
    (200, 3, [0..<64, 64..<128, 128..<200]), (200, 1, [0..<200]), (1000, 2, [0..<512, 512..<1000]),
  ] as [(Int, Int, [Range<Int>])])
  func ranges(rows: Int, threads: Int, expected: [Range<Int>]) {
    #expect(BERTModel.rowRanges(rows: rows, threads: threads) == expected)
  }

  @Test("products at the encoder's shapes are bitwise identical for 1 to 4 threads")
  func threadInvariance() throws {
    let blas = try OpenBLAS.shared()
    let model = try TinyBERT.model()
    var random = TinyBERT.SplitMix(state: 11)
    for (inputs, outputs) in [(384, 1152), (1536, 384)] {
      let weight = (0..<(inputs * outputs)).map { _ in random.next() }
      for rows in [1, 5, 63, 64, 65, 70, 129, 200, 700] {
        let input = (0..<(rows * inputs)).map { _ in random.next() }
        var reference = [Float](repeating: 0, count: rows * outputs)
        model.matmul(input, weight, rows: rows, inputs: inputs, outputs: outputs, into: &reference, blas: blas, threads: 1)
        for threads in 2...4 {
          var out = [Float](repeating: 0, count: rows * outputs)
          model.matmul(input, weight, rows: rows, inputs: inputs, outputs: outputs, into: &out, blas: blas, threads: threads)
          #expect(out.map(\.bitPattern) == reference.map(\.bitPattern), "\(rows)×\(inputs)·\(inputs)×\(outputs), \(threads) threads")
        }
      }
    }
  }
}
