import Encoder
import Foundation
import Palettization
import Testing
@testable import PaletteHarness

/// `harness calibrate` on the real MiniLM (models/minilm from scripts/setup; these tests fail,
/// not skip, without it).
@Suite("Real model: harness calibrate")
struct RealModelCalibrationTests {
  static let root = RealModelEmbeddingJobTests.root
  static let modelDirectory = RealModelEmbeddingJobTests.modelDirectory
  static let testSentences = RealModelEmbeddingJobTests.testSentences
  static let calibrationCorpus = root.appendingPathComponent("experiments/corpus/calibration.txt")
  /// Written by scripts/reference_calibration.py (PyTorch, padded batch, attention mask).
  static let reference = root.appendingPathComponent("Tests/EncoderTests/Resources/reference_calibration.safetensors")

  /// Every 2-D Linear weight of the encoder, except the pooler's.
  static func encoderLinearWeights(_ encoder: SentenceEncoder) -> [String: [Int]] {
    var out: [String: [Int]] = [:]
    for (name, tensor) in encoder.model.parameters
    where name.hasPrefix("encoder.layer.") && name.hasSuffix(".weight") && tensor.shape.count == 2 {
      out[name] = tensor.shape
    }
    return out
  }

  /// SHA-256 of a file by coreutils' `sha256sum` (an implementation independent of ours).
  static func sha256sum(_ url: URL) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [url.path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return String(text.prefix(64))
  }

  @Test("every encoder Linear, its shape, every row equal, within 1e-4 of PyTorch's padded-batch reference")
  func matchesPyTorch() throws {
    try RealModelEmbeddingJobTests.requireModel()
    let encoder = try SentenceEncoder(modelDirectory: Self.modelDirectory)
    let calibration = ActivationCalibration(modelDirectory: Self.modelDirectory, corpus: Self.testSentences, batchSize: 64, threads: 2)
    let result = try calibration.run(encoder: encoder)
    let reference = try SafeTensorsFile(contentsOf: Self.reference)
    let referenceMeta = try #require(reference.metadata["palettelab.reference"])
    // 40 sentences of 3–256 tokens: in PyTorch's padded batch of 40 × 256 most positions are padding.
    #expect(referenceMeta.contains(#""tokens": 967"#) && result.metadata.tokens == 967 && result.metadata.sentences == 40)
    let linears = Self.encoderLinearWeights(encoder)
    #expect(linears.count == 36)
    #expect(Set(result.tensors.keys) == Set(linears.keys) && Set(reference.tensorNames) == Set(linears.keys))
    #expect(result.metadata.notWritten == ["pooler.dense.weight"] && result.tensors["pooler.dense.weight"] == nil)
    var worst = 0.0
    for (name, shape) in linears {
      let tensor = try #require(result.tensors[name])
      #expect(tensor.shape == shape && tensor.dtype == .float32, "\(name)")
      let width = shape[1]
      let row = Array(tensor.values[0..<width])
      #expect(stride(from: 0, to: tensor.count, by: width).allSatisfy { tensor.values[$0..<($0 + width)].elementsEqual(row) }, "\(name)")
      let expected = try reference.tensor(named: name).values
      #expect(expected.count == width)
      for (got, want) in zip(row, expected) { worst = max(worst, Double(abs(got - want) / want)) }
    }
    #expect(worst < 1e-4, "largest relative difference to PyTorch: \(worst)")
  }

  @Test("bitwise identical for 1 and 2 threads; metadata hashes agree with sha256sum")
  func threadsAndMetadata() throws {
    try RealModelEmbeddingJobTests.requireModel()
    let encoder = try SentenceEncoder(modelDirectory: Self.modelDirectory)
    var calibration = ActivationCalibration(modelDirectory: Self.modelDirectory, corpus: Self.calibrationCorpus, maxSentences: 48,
                                            batchSize: 16, threads: 1)
    let one = try calibration.run(encoder: encoder)
    calibration.threads = 2
    let two = try calibration.run(encoder: encoder)
    #expect(one.contentSHA256 == two.contentSHA256 && one.metadata == two.metadata)
    let sentences = Array(try SentenceCorpus.read(Self.calibrationCorpus).prefix(48))
    let meta = one.metadata
    #expect(meta.sentences == 48 && meta.maxSentences == 48 && meta.batchSize == 16)
    #expect(meta.tokens == encoder.tokenize(sentences).reduce(0) { $0 + $1.count })
    let corpusHash = try Self.sha256sum(Self.calibrationCorpus)
    #expect(meta.corpusFile == "calibration.txt" && meta.corpusSHA256 == corpusHash)
    #expect(meta.model == "minilm" && meta.kind == .activation && meta.blasCore == encoder.blas.coreName)
    #expect(Set(meta.modelFiles.keys) == Set(ActivationCalibration.modelFiles))
    for (file, hash) in meta.modelFiles {
      let independent = try Self.sha256sum(Self.modelDirectory.appendingPathComponent(file))
      #expect(hash == independent, "\(file)")
    }
    // The values are the float64 means of the moments, rounded once.
    let moments = encoder.linearInputMoments(sentences, batchSize: 16, threads: 2)
    let name = "encoder.layer.5.output.dense.weight"
    let means = try #require(moments.meanSquares(for: name)).map(Float.init)
    #expect(one.tensors[name]?.values.prefix(1536).elementsEqual(means) == true)
    #expect(meta.sensitivitiesSHA256 == one.contentSHA256)
  }

