import Palettization

/// What one ``WorkUnit`` produced: everything its run's outputs need, and nothing heavier (the
/// LUTs and indices are reduced to their hashes). This is what the journal keeps per unit.
public struct UnitResult: Sendable, Equatable {
  /// ``WorkUnit/id`` and the run's ``SweepRun/key``.
  public var unit: String
  public var run: String
  /// The tensors the unit was planned with, in plan order.
  public var tensors: [String]
  /// Per-tensor CSV rows (``ResultColumns/tensors``), palettized and skipped tensors in plan
  /// order, or one error row per tensor for a rejected grid point.
  public var rows: [[String]]
  /// Palettized tensors in plan order: hash and the metrics the run summary adds up.
  public var results: [TensorResult]
  /// Tensors skipped because their shape does not fit the spec.
  public var skipped: Int
  /// Why the grid point was rejected as a whole, or `nil`.
  public var rejection: String?
  /// `tensor 'x' skipped: reason`, as the engine words them.
  public var warnings: [String]
  /// Run-level values computed after palettization (a model-output evaluation of a whole-run
  /// unit: ``RunEvaluation/unitValues``, keyed by summary column and a few manifest keys); kept
  /// in the journal with the rest. Empty without an evaluation.
  public var evaluation: [String: String]
  /// ``ActivationSensitivities/contentSHA256`` of the calibrated sensitivities the unit's
  /// tensors were weighted with; `nil` when it used none or a sensitivities file (whose hash
  /// the manifest's inputs hold).
  public var sensitivitiesSHA256: String? = nil
  /// Wall-clock seconds of the engine for this unit (a timing value).
  public var engineSeconds: Double
  /// Wall-clock seconds this unit spent computing its run's evaluation (0 when another run with
  /// the same result hash computed it, or without an evaluation; a timing value).
  public var evaluationSeconds: Double = 0

  /// One palettized tensor: its ``ResultHashing/hash(_:)`` and the metrics a summary needs.
  public struct TensorResult: Sendable, Equatable {
    public var name: String
    public var sha256: String
    public var numel: Int
    public var inertia: Double
    public var signalEnergy: Double
    public var bitsPerWeight: Double

    public init(name: String, sha256: String, numel: Int, inertia: Double, signalEnergy: Double, bitsPerWeight: Double) {
      self.name = name
      self.sha256 = sha256
      self.numel = numel
      self.inertia = inertia
      self.signalEnergy = signalEnergy
      self.bitsPerWeight = bitsPerWeight
    }

    /// The hash and metrics of `result`.
    init(name: String, result: PalettizedTensor) {
      let m = result.metrics
      self.init(
        name: name, sha256: ResultHashing.hash(result), numel: result.layout.count, inertia: m.inertia,
        signalEnergy: m.signalEnergy, bitsPerWeight: m.bitsPerWeight)
    }
  }
}
