import Foundation
import Palettization
import Testing
@testable import PaletteHarness

/// The sensitivities file of `harness calibrate`: layout, metadata, hash, and the errors of
/// files that are not (or no longer) what calibrate wrote. No model needed.
@Suite("Activation calibration: file, metadata, errors")
struct CalibrationTests {
  /// Two Linear weights' sensitivities, every row equal, with metadata as calibrate writes it.
  static func sample() -> ActivationSensitivities {
    let q = Tensor(shape: [3, 4], values: Array(repeating: [0.5, 2, 0, 1e-30], count: 3).flatMap { $0 })
    let o = Tensor(shape: [2, 3], values: Array(repeating: [4, 0.25, 3], count: 2).flatMap { $0 })
    var s = ActivationSensitivities(
      tensors: ["l.1.out.weight": o, "l.0.q.weight": q],
      metadata: CalibrationMetadata(
        format: CalibrationMetadata.currentFormat, kind: .activation, corpusFile: "calibration.txt",
        corpusSHA256: String(repeating: "a", count: 64), maxSentences: nil, sentences: 3, tokens: 17, batchSize: 64,
        model: "tiny", modelFiles: ["config.json": String(repeating: "b", count: 64)], blasCore: "Haswell",
        notWritten: ["pooler.dense.weight"], sensitivitiesSHA256: "", harnessVersion: HarnessVersion.current))
    s.metadata.sensitivitiesSHA256 = s.contentSHA256
    return s
  }

