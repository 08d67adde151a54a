/// How the clusterer sees one weight: its 2-D view, blocks and vectors.
///
/// The 2-D view puts the grouping axis first: for axis 0 it is the weight as stored, flattened
/// to `[shape[0], rest]`; for axis 1 (transposed conv's default) it is the weight with dims 0
/// and 1 swapped, flattened to `[shape[1], shape[0] * rest]` — the reference's "transpose,
/// flatten, transpose back". A 1-D weight is the view `[n, 1]`.
///
/// Blocks are `rowsPerBlock` consecutive view rows (all rows for per-tensor granularity).
/// Inside a block, vector `v = p * columns + m` holds view rows
/// `b * rowsPerBlock + p * clusterDim ..< … + clusterDim` of column `m`: `clusterDim`
/// consecutive elements along the view's axis 0.
///
/// Indices are laid out like the weight with the view axis shrunk by `clusterDim`
/// (``indexShape``), so an index sits where its vector's first element sat.
public struct WeightLayout: Sendable, Equatable {
  /// Shape of the weight as stored.
  public let shape: [Int]
  /// The weight axis that is the view's axis 0 (0 or 1).
  public let axis: Int
  /// View rows: `shape[axis]`.
  public let rows: Int
  /// View columns: `count / rows`.
  public let columns: Int
  /// View rows per block.
  public let rowsPerBlock: Int
  /// Elements per vector.
  public let clusterDim: Int
  /// The stored dimension of output channels (per-channel scales): 1 for a GPT-2 Conv1D
  /// (`addmm`, weight `[in, out]`), else 0.
  public let outputAxis: Int
  /// Product of the dims after 0 and 1 (1 for a 2-D weight), used by the axis-1 view.
  private let trailing: Int

  /// The layout of a weight of `shape` under `spec`, for an op of kind `op` (`nil`: no op, as
  /// for a tensor reached only through `moduleStateSpec`; its default axis is 0).
  /// - Throws: ``ShapeError`` when the shape does not fit: a 0-D weight, grouped granularity or
  ///   axis 1 on a 1-D weight, a group size not dividing the axis, block rows not divisible by
  ///   `clusterDim`.
  public init(shape: [Int], spec: PalettizationSpec, op: OpKind?) throws(ShapeError) {
    guard !shape.isEmpty else {
      throw .tooFewDimensions(shape: shape, needed: 1, reason: "palettization")
    }
    let defaultAxis = op?.defaultAxis ?? 0
    let stored = { (a: Int) in op?.storedAxis(a) ?? a }
    var axis: Int
    var groupSize: Int?
    switch spec.granularity {
    case .perTensor:
      // Scalar per-tensor clustering is order-free; the stored layout is cheapest.
      axis = spec.clusterDim == 1 ? 0 : stored(defaultAxis)
    case .perGroupedChannel(let a, let g):
      axis = stored(a ?? defaultAxis)
      groupSize = g
      guard shape.count >= 2 else {
        throw .tooFewDimensions(shape: shape, needed: 2, reason: "per_grouped_channel granularity")
      }
    }
    if shape.count == 1 { axis = 0 }
    guard axis < shape.count else {
      throw .tooFewDimensions(shape: shape, needed: axis + 1, reason: "axis \(axis)")
    }
    let rows = shape[axis]
    if let groupSize, rows % groupSize != 0 {
      throw .groupSizeDoesNotDivide(shape: shape, axis: axis, groupSize: groupSize)
    }
    let rowsPerBlock = groupSize ?? rows
    if rowsPerBlock % spec.clusterDim != 0 {
      throw .rowsNotDivisibleByClusterDim(
        shape: shape, axis: axis, rows: rowsPerBlock, clusterDim: spec.clusterDim)
    }
    let count = shape.reduce(1, *)
    self.shape = shape
    self.axis = axis
    self.rows = rows
    self.columns = rows == 0 ? 0 : count / rows
    self.rowsPerBlock = rowsPerBlock
    self.clusterDim = spec.clusterDim
    self.outputAxis = shape.count >= 2 ? op?.outputAxis ?? 0 : 0
    self.trailing = shape.count > 2 ? shape[2...].reduce(1, *) : 1
  }

  /// Number of LUT blocks.
  public var blockCount: Int { rowsPerBlock == 0 ? 0 : rows / rowsPerBlock }
  /// Vectors (points to cluster) per block.
  public var vectorsPerBlock: Int { rowsPerBlock / clusterDim * columns }
  /// Number of elements of the weight.
  public var count: Int { rows * columns }

  /// Shape of the index tensor: the weight's shape with the view axis divided by `clusterDim`.
  public var indexShape: [Int] {
    var s = shape
    s[axis] /= clusterDim
    return s
  }

  /// Flat offset, in a tensor laid out like the weight but with `rowCount` along the view axis,
  /// of view element (`row`, `column`).
  @inline(__always)
  private func offset(row: Int, column: Int, rowCount: Int) -> Int {
    if axis == 0 { return row * columns + column }
    let outer = column / trailing
    return (outer * rowCount + row) * trailing + column % trailing
  }

  /// Flat offsets into the weight of every element of block `block`, vector by vector
  /// (`vectorsPerBlock * clusterDim` entries, vector `v`'s elements at `v * clusterDim ..<`).
  public func elementOffsets(block: Int) -> [Int] {
    precondition(block >= 0 && block < blockCount, "block \(block) out of 0..<\(blockCount)")
    var offsets = [Int]()
    offsets.reserveCapacity(vectorsPerBlock * clusterDim)
    let firstRow = block * rowsPerBlock
    for p in 0..<(rowsPerBlock / clusterDim) {
      for m in 0..<columns {
        for e in 0..<clusterDim {
          offsets.append(offset(row: firstRow + p * clusterDim + e, column: m, rowCount: rows))
        }
      }
    }
    return offsets
  }

  /// Flat offsets into the index tensor (``indexShape``) of every vector of block `block`.
  public func indexOffsets(block: Int) -> [Int] {
    precondition(block >= 0 && block < blockCount, "block \(block) out of 0..<\(blockCount)")
    let vectorRows = rowsPerBlock / clusterDim
    let indexRows = rows / clusterDim
    var offsets = [Int]()
    offsets.reserveCapacity(vectorsPerBlock)
    for p in 0..<vectorRows {
      for m in 0..<columns {
        offsets.append(offset(row: block * vectorRows + p, column: m, rowCount: indexRows))
      }
    }
    return offsets
  }

  /// Number of output channels: `shape[outputAxis]`.
  public var outputChannels: Int { shape[outputAxis] }

  /// Index of the output channel (dim ``outputAxis`` of the weight) holding flat element
  /// `offset`.
  @inline(__always)
  public func outputChannel(ofElement offset: Int) -> Int {
    if outputAxis == 1 { return (offset / trailing) % shape[1] }
    return shape.count == 1 ? offset : offset / (count / shape[0])
  }
}

extension WeightLayout {
  /// The flat range of block `block` when its elements are contiguous and in vector order
  /// (axis 0, scalar clustering), so callers can skip ``elementOffsets(block:)``.
  public func contiguousRange(block: Int) -> Range<Int>? {
    guard axis == 0, clusterDim == 1 else { return nil }
    let size = rowsPerBlock * columns
    return block * size ..< (block + 1) * size
  }
}