  @Test("weighted exact k-means with the sensitivities never has a larger weighted error than plain k-means")
  func palettizerUsesThem() throws {
    try RealModelEmbeddingJobTests.requireModel()
    let encoder = try SentenceEncoder(modelDirectory: Self.modelDirectory)
    let calibration = ActivationCalibration(modelDirectory: Self.modelDirectory, corpus: Self.calibrationCorpus, maxSentences: 32)
    let sensitivities = try calibration.run(encoder: encoder)
    let names = ["encoder.layer.0.attention.self.query.weight", "encoder.layer.5.output.dense.weight"]
    let weights = try Model(tensors: names.compactMap { name in encoder.model.parameters[name].map { (name, $0) } })
    let config = try KMeansPalettizerConfig.load(yaml: """
      kmeans_palettization_config:
        global_config:
          enable_fast_kmeans_mode: false
          op_state_spec: {weight: {n_bits: 2}}
      """)
    let palettizer = try KMeansPalettizer(model: weights, config: config)
    let plain = try palettizer.prepare(seed: 0)
    let weighted = try palettizer.prepare(seed: 0, sensitivities: sensitivities.model())
    #expect(plain.palettized.count == 2 && weighted.palettized.count == 2)
    for ((name, a), (_, b)) in zip(plain.palettized, weighted.palettized) {
      let w = try weights.tensor(named: name).values, s = try #require(sensitivities.tensors[name]).values
      func error(_ r: PalettizedTensor) -> Double {
        zip(zip(w, r.reconstruct().values), s).reduce(0.0) { $0 + Double($1.1) * Double($1.0.0 - $1.0.1) * Double($1.0.0 - $1.0.1) }
      }
      #expect(error(b) <= error(a) * (1 + 1e-9), "\(name): weighted \(error(b)) vs plain \(error(a))")
      #expect(a.indices != b.indices, "\(name): the sensitivities changed nothing")
    }
  }

  @Test("harness calibrate end to end: the file the library computes; one-line errors and exit 2 for bad input")
  func commandLine() throws {
    try RealModelEmbeddingJobTests.requireModel()
    let harness = try harnessExecutable()
    try CalibrationTests.withFolder { folder in
      func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = harness
        process.arguments = ["calibrate"] + arguments
        let stderr = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr
        try process.run()
        let text = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
      }
      let output = folder.appendingPathComponent("s.safetensors")
      let base = ["--model", Self.modelDirectory.path, "--corpus", Self.calibrationCorpus.path]
      let ok = try run(base + ["--output", output.path, "--max-sentences", "8", "--threads", "2", "--batch-size", "4"])
      #expect(ok.status == 0, "\(ok.stderr)")
      #expect(ok.stderr.hasPrefix("calibrate: 8 sentences, ") && ok.stderr.hasSuffix(
        " tokens, 36 Linear weights -> \(output.path); not written (no input): pooler.dense.weight\n"), "\(ok.stderr)")
      let written = try ActivationSensitivities.load(output)
      let library = try ActivationCalibration(modelDirectory: Self.modelDirectory, corpus: Self.calibrationCorpus, maxSentences: 8,
                                              batchSize: 4).run()
      #expect(written.contentSHA256 == library.contentSHA256 && written.metadata == library.metadata)

      let missing = folder.appendingPathComponent("none.txt")
      let errors: [([String], String)] = [
        (["--model", Self.modelDirectory.path, "--corpus", missing.path, "--output", output.path],
         "error: \(missing.path): cannot read the corpus file (missing or unreadable)\n"),
        (base + ["--output", output.path, "--kind", "fisher"],
         "error: \(Self.modelDirectory.path): --kind fisher is not computed by harness calibrate: "),
        (base + ["--output", folder.appendingPathComponent("no/s.safetensors").path],
         "error: \(folder.appendingPathComponent("no/s.safetensors").path)"),
      ]
      for (arguments, prefix) in errors {
        let failed = try run(arguments)
        #expect(failed.status == 2 && failed.stderr.hasPrefix(prefix), "\(arguments): \(failed.stderr)")
        #expect(failed.stderr.split(separator: "\n").count == 1, "\(failed.stderr)")
      }
      let usage = try run(base + ["--output", output.path, "--max-sentences", "0"])
      #expect(usage.status != 0 && usage.stderr.contains("--max-sentences must be at least 1"))
      #expect(try ActivationSensitivities.load(output).contentSHA256 == library.contentSHA256)  // failures left it alone
    }
  }
}
