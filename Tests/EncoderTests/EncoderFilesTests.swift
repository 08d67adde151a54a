import Foundation
import Testing
@testable import Encoder

@Suite("Encoder files: corpus, .npy, model directory errors")
struct EncoderFilesTests {
  static func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("encoder-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  @Test("corpus lines: LF split, CRLF, blank and White_Space-only lines skipped, control-only lines kept")
  func corpusParsing() throws {
    let text = "first\r\n\n  \t \n\u{00A0}\u{3000}\nsecond line \n\u{0007}\nlast"
    #expect(try SentenceCorpus.parse(Array(text.utf8), path: "c.txt") == ["first", "second line ", "\u{0007}", "last"])
  }

  @Test("corpus errors name the file and line")
  func corpusErrors() throws {
    #expect(throws: EncoderError(file: "c.txt", problem: "line 2 is not valid UTF-8")) {
      try SentenceCorpus.parse(Array("ok\n".utf8) + [0xFF, 0x41], path: "c.txt")
    }
    let folder = try Self.temporaryFolder()
    let empty = folder.appendingPathComponent("empty.txt")
    try Data(" \n\n".utf8).write(to: empty)
    #expect(throws: EncoderError(file: empty.path, problem: "the corpus holds no sentences (every line is blank)")) {
      try SentenceCorpus.read(empty)
    }
    let missing = folder.appendingPathComponent("missing.txt")
    #expect(throws: EncoderError(file: missing.path, problem: "cannot read the corpus file (missing or unreadable)")) {
      try SentenceCorpus.read(missing)
    }
  }

  @Test(".npy round trip, 64-byte aligned header, bytes NumPy writes for the same array")
  func numpyRoundTrip() throws {
    let matrix = EmbeddingMatrix(rows: 2, dimension: 3, values: [1, -2.5, 0, .infinity, 1e-30, -0.0])
    let data = NumPyFile.encode(matrix)
    #expect(data.count == 128 + 24)
    // np.save(f, np.array([[1, -2.5, 0], [np.inf, 1e-30, -0.0]], dtype=np.float32)): same header.
    let header = String(decoding: data[10..<128], as: UTF8.self)
    #expect(header == "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + String(repeating: " ", count: 58) + "\n")
    let back = try NumPyFile.decode(Array(data), path: "e.npy")
    #expect(back.values.map(\.bitPattern) == matrix.values.map(\.bitPattern) && back.rows == 2 && back.dimension == 3)
  }

  @Test("malformed .npy files", arguments: [
    ([UInt8](repeating: 0, count: 20), "is not a version 1 .npy file"),
    (Array(NumPyFile.encode(EmbeddingMatrix(rows: 1, dimension: 2)).dropLast()), "holds 7 data bytes, shape (1, 2) needs 8"),
    (Array(NumPyFile.encode(EmbeddingMatrix(rows: 1, dimension: 2)).prefix(40)), "has a truncated .npy header"),
  ] as [([UInt8], String)])
  func malformedNumPy(bytes: [UInt8], problem: String) {
    #expect(throws: EncoderError(file: "e.npy", problem: problem)) { try NumPyFile.decode(bytes, path: "e.npy") }
  }

  @Test("model directory errors name the file and say how to get it")
  func modelDirectoryErrors() throws {
    let folder = try Self.temporaryFolder()
    #expect(throws: EncoderError(file: folder.appendingPathComponent("config.json").path,
                                 problem: "missing; run scripts/setup to fetch the MiniLM model directory")) {
      try SentenceEncoder(modelDirectory: folder)
    }
    let config = """
      {"model_type": "bert", "hidden_act": "gelu_new", "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2,
       "intermediate_size": 4, "max_position_embeddings": 8, "vocab_size": 5}
      """
    try Data(config.utf8).write(to: folder.appendingPathComponent("config.json"))
    #expect(throws: EncoderError(file: folder.appendingPathComponent("config.json").path,
                                 problem: "hidden_act: 'gelu_new' is not supported (the encoder implements gelu, the exact erf form)")) {
      try SentenceEncoder(modelDirectory: folder)
    }
    try Data(config.replacingOccurrences(of: "gelu_new", with: "gelu").replacingOccurrences(of: "\"num_attention_heads\": 2", with: "\"num_attention_heads\": 3").utf8)
      .write(to: folder.appendingPathComponent("config.json"))
    #expect(throws: EncoderError(file: folder.appendingPathComponent("config.json").path,
                                 problem: "num_attention_heads: 3 does not divide hidden_size 8")) {
      try SentenceEncoder(modelDirectory: folder)
    }
    try Data(config.replacingOccurrences(of: "gelu_new", with: "gelu").utf8).write(to: folder.appendingPathComponent("config.json"))
    #expect(throws: EncoderError(file: folder.appendingPathComponent("vocab.txt").path,
                                 problem: "missing or unreadable; run scripts/setup to fetch the MiniLM model directory")) {
      try SentenceEncoder(modelDirectory: folder)
    }
  }

  @Test("the real model directory's settings are MiniLM's")
  func realSettings() throws {
    let encoder = try Fixtures.miniLM()
    #expect(encoder.model.config == BERTConfig(hiddenSize: 384, layerCount: 6, headCount: 12, intermediateSize: 1536,
                                               layerNormEpsilon: 1e-12, maxPositions: 512, vocabularySize: 30522))
    #expect(encoder.tokenizer.settings == TokenizerSettings(maxLength: 256))
    #expect(encoder.pooling == SentencePooling(normalize: true))
    #expect(encoder.model.linearWeightNames.count == 37)
  }
}
