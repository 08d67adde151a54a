import Foundation
import Palettization

/// What reaches each Linear of a BERT encoder on a corpus: per weight, the input Gram matrix
/// `G = Σ_t x_t x_tᵀ` over every real (non-padding) token `t`, in float64, and the token count.
///
/// `G` is what the output error of a weight change depends on: for weights `W` and `Ŵ`,
/// `‖X Wᵀ‖² = tr(W G Wᵀ)` and `‖X (W − Ŵ)ᵀ‖² = tr(Δ G Δᵀ)` (see ``Gram/outputSNR(weight:reconstruction:)``),
/// and its diagonal is the per-column input second moment (calibration sensitivities).
///
/// Query, key and value read the same input, so they share one Gram matrix. The pooler
/// (`pooler.dense.weight`) reads only the `[CLS]` vector for next-sentence prediction, which
/// mean-pooled sentence embeddings never compute: it receives no input, and
/// ``gram(for:)`` returns `nil` for it (as for any name that is not a Linear weight).
public struct LinearInputStatistics: Sendable {
  /// One Linear's input second moments.
  public struct Gram: Sendable, Equatable {
    /// Input width (the weight's column count).
    public var width: Int
    /// `[width, width]`, row-major, symmetric: `Σ_t x_t x_tᵀ` in float64.
    public var values: [Double]
    /// Tokens summed.
    public var tokens: Int

    public init(width: Int, values: [Double], tokens: Int) {
      precondition(values.count == width * width, "a Gram matrix of width \(width) needs \(width * width) values")
      self.width = width
      self.values = values
      self.tokens = tokens
    }

    /// `Σ_t x_t[j]²` for every input column `j`: the per-column input second moments (times
    /// ``tokens``), the diagonal of the matrix.
    public var diagonal: [Double] { (0..<width).map { values[$0 * width + $0] } }

    /// `10·log10(tr(W G Wᵀ) / tr(Δ G Δᵀ))` with `Δ = W − Ŵ`: the SNR in dB of the Linear's output
    /// `X Wᵀ` (bias aside) against its error `X Δᵀ`, over the tokens `G` was summed on.
    /// `+∞` when the reconstruction is exact (`Δ = 0`); `−∞` when `W G Wᵀ` has zero trace.
    ///
    /// - Parameters:
    ///   - weight, reconstruction: `[rows, width]` row-major.
    ///   - signalEnergy: ``outputEnergy(_:)`` of `weight` when the caller has it (comparing many
    ///     reconstructions of one weight); the same bits as computing it here.
    /// - Complexity: O(rows · width²) (two `dgemm`s with OpenBLAS, one with `signalEnergy`; the
    ///   traces are summed row by row in a fixed order).
    public func outputSNR(weight: [Float], reconstruction: [Float], signalEnergy: Double? = nil) throws(EncoderError) -> Double {
      precondition(weight.count == reconstruction.count && weight.count % width == 0,
                   "weight and reconstruction must both be [rows, \(width)]")
      let delta = zip(weight, reconstruction).map { Double($0) - Double($1) }
      let blas = try OpenBLAS.shared()
      let signal = signalEnergy ?? quadraticTrace(weight.map(Double.init), blas: blas)
      let noise = quadraticTrace(delta, blas: blas)
      return PalettizationMetrics.snrDB(signalEnergy: signal, inertia: noise)
    }

    /// `tr(A G Aᵀ) = ‖X Aᵀ‖²` for `a` of `[rows, width]` row-major: the output energy of a
    /// Linear with weight `a` (or of its error, for `a = W − Ŵ`) over the tokens summed.
    /// ``outputSNR(weight:reconstruction:)`` is `10·log10` of the ratio of two of these (the
    /// same arithmetic, so the same bits), so a caller comparing many reconstructions of one
    /// weight can compute the weight's energy once.
    /// - Complexity: O(rows · width²) (one `dgemm`).
    public func outputEnergy(_ a: [Double]) throws(EncoderError) -> Double {
      precondition(a.count % width == 0, "the rows must be \(width) wide")
      return quadraticTrace(a, blas: try OpenBLAS.shared())
    }

    /// `tr(A G Aᵀ) = Σ_r Σ_j (A G)[r, j] · A[r, j]` for `A` of `[rows, width]`.
    func quadraticTrace(_ a: [Double], blas: OpenBLAS) -> Double {
      let rows = a.count / width
      var product = [Double](repeating: 0, count: a.count)
      a.withUnsafeBufferPointer { a in
        values.withUnsafeBufferPointer { g in
          product.withUnsafeMutableBufferPointer { p in
            blas.dgemm(transposeA: false, transposeB: false, m: rows, n: width, k: width, alpha: 1,
                       a.baseAddress!, lda: width, g.baseAddress!, ldb: width, beta: 0, p.baseAddress!, ldc: width)
          }
        }
      }
      var trace = 0.0
      for i in 0..<a.count { trace += product[i] * a[i] }
      return trace
    }
  }

