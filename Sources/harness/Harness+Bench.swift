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
          harness bench --sparse-model models/minilm/model.safetensors
          harness bench --scale /tmp/llama-1b --workers 2 --repetitions 3
          harness bench --lm-head-rows 128256 --large
          harness bench --calibration models/minilm --threads 2
          harness bench --vector-kernels --model models/minilm/model.safetensors --workers 2
        """)

    @Flag(help: "Single-tensor engine figures (1536x384 Laplace).")
    var engine = false

    @Flag(help: "Also the 4096x4096 exact 8-bit case (several seconds, ~1 GiB).")
    var large = false

    @Flag(help: "Vector k-means: the previous and the current kernel side by side (with --model: also that model).")
    var vectorKernels = false

    @Option(help: ArgumentHelp("Whole-model figures on this safetensors model.", valueName: "M.safetensors"))
    var model: String?

    @Option(help: ArgumentHelp("Joint sparse vs dense palettization of this model at 50% sparsity.", valueName: "M.safetensors"))
    var sparseModel: String?

    @Option(help: "Workers for the whole-model figures; thread budget for --units.")
    var workers: Int = 2

    @Option(help: ArgumentHelp("Harness overhead of one grid point of this experiment.", valueName: "E.json"))
    var experiment: String?

    @Option(help: "Grid point for --experiment (default: the first).")
    var configID: String?

    @Option(help: ArgumentHelp("A whole sweep of this experiment as chunked work units vs one unit per run.", valueName: "E.json"))
    var units: String?

    @OptionGroup var encoderOptions: EncoderBenchOptions

    @Option(help: ArgumentHelp("Large-model figures on this sharded checkpoint (see harness synth).", valueName: "DIR"))
    var scale: String?

    @Flag(help: "With --scale: also 4-bit cluster_dim 2 (about 10 CPU minutes per billion parameters).")
    var vector = false

    @Option(help: ArgumentHelp("Working memory of a bf16 ROWSx4096 lm_head at 8-bit exact mode (and of fp32 32000x4096 with --large).", valueName: "ROWS"))
    var lmHeadRows: Int?

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
        let all = !engine && !vectorKernels && model == nil && experiment == nil && units == nil
          && encoderOptions.encoder == nil && sparseModel == nil && scale == nil && lmHeadRows == nil
          && calibrationOptions.calibration == nil
        if engine || all || (large && lmHeadRows == nil) { _ = try bench.engine(large: large) }
        if let scale { _ = try bench.scale(fileURL(scale), workers: workers, vector: vector) }
        if let lmHeadRows { _ = try bench.largeTensors(bf16Rows: lmHeadRows, fp32: large) }
        if vectorKernels {
          let differing = try bench.vector(model: model.map(fileURL), workers: workers).filter { !$0.identical }
          if !differing.isEmpty {
            printError("error: the kernels disagree on \(differing.map(\.name).joined(separator: ", "))")
            throw ExitCode(1)
          }
        } else if let model {
          _ = try bench.model(fileURL(model), workers: workers)
        }
        if let experiment { _ = try bench.sweepPoint(fileURL(experiment), configID: configID) }
        if let units { _ = try bench.sweepUnits(fileURL(units), threads: workers) }
        if let settings = encoderOptions.settings { _ = try bench.encoder(settings, torchScript: encoderOptions.torchBaseline) }
        if let sparseModel { _ = try bench.sparse(fileURL(sparseModel), workers: workers) }
        if let settings = calibrationOptions.settings(threads: encoderOptions.threads, batchSize: encoderOptions.batchSize) {
          _ = try bench.calibration(settings)
        }
      }
    }
  }
}
