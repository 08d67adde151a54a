import ArgumentParser
import PaletteHarness

@main
struct Harness: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "harness",
    abstract: "PaletteLab research harness: reproducible k-means palettization sweeps.",
    version: HarnessVersion.current)
}
