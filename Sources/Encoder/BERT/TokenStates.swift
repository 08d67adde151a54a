/// Token vectors of a batch of sequences, packed without padding: the rows of sequence `s` are
/// `offsets[s] ..< offsets[s] + lengths[s]` of a row-major `[tokens, width]` matrix.
///
/// Packing instead of padding to the longest sequence means the Linear layers multiply only
/// real tokens; attention runs per sequence over its own tokens, which is what the padding
/// mask achieves in a padded batch.
public struct TokenStates: Sendable {
  /// Tokens per sequence.
  public var lengths: [Int]
  /// First row of each sequence.
  public var offsets: [Int]
  /// Row width.
  public var width: Int
  /// `[tokens, width]`, row-major.
  public var values: [Float]

  /// Total rows.
  public var tokens: Int { lengths.reduce(0, +) }

  /// The layout of `lengths` with zeroed values.
  public init(lengths: [Int], width: Int) {
    self.lengths = lengths
    var offsets: [Int] = []
    var next = 0
    for length in lengths { offsets.append(next); next += length }
    self.offsets = offsets
    self.width = width
    values = [Float](repeating: 0, count: next * width)
  }
}