  static func withFolder<R>(_ body: (URL) throws -> R) throws -> R {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("palettelab-calibration-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try body(folder)
  }

  @Test("write then load: the same tensors (F32, the weights' shapes) and metadata; the JSON sits under one key")
  func roundTrip() throws {
    try Self.withFolder { folder in
      let url = folder.appendingPathComponent("s.safetensors")
      let sample = Self.sample()
      try sample.write(to: url)
      let loaded = try ActivationSensitivities.load(url)
      #expect(loaded.tensors == sample.tensors)
      #expect(loaded.metadata == sample.metadata)
      let file = try SafeTensorsFile(contentsOf: url)
      #expect(file.tensorNames == ["l.0.q.weight", "l.1.out.weight"])
      #expect(file.tensorInfos.allSatisfy { $0.dtype == .float32 })
      #expect(Array(file.metadata.keys) == [CalibrationMetadata.key])
      let json = try #require(file.metadata[CalibrationMetadata.key])
      #expect(json.hasPrefix(#"{"batch_size":64,"blas_core":"Haswell","corpus_file":"calibration.txt","#))
      #expect(json.contains(#""kind":"activation""#) && !json.contains("max_sentences")
              && json.contains(#""not_written":["pooler.dense.weight"]"#) && json.contains(#""tokens":17"#))
      // What `harness palettize --sensitivities` reads: the same values by name.
      let model = try Model.load(safetensors: url)
      #expect(try model.tensor(named: "l.0.q.weight") == sample.tensors["l.0.q.weight"])
    }
  }

  @Test("model(): every tensor by name in sorted order, the form KMeansPalettizer.prepare takes")
  func inMemoryModel() throws {
    let sample = Self.sample()
    let model = try sample.model()
    #expect(model.tensorNames == ["l.0.q.weight", "l.1.out.weight"])
    for name in model.tensorNames { #expect(try model.tensor(named: name) == sample.tensors[name]) }
  }

  @Test("the content hash: same for equal tensors, different after one ulp or a reshape")
  func contentHash() {
    let sample = Self.sample()
    var copy = sample
    copy.tensors = Dictionary(uniqueKeysWithValues: sample.tensors.reversed())
    #expect(copy.contentSHA256 == sample.contentSHA256)
    copy.tensors["l.0.q.weight"]?.values[5] = Float(2).nextUp
    #expect(copy.contentSHA256 != sample.contentSHA256)
    copy = sample
    copy.tensors["l.0.q.weight"]?.shape = [4, 3]
    #expect(copy.contentSHA256 != sample.contentSHA256)
    #expect(sample.contentSHA256.count == 64)
  }

  /// A way to spoil a written file, and the problem its load reports.
  struct Damage: Sendable, CustomStringConvertible {
    var description: String
    var metadata: [String: String]?
    var changeTensor = false
    var problem: String
  }

  static let damages: [Damage] = {
    let good = sample().metadata
    var other = good
    other.format = "palettelab.calibration/2"
    let key = CalibrationMetadata.key
    let hash = good.sensitivitiesSHA256
    return [
      Damage(description: "no metadata", metadata: [:],
             problem: "has no __metadata__ entry 'palettelab.calibration'; it was not written by harness calibrate"),
      Damage(description: "Fisher metadata only", metadata: ["palettelab.fisher": "{}"],
             problem: "has no __metadata__ entry 'palettelab.calibration'; it was not written by harness calibrate"),
      Damage(description: "not JSON", metadata: [key: "{"],
             problem: "__metadata__ 'palettelab.calibration' is not valid calibration metadata: The given data was not valid JSON."),
      Damage(description: "a key missing", metadata: [key: good.json().replacingOccurrences(of: #","tokens":17"#, with: "")],
             problem: "__metadata__ 'palettelab.calibration' is not valid calibration metadata: missing key 'tokens'"),
      Damage(description: "an unknown kind", metadata: [key: good.json().replacingOccurrences(of: #""activation""#, with: #""hessian""#)],
             problem: "__metadata__ 'palettelab.calibration' is not valid calibration metadata: 'kind': Cannot initialize SensitivityKind from invalid String value hessian"),
      Damage(description: "another format", metadata: [key: other.json()],
             problem: "__metadata__ 'palettelab.calibration' has format 'palettelab.calibration/2', expected 'palettelab.calibration/1'"),
      Damage(description: "a value changed", changeTensor: true,
             problem: "its tensors hash to \(changedHash), but its metadata records \(hash); the file was changed after harness calibrate wrote it"),
    ]
  }()

  static var changedHash: String {
    var s = sample()
    s.tensors["l.1.out.weight"]?.values[0] = 5
    return s.contentSHA256
  }

  @Test("a file calibrate did not write, or that was changed since, is an error naming it", arguments: damages)
  func damagedFiles(_ damage: Damage) throws {
    try Self.withFolder { folder in
      let url = folder.appendingPathComponent("s.safetensors")
      var sample = Self.sample()
      if damage.changeTensor { sample.tensors["l.1.out.weight"]?.values[0] = 5 }
      let entries = sample.names.compactMap { name in sample.tensors[name].map { SafeTensorsEntry(name: name, tensor: $0) } }
      try SafeTensorsWriter(entries: entries, metadata: damage.metadata ?? [CalibrationMetadata.key: Self.sample().metadata.json()])
        .write(to: url)
      let error = #expect(throws: CalibrationError.self) { _ = try ActivationSensitivities.load(url) }
      #expect(error?.description == "\(url.path): \(damage.problem)")
    }
  }

  @Test("a missing or unreadable file to load, or a write into a missing folder: errors naming the path")
  func missingFiles() throws {
    try Self.withFolder { folder in
      let missing = folder.appendingPathComponent("nope.safetensors")
      let loadError = #expect(throws: ModelError.self) { _ = try ActivationSensitivities.load(missing) }
      #expect(loadError?.description.hasPrefix(missing.path + ": ") == true)
      let target = folder.appendingPathComponent("no-such-folder/s.safetensors")
      let writeError = #expect(throws: SafeTensorsError.self) { try Self.sample().write(to: target) }
      #expect(writeError?.description.contains(target.path) == true)
      #expect(!FileManager.default.fileExists(atPath: target.path))
    }
  }

  @Test("--kind fisher is rejected with a pointer to the exporter script; activation is computed")
  func fisherKind() throws {
    let error = #expect(throws: CalibrationError.self) { try SensitivityKind.fisher.requireNative(model: "models/minilm") }
    #expect(error?.description == "models/minilm: --kind fisher is not computed by harness calibrate: a Fisher needs a PyTorch "
            + "model and its loss; run python3 scripts/export_torch_model.py MODULE:FUNCTION --fisher --calibration DATA "
            + "-o PREFIX (README: PyTorch models: export and Fisher sensitivities) and pass PREFIX.fisher.safetensors to --sensitivities")
    try SensitivityKind.activation.requireNative(model: "models/minilm")
    #expect(SensitivityKind.allCases.map(\.rawValue) == ["activation", "fisher"])
  }
}
