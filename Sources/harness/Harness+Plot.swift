import ArgumentParser
import Foundation
import PaletteHarness

extension Harness {
  struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Render a results CSV as a self-contained SVG: SNR vs bits per weight, per-tensor SNR.",
      discussion: """
        No network and no Python needed. SVG only (PNG would need a rasteriser; convert with
        e.g. rsvg-convert).

        Example:
          harness plot results/w4.csv -o results/w4.svg --config-id g1-p3
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case svg }

    @Argument(help: ArgumentHelp("A results CSV written by sweep or palettize.", valueName: "R.csv"))
    var results: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Output file (default: R.svg beside the CSV).", valueName: "OUT.svg"))
    var output: String?

    @Option(help: "Grid point whose per-tensor SNR bars are drawn (default: the first).")
    var configID: String?

    @Option(help: "Output format.")
    var format: Format = .svg

    func run() throws {
      try reportingErrors {
        let csv = fileURL(results)
        let svg = try SweepPlot.render(csvAt: csv, configID: configID)
        let out = output.map(fileURL) ?? SweepPlot.defaultOutputURL(forResults: csv)
        try AtomicFile.write(Data(svg.utf8), to: out)
        printError("wrote \(out.path)")
      }
    }
  }
}
