import ArgumentParser
import Foundation

/// Flags shared by `harness embed`, `harness evaluate` and `harness calibrate`.
struct EncoderOptions: ParsableArguments {
  @Option(help: ArgumentHelp("A sentence-transformers model directory (fetched by scripts/setup).", valueName: "models/minilm"))
  var model: String

  @Option(help: ArgumentHelp("Sentences, one per line (blank lines ignored).", valueName: "S.txt"))
  var corpus: String

  @Option(help: "Threads (OpenBLAS and the encoder's own); results are identical for any count.")
  var threads: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(help: "Sentences per batch (sorted by length first, as sentence-transformers does).")
  var batchSize: Int = 64

  func validate() throws {
    guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
  }
}
