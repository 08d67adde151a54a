import Foundation

/// How a BERT tokenizer normalises and frames text, from a sentence-transformers model
/// directory (`tokenizer_config.json`, `special_tokens_map.json`, `sentence_bert_config.json`).
public struct TokenizerSettings: Sendable, Equatable {
  /// Lower-case every character (`do_lower_case`, default true).
  public var lowercase: Bool
  /// Remove non-spacing marks after NFD (`strip_accents`; `null` means "as `lowercase`").
  public var stripAccents: Bool
  /// Put CJK ideographs into words of their own (`tokenize_chinese_chars`, default true).
  public var splitCJK: Bool
  /// The unknown, class, separator, padding and mask tokens.
  public var unknownToken: String, classToken: String, separatorToken: String, padToken: String, maskToken: String
  /// Longest encoding in tokens, `[CLS]` and `[SEP]` included (`max_seq_length`).
  public var maxLength: Int
  /// Longer words (in Unicode scalars) become the unknown token whole (100 in BERT).
  public var maxCharactersPerWord: Int = 100
  /// The prefix of word pieces that continue a word.
  public var continuationPrefix: String = "##"

  /// BERT uncased defaults with the given maximum length.
  public init(maxLength: Int, lowercase: Bool = true, stripAccents: Bool? = nil, splitCJK: Bool = true) {
    precondition(maxLength >= 2, "maxLength must leave room for [CLS] and [SEP]")
    self.lowercase = lowercase
    self.stripAccents = stripAccents ?? lowercase
    self.splitCJK = splitCJK
    unknownToken = "[UNK]"; classToken = "[CLS]"; separatorToken = "[SEP]"; padToken = "[PAD]"; maskToken = "[MASK]"
    self.maxLength = maxLength
  }

  /// Reads the three files of the model directory `folder`.
  /// - Throws: ``EncoderError`` naming the file and key at fault.
  public init(modelDirectory folder: URL) throws(EncoderError) {
    let hint = "run scripts/setup to fetch the MiniLM model directory"
    let tokenizer = try JSONObjectFile(folder.appendingPathComponent("tokenizer_config.json"), hint: hint)
    let special = try JSONObjectFile(folder.appendingPathComponent("special_tokens_map.json"), hint: hint)
    let sentence = try JSONObjectFile(folder.appendingPathComponent("sentence_bert_config.json"), hint: hint)
    if let kind = try tokenizer.string("tokenizer_class"), !kind.hasPrefix("BertTokenizer") {
      throw tokenizer.fail("tokenizer_class", "'\(kind)' is not supported (the encoder implements BertTokenizer)")
    }
    if try tokenizer.bool("do_basic_tokenize") == false {
      throw tokenizer.fail("do_basic_tokenize", "false is not supported")
    }
    let maxLength = try sentence.int("max_seq_length")
    guard maxLength >= 2 else { throw sentence.fail("max_seq_length", "must be at least 2, found \(maxLength)") }
    let lowercase = try tokenizer.bool("do_lower_case") ?? true
    let stripAccents = try tokenizer.bool("strip_accents")
    let splitCJK = try tokenizer.bool("tokenize_chinese_chars") ?? true
    self.init(maxLength: maxLength, lowercase: lowercase, stripAccents: stripAccents, splitCJK: splitCJK)
    // special_tokens_map.json wins over tokenizer_config.json, as in transformers.
    func token(_ key: String, _ fallback: String) throws(EncoderError) -> String {
      if let raw = special.object[key] as? [String: Any], let content = raw["content"] as? String { return content }
      if let value = try special.string(key) { return value }
      return try tokenizer.string(key) ?? fallback
    }
    unknownToken = try token("unk_token", unknownToken)
    classToken = try token("cls_token", classToken)
    separatorToken = try token("sep_token", separatorToken)
    padToken = try token("pad_token", padToken)
    maskToken = try token("mask_token", maskToken)
  }

  /// The special tokens, matched verbatim in raw text before normalisation.
  public var specialTokens: [String] { [padToken, unknownToken, classToken, separatorToken, maskToken] }
}
