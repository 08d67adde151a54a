// swift-tools-version:6.0
//
// PaletteLab: k-means palettization of neural-network weights, and a
// reproducibility-focused research harness around it.

import PackageDescription

/// The engine's hot loops (dynamic programming, Lloyd iterations, histogram
/// passes) run 20-50x slower unoptimised; `swift run harness sweep` in the
/// default debug configuration must still finish, so the engine is always
/// built with `-O`. A root package may use `unsafeFlags`.
let alwaysOptimised: [SwiftSetting] = [.unsafeFlags(["-O"])]

let package = Package(
  name: "PaletteLab",
  products: [
    .library(name: "Palettization", targets: ["Palettization"]),
    .library(name: "Encoder", targets: ["Encoder"]),
    .library(name: "PaletteHarness", targets: ["PaletteHarness"]),
    .executable(name: "harness", targets: ["harness"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
  ],
  targets: [
    // MARK: - Public libraries

    .target(
      name: "Palettization",
      dependencies: [
        "CGSL",
        .product(name: "Yams", package: "Yams"),
      ],
      swiftSettings: alwaysOptimised
    ),
    .target(
      name: "Encoder",
      dependencies: ["Palettization", "CBLAS"],
      swiftSettings: alwaysOptimised
    ),
    .target(
      name: "PaletteHarness",
      dependencies: [
        "Palettization",
        "Encoder",
        "CGSL",
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      swiftSettings: alwaysOptimised
    ),

    // MARK: - System library

    .systemLibrary(
      name: "CGSL",
      pkgConfig: "gsl",
      providers: [.apt(["libgsl-dev"])]
    ),
    .systemLibrary(
      name: "CBLAS",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"])]
    ),

    // MARK: - Executable

    .executableTarget(
      name: "harness",
      dependencies: [
        "PaletteHarness",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // MARK: - Tests

    .testTarget(
      name: "PalettizationTests",
      dependencies: ["Palettization", "CGSL"]
    ),
    .testTarget(
      name: "EncoderTests",
      dependencies: ["Encoder", "Palettization"],
      exclude: ["Resources"]
    ),
    .testTarget(
      name: "PaletteHarnessTests",
      dependencies: ["PaletteHarness", "Palettization", "Encoder"]
    ),
  ]
)
