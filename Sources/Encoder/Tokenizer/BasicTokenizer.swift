import Foundation

/// BERT's normaliser and pre-tokeniser: raw text → words, before WordPiece.
///
/// Semantics of Hugging Face `tokenizers`' `BertNormalizer` + `BertPreTokenizer` (which
/// `transformers`' `BertTokenizer` and sentence-transformers use), scalar by scalar:
/// 1. Clean: drop U+0000, U+FFFD and "other" characters (general categories Cc, Cf, Co — e.g.
///    BEL, U+200B zero-width space, U+200D joiner, U+FEFF, private use) except tab, LF and CR;
///    turn every White_Space character (and tab, LF, CR) into a space. Unassigned code points
///    (Cn) are kept, as the reference keeps them (they become `[UNK]`).
/// 2. CJK: put spaces around CJK Unified Ideographs (the blocks in ``isCJKIdeograph(_:)``);
///    Hiragana, Katakana and Hangul are not split.
/// 3. Strip accents (when ``TokenizerSettings/stripAccents``): canonical decomposition (NFD),
///    then drop non-spacing marks (Mn). Spacing marks (Mc) stay.
/// 4. Lower-case (when ``TokenizerSettings/lowercase``): each scalar's full lowercase mapping,
///    context-free (a final Σ becomes σ, İ was already I after step 3).
/// 5. Split at White_Space (dropped) and around punctuation (kept as one-scalar words):
///    ASCII punctuation — which includes `$ + < = > ^ \` | ~`, symbols to Unicode — and the
///    Unicode punctuation categories Pc, Pd, Ps, Pe, Pi, Pf, Po.
///
/// Character classes come from the Unicode tables of the Swift runtime; the reference uses
/// Rust's tables, so a character assigned in a recent Unicode version may be classed
/// differently (such characters are rare in text and in the vocabulary).
struct BasicTokenizer: Sendable {
  var lowercase: Bool
  var stripAccents: Bool
  var splitCJK: Bool

  /// The words of `text`, each as Unicode scalars.
  /// - Complexity: O(n) for n scalars (NFD is linear).
  func words(_ text: some Sequence<Unicode.Scalar>) -> [[Unicode.Scalar]] {
    var cleaned: [Unicode.Scalar] = []
    var ascii = true
    for scalar in text {
      if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
      if Self.isWhitespace(scalar) { cleaned.append(" "); continue }
      if splitCJK && Self.isCJKIdeograph(scalar) {
        cleaned.append(" "); cleaned.append(scalar); cleaned.append(" ")
      } else {
        cleaned.append(scalar)
      }
      if !scalar.isASCII { ascii = false }
    }
    if stripAccents && !ascii {
      var view = String.UnicodeScalarView()
      view.append(contentsOf: cleaned)
      cleaned = String(view).decomposedStringWithCanonicalMapping.unicodeScalars
        .filter { $0.properties.generalCategory != .nonspacingMark }
    }
    if lowercase {
      var lowered: [Unicode.Scalar] = []
      lowered.reserveCapacity(cleaned.count)
      for scalar in cleaned {
        if scalar.isASCII {
          lowered.append(scalar.value >= 65 && scalar.value <= 90 ? Unicode.Scalar(UInt8(scalar.value + 32)) : scalar)
        } else {
          lowered.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
        }
      }
      cleaned = lowered
    }
    var words: [[Unicode.Scalar]] = []
    var word: [Unicode.Scalar] = []
    for scalar in cleaned {
      if scalar.properties.isWhitespace {
        if !word.isEmpty { words.append(word); word.removeAll(keepingCapacity: true) }
      } else if Self.isPunctuation(scalar) {
        if !word.isEmpty { words.append(word); word.removeAll(keepingCapacity: true) }
        words.append([scalar])
      } else {
        word.append(scalar)
      }
    }
    if !word.isEmpty { words.append(word) }
    return words
  }

  /// Tab, LF, CR and White_Space characters.
  static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.isWhitespace
  }

  /// Categories Cc, Cf, Co (and Cs), except tab, LF and CR. Not Cn: the reference's
  /// `is_other` keeps unassigned code points (checked against it on U+0378).
  static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
    switch scalar.properties.generalCategory {
    case .control, .format, .privateUse, .surrogate: return true
    default: return false
    }
  }

  /// ASCII punctuation (`!"#$%&'()*+,-./:;<=>?@[\]^_\`{|}~`) or a Unicode punctuation category.
  static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
    let v = scalar.value
    if v < 128 { return (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) }
    switch scalar.properties.generalCategory {
    case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
         .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
    default: return false
    }
  }

  /// The CJK Unified Ideographs blocks BERT splits: U+4E00–9FFF, U+3400–4DBF, U+20000–2A6DF,
  /// U+2A700–2B73F, U+2B740–2B81F, U+2B920–2CEAF, U+F900–FAFF, U+2F800–2FA1F (the ranges of
  /// `tokenizers`' `is_chinese_char`).
  static func isCJKIdeograph(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
         0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F: return true
    default: return false
    }
  }
}