  /// Gram matrices by Linear weight name (`encoder.layer.N.attention.self.query.weight`, …).
  public var grams: [String: Gram]
  /// Real tokens of the corpus (every Gram matrix sums this many).
  public var tokens: Int
  /// Sentences of the corpus.
  public var sentences: Int

  /// The Gram matrix of the Linear weight `name`; `nil` for the pooler (it receives no input
  /// in the sentence-embedding pipeline) and for names that are not encoder Linear weights.
  public func gram(for name: String) -> Gram? { grams[name] }

  /// The output SNR of Linear weight `name` reconstructed as `reconstruction` (see
  /// ``Gram/outputSNR(weight:reconstruction:)``); `nil` when the weight receives no input
  /// (the pooler) or is not an encoder Linear weight.
  public func outputSNR(of name: String, weight: [Float], reconstruction: [Float]) throws(EncoderError) -> Double? {
    guard let gram = grams[name] else { return nil }
    return try gram.outputSNR(weight: weight, reconstruction: reconstruction)
  }

  /// The Linear weights that receive no input when sentence embeddings are computed.
  public static let unreachedWeights: Set<String> = ["pooler.dense.weight"]
}

extension SentenceEncoder {
  /// One fp32 forward pass over `sentences` (as far as the last Linear input) that sums every
  /// Linear's input Gram matrix.
  ///
  /// Each batch's inputs are widened to `Double` and added with OpenBLAS `dsyrk`
  /// (`G += Xᵀ X`, upper triangle, then mirrored) in batch order, so the result is bitwise
  /// identical for any `threads`; a different `batchSize` regroups the sums and may change the
  /// last bits.
  /// - Complexity: the forward pass plus O(T · Σ width²/2) for T tokens.
  public func linearInputStatistics(_ sentences: [String], batchSize: Int = 64, threads: Int = 1) -> LinearInputStatistics {
    let ids = tokenize(sentences)
    var sums = GramSums(self)
    forEachLinearInput(ids, batchSize: batchSize, threads: threads) { slot, rows, width in sums.add(slot: slot, rows, width: width) }
    return sums.statistics(tokens: ids.reduce(0) { $0 + $1.count }, sentences: sentences.count)
  }

  /// The embeddings of already tokenized sentences (``encode(ids:batchSize:threads:)``) and
  /// their ``linearInputStatistics(_:batchSize:threads:)`` from one forward pass: bitwise the
  /// values the two calls give separately, for about the cost of one.
  public func encodeWithLinearInputStatistics(ids: [[Int32]], batchSize: Int = 64, threads: Int = 1)
    -> (embeddings: EmbeddingMatrix, statistics: LinearInputStatistics)
  {
    var sums = GramSums(self)
    let sites = LinearSite.allCases.count
    let embeddings = withoutActuallyEscaping({ (layer: Int, site: LinearSite, rows: UnsafeBufferPointer<Float>, width: Int) in
      sums.add(slot: layer * sites + site.rawValue, rows, width: width)
    }) { observer in
      encode(ids: ids, batchSize: batchSize, threads: threads, observer: observer)
    }
    return (embeddings, sums.statistics(tokens: ids.reduce(0) { $0 + $1.count }, sentences: ids.count))
  }
}

/// The Gram matrices of every Linear input slot, summed with `dsyrk` (upper triangles) in the
/// order rows are added.
private struct GramSums {
  let slots: [SentenceEncoder.LinearInputSlot]
  let blas: OpenBLAS
  var sums: [[Double]]
  var wide: [Double] = []

  init(_ encoder: SentenceEncoder) {
    slots = encoder.linearInputSlots
    blas = encoder.blas
    sums = slots.map { [Double](repeating: 0, count: $0.width * $0.width) }
  }

  /// `G[slot] += Xᵀ X` for the `[tokens, width]` rows `rows`, widened to `Double`.
  mutating func add(slot: Int, _ rows: UnsafeBufferPointer<Float>, width: Int) {
    let count = rows.count / width
    if wide.count < rows.count { wide = [Double](repeating: 0, count: rows.count) }
    for i in 0..<rows.count { wide[i] = Double(rows[i]) }
    let blas = self.blas
    wide.withUnsafeBufferPointer { x in
      sums[slot].withUnsafeMutableBufferPointer { g in
        blas.dsyrkUpperTransposed(n: width, k: count, x.baseAddress!, lda: width, g.baseAddress!, ldc: width)
      }
    }
  }

  /// The mirrored matrices by weight name.
  func statistics(tokens: Int, sentences: Int) -> LinearInputStatistics {
    var grams: [String: LinearInputStatistics.Gram] = [:]
    for (slot, input) in slots.enumerated() {
      let w = input.width
      var g = sums[slot]
      for i in 0..<w { for j in 0..<i { g[i * w + j] = g[j * w + i] } }
      let gram = LinearInputStatistics.Gram(width: w, values: g, tokens: tokens)
      for name in input.weightNames { grams[name] = gram }
    }
    return LinearInputStatistics(grams: grams, tokens: tokens, sentences: sentences)
  }
}
