import Foundation

/// The running executable, identified by the SHA-256 of its file: a journal is only ever
/// continued by the binary that started it, since another build may compute other bits.
public struct HarnessBinary: Codable, Sendable, Equatable {
  /// ``HarnessVersion/current`` of the binary.
  public var version: String
  /// SHA-256 of the executable file.
  public var sha256: String
  /// Absolute path it ran from (informational; a copy elsewhere is the same binary).
  public var path: String

  /// This process's executable, hashed once per process (about 0.2 s for a 28 MB debug test
  /// binary); `nil` when it cannot be read. On Linux the file is read through `/proc/self/exe`,
  /// which opens the running file even if a rebuild has replaced it on disk since.
  public static let current: HarnessBinary? = {
    #if os(Linux)
      let file = "/proc/self/exe"
      let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: file)) ?? file
    #else
      guard let path = Bundle.main.executablePath else { return nil }
      let file = path
    #endif
    guard let (sha, _) = try? SHA256Hasher.hex(ofFile: URL(fileURLWithPath: file)) else { return nil }
    return HarnessBinary(version: HarnessVersion.current, sha256: sha, path: path)
  }()
}
