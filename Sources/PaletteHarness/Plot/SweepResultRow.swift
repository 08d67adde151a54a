import Foundation

/// One `ok` row of a per-tensor results CSV, with the columns the plots use parsed.
public struct SweepResultRow: Sendable, Equatable {
  /// The `config_id` column (grid point), kept as text.
  public var configID: String
  /// The `n_bits` column, as written.
  public var nBits: String
  /// The series this row's grid point belongs to.
  public var group: SeriesGroup
  /// The `seed` column, as written.
  public var seed: String
  /// The `workers` column.
  public var workers: Int
  /// The `tensor` column (state tensor name).
  public var tensor: String
  /// The `module_type` column.
  public var moduleType: String
  /// The `numel` column: number of weights.
  public var numel: Int
  /// The `inertia` column: sum of squared reconstruction errors, ≥ 0.
  public var inertia: Double
  /// The `snr_db` column: `10·log10(Σw² / inertia)`; `inf` when the tensor is reproduced exactly.
  public var snrDB: Double
  /// The `bits_per_weight` column, including LUT and scale overhead.
  public var bitsPerWeight: Double
  /// The 1-based line of the row in its CSV file.
  public var line: Int
  /// The `signal_energy` column (Σw²) when the CSV has it (the harness writes it).
  public var recordedSignalEnergy: Double?

  /// Creates a row from parsed values.
  public init(
    configID: String, nBits: String, group: SeriesGroup, seed: String, workers: Int,
    tensor: String, moduleType: String, numel: Int, inertia: Double, snrDB: Double,
    bitsPerWeight: Double, line: Int, recordedSignalEnergy: Double? = nil
  ) {
    self.recordedSignalEnergy = recordedSignalEnergy
    self.configID = configID
    self.nBits = nBits
    self.group = group
    self.seed = seed
    self.workers = workers
    self.tensor = tensor
    self.moduleType = moduleType
    self.numel = numel
    self.inertia = inertia
    self.snrDB = snrDB
    self.bitsPerWeight = bitsPerWeight
    self.line = line
  }

  /// The signal energy `Σw²` of the tensor: the `signal_energy` column when present, else
  /// recovered as `inertia · 10^(snr_db/10)`.
  ///
  /// Without the column, a tensor reproduced exactly (`inertia == 0`, `snr_db == inf`) yields 0:
  /// its energy is not recoverable, so it adds neither signal nor noise to a model total.
  public var signalEnergy: Double {
    if let recordedSignalEnergy { return recordedSignalEnergy }
    return inertia == 0 || snrDB.isNaN ? 0 : inertia * pow(10, snrDB / 10)
  }
}
