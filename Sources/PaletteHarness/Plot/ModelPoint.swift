import Foundation

/// One grid point summarised over the whole model: parameter-weighted SNR and bits per weight.
public struct ModelPoint: Sendable, Equatable {
  /// The grid point's `config_id`.
  public var configID: String
  /// The grid point's `n_bits`, as written.
  public var nBits: String
  /// The series the point belongs to.
  public var group: SeriesGroup
  /// The seed whose rows were aggregated (the first seed of this grid point in the file).
  public var seed: String
  /// The worker count whose rows were aggregated (the smallest for that seed).
  public var workers: Int
  /// Number of `ok` tensors aggregated.
  public var tensorCount: Int
  /// Of those, tensors reproduced exactly (`inertia == 0`).
  public var exactTensorCount: Int
  /// Exact tensors whose Σw² the CSV does not hold (no `signal_energy` column): with any, a
  /// finite model SNR is a lower bound.
  public var unknownEnergyCount: Int
  /// Total weights, `Σ numel`.
  public var numel: Int
  /// `Σ Σw²` over the tensors (exact tensors contribute 0; see ``SweepResultRow/signalEnergy``).
  public var signalEnergy: Double
  /// `Σ inertia` over the tensors.
  public var noiseEnergy: Double

  /// Model SNR in dB: `10·log10(Σ signal / Σ inertia)`, parameter-weighted by construction.
  ///
  /// `inf` when every tensor is exact (no noise); `-inf` when there is noise but no signal.
  /// When some but not all tensors are exact this is a lower bound, since their signal energy
  /// is not in the CSV.
  public var snrDB: Double {
    if noiseEnergy == 0 { return signalEnergy.isNaN ? .nan : .infinity }
    return 10 * log10(signalEnergy / noiseEnergy)
  }

  /// Model bits per weight: `Σ(bits_per_weight · numel) / Σ numel` (0 for an empty model).
  public var bitsPerWeight: Double { numel == 0 ? 0 : weightedBits / Double(numel) }

  /// `Σ bits_per_weight · numel`: total bits of the palettized tensors.
  public var weightedBits: Double

  /// Sums the rows of one grid point (one seed and worker count).
  /// - Precondition: `rows` is not empty and all rows share a config id.
  /// - Complexity: O(rows); sums run in row order, so the result is deterministic.
  public init(aggregating rows: [SweepResultRow]) {
    precondition(!rows.isEmpty, "a model point needs at least one row")
    let first = rows[0]
    configID = first.configID
    nBits = first.nBits
    group = first.group
    seed = first.seed
    workers = first.workers
    tensorCount = rows.count
    exactTensorCount = rows.count { $0.inertia == 0 }
    unknownEnergyCount = rows.count { $0.inertia == 0 && $0.recordedSignalEnergy == nil }
    numel = rows.reduce(0) { $0 + $1.numel }
    signalEnergy = rows.reduce(0) { $0 + $1.signalEnergy }
    noiseEnergy = rows.reduce(0) { $0 + $1.inertia }
    weightedBits = rows.reduce(0) { $0 + $1.bitsPerWeight * Double($1.numel) }
  }
}
