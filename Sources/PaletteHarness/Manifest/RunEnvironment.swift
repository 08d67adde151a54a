import Foundation
import Palettization

/// Facts about the machine and build a manifest records.
enum RunEnvironment {
  /// The compiler the harness was built with, to the minor version.
  static var swiftVersion: String {
    #if compiler(>=6.4)
      return "6.4+"
    #elseif compiler(>=6.3)
      return "6.3"
    #elseif compiler(>=6.2)
      return "6.2"
    #elseif compiler(>=6.1)
      return "6.1"
    #else
      return "6.0"
    #endif
  }

  static var arch: String {
    #if arch(x86_64)
      return "x86_64"
    #elseif arch(arm64)
      return "arm64"
    #else
      return "unknown"
    #endif
  }

  static var os: String {
    #if os(Linux)
      return "Linux " + ProcessInfo.processInfo.operatingSystemVersionString
    #else
      return ProcessInfo.processInfo.operatingSystemVersionString
    #endif
  }

  /// `git rev-parse HEAD` in `folder` (plus `-dirty` with uncommitted changes), or `nil`.
  static func gitCommit(in folder: URL) -> String? {
    guard let head = run(["git", "-C", folder.path, "rev-parse", "HEAD"]), !head.isEmpty else { return nil }
    let status = run(["git", "-C", folder.path, "status", "--porcelain", "--untracked-files=no"]) ?? ""
    return status.isEmpty ? head : head + "-dirty"
  }

  private static func run(_ arguments: [String]) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }
}
