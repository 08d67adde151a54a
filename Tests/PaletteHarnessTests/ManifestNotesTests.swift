import Foundation
import Synchronization
import Testing
@testable import PaletteHarness
@testable import Palettization

/// What `harness inspect` and `harness palettize` tell the user about a manifest-described model
/// (as `scripts/export_torch_model.py` writes them) and about a sensitivities file: found by
/// running the exporter on a real PyTorch module.
@Suite("Notes on module manifests and sensitivities files")
struct ManifestNotesTests {
  /// A MultiheadAttention without separate q/k/v projections, a bias-free Linear, a PReLU (a
  /// standard type the op registry does not know) listed without ops, and a custom block.
  static func model() throws -> Model {
    func t(_ shape: [Int], _ seed: Int) throws -> Tensor {
      Tensor(shape: shape, values: Self.values(shape.reduce(1, *), seed: seed))
    }
    return try Model(
      tensors: [
        ("attn.in_proj_weight", try t([12, 4], 1)), ("attn.in_proj_bias", try t([12], 2)),
        ("head.weight", try t([16, 4], 3)), ("act.weight", try t([4], 4)), ("blk.w", try t([4, 4], 5)),
      ],
      modules: [
        .init(name: "", type: "mypkg.Net", ops: []),
        .init(name: "attn", type: "torch.nn.modules.activation.MultiheadAttention"),
        .init(name: "head", type: "torch.nn.modules.linear.Linear"),
        .init(name: "act", type: "torch.nn.modules.activation.PReLU"),
        .init(name: "blk", type: "mypkg.Block", ops: [
          OpInfo(name: "linear", type: "linear", states: ["w"]),
          OpInfo(name: "linear_1", type: "linear", states: []),
        ]),
      ])
  }

  /// `n` distinct values in (−1, 1).
  static func values(_ n: Int, seed: Int) -> [Float] { (0..<n).map { Float(sin(Double(7 * $0 + seed))) } }

  @Test("inspect lists only the states a module has, and heads manifest notes as such")
  func inspectText() throws {
    let text = try ModelInspector.render(Self.model(), config: nil)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines.contains("    op multi_head_attention_forward: multi_head_attention_forward on in_proj_weight, in_proj_bias"))
    #expect(lines.contains("    op linear: linear on weight"))
    #expect(lines.contains("    op linear_1: linear on no state of its own"))
    #expect(lines.contains("Notes on the module manifest:"))
    #expect(!text.contains("Inferred (no module manifest)"))
    #expect(lines.contains(
      "  module \"act\" has type torch.nn.modules.activation.PReLU, which the op registry does not know, "
        + "and no 'ops' in the manifest: its tensors are reached only through module_state_spec"))
    // A module listed with "ops": [] is known to run none: no note for the root.
    #expect(!text.contains("module \"\" has type"))
  }

  @Test("without a manifest the notes keep their 'Inferred' heading")
  func inferredHeading() throws {
    let model = try Model(tensors: [("enc.weight", Tensor(shape: [2, 2], values: [1, 2, 3, 4]))])
    #expect(try ModelInspector.render(model, config: nil).contains("Inferred (no module manifest):\n  module \"enc\": inferred"))
  }

  @Test("palettize notes the selected tensors a sensitivities file does not cover")
  func missingSensitivities() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("palettelab-notes-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let modelURL = folder.appendingPathComponent("m.safetensors")
    let sensitivitiesURL = folder.appendingPathComponent("s.safetensors")
    let weight = Tensor(shape: [4, 4], values: Self.values(16, seed: 9))
    try SafeTensorsWriter(entries: [
      SafeTensorsEntry(name: "a.weight", tensor: weight), SafeTensorsEntry(name: "b.weight", tensor: weight),
      SafeTensorsEntry(name: "c.weight", tensor: weight),
    ]).write(to: modelURL)
    try SafeTensorsWriter(entries: [
      SafeTensorsEntry(name: "b.weight", tensor: Tensor(shape: [4, 4], values: [Float](repeating: 1, count: 16))),
    ]).write(to: sensitivitiesURL)
    let log = Mutex<[String]>([])
    try ModelPalettization(model: modelURL, seed: 0, sensitivities: sensitivitiesURL).run { line in
      log.withLock { $0.append(line) }
    }
    let notes = log.withLock { $0 }.filter { $0.contains("no entry") }
    #expect(notes == ["note: \(sensitivitiesURL.path) has no entry for 2 selected tensor(s), clustered unweighted: a.weight, c.weight"])
  }
}
