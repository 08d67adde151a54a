import ArgumentParser
import PaletteHarness

extension Harness {
  struct Reproduce: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Re-run a sweep from its manifest and check every result bit for bit.",
      discussion: """
        Prints one line per run: `match`, or `MISMATCH` with the tensor and hash that differ. Also
        re-hashes the input model and the results CSV on disk. Exit status: 0 all match,
        1 any mismatch, 2 unusable manifest or inputs.

        Example:
          harness reproduce results/w4.manifest.json
        """)

    @Argument(help: ArgumentHelp("The run manifest.", valueName: "R.manifest.json"))
    var manifest: String

    @Flag(help: "No progress on stderr.")
    var quiet = false

    func run() throws {
      let report = try reportingErrors {
        try Reproducer(manifestURL: fileURL(manifest), log: quiet ? nil : printError).run()
      }
      for line in report.lines { print(line) }
      if report.mismatches > 0 {
        printError("\(report.mismatches) mismatch(es), \(report.matched) match(es)")
        throw ExitCode(1)
      }
    }
  }
}
