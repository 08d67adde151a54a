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

        When the sweep evaluated its runs (experiment key evaluate), mean embedding cosine and
        neighbour agreement against bits per weight are drawn beside the SNR chart, from the
        summary CSV beside the results (R.summary.csv, or --summary).

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

    @Option(help: ArgumentHelp("The sweep's summary CSV, for the embedding charts (default: R.summary.csv beside R.csv, if present).", valueName: "S.csv"))
    var summary: String?

    @Option(help: "Output format.")
    var format: Format = .svg

    func run() throws {
      try reportingErrors {
        let csv = fileURL(results)
        let svg = try SweepPlot.render(csvAt: csv, summary: summary.map(fileURL), configID: configID)
        let out = output.map(fileURL) ?? SweepPlot.defaultOutputURL(forResults: csv)
        try AtomicFile.write(Data(svg.utf8), to: out)
        printError("wrote \(out.path)")
      }
    }
  }
}
