import ArgumentParser
import Foundation
import Palettization
import PaletteHarness

extension Harness {
  struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write a LLaMA-shaped sharded checkpoint of generated weights (no download needed).",
      discussion: """
        Writes DIR/model.safetensors.index.json, the shards
        DIR/model-0000i-of-0000N.safetensors and DIR/model.modules.json.
        Weights are Student's t (6 degrees of freedom, sd 0.02) with a few outlier
        input channels, drawn with GSL: byte-identical for a seed. Presets: tiny
        (0.1 M parameters, tied embeddings), llama-1b (TinyLlama-1.1B's shape),
        llama-7b-layer (one LLaMA-7B layer with its embedding and head). Memory:
        one tensor per worker.

        Example:
          harness synth --preset llama-1b --dtype bf16 --shards 3 \\
            --output /tmp/llama-1b --seed 0
          harness palettize --model /tmp/llama-1b --config w4.yaml --workers 2
        """)

    enum Preset: String, ExpressibleByArgument, CaseIterable {
      case tiny
      case llama1B = "llama-1b"
      case llama7BLayer = "llama-7b-layer"
    }

    enum DType: String, ExpressibleByArgument, CaseIterable {
      case bf16, fp16, fp32
      var weightDType: WeightDType {
        switch self {
        case .bf16: return .bfloat16
        case .fp16: return .float16
        case .fp32: return .float32
        }
      }
    }

    @Option(help: "Model shape.")
    var preset: Preset

    @Option(help: "Storage dtype.")
    var dtype: DType = .bf16

    @Option(help: "Number of shard files.")
    var shards: Int = 1

    @Option(help: ArgumentHelp("Folder to write (created if needed).", valueName: "DIR"))
    var output: String

    @Option(help: "Seed of every tensor's GSL generator.")
    var seed: UInt64 = 0

    @Option(help: "GSL generator type.")
    var rng: String = "mt19937"

    @Option(help: "Tensors generated at once (the files do not depend on it).")
    var workers: Int = 1

    @Flag(inversion: .prefixedNo, help: "Tie lm_head to the embedding (default: as the preset).")
    var tieEmbeddings: Bool?

    func validate() throws {
      guard shards >= 1 else { throw ValidationError("--shards must be at least 1") }
      guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
    }

    func run() throws {
      try reportingErrors {
        guard var shape = SynthPreset.named(preset.rawValue) else { throw ValidationError("unknown preset \(preset.rawValue)") }
        if let tieEmbeddings { shape.tieEmbeddings = tieEmbeddings }
        let synthesizer = CheckpointSynthesizer(
          preset: shape, dtype: dtype.weightDType, shards: shards, seed: seed, generator: rng)
        let written = try synthesizer.write(to: fileURL(output), workers: workers, log: printError)
        printError("wrote \(written.files.index?.path ?? output): \(written.parameters) parameters, \(written.bytes) bytes in \(written.files.shards.count) shard(s); modules: \(written.modules.path)")
      }
    }
  }
}
