import Foundation

/// What a sweep records so that anyone can re-run it and check bit-for-bit identical results
/// (SPEC section 5). Written as `<name>.manifest.json` beside the results CSV.
public struct RunManifest: Codable, Sendable, Equatable {
  /// `palettelab.run/1`.
  public var format: String
  public var harnessVersion: String
  /// `git rev-parse HEAD` of the checkout the harness ran in, with `-dirty` when it had local
  /// changes; `nil` outside git.
  public var gitCommit: String?
  public var swiftVersion: String
  public var gslVersion: String
  public var os: String
  public var arch: String
  public var generator: String
  public var seeds: [String]
  /// True when the seeds were drawn from the system because the experiment gave none.
  public var seedsDrawn: Bool
  public var workers: [Int]
  public var experiment: ExperimentRecord
  public var inputs: [InputRecord]
  public var outputs: OutputRecord
  /// One entry per (grid point, seed, workers) run, in run order.
  public var runs: [RunRecord]
  /// The model-output evaluation's settings and environment; `nil` without one.
  public var evaluation: EvaluationRecord? = nil
  /// The activation calibration's settings and sensitivities; `nil` without one.
  public var calibration: CalibrationRecord? = nil

  public static let formatName = "palettelab.run/1"

  /// The experiment file: its path relative to the manifest's folder, hash and exact text.
  public struct ExperimentRecord: Codable, Sendable, Equatable {
    public var path: String
    public var sha256: String
    public var content: String
  }

  /// An input file (model, module manifest, config, sensitivities) and its hash.
  public struct InputRecord: Codable, Sendable, Equatable {
    public var role: String
    /// Relative to the manifest's folder.
    public var path: String
    public var sha256: String
    public var bytes: Int
  }

  /// The result files, relative to the manifest's folder, and the hash of the per-tensor CSV's
  /// deterministic columns (every column except `seconds`).
  public struct OutputRecord: Codable, Sendable, Equatable {
    public var csv: String
    public var summary: String
    public var csvDeterministicSHA256: String
  }

  /// One run of one grid point.
  public struct RunRecord: Codable, Sendable, Equatable {
    public var configID: String
    public var seed: String
    public var workers: Int
    /// `n_bits=4 granularity=per_tensor …`.
    public var overrides: String
    /// `ok` or `error` (the grid point was rejected as a whole).
    public var status: String
    /// SHA-256 over the run's tensors' hashes, in name order.
    public var resultSHA256: String
    /// SHA-256 of the run's rows in the per-tensor CSV (deterministic columns).
    public var rowsSHA256: String
    /// Per palettized tensor, SHA-256 of its LUT, indices, scales and LUT qparams.
    public var tensors: [TensorHash]
    /// The run's model-output evaluation values; `nil` without an evaluation (or for a
    /// rejected grid point).
    public var evaluation: RunEvaluationRecord? = nil
  }

  public struct TensorHash: Codable, Sendable, Equatable {
    public var name: String
    public var sha256: String
  }

  enum CodingKeys: String, CodingKey {
    case format, harnessVersion = "harness_version", gitCommit = "git_commit"
    case swiftVersion = "swift_version", gslVersion = "gsl_version", os, arch, generator
    case seeds, seedsDrawn = "seeds_drawn", workers, experiment, inputs, outputs, runs
    case evaluation, calibration
  }
}

extension RunManifest.OutputRecord {
  enum CodingKeys: String, CodingKey {
    case csv, summary, csvDeterministicSHA256 = "csv_deterministic_sha256"
  }
}

extension RunManifest.RunRecord {
  /// ``SweepRun/key`` of the recorded run.
  public var runKey: String { SweepRun.key(configID: configID, seed: seed, workers: "\(workers)") }

  enum CodingKeys: String, CodingKey {
    case configID = "config_id", seed, workers, overrides, status
    case resultSHA256 = "result_sha256", rowsSHA256 = "rows_sha256", tensors
    case evaluation
  }
}

extension RunManifest {
  /// Pretty, key-sorted JSON: the same manifest always gives the same bytes.
  public func encoded() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    var data = try encoder.encode(self)
    data.append(0x0a)
    return data
  }

  /// Reads a manifest; errors name the file.
  public static func load(contentsOf url: URL) throws(ManifestError) -> RunManifest {
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
      throw ManifestError(file: url.path, problem: "cannot be read: \(error.localizedDescription)")
    }
    let manifest: RunManifest
    do { manifest = try JSONDecoder().decode(RunManifest.self, from: data) } catch {
      throw ManifestError(file: url.path, problem: "is not a \(formatName) manifest: \(describe(error))")
    }
    guard manifest.format == formatName else {
      throw ManifestError(file: url.path, problem: "has format '\(manifest.format)', expected '\(formatName)'")
    }
    return manifest
  }

  static func describe(_ error: any Error) -> String {
    switch error as? DecodingError {
    case .keyNotFound(let key, let context)?:
      return "missing key '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
    case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?, .dataCorrupted(let context)?:
      let path = context.codingPath.map(\.stringValue).joined(separator: ".")
      return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
    default:
      return "\(error)"
    }
  }
}

/// A run manifest that cannot be used.
public struct ManifestError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
  public var file: String
  public var problem: String
  public var description: String { "\(file): \(problem)" }
  public var errorDescription: String? { description }
}
