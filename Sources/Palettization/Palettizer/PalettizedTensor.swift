import Foundation

/// One weight after palettization: its LUTs, indices and scales, and how well they fit.
///
/// The reconstruction is not stored (it would double a model's memory); ``reconstruct()``
/// rebuilds it exactly from the LUT, the indices and the per-channel scales.
public struct PalettizedTensor: Sendable, Equatable {
  /// The spec and clustering options used.
  public var spec: PalettizationSpec
  public var options: ClusteringOptions
  /// How the weight was viewed, blocked and vectorised.
  public var layout: WeightLayout
  /// The original weight's dtype.
  public var dtype: WeightDType
  /// `[blocks, K, clusterDim]`, row-major: the entries reconstruction uses (dequantized when
  /// the LUT is quantized), at the weight's dtype. Blocks with fewer than `K` clusters repeat
  /// their last centroid.
  public var lut: [Float]
  /// Quantized LUT codes, same layout as ``lut`` (int8 as two's-complement bytes), when the
  /// spec has a `lutQSpec`.
  public var quantizedLUT: [UInt8]?
  /// Per LUT block: scale of the quantized LUT.
  public var lutScale: [Float]?
  /// Per LUT block: integer zero point of the quantized LUT.
  public var lutZeroPoint: [Int32]?
  /// One index per vector, laid out as ``WeightLayout/indexShape``.
  public var indices: [UInt8]
  /// Per output channel (dim 0): the divisor applied before clustering, at the weight's dtype.
  public var perChannelScale: [Float]?
  /// Fit and size figures.
  public var metrics: PalettizationMetrics
  /// Joint sparse palettization: which vectors are stored; `nil` for a dense result. Vectors
  /// not stored reconstruct to 0.0 (their ``indices`` entry is 0 and means nothing).
  public var mask: SparsityMask? = nil

  /// `K`, entries per LUT block.
  public var lutSize: Int { spec.lutSize }

  /// The reconstructed weight: `lut[block][index] · perChannelScale[channel]`, rounded to the
  /// weight's dtype; exactly 0.0 for a vector the ``mask`` does not store.
  /// - Complexity: O(count).
  public func reconstruct() -> Tensor {
    var values = [Float](repeating: 0, count: layout.count)
    let k = lutSize
    let d = layout.clusterDim
    values.withUnsafeMutableBufferPointer { out in
      for block in 0..<layout.blockCount {
        if let range = layout.contiguousRange(block: block) {
          // Scalar clustering along axis 0: index i of the block is element i (no offsets).
          let lutBase = block * k
          lut.withUnsafeBufferPointer { entries in
            indices.withUnsafeBufferPointer { idx in
              guard let stored = mask?.stored else {
                for i in range { out[i] = entries[lutBase + Int(idx[i])] }
                return
              }
              stored.withUnsafeBufferPointer { stored in
                Self.gatherMasked(
                  range, entries: entries, lutBase: lutBase, indices: idx, stored: stored, into: out)
              }
            }
          }
          continue
        }
        let elementOffsets = layout.elementOffsets(block: block)
        let indexOffsets = layout.indexOffsets(block: block)
        let lutBase = block * k * d
        for (v, indexOffset) in indexOffsets.enumerated() {
          if let stored = mask?.stored, !stored[indexOffset] { continue }  // stays 0.0
          let entry = lutBase + Int(indices[indexOffset]) * d
          for e in 0..<d {
            out[elementOffsets[v * d + e]] = lut[entry + e]
          }
        }
      }
      if let scales = perChannelScale {
        for i in out.indices {
          out[i] = dtype.round(out[i] * scales[layout.outputChannel(ofElement: i)])
        }
      }
    }
    return Tensor(shape: layout.shape, values: values, dtype: dtype)
  }
}

extension PalettizedTensor {
  /// `out[i] = stored[i] ? entries[lutBase + indices[i]] : 0` for `i` in `range`, eight lanes
  /// at a time with a vector select: the zero pattern of a pruned weight is random, and the
  /// compiler turns the scalar form (even written as a bit mask) into a jump mispredicted half
  /// the time — the joint path's reconstruction took 4× the dense one on a 50 %-pruned tensor.
  static func gatherMasked(
    _ range: Range<Int>, entries: UnsafeBufferPointer<Float>, lutBase: Int,
    indices: UnsafeBufferPointer<UInt8>, stored: UnsafeBufferPointer<Bool>, into out: UnsafeMutableBufferPointer<Float>
  ) {
    var i = range.lowerBound
    let flags = UnsafeRawBufferPointer(stored)
    while i + 8 <= range.upperBound {
      var lanes = SIMD8<UInt32>()
      for l in 0..<8 { lanes[l] = entries[lutBase &+ Int(indices[i &+ l])].bitPattern }
      // Bool is stored as 0 or 1: 0 − flag is all ones for a stored element, 0 otherwise.
      let keep = SIMD8<UInt32>(truncatingIfNeeded: flags.loadUnaligned(fromByteOffset: i, as: SIMD8<UInt8>.self))
      lanes &= SIMD8(repeating: 0) &- keep
      UnsafeMutableRawBufferPointer(out).storeBytes(of: lanes, toByteOffset: i * 4, as: SIMD8<UInt32>.self)
      i += 8
    }
    for t in i..<range.upperBound { out[t] = stored[t] ? entries[lutBase &+ Int(indices[t])] : 0 }
  }
}

/// How well a palettized weight fits the original, and what it costs to store.
public struct PalettizationMetrics: Sendable, Equatable {
  /// Σ (w − ŵ)² over the original weight, accumulated in Double in element order.
  public var inertia: Double
  /// Σ w² over the original weight (Double, element order).
  public var signalEnergy: Double
  /// `10 · log10(signalEnergy / inertia)`; `+inf` when the reconstruction is exact.
  public var snrDB: Double
  /// (index + LUT + per-channel-scale + LUT-qparam bits) / element count; index bits are
  /// `nBits` per vector, or for a sparse result one mask bit per element plus `nBits` per
  /// stored vector.
  public var bitsPerWeight: Double
  /// Largest number of Lloyd iterations over the blocks (0 for scalar clustering).
  public var iterations: Int
  /// LUT blocks.
  public var blocks: Int
  /// Fraction of exact zeros in the weight that was palettized (after pruning, if any).
  public var zeroFraction: Double = 0

  /// SNR in dB of a reconstruction with `inertia` against a signal of `signalEnergy`.
  public static func snrDB(signalEnergy: Double, inertia: Double) -> Double {
    inertia == 0 ? .infinity : 10 * log10(signalEnergy / inertia)
  }

}

extension PalettizedTensor {
  /// Appends one block's LUT and, for a quantized LUT, its codes, scale and zero point.
  mutating func appendBlock(lut: [Float], quantized: LUTQuantizer.Block?) {
    self.lut.append(contentsOf: lut)
    guard let quantized else { return }
    // The three are set together (here, or all three when a file is read).
    if quantizedLUT == nil { (quantizedLUT, lutScale, lutZeroPoint) = ([], [], []) }
    quantizedLUT?.append(contentsOf: quantized.codes)
    lutScale?.append(quantized.scale)
    lutZeroPoint?.append(quantized.zeroPoint)
  }
}
