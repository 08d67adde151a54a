import Foundation

/// What happened to one state tensor of a model.
public enum TensorOutcome: Sendable, Equatable {
  /// Palettized: the result and the seconds it took (read + cluster + metrics).
  case palettized(ResolvedTensor, PalettizedTensor, seconds: Double)
  /// Selected by the config but skipped, with the reason (shape does not fit, not a float).
  case skipped(ResolvedTensor, reason: String)
  /// Not selected by the config (the plan entry says why).
  case untouched(ResolvedTensor)

  /// The plan entry.
  public var entry: ResolvedTensor {
    switch self {
    case .palettized(let e, _, _), .skipped(let e, _), .untouched(let e): return e
    }
  }

  /// The tensor name.
  public var name: String { entry.name }

  /// The palettized result, if any.
  public var result: PalettizedTensor? {
    if case .palettized(_, let r, _) = self { return r }
    return nil
  }
}

/// A palettized model: per tensor outcome, and model totals.
public struct PalettizedModel: Sendable, Equatable {
  public var seed: UInt64
  public var generator: String
  /// One per state tensor, in the plan's order.
  public var outcomes: [TensorOutcome]

  /// Warnings for every skipped tensor: `tensor 'name' skipped: reason`.
  public var warnings: [String] {
    outcomes.compactMap {
      if case .skipped(let e, let reason) = $0 { return "tensor '\(e.name)' skipped: \(reason)" }
      return nil
    }
  }

  /// The palettized tensors.
  public var palettized: [(name: String, result: PalettizedTensor)] {
    outcomes.compactMap { o in o.result.map { (o.name, $0) } }
  }

  /// Σ inertia over palettized tensors.
  public var totalInertia: Double { palettized.reduce(0) { $0 + $1.result.metrics.inertia } }

  /// Parameter-weighted SNR: `10·log10(Σ signal / Σ inertia)` over palettized tensors (+inf when
  /// every one is exact).
  public var snrDB: Double {
    let signal = palettized.reduce(0) { $0 + $1.result.metrics.signalEnergy }
    return PalettizationMetrics.snrDB(signalEnergy: signal, inertia: totalInertia)
  }

  /// Bits per weight over the palettized tensors: Σ bits / Σ elements.
  public var bitsPerWeight: Double {
    let elements = palettized.reduce(0) { $0 + $1.result.layout.count }
    let bits = palettized.reduce(0.0) { $0 + $1.result.metrics.bitsPerWeight * Double($1.result.layout.count) }
    return elements == 0 ? 0 : bits / Double(elements)
  }

  /// Number of palettized parameters.
  public var palettizedParameters: Int { palettized.reduce(0) { $0 + $1.result.layout.count } }
}
