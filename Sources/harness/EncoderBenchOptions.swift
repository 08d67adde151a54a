import ArgumentParser
import Foundation
import PaletteHarness

/// `harness bench --encoder` flags: Swift encoder throughput against PyTorch in the same run.
struct EncoderBenchOptions: ParsableArguments {
  @Option(help: ArgumentHelp("Encoder throughput on this sentence-transformers model directory, against PyTorch.", valueName: "models/minilm"))
  var encoder: String?

  @Option(help: ArgumentHelp("Sentences for --encoder (the first --sentences lines).", valueName: "S.txt"))
  var corpus: String = "experiments/corpus/eval.txt"

  @Option(help: "Sentences for --encoder.")
  var sentences: Int = 512

  @Option(help: "Threads for --encoder (Swift and PyTorch alike) and --calibration.")
  var threads: Int = 2

  @Option(help: "Batch size for --encoder and --calibration.")
  var batchSize: Int = 64

  @Option(help: ArgumentHelp("PyTorch baseline script for --encoder; 'none' skips it.", valueName: "script.py"))
  var torchScript: String = "scripts/bench_torch_encoder.py"

  func validate() throws {
    guard sentences >= 1, threads >= 1, batchSize >= 1 else {
      throw ValidationError("--sentences, --threads and --batch-size must be at least 1")
    }
  }

  /// The benchmark settings, or `nil` without `--encoder`.
  var settings: Benchmarks.EncoderPass? {
    encoder.map {
      Benchmarks.EncoderPass(
        modelDirectory: fileURL($0), corpus: fileURL(corpus), sentences: sentences, threads: threads, batchSize: batchSize)
    }
  }

  /// The PyTorch baseline script, `nil` for 'none'.
  var torchBaseline: URL? { torchScript == "none" ? nil : fileURL(torchScript) }
}
