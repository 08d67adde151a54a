import Palettization

/// A run's model-level numbers, added up from its palettized tensors in plan order, with the
/// same reductions (and so the same bits) as ``PalettizedModel``'s totals.
struct RunTotals {
  var tensors = 0
  var parameters = 0
  var totalInertia = 0.0
  var signalEnergy = 0.0
  private var bits = 0.0

  /// Totals over `results`, in the order given.
  init(_ results: [UnitResult.TensorResult]) {
    for r in results {
      tensors += 1
      parameters += r.numel
      totalInertia += r.inertia
      signalEnergy += r.signalEnergy
      bits += r.bitsPerWeight * Double(r.numel)
    }
  }

  /// Parameter-weighted SNR: `10·log10(Σ signal / Σ inertia)` (+inf when every tensor is exact).
  var snrDB: Double { PalettizationMetrics.snrDB(signalEnergy: signalEnergy, inertia: totalInertia) }

  /// Σ bits / Σ elements; 0 with no tensors.
  var bitsPerWeight: Double { parameters == 0 ? 0 : bits / Double(parameters) }
}
