import Foundation
import Testing
@testable import Palettization

@Suite("safetensors writer: validation before writing, atomic replacement")
struct SafeTensorsWriterTests {
  static let good = SafeTensorsEntry(name: "w", tensor: Tensor(shape: [2], values: [1, 2]))

  @Test("invalid entries throw before anything is created", arguments: [
    ([good, SafeTensorsEntry(name: "b", dtype: .float32, shape: [5, 6], bytes: Array(repeating: 0, count: 100))],
     "tensor 'b': 100 bytes given but shape [5, 6] of F32 needs 120"),
    ([good, good], "two tensors are named 'w'"),
    ([SafeTensorsEntry(name: "__metadata__", dtype: .uint8, shape: [0], bytes: [])], "a tensor cannot be named '__metadata__'"),
    ([SafeTensorsEntry(name: "n", dtype: .uint8, shape: [-1], bytes: [])], "tensor 'n': shape [-1] is not an array of non-negative integers"),
    ([SafeTensorsEntry(name: "o", dtype: .int64, shape: [1 << 31, 1 << 31, 4], bytes: [])],
     "tensor 'o': shape [2147483648, 2147483648, 4] of I64 overflows the byte count"),
  ])
  func invalidEntries(entries: [SafeTensorsEntry], message: String) throws {
    let folder = try TemporaryFolder()
    let file = folder.url.appendingPathComponent("out.safetensors")
    #expect {
      try SafeTensorsWriter(entries: entries).write(to: file)
    } throws: { error in
      (error as? SafeTensorsError)?.description == "\(file.path): \(message)"
    }
    #expect(try folder.contents() == [])
  }

  @Test("writing into a missing directory fails and leaves nothing behind")
  func missingDirectory() throws {
    let folder = try TemporaryFolder()
    let file = folder.url.appendingPathComponent("missing/out.safetensors")
    #expect(throws: SafeTensorsError(path: file.path, fault: .io(operation: "create temporary file", reason: "No such file or directory"))) {
      try SafeTensorsWriter(entries: [Self.good]).write(to: file)
    }
    #expect(try folder.contents() == [])
  }

  @Test("a failed write leaves the previous file untouched; a good one replaces it, with no temporary file left")
  func atomicReplacement() throws {
    let folder = try TemporaryFolder()
    let file = folder.url.appendingPathComponent("out.safetensors")
    try SafeTensorsWriter(entries: [Self.good], metadata: ["v": "1"]).write(to: file)
    let before = try Data(contentsOf: file)

    #expect(throws: SafeTensorsError.self) {
      try SafeTensorsWriter(entries: [SafeTensorsEntry(name: "bad", dtype: .int32, shape: [3], bytes: [1, 2, 3])]).write(to: file)
    }
    #expect(try Data(contentsOf: file) == before)
    #expect(try folder.contents() == ["out.safetensors"])

    try SafeTensorsWriter(entries: [Self.good], metadata: ["v": "2"]).write(to: file)
    #expect(try SafeTensorsFile(contentsOf: file).metadata == ["v": "2"])
    #expect(try folder.contents() == ["out.safetensors"])
  }

  @Test("a reader keeps its mapping of a file that is replaced while open")
  func replaceWhileMapped() throws {
    let folder = try TemporaryFolder()
    let file = folder.url.appendingPathComponent("out.safetensors")
    try SafeTensorsWriter(entries: [Self.good]).write(to: file)
    let open = try SafeTensorsFile(contentsOf: file)
    try SafeTensorsWriter(entries: [SafeTensorsEntry(name: "w", tensor: Tensor(shape: [2], values: [3, 4]))]).write(to: file)
    #expect(try open.tensor(named: "w").values == [1, 2])
    #expect(try SafeTensorsFile(contentsOf: file).tensor(named: "w").values == [3, 4])
  }
}
