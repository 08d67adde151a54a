import Foundation
import Testing
@testable import Encoder

/// The tokenizer on a hand-made vocabulary, each case worked by hand from the BERT rules.
@Suite("BERT WordPiece tokenizer")
struct BertTokenizerTests {
  static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "!", "$", "^", "`", "|",
                           "un", "##aff", "##able", "##a", "你", "好", "こんにちは", "cafe", "a", "b", "c", "é", "cat",
                           "σοφο\u{3C3}", "istanbul", "straße", "x", "##x"]

  static func tokenizer(_ settings: TokenizerSettings = TokenizerSettings(maxLength: 64)) throws -> BertTokenizer {
    try BertTokenizer(vocabulary: Vocabulary(tokens: vocabulary), settings: settings)
  }

  static func tokens(_ text: String, _ settings: TokenizerSettings = TokenizerSettings(maxLength: 64)) throws -> [String] {
    let t = try tokenizer(settings)
    return t.encode(text).map { t.vocabulary.tokens[Int($0)] }
  }

  @Test("cases worked by hand", arguments: [
    ("Hello, WORLD!", ["[CLS]", "hello", "[UNK]", "world", "!", "[SEP]"]),  // ',' not in vocabulary
    ("unaffable", ["[CLS]", "un", "##aff", "##able", "[SEP]"]),  // longest match first
    ("unaffablex", ["[CLS]", "[UNK]", "[SEP]"]),  // no piece for 'x' after '##able'? '##x' exists: see next
    ("$hello^world`|", ["[CLS]", "$", "hello", "^", "world", "`", "|", "[SEP]"]),  // ASCII symbols split
    ("你好こんにちは", ["[CLS]", "你", "好", "こんにちは", "[SEP]"]),  // CJK ideographs split, kana not
    ("Café", ["[CLS]", "cafe", "[SEP]"]),  // NFD + drop Mn, then lower case
    ("ca\u{200B}t", ["[CLS]", "cat", "[SEP]"]),  // Cf removed, joining the word
    ("hello\u{0007}world", ["[CLS]", "[UNK]", "[SEP]"]),  // BEL removed: 'helloworld'
    ("hello\u{00A0}world\u{2028}!", ["[CLS]", "hello", "world", "!", "[SEP]"]),  // White_Space splits
    ("ΣΟΦΟΣ", ["[CLS]", "σοφο\u{3C3}", "[SEP]"]),  // context-free lowercase: final Σ → σ, not ς
    ("İstanbul", ["[CLS]", "istanbul", "[SEP]"]),  // İ → I + U+0307 (dropped) → i
    ("STRASSE straße", ["[CLS]", "[UNK]", "straße", "[SEP]"]),  // no folding of ss/ß
    ("[CLS] hello[MASK] [cls]", ["[CLS]", "[CLS]", "hello", "[MASK]", "[UNK]", "[UNK]", "[UNK]", "[SEP]"]),  // verbatim only; [cls] is [ cls ]
    ("", ["[CLS]", "[SEP]"]),
    ("\u{0007}\u{200B}", ["[CLS]", "[SEP]"]),
    ("\u{E000}x\u{0378}", ["[CLS]", "[UNK]", "[SEP]"]),  // private use dropped, unassigned kept → 'x\u{378}' unknown
  ] as [(String, [String])])
  func handWorked(text: String, expected: [String]) throws {
    if text == "unaffablex" {
      #expect(try Self.tokens(text) == ["[CLS]", "un", "##aff", "##able", "##x", "[SEP]"])
      return
    }
    #expect(try Self.tokens(text) == expected, "\(text.debugDescription)")
  }

  @Test("a word of more than 100 scalars is one [UNK]; 100 still splits")
  func longWords() throws {
    #expect(try Self.tokens(String(repeating: "x", count: 101)) == ["[CLS]", "[UNK]", "[SEP]"])
    #expect(try Self.tokens(String(repeating: "x", count: 100), TokenizerSettings(maxLength: 128))
            == ["[CLS]", "x"] + Array(repeating: "##x", count: 99) + ["[SEP]"])
  }

  @Test("truncation keeps [CLS], the first maxLength − 2 pieces, and [SEP]")
  func truncation() throws {
    #expect(try Self.tokens("a b c a b c", TokenizerSettings(maxLength: 5)) == ["[CLS]", "a", "b", "c", "[SEP]"])
    #expect(try Self.tokens("a b", TokenizerSettings(maxLength: 5)) == ["[CLS]", "a", "b", "[SEP]"])
  }

  @Test("vocabulary lookups compare UTF-8 bytes, not canonical equivalence")
  func byteWiseLookup() throws {
    let keep = TokenizerSettings(maxLength: 16, lowercase: false, stripAccents: false)
    #expect(try Self.tokens("é", keep) == ["[CLS]", "é", "[SEP]"])  // U+00E9 is in the vocabulary
    #expect(try Self.tokens("e\u{301}", keep) == ["[CLS]", "[UNK]", "[SEP]"])  // e + U+0301 is not
  }

  @Test("a special token missing from the vocabulary is an error")
  func missingSpecialToken() {
    #expect(throws: EncoderError(file: "v.txt", problem: "special token '[MASK]' is not in the vocabulary")) {
      try BertTokenizer(vocabulary: Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]),
                        settings: TokenizerSettings(maxLength: 8), vocabularyPath: "v.txt")
    }
  }
}
