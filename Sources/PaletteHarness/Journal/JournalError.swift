import Foundation

/// A sweep journal that cannot be used: which folder or file, and what is wrong. The message
/// says how to go on (resume with the binary that wrote it, or remove the journal).
public struct JournalError: LocatedError, Equatable, Sendable {
  /// The journal folder or the file in it at fault.
  public var file: String
  public var problem: String
  public var line: Int? { nil }

  public init(file: String, problem: String) {
    self.file = file
    self.problem = problem
  }

  /// How to go on from a journal in `folder` that cannot be used: the advice every journal
  /// error about its content ends with.
  static func startOver(_ folder: URL) -> String {
    "remove the journal (rm -r '\(folder.path)') to start over"
  }
}
