import Foundation
import Palettization

/// One experiment file: which model, which base config, which grid of spec changes, which
/// seeds, worker counts and generator, and where the results go.
///
/// The file format is JSON; see the README's "Experiment files" section for a commented
/// example. Relative paths resolve against the folder of the experiment file.
public struct Experiment: Sendable, Equatable {
  /// Names the results (`<name>.summary.csv`, `<name>.manifest.json`) and the plot title.
  public var name: String
  public var model: ModelSource
  public var config: ConfigSource
  /// The sweep: the union of these grids.
  public var grids: [SweepGrid]
  /// Run seeds; `nil` draws one from the system and records it in the manifest.
  public var seeds: [UInt64]?
  /// Worker counts to run each grid point with.
  public var workers: [Int]
  /// GSL generator type name.
  public var generator: String
  /// Per-tensor results CSV.
  public var output: URL
  /// Optional per-element sensitivity weights: a safetensors file keyed by tensor name, or a
  /// calibration computed once per sweep. Which ones a run uses is the grid key `sensitivity`
  /// (``SweepSensitivity``; without it, these).
  public var sensitivities: SensitivitiesSource?
  /// Optional model-output evaluation of every run (key `evaluate.embedding`).
  public var embeddingEvaluation: EmbeddingEvaluationSettings? = nil
  /// The experiment file itself and its bytes (recorded in the manifest).
  public var file: URL
  public var content: Data

  /// Where the model comes from.
  public enum ModelSource: Sendable, Equatable {
    /// A safetensors file, with an optional `palettelab.modules/1` manifest.
    case safetensors(URL, modules: URL?)
    /// Layers generated with GSL.
    case synthetic(SyntheticModel)
    /// A LLaMA-shaped sharded checkpoint that ``CheckpointSynthesizer`` writes into
    /// `folder` when the model is loaded (the same bytes every time), then read like any
    /// checkpoint, with an optional module manifest.
    case synthesizedCheckpoint(SynthesizedCheckpoint, modules: URL?)
  }

  /// Where the sensitivities come from (experiment key `sensitivities`).
  public enum SensitivitiesSource: Sendable, Equatable {
    /// `"sensitivities": "S.safetensors"`: a file of per-element weights keyed by tensor name.
    case file(URL)
    /// `"sensitivities": {"calibration": {…}}`: activation-aware sensitivities computed from
    /// calibration sentences once per sweep (``SweepCalibrator``).
    case calibration(ActivationCalibrationSettings)
  }

  /// Where the base config comes from.
  public enum ConfigSource: Sendable, Equatable {
    /// `default`, `w4`, `w6` or `w8`.
    case preset(String)
    /// A YAML or JSON config file.
    case file(URL)
    /// A config object written inline, as JSON text.
    case inline(String)
  }

  /// The summary CSV path: `<output folder>/<name>.summary.csv`.
  public var summaryURL: URL {
    output.deletingLastPathComponent().appendingPathComponent("\(name).summary.csv")
  }

  /// The run manifest path: `<output folder>/<name>.manifest.json`.
  public var manifestURL: URL {
    output.deletingLastPathComponent().appendingPathComponent("\(name).manifest.json")
  }

  /// The per-tensor results CSV's companion holding the sweep's calibrated sensitivities
  /// (``ActivationSensitivities/writeColumns(to:)``): `<output folder>/<name>.calibration.safetensors`.
  public var calibrationURL: URL {
    output.deletingLastPathComponent().appendingPathComponent("\(name).calibration.safetensors")
  }

  /// The sensitivities a run uses when its grid point does not set `sensitivity`: the
  /// experiment's own (`file`, `activation`), or `none` without any.
  public var defaultSensitivity: SweepSensitivity {
    switch sensitivities {
    case nil: return .none
    case .file: return .file
    case .calibration: return .activation
    }
  }

  /// The sensitivities a run of `point` uses: its `sensitivity` value, else
  /// ``defaultSensitivity``.
  public func sensitivity(of point: GridPoint) -> SweepSensitivity {
    point.sensitivity ?? defaultSensitivity
  }

  /// Every grid point, grid by grid, in a stable order.
  public var gridPoints: [GridPoint] {
    grids.enumerated().flatMap { index, grid in grid.points(gridIndex: index) }
  }
}

/// A model made of random layers, for experiments that need no download.
public struct SyntheticModel: Sendable, Equatable {
  /// Seeds the generator of every layer: layer `name` uses `SeedDerivation.derive(seed, name)`.
  public var seed: UInt64
  public var layers: [SyntheticLayer]
}

/// The `synth` model source: what ``CheckpointSynthesizer`` writes, and where.
public struct SynthesizedCheckpoint: Sendable, Equatable {
  public var preset: SynthPreset
  public var dtype: WeightDType
  public var shards: Int
  public var seed: UInt64
  /// The folder the checkpoint is written to (relative paths resolve against the experiment).
  public var folder: URL
}

/// One generated module with a `weight` tensor.
public struct SyntheticLayer: Sendable, Equatable {
  /// Module name, e.g. `encoder.0`; its weight is `<name>.weight`.
  public var name: String
  /// Fully-qualified module type, e.g. `torch.nn.modules.linear.Linear`.
  public var type: String
  public var shape: [Int]
  public var distribution: Distribution
}

/// The distribution of a synthetic layer's weights.
public enum Distribution: Sendable, Equatable {
  /// Normal, mean 0.
  case gaussian(sigma: Double)
  /// Laplace, density `exp(-|x|/scale) / (2·scale)`.
  case laplace(scale: Double)
  /// Student's t with `nu` degrees of freedom, multiplied by `scale`.
  case studentT(nu: Double, scale: Double)

  /// One draw from `random`.
  func sample(_ random: GSLRandom) -> Double {
    switch self {
    case .gaussian(let sigma): return random.gaussian(sigma: sigma)
    case .laplace(let scale): return random.laplace(scale: scale)
    case .studentT(let nu, let scale): return scale * random.studentT(nu: nu)
    }
  }
}
