import Encoder
import Foundation

/// How close a candidate model's sentence embeddings are to the fp32 model's on one corpus.
///
/// - `cosines[i]`: cosine between sentence `i`'s two embeddings (float64 arithmetic; 0 when
///   either vector is zero). Says how far each vector moved — not whether the geometry that
///   retrieval and clustering use survived: small, correlated moves can keep every ranking.
/// - ``meanCosine`` and ``minCosine`` over the sentences.
/// - ``neighbourAgreement``: the fraction of sentences whose nearest *other* sentence by cosine
///   is the same under both models — a direct check of the retrieval ranking, blind to how
///   much the scores moved. Ties go to the lowest index. `nil` for fewer than 2 sentences.
public struct EmbeddingFidelity: Sendable, Equatable {
  public var sentences: Int
  public var cosines: [Double]
  public var meanCosine: Double
  public var minCosine: Double
  public var neighbourAgreement: Double?

  /// The reference side of a comparison, prepared once for comparing many candidates with it:
  /// its unit rows and nearest neighbours.
  public struct Reference: Sendable {
    public let embeddings: EmbeddingMatrix
    let unitRows: [Double]
    /// ``EmbeddingFidelity/nearestNeighbours(_:)`` of the embeddings; `nil` below 2 rows.
    let neighbours: [Int]?

    /// - Complexity: O(n² · d) for n rows of dimension d.
    public init(_ embeddings: EmbeddingMatrix) {
      self.embeddings = embeddings
      unitRows = EmbeddingFidelity.unitRows(embeddings)
      neighbours = embeddings.rows >= 2
        ? EmbeddingFidelity.nearestNeighbours(unitRows: unitRows, rows: embeddings.rows, dimension: embeddings.dimension) : nil
    }
  }

  /// Compares `candidate` with `reference` row by row.
  /// - Precondition: equal shapes, at least one row.
  /// - Complexity: O(n² · d) for n sentences of dimension d (the nearest neighbours).
  public init(reference: EmbeddingMatrix, candidate: EmbeddingMatrix) {
    self.init(reference: Reference(reference), candidate: candidate)
  }

  /// Compares `candidate` with a prepared reference (the same values as
  /// ``init(reference:candidate:)`` with its embeddings).
  /// - Precondition: equal shapes, at least one row.
  /// - Complexity: O(n² · d) for n sentences of dimension d (the candidate's neighbours).
  public init(reference prepared: Reference, candidate: EmbeddingMatrix) {
    let reference = prepared.embeddings
    precondition(reference.rows == candidate.rows && reference.dimension == candidate.dimension, "embedding shapes differ")
    precondition(reference.rows >= 1, "no sentences to compare")
    let a = prepared.unitRows, b = Self.unitRows(candidate)
    let d = reference.dimension
    cosines = (0..<reference.rows).map { i in
      var dot = 0.0
      for j in 0..<d { dot += a[i * d + j] * b[i * d + j] }
      return dot
    }
    sentences = reference.rows
    meanCosine = cosines.reduce(0, +) / Double(cosines.count)
    minCosine = cosines.min() ?? .nan
    if let before = prepared.neighbours {
      let after = Self.nearestNeighbours(unitRows: b, rows: candidate.rows, dimension: d)
      neighbourAgreement = Double(zip(before, after).filter { $0 == $1 }.count) / Double(sentences)
    } else {
      neighbourAgreement = nil
    }
  }

  /// For every row, the index of the most cosine-similar other row; ties go to the lowest
  /// index. `-1` when there is no other row.
  /// - Complexity: O(n² · d).
  public static func nearestNeighbours(_ m: EmbeddingMatrix) -> [Int] {
    nearestNeighbours(unitRows: unitRows(m), rows: m.rows, dimension: m.dimension)
  }

  /// ``nearestNeighbours(_:)`` of rows already scaled by ``unitRows(_:)``.
  static func nearestNeighbours(unitRows u: [Double], rows n: Int, dimension d: Int) -> [Int] {
    var best = [Int](repeating: -1, count: n)
    var bestScore = [Double](repeating: -.infinity, count: n)
    for i in 0..<n {
      for j in (i + 1)..<n {
        var dot = 0.0
        for k in 0..<d { dot += u[i * d + k] * u[j * d + k] }
        // Every row meets its candidates in increasing index order (lower ones in earlier
        // outer iterations, higher ones in its own), so a strict '>' keeps the lowest index.
        if dot > bestScore[i] { bestScore[i] = dot; best[i] = j }
        if dot > bestScore[j] { bestScore[j] = dot; best[j] = i }
      }
    }
    return best
  }

  /// Rows scaled to unit length in float64 (zero rows stay zero).
  static func unitRows(_ m: EmbeddingMatrix) -> [Double] {
    let d = m.dimension
    var out = m.values.map(Double.init)
    for i in 0..<m.rows {
      var squares = 0.0
      for j in 0..<d { squares += out[i * d + j] * out[i * d + j] }
      let norm = squares.squareRoot()
      if norm > 0 { for j in 0..<d { out[i * d + j] /= norm } }
    }
    return out
  }

  /// `{"sentences":…,"mean_cosine":…,"min_cosine":…,"neighbour_agreement":…}` on one line,
  /// numbers in shortest round-trip form (`null` agreement for one sentence).
  public var json: String {
    "{\"sentences\":\(sentences),\"mean_cosine\":\(meanCosine),\"min_cosine\":\(minCosine),"
      + "\"neighbour_agreement\":\(neighbourAgreement.map { "\($0)" } ?? "null")}"
  }
}
