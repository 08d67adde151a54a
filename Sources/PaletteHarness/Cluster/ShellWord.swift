/// POSIX shell quoting for the scripts `harness slurm` writes.
enum ShellWord {
  /// `text` as one shell word: unchanged when it only has characters no shell treats specially,
  /// else in single quotes (an inner `'` becomes `'\''`).
  static func quote(_ text: String) -> String {
    let plain = !text.isEmpty && text.unicodeScalars.allSatisfy {
      ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_./=:,+@%".unicodeScalars.contains($0)
    }
    return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
