import Foundation

/// BERT's WordPiece tokenizer: sentence → token ids `[CLS] … [SEP]`, identical to the ids of
/// `transformers`' `BertTokenizer` (Hugging Face `tokenizers` backend) for this model.
///
/// Steps: occurrences of the special tokens (`[PAD]`, `[UNK]`, `[CLS]`, `[SEP]`, `[MASK]`)
/// written verbatim in the raw text become their ids (case-sensitive, leftmost match first);
/// the text between them goes through ``BasicTokenizer`` and ``WordPiece``; `[CLS]` and `[SEP]`
/// frame the result; encodings longer than ``TokenizerSettings/maxLength`` keep their first
/// `maxLength − 2` ids (the reference truncates the same way). An empty or all-control input
/// gives `[CLS] [SEP]`.
public struct BertTokenizer: Sendable {
  /// The normalisation and framing settings.
  public let settings: TokenizerSettings
  /// The WordPiece vocabulary.
  public let vocabulary: Vocabulary
  let basic: BasicTokenizer
  let wordPiece: WordPiece
  let special: [(scalars: [Unicode.Scalar], id: Int32)]
  let classID: Int32, separatorID: Int32

  /// A tokenizer over `vocabulary`.
  /// - Throws: ``EncoderError`` when a special token is not in the vocabulary.
  public init(vocabulary: Vocabulary, settings: TokenizerSettings, vocabularyPath: String? = nil) throws(EncoderError) {
    self.settings = settings
    self.vocabulary = vocabulary
    var special: [(scalars: [Unicode.Scalar], id: Int32)] = []
    for token in settings.specialTokens {
      guard let id = vocabulary.id(token) else {
        throw EncoderError(file: vocabularyPath, problem: "special token '\(token)' is not in the vocabulary")
      }
      special.append((Array(token.unicodeScalars), id))
    }
    // Longer tokens first, so that of two matches at one position the longest wins.
    self.special = special.sorted { $0.scalars.count > $1.scalars.count }
    classID = vocabulary.id(settings.classToken) ?? 0
    separatorID = vocabulary.id(settings.separatorToken) ?? 0
    basic = BasicTokenizer(lowercase: settings.lowercase, stripAccents: settings.stripAccents, splitCJK: settings.splitCJK)
    wordPiece = WordPiece(vocabulary: vocabulary, unknownID: vocabulary.id(settings.unknownToken) ?? 0,
                          prefix: Array(settings.continuationPrefix.utf8), maxCharacters: settings.maxCharactersPerWord)
  }

  /// Reads `vocab.txt` and the tokenizer settings of a sentence-transformers model directory.
  /// - Throws: ``EncoderError`` naming the missing or faulty file.
  public init(modelDirectory folder: URL) throws(EncoderError) {
    let vocabURL = folder.appendingPathComponent("vocab.txt")
    try self.init(vocabulary: Vocabulary(contentsOf: vocabURL), settings: TokenizerSettings(modelDirectory: folder),
                  vocabularyPath: vocabURL.path)
  }

  /// The ids of `text`: `[CLS]`, the word pieces (at most `maxLength − 2`), `[SEP]`.
  /// - Complexity: O(n) for n scalars, times the WordPiece cost of each word.
  public func encode(_ text: String) -> [Int32] {
    let scalars = Array(text.unicodeScalars)
    var ids: [Int32] = [classID]
    var segmentStart = 0
    var i = 0
    func flush(upTo end: Int) {
      guard segmentStart < end else { return }
      for word in basic.words(scalars[segmentStart..<end]) { wordPiece.append(word, to: &ids) }
    }
    while i < scalars.count {
      if let match = special.first(where: { token in
        i + token.scalars.count <= scalars.count && scalars[i..<(i + token.scalars.count)].elementsEqual(token.scalars)
      }) {
        flush(upTo: i)
        ids.append(match.id)
        i += match.scalars.count
        segmentStart = i
      } else {
        i += 1
      }
    }
    flush(upTo: scalars.count)
    if ids.count > settings.maxLength - 1 { ids.removeLast(ids.count - (settings.maxLength - 1)) }
    ids.append(separatorID)
    return ids
  }
}
