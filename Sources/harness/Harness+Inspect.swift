import ArgumentParser
import Foundation
import Palettization
import PaletteHarness

extension Harness {
  struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show a model's module tree, ops and tensors, and what a config would palettize.",
      discussion: """
        Module types read from a manifest are shown as they are; inferred ones are marked
        [inferred] and listed at the end.

        Example:
          harness inspect --model models/minilm/model.safetensors --config w4.yaml
        """)

    @OptionGroup var model: ModelOptions

    @Option(help: ArgumentHelp("A YAML or JSON config: show each tensor's resolved spec and why.", valueName: "C.yaml"))
    var config: String?

    func run() throws {
      try reportingErrors {
        let loaded = try Model.load(safetensors: fileURL(model.model), modules: model.modules.map(fileURL))
        let config = try config.map { try KMeansPalettizerConfig.load(contentsOf: fileURL($0)) }
        print(try ModelInspector.render(loaded, config: config), terminator: "")
      }
    }
  }
}
