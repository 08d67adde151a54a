import ArgumentParser
import Foundation
import PaletteHarness

@main
struct Harness: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "harness",
    abstract: "PaletteLab research harness: reproducible k-means palettization sweeps.",
    discussion: """
      Runs the PaletteLab engine over models and grids of palettization configs with explicitly
      seeded GSL generators, logs per-tensor inertia and SNR to CSV, and re-checks results bit
      for bit from a run manifest.

      Example:
        harness sweep experiments/w4.json
        harness reproduce results/w4.manifest.json
        harness plot results/w4.csv -o results/w4.svg
      """,
    version: HarnessVersion.current,
    subcommands: [
      Palettize.self, Sweep.self, Reproduce.self, Merge.self, Slurm.self, Plot.self, Inspect.self, Embed.self,
      Evaluate.self, Calibrate.self, Synth.self, Bench.self,
    ])
}

/// Prints `message` to stderr.
@Sendable func printError(_ message: String) {
  FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Runs `body`; any error becomes one line on stderr and exit code 2 (unusable input).
func reportingErrors<R>(_ body: () throws -> R) throws -> R {
  do {
    return try body()
  } catch let exit as ExitCode {
    throw exit
  } catch {
    printError("error: \((error as? LocalizedError)?.errorDescription ?? String(describing: error))")
    throw ExitCode(2)
  }
}

/// A file path argument as a URL relative to the working directory.
func fileURL(_ path: String) -> URL {
  URL(fileURLWithPath: path).standardizedFileURL
}
