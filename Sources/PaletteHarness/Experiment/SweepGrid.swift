import Palettization

/// A spec or clustering field a sweep may vary.
public enum SweepField: String, CaseIterable, Sendable, Hashable {
  /// Pruning before palettization (``ClusteringOptions/pruning``); first, so it varies slowest.
  case prune
  case nBits = "n_bits"
  case granularity
  case clusterDim = "cluster_dim"
  case lutQSpec = "lut_qspec"
  case enablePerChannelScale = "enable_per_channel_scale"
  case sparsityDetectionThreshold = "sparsity_detection_threshold"
  case enableFastKMeansMode = "enable_fast_kmeans_mode"
  case roundingPrecision = "rounding_precision"
  /// Which sensitivities weight the k-means (``SweepSensitivity``); a run setting, not a spec
  /// field. Last, so that a point with and without them are neighbours.
  case sensitivity
}

/// One value of a swept field.
public enum SweepValue: Sendable, Hashable {
  case int(Int)
  case bool(Bool)
  case granularity(Granularity)
  case lutQSpec(QuantizationSpec?)
  case threshold(Double?)
  case pruning(PruningSpec?)
  case sensitivity(SweepSensitivity)

  /// The CSV text of the value.
  public var label: String {
    switch self {
    case .int(let v): return "\(v)"
    case .bool(let v): return "\(v)"
    case .granularity(let g): return g.label
    case .lutQSpec(let q): return q?.label ?? "none"
    case .threshold(let t): return t.map { "\($0)" } ?? "none"
    case .pruning(let p): return p?.description ?? "none"
    case .sensitivity(let s): return s.rawValue
    }
  }
}

/// A cartesian grid: every combination of the listed values of each field.
public struct SweepGrid: Sendable, Equatable {
  /// Fields in ``SweepField`` declaration order (so the expansion order does not depend on the
  /// key order of the file), each with its values in file order.
  public var axes: [(field: SweepField, values: [SweepValue])]

  public init(axes: [(field: SweepField, values: [SweepValue])]) {
    self.axes = axes.sorted {
      SweepField.allCases.firstIndex(of: $0.field)! < SweepField.allCases.firstIndex(of: $1.field)!
    }
  }

  public static func == (a: SweepGrid, b: SweepGrid) -> Bool {
    a.axes.map(\.field) == b.axes.map(\.field) && a.axes.map(\.values) == b.axes.map(\.values)
  }

  /// The grid's points, the last field varying fastest. An empty grid is one point with no
  /// overrides (the base config as is).
  public func points(gridIndex: Int) -> [GridPoint] {
    var combos: [[(SweepField, SweepValue)]] = [[]]
    for axis in axes {
      combos = combos.flatMap { prefix in axis.values.map { prefix + [(axis.field, $0)] } }
    }
    return combos.enumerated().map { index, overrides in
      GridPoint(id: "g\(gridIndex + 1)-p\(index + 1)", grid: gridIndex + 1, overrides: overrides)
    }
  }
}

/// One point of a sweep: the overrides applied to every spec the base config resolves.
public struct GridPoint: Sendable, Equatable {
  /// Stable id, `g<grid>-p<index>` (both 1-based).
  public var id: String
  /// 1-based grid number.
  public var grid: Int
  public var overrides: [(field: SweepField, value: SweepValue)]

  public init(id: String, grid: Int, overrides: [(SweepField, SweepValue)]) {
    self.id = id
    self.grid = grid
    self.overrides = overrides.map { (field: $0.0, value: $0.1) }
  }

  public static func == (a: GridPoint, b: GridPoint) -> Bool {
    a.id == b.id && a.grid == b.grid && a.overrides.map(\.field) == b.overrides.map(\.field)
      && a.overrides.map(\.value) == b.overrides.map(\.value)
  }

  /// `spec` and `options` with this point's overrides applied.
  public func apply(to spec: PalettizationSpec, options: ClusteringOptions) -> (PalettizationSpec, ClusteringOptions) {
    var spec = spec
    var options = options
    for (field, value) in overrides {
      switch (field, value) {
      case (.nBits, .int(let v)): spec.nBits = v
      case (.clusterDim, .int(let v)): spec.clusterDim = v
      case (.granularity, .granularity(let g)): spec.granularity = g
      case (.lutQSpec, .lutQSpec(let q)): spec.lutQSpec = q
      case (.enablePerChannelScale, .bool(let b)): spec.enablePerChannelScale = b
      case (.enableFastKMeansMode, .bool(let b)): options.enableFastKMeansMode = b
      case (.roundingPrecision, .int(let v)): options.roundingPrecision = v
      case (.sparsityDetectionThreshold, .threshold(let t)): spec.sparsityDetectionThreshold = t
      case (.prune, .pruning(let p)): options.pruning = p
      case (.sensitivity, .sensitivity): continue  // chooses the run's sensitivities, not a spec field
      default: preconditionFailure("sweep value \(value) does not fit field \(field.rawValue)")
      }
    }
    return (spec, options)
  }

  /// The point's `sensitivity` value, `nil` when the grid does not set it.
  public var sensitivity: SweepSensitivity? {
    for (field, value) in overrides {
      if field == .sensitivity, case .sensitivity(let s) = value { return s }
    }
    return nil
  }

  /// `n_bits=4 granularity=per_tensor`: the overrides as text.
  public var label: String {
    overrides.map { "\($0.field.rawValue)=\($0.value.label)" }.joined(separator: " ")
  }
}
