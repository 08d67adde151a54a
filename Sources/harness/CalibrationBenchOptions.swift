import ArgumentParser
import PaletteHarness

/// `harness bench --calibration` flags: activation calibration against one evaluation pass.
/// Threads and batch size are `--threads` and `--batch-size` of ``EncoderBenchOptions``.
struct CalibrationBenchOptions: ParsableArguments {
  @Option(help: ArgumentHelp("Activation calibration on this model directory, against one evaluation pass (encode).", valueName: "models/minilm"))
  var calibration: String?

  @Option(help: ArgumentHelp("Sentences for --calibration (the first --calibration-sentences lines).", valueName: "S.txt"))
  var calibrationCorpus: String = "experiments/corpus/calibration.txt"

  @Option(help: "Sentences for --calibration.")
  var calibrationSentences: Int = 256

  func validate() throws {
    guard calibrationSentences >= 1 else { throw ValidationError("--calibration-sentences must be at least 1") }
  }

  /// The benchmark settings, or `nil` without `--calibration`.
  func settings(threads: Int, batchSize: Int) -> Benchmarks.EncoderPass? {
    calibration.map {
      Benchmarks.EncoderPass(
        modelDirectory: fileURL($0), corpus: fileURL(calibrationCorpus), sentences: calibrationSentences,
        threads: threads, batchSize: batchSize)
    }
  }
}
