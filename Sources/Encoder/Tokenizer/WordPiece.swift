/// WordPiece: one word → vocabulary ids by greedy longest match from the left.
///
/// From each position the longest prefix of the rest of the word that is in the vocabulary is
/// taken (with ``TokenizerSettings/continuationPrefix`` `##` for every piece but the first);
/// if some position has no match, or the word has more than
/// ``TokenizerSettings/maxCharactersPerWord`` scalars, the whole word becomes the unknown token.
/// Matches are tried on scalar boundaries and compared as UTF-8 bytes.
struct WordPiece: Sendable {
  let vocabulary: Vocabulary
  let unknownID: Int32
  let prefix: [UInt8]
  let maxCharacters: Int

  /// Appends the ids of `word` to `ids`.
  /// - Complexity: O(c²) lookups for a word of c scalars (c ≤ 100).
  func append(_ word: [Unicode.Scalar], to ids: inout [Int32]) {
    if word.count > maxCharacters { ids.append(unknownID); return }
    var bytes: [UInt8] = []
    var boundaries: [Int] = [0]  // byte offset where each scalar starts, then the end
    for scalar in word {
      bytes.append(contentsOf: String(scalar).utf8)
      boundaries.append(bytes.count)
    }
    var pieces: [Int32] = []
    var start = 0  // scalar index
    while start < word.count {
      var end = word.count
      var found: Int32?
      while start < end {
        let slice = bytes[boundaries[start]..<boundaries[end]]
        found = start == 0 ? vocabulary.id(utf8: slice) : vocabulary.id(utf8: prefix + slice)
        if found != nil { break }
        end -= 1
      }
      guard let id = found else { ids.append(unknownID); return }
      pieces.append(id)
      start = end
    }
    ids.append(contentsOf: pieces)
  }
}
