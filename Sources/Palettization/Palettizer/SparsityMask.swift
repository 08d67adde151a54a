/// Which vectors of a jointly sparse palettized weight have an index (SPEC section 3, joint
/// sparse palettization).
///
/// A weight is palettized jointly with its sparsity when its spec's
/// ``PalettizationSpec/sparsityDetectionThreshold`` is set and the weight has at least one
/// exact zero and a zero fraction at or above the threshold. Then:
/// - a *nonzero vector* is a vector (`clusterDim` elements, one scalar when `clusterDim == 1`)
///   with at least one nonzero element; only those are clustered, and the mask keeps whole
///   vectors, so a partly zero vector is stored (and approximated) as a whole;
/// - every LUT block stores the same number of vectors, ``storedPerBlock``: the nonzero
///   vectors of the fullest block. A block with fewer reserves LUT entry 0 for the zero vector
///   (``zeroReserved``), fits its other `K − 1` entries to its nonzero vectors, and pads its
///   stored vectors with its first zero vectors (in block order), which take index 0;
/// - every other vector is not stored: it reconstructs to exactly 0.0 and takes no index.
public struct SparsityMask: Sendable, Equatable {
  /// Per vector, laid out like the index tensor (``WeightLayout/indexShape``, row-major):
  /// `true` when the vector is stored (has an index).
  public var stored: [Bool]
  /// Stored vectors in each LUT block (the same for every block).
  public var storedPerBlock: Int
  /// Per LUT block: `true` when entry 0 is the reserved zero vector.
  public var zeroReserved: [Bool]

  /// Creates a mask from its parts.
  public init(stored: [Bool], storedPerBlock: Int, zeroReserved: [Bool]) {
    self.stored = stored
    self.storedPerBlock = storedPerBlock
    self.zeroReserved = zeroReserved
  }

  /// Stored vectors of the whole weight: `storedPerBlock · blocks`.
  public var storedCount: Int { storedPerBlock * zeroReserved.count }

  /// One bit per element of the weight, in row-major order: its vector's ``stored`` flag.
  /// - Complexity: O(count).
  public func elementBits(layout: WeightLayout) -> [Bool] {
    // Scalars: the index tensor has the weight's shape, so element i is vector i.
    guard layout.clusterDim > 1 else { return stored }
    var bits = [Bool](repeating: false, count: layout.count)
    for block in 0..<layout.blockCount {
      let elements = layout.elementOffsets(block: block)
      for (v, index) in layout.indexOffsets(block: block).enumerated() where stored[index] {
        for e in 0..<layout.clusterDim { bits[elements[v * layout.clusterDim + e]] = true }
      }
    }
    return bits
  }

  /// The per-vector flags of per-element `bits` (as ``elementBits(layout:)`` writes them), or
  /// `nil` when the elements of some vector disagree.
  /// - Complexity: O(count).
  public static func storedVectors(elementBits bits: [Bool], layout: WeightLayout) -> [Bool]? {
    precondition(bits.count == layout.count, "\(bits.count) mask bits for \(layout.count) elements")
    guard layout.clusterDim > 1 else { return bits }
    var stored = [Bool](repeating: false, count: layout.count / layout.clusterDim)
    for block in 0..<layout.blockCount {
      let elements = layout.elementOffsets(block: block)
      let d = layout.clusterDim
      for (v, index) in layout.indexOffsets(block: block).enumerated() {
        let first = bits[elements[v * d]]
        for e in 1..<d where bits[elements[v * d + e]] != first { return nil }
        stored[index] = first
      }
    }
    return stored
  }
}
