/// The sentences a calibration corpus and an evaluation corpus share: what makes an evaluation
/// measure data the sensitivities were fitted to.
///
/// Sentences compare as ``Encoder/SentenceCorpus`` returns them (a CR before the LF dropped,
/// blank lines skipped, every other line exactly as written), so two lines that read the same
/// to the tokenizer but differ in a byte (case, spacing) are not an overlap.
public struct CorpusOverlap: Sendable, Equatable {
  /// Distinct sentences found in both.
  public var count: Int
  /// The first of them in calibration order, and its 1-based line in each file.
  public var sentence: String
  public var calibrationLine: Int
  public var evaluationLine: Int

  public init(count: Int, sentence: String, calibrationLine: Int, evaluationLine: Int) {
    self.count = count
    self.sentence = sentence
    self.calibrationLine = calibrationLine
    self.evaluationLine = evaluationLine
  }

  /// The overlap of two numbered sentence lists, `nil` when they are disjoint. A sentence
  /// repeated within one list counts once; its first line is reported.
  /// - Complexity: O(n + m) expected, for n and m sentences.
  public static func find(
    calibration: [(line: Int, text: String)], evaluation: [(line: Int, text: String)]
  ) -> CorpusOverlap? {
    var evaluationLines: [String: Int] = [:]
    for (line, text) in evaluation where evaluationLines[text] == nil { evaluationLines[text] = line }
    var seen = Set<String>()
    var first: CorpusOverlap?
    for (line, text) in calibration {
      guard let other = evaluationLines[text], seen.insert(text).inserted else { continue }
      if first == nil { first = CorpusOverlap(count: 0, sentence: text, calibrationLine: line, evaluationLine: other) }
    }
    first?.count = seen.count
    return first
  }
}
