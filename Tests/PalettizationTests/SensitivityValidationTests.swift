import Foundation
import Testing
@testable import Palettization

/// Sensitivities read from a file must be finite and `>= 0`: a Fisher file with a NaN (an
/// overflowed gradient) or a negative entry used to trap the clusterer's precondition and kill
/// the harness; now it is an error naming the file and the tensor.
@Suite("Sensitivities from a file: bad values are errors, not traps")
struct SensitivityValidationTests {
  /// One Linear `enc` (8×4), 1-bit exact clustering, with a sensitivities file in `folder`
  /// holding `values` for its weight (`nil`: no sensitivities).
  static func palettize(sensitivities values: [Float]?, in folder: URL) throws -> PalettizedModel {
    let weight = Tensor(shape: [8, 4], values: try gaussianValues(32, seed: 5, sigma: 0.1))
    let model = try Model(
      tensors: [("enc.weight", weight)],
      modules: [.init(name: "", type: "mypkg.Net"), .init(name: "enc", type: "torch.nn.modules.linear.Linear")])
    var sensitivities: Model?
    if let values {
      let url = folder.appendingPathComponent("s.safetensors")
      try SafeTensorsWriter(entries: [SafeTensorsEntry(name: "enc.weight", tensor: Tensor(shape: [8, 4], values: values))])
        .write(to: url)
      sensitivities = try Model.load(safetensors: url)
    }
    let config = try KMeansPalettizerConfig.load(yaml: """
      kmeans_palettization_config:
        global_config:
          enable_fast_kmeans_mode: false
          op_state_spec: {weight: {n_bits: 1}}
      """)
    return try KMeansPalettizer(model: model, config: config).prepare(seed: 0, sensitivities: sensitivities)
  }

  static func withFolder<R>(_ body: (URL) throws -> R) throws -> R {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("palettelab-sens-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try body(folder)
  }

  @Test("NaN, infinity and negative sensitivities: one error naming the file, tensor, count and first value",
        arguments: [
          (Float.nan, 1, "1 sensitivity that is negative or not finite (first: nan at flat index 3)"),
          (Float.infinity, 1, "1 sensitivity that is negative or not finite (first: inf at flat index 3)"),
          (-0.5, 2, "2 sensitivities that are negative or not finite (first: -0.5 at flat index 3)"),
        ] as [(Float, Int, String)])
  func badValues(bad: Float, copies: Int, expected: String) throws {
    try Self.withFolder { folder in
      var values = [Float](repeating: 1, count: 32)
      values[3] = bad
      if copies == 2 { values[30] = bad }
      let error = #expect(throws: ModelError.self) { _ = try Self.palettize(sensitivities: values, in: folder) }
      let path = folder.appendingPathComponent("s.safetensors").path
      #expect(error?.description == "\(path): tensor 'enc.weight' has \(expected); sensitivities must be finite and >= 0")
    }
  }

  @Test("zeros and -0.0 are valid; an all-zero block is clustered unweighted")
  func zerosAreValid() throws {
    try Self.withFolder { folder in
      var values = [Float](repeating: 0, count: 32)
      values[0] = -0.0
      let weighted = try Self.palettize(sensitivities: values, in: folder)
      let plain = try Self.palettize(sensitivities: nil, in: folder)
      #expect(weighted.palettized.count == 1)
      #expect(weighted.palettized.first?.result.lut == plain.palettized.first?.result.lut)
    }
  }

  @Test("valid sensitivities change the 1-bit palette toward the heavy elements")
  func weightsAreUsed() throws {
    try Self.withFolder { folder in
      // Element 0 alone carries almost all the weight: its value becomes a centroid exactly.
      var values = [Float](repeating: 1e-6, count: 32)
      values[0] = 1e6
      let result = try #require(try Self.palettize(sensitivities: values, in: folder).palettized.first?.result)
      let w0 = try gaussianValues(32, seed: 5, sigma: 0.1)[0]
      #expect(result.lut.contains(w0))
    }
  }
}
