import ArgumentParser
import Foundation
import PaletteHarness

extension Harness {
  struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Performance figures, each as a ratio to a baseline measured in the same run.",
      discussion: """
        Build release first: swift run -c release harness bench. Times are best of --repetitions;
        CPU/wall shows parallel use of the cores.

        Example:
          harness bench --engine --large --model models/minilm/model.safetensors --workers 2
          harness bench --experiment experiments/w4.json --config-id g1-p5
          harness bench --units experiments/synthetic.json --workers 2 --repetitions 1
          harness bench --encoder models/minilm --corpus experiments/corpus/eval.txt
          harness bench --calibration models/minilm --threads 2
        """)

    @Flag(help: "Single-tensor engine figures (1536x384 Laplace).")
    var engine = false

    @Flag(help: "Also the 4096x4096 exact 8-bit case (several seconds, ~1 GiB).")
    var large = false

    @Option(help: ArgumentHelp("Whole-model figures on this safetensors model.", valueName: "M.safetensors"))
    var model: String?

    @Option(help: "Workers for the whole-model figures; thread budget for --units.")
    var workers: Int = 2

    @Option(help: ArgumentHelp("Harness overhead of one grid point of this experiment.", valueName: "E.json"))
    var experiment: String?

    @Option(help: "Grid point for --experiment (default: the first).")
    var configID: String?

    @Option(help: ArgumentHelp("A whole sweep of this experiment as chunked work units vs one unit per run.", valueName: "E.json"))
    var units: String?

    @OptionGroup var encoderOptions: EncoderBenchOptions

    @OptionGroup var calibrationOptions: CalibrationBenchOptions

    @Option(help: "Repetitions per figure (best is reported).")
    var repetitions: Int = 3

    func validate() throws {
      guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
      guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
    }

    func run() throws {
      try reportingErrors {
        let bench = Benchmarks(repetitions: repetitions, log: { print($0) })
        let all = !engine && model == nil && experiment == nil && units == nil && encoderOptions.encoder == nil
          && calibrationOptions.calibration == nil
        if engine || all || large { _ = try bench.engine(large: large) }
        if let model { _ = try bench.model(fileURL(model), workers: workers) }
        if let experiment { _ = try bench.sweepPoint(fileURL(experiment), configID: configID) }
        if let units { _ = try bench.sweepUnits(fileURL(units), threads: workers) }
        if let settings = encoderOptions.settings { _ = try bench.encoder(settings) }
        if let settings = calibrationOptions.settings(threads: encoderOptions.threads, batchSize: encoderOptions.batchSize) {
          _ = try bench.calibration(settings)
        }
      }
    }
  }
}
