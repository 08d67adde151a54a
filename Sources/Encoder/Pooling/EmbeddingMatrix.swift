/// Sentence embeddings: `rows` vectors of `dimension` floats, row-major.
public struct EmbeddingMatrix: Sendable, Equatable {
  /// Number of sentences.
  public var rows: Int
  /// Width of each vector (384 for MiniLM).
  public var dimension: Int
  /// `[rows, dimension]`, row-major.
  public var values: [Float]

  /// A zero matrix.
  public init(rows: Int, dimension: Int) {
    self.init(rows: rows, dimension: dimension, values: [Float](repeating: 0, count: rows * dimension))
  }

  /// A matrix over `values`.
  /// - Precondition: `values.count == rows · dimension`.
  public init(rows: Int, dimension: Int, values: [Float]) {
    precondition(values.count == rows * dimension, "\(values.count) values do not make \(rows) × \(dimension)")
    self.rows = rows
    self.dimension = dimension
    self.values = values
  }

  /// Row `i`.
  public subscript(row i: Int) -> ArraySlice<Float> { values[(i * dimension)..<((i + 1) * dimension)] }
}
