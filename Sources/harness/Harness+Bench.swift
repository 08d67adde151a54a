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
          harness bench --vector --model models/minilm/model.safetensors --workers 2
        """)

    @Flag(help: "Single-tensor engine figures (1536x384 Laplace).")
    var engine = false

    @Flag(help: "Also the 4096x4096 exact 8-bit case (several seconds, ~1 GiB).")
    var large = false

    @Flag(help: "Vector k-means: the previous and the current kernel side by side (with --model: also that model).")
    var vector = false

    @Option(help: ArgumentHelp("Whole-model figures on this safetensors model.", valueName: "M.safetensors"))
    var model: String?

    @Option(help: "Workers for the whole-model figures.")
    var workers: Int = 2

    @Option(help: ArgumentHelp("Harness overhead of one grid point of this experiment.", valueName: "E.json"))
    var experiment: String?

    @Option(help: "Grid point for --experiment (default: the first).")
    var configID: String?

    @Option(help: "Repetitions per figure (best is reported).")
    var repetitions: Int = 3

    func validate() throws {
      guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
      guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
    }

    func run() throws {
      try reportingErrors {
        let bench = Benchmarks(repetitions: repetitions, log: { print($0) })
        let all = !engine && !vector && model == nil && experiment == nil
        if engine || all || large { _ = try bench.engine(large: large) }
        if vector {
          let differing = try bench.vector(model: model.map(fileURL), workers: workers).filter { !$0.identical }
          if !differing.isEmpty {
            printError("error: the kernels disagree on \(differing.map(\.name).joined(separator: ", "))")
            throw ExitCode(1)
          }
        } else if let model {
          _ = try bench.model(fileURL(model), workers: workers)
        }
        if let experiment { _ = try bench.sweepPoint(fileURL(experiment), configID: configID) }
      }
    }
  }
}
