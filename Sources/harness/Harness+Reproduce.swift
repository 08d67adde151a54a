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

        A sweep with model-output evaluation is re-evaluated too: its values (output_snr_db,
        mean_cosine, min_cosine, neighbour_agreement) are compared bit for bit when the manifest
        recorded the same OpenBLAS core and build as this machine's, else within tolerances
        measured across OpenBLAS cores; each run's line says which. The summary CSV and the
        output_snr_db cells on disk must hold the recorded values.

        A sweep with activation calibration re-computes the sensitivities: on the recorded
        OpenBLAS core and build they must hash to the recorded ones; elsewhere they must lie
        within 1e-4 relative of the values kept in <name>.calibration.safetensors, and the runs
        are re-run with those kept values so that their results are still compared bit for bit.

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
