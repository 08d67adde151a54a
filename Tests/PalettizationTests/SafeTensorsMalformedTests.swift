import Foundation
import Testing
@testable import Palettization

/// One broken file: how to build it, and the message (after `"<path>: "`) it must produce.
struct MalformedCase: CustomTestStringConvertible, Sendable {
  var name: String
  var header: [UInt8]
  var data: [UInt8] = []
  /// The 8-byte length to write, when it should not be the header's.
  var length: UInt64?
  /// Write only these first bytes of the file (for files too short for the length field).
  var truncate: Int?
  var message: String

  var testDescription: String { name }

  init(_ name: String, header: String, data: [UInt8] = [], message: String) {
    self.name = name
    self.header = Array(header.utf8)
    self.data = data
    self.message = message
  }

  init(_ name: String, bytes header: [UInt8], data: [UInt8] = [], length: UInt64? = nil, truncate: Int? = nil, message: String) {
    self.name = name
    self.header = header
    self.data = data
    self.length = length
    self.truncate = truncate
    self.message = message
  }
}

/// `{"a": {"dtype": …}}` with the given raw field texts.
private func tensorEntry(_ name: String = "a", dtype: String = #""F32""#, shape: String = "[2]", offsets: String = "[0,8]") -> String {
  #""\#(name)":{"dtype":\#(dtype),"shape":\#(shape),"data_offsets":\#(offsets)}"#
}

private let unknownF128 = "tensor 'a': unknown dtype 'F128' (known: " + known + ")"
private let unknownLower = "tensor 'a': unknown dtype 'f32' (known: " + known + ")"

private let nested200 = #"{"a":"# + String(repeating: "[", count: 200)

/// A header object holding the given members.
private func object(_ members: String...) -> String { "{" + members.joined(separator: ",") + "}" }

private let known = "BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64"

@Suite("safetensors malformed files: each gives its exact error, never a crash")
struct SafeTensorsMalformedTests {
  static let cases: [MalformedCase] = [
    // Framing
    MalformedCase("empty file", bytes: [], truncate: 0, message: "file is 0 bytes, too short for the 8-byte header length"),
    MalformedCase("5-byte file", bytes: [], truncate: 5, message: "file is 5 bytes, too short for the 8-byte header length"),
    MalformedCase("absurd header length", bytes: Array("{}".utf8), length: 200_000_000,
                  message: "header length 200000000 exceeds the 100000000-byte limit"),
    MalformedCase("header length 2^64-1", bytes: Array("{}".utf8), length: .max,
                  message: "header length 18446744073709551615 exceeds the 100000000-byte limit"),
    MalformedCase("header length past end of file", bytes: Array("{}".utf8), data: [0, 0], length: 1000,
                  message: "header length 1000 runs past the end of the 12-byte file"),
    MalformedCase("header length one past end", bytes: Array("{}".utf8), length: 3,
                  message: "header length 3 runs past the end of the 10-byte file"),
    // Header text
    MalformedCase("invalid UTF-8", bytes: [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D], message: "header is not valid UTF-8"),
    MalformedCase("truncated JSON", header: #"{"a":"#, message: "header is not valid JSON at byte 5: unexpected end of header"),
    MalformedCase("empty header", header: "", message: "header is not valid JSON at byte 0: unexpected end of header"),
    MalformedCase("junk after the object", header: "{} x", message: "header is not valid JSON at byte 3: unexpected 'x' after the top-level value"),
    MalformedCase("missing comma", header: #"{"a":{} "b":{}}"#, message: "header is not valid JSON at byte 8: expected ',' or '}', found '\"'"),
    MalformedCase("trailing comma", header: #"{"__metadata__":{},}"#, message: "header is not valid JSON at byte 19: expected a string key, found '}'"),
    MalformedCase("single quotes", header: "{'a':1}", message: "header is not valid JSON at byte 1: expected a string key, found '''"),
    MalformedCase("leading zero", header: object(tensorEntry(shape: "[02]")), message: "header is not valid JSON at byte 30: expected ',' or ']', found '2'"),
    MalformedCase("lone surrogate", header: #"{"\ud800":1}"#, message: #"header is not valid JSON at byte 8: lone surrogate \uD800"#),
    MalformedCase("raw control character", bytes: [0x7B, 0x22, 0x61, 0x0A, 0x22, 0x3A, 0x31, 0x7D],
                  message: "header is not valid JSON at byte 3: unescaped control character 0xA in a string"),
    MalformedCase("nesting 200 deep", header: nested200,
                  message: "header is not valid JSON at byte 132: nesting deeper than 128"),
    MalformedCase("header is an array", header: "[1,2]", message: "header is [1, 2], not a JSON object"),
    MalformedCase("header is a string", header: #""hi""#, message: "header is \"hi\", not a JSON object"),
    MalformedCase("duplicate tensor", header: object(tensorEntry(), tensorEntry()), data: Array(repeating: 0, count: 8),
                  message: "header repeats key 'a'"),
    MalformedCase("duplicate field", header: #"{"a":{"dtype":"F32","dtype":"F16"}}"#, message: "header repeats key 'dtype' in 'a'"),
    // Metadata
    MalformedCase("metadata not an object", header: #"{"__metadata__":[1]}"#, message: "__metadata__ is [1], not an object of strings"),
    MalformedCase("metadata value not a string", header: #"{"__metadata__":{"k":1}}"#,
                  message: "__metadata__ value for 'k' is 1, not a string"),
    MalformedCase("metadata value an object", header: #"{"__metadata__":{"k":{"x":"y"}}}"#,
                  message: "__metadata__ value for 'k' is an object, not a string"),
    // Entries
    MalformedCase("entry not an object", header: #"{"a":5}"#, message: "tensor 'a': entry is 5, not an object"),
    MalformedCase("missing dtype", header: #"{"a":{"shape":[1],"data_offsets":[0,4]}}"#, message: "tensor 'a': missing field 'dtype'"),
    MalformedCase("missing shape", header: #"{"a":{"dtype":"F32","data_offsets":[0,4]}}"#, message: "tensor 'a': missing field 'shape'"),
    MalformedCase("missing data_offsets", header: #"{"a":{"dtype":"F32","shape":[1]}}"#, message: "tensor 'a': missing field 'data_offsets'"),
    MalformedCase("dtype not a string", header: object(tensorEntry(dtype: "32")), message: "tensor 'a': dtype is 32, not a string"),
    MalformedCase("unknown dtype", header: object(tensorEntry(dtype: #""F128""#)), message: unknownF128),
    MalformedCase("lower-case dtype", header: object(tensorEntry(dtype: #""f32""#)), message: unknownLower),
    MalformedCase("negative dimension", header: object(tensorEntry(shape: "[-3]")), message: "tensor 'a': shape [-3] is not an array of non-negative integers"),
    MalformedCase("fractional dimension", header: object(tensorEntry(shape: "[2.5,1]")), message: "tensor 'a': shape [2.5, 1] is not an array of non-negative integers"),
    MalformedCase("exponent dimension", header: object(tensorEntry(shape: "[2e0]")), message: "tensor 'a': shape [2e0] is not an array of non-negative integers"),
    MalformedCase("shape not an array", header: object(tensorEntry(shape: #""2x2""#)), message: "tensor 'a': shape \"2x2\" is not an array of non-negative integers"),
    MalformedCase("dimension beyond Int", header: object(tensorEntry(shape: "[99999999999999999999]")),
                  message: "tensor 'a': shape [99999999999999999999] is not an array of non-negative integers"),
    MalformedCase("shape overflows", header: object(tensorEntry(shape: "[4294967296,4294967296]")),
                  message: "tensor 'a': shape [4294967296, 4294967296] of F32 overflows the byte count"),
    MalformedCase("three offsets", header: object(tensorEntry(offsets: "[0,4,8]")), message: "tensor 'a': data_offsets [0, 4, 8] is not two non-negative integers"),
    MalformedCase("negative offset", header: object(tensorEntry(offsets: "[-8,0]")), message: "tensor 'a': data_offsets [-8, 0] is not two non-negative integers"),
    MalformedCase("offsets as strings", header: object(tensorEntry(offsets: #"["0","8"]"#)),
                  message: "tensor 'a': data_offsets [\"0\", \"8\"] is not two non-negative integers"),
    MalformedCase("offsets reversed", header: object(tensorEntry(offsets: "[8,0]")), data: Array(repeating: 0, count: 8),
                  message: "tensor 'a': data_offsets [8, 0] end before they begin"),
    MalformedCase("offsets past the data", header: object(tensorEntry(shape: "[25]", offsets: "[0,100]")), data: Array(repeating: 0, count: 64),
                  message: "tensor 'a': data_offsets [0, 100] run past the 64-byte data buffer"),
    MalformedCase("offsets past 2^63", header: object(tensorEntry(offsets: "[0,9223372036854775807]")),
                  message: "tensor 'a': data_offsets [0, 9223372036854775807] run past the 0-byte data buffer"),
    MalformedCase("size not shape x dtype", header: object(tensorEntry("a.weight", shape: "[5,6]", offsets: "[0,100]")),
                  data: Array(repeating: 0, count: 100),
                  message: "tensor 'a.weight': data_offsets [0, 100] hold 100 bytes but shape [5, 6] of F32 needs 120"),
    MalformedCase("size of a zero-size shape", header: object(tensorEntry(shape: "[0,3]", offsets: "[0,4]")), data: [0, 0, 0, 0],
                  message: "tensor 'a': data_offsets [0, 4] hold 4 bytes but shape [0, 3] of F32 needs 0"),
    // Tiling
    MalformedCase("overlapping tensors", header: object(tensorEntry(), tensorEntry("b", offsets: "[4,12]")),
                  data: Array(repeating: 0, count: 12),
                  message: "tensor 'b': data_offsets [4, 12] overlap tensor 'a' at [0, 8]"),
    MalformedCase("same range twice", header: object(tensorEntry("b"), tensorEntry()), data: Array(repeating: 0, count: 8),
                  message: "tensor 'b': data_offsets [0, 8] overlap tensor 'a' at [0, 8]"),
    MalformedCase("gap between tensors", header: object(tensorEntry(), tensorEntry("b", offsets: "[12,20]")),
                  data: Array(repeating: 0, count: 20),
                  message: "tensor 'b': data_offsets [12, 20] leave bytes 8..<12 of the data buffer unused"),
    MalformedCase("gap before the first tensor", header: object(tensorEntry(offsets: "[4,12]")), data: Array(repeating: 0, count: 12),
                  message: "tensor 'a': data_offsets [4, 12] leave bytes 0..<4 of the data buffer unused"),
    MalformedCase("trailing bytes", header: object(tensorEntry()), data: Array(repeating: 0, count: 12),
                  message: "tensors end at byte 8 of the 12-byte data buffer; the rest is unused"),
    MalformedCase("data but no tensors", header: "{}", data: [1], message: "tensors end at byte 0 of the 1-byte data buffer; the rest is unused"),
  ]

  @Test("malformed file", arguments: cases)
  func malformed(_ testCase: MalformedCase) throws {
    let folder = try TemporaryFolder()
    var file = try folder.rawFile(header: testCase.header, data: testCase.data, length: testCase.length)
    if let truncate = testCase.truncate {
      file = folder.url.appendingPathComponent("short.safetensors")
      try Data(Array(repeating: UInt8(1), count: truncate)).write(to: file)
    }
    #expect {
      _ = try SafeTensorsFile(contentsOf: file)
    } throws: { error in
      guard let error = error as? SafeTensorsError else { return false }
      #expect(error.description == "\(file.path): \(testCase.message)")
      #expect(error.errorDescription == error.description)
      return error.path == file.path
    }
  }

  @Test("a missing file, a directory, an unknown tensor and float values of an I64 tensor are errors")
  func requestErrors() throws {
    let folder = try TemporaryFolder()
    let missing = folder.url.appendingPathComponent("nope.safetensors")
    #expect(throws: SafeTensorsError(path: missing.path, fault: .io(operation: "open", reason: "No such file or directory"))) {
      try SafeTensorsFile(contentsOf: missing)
    }
    #expect(throws: SafeTensorsError(path: folder.url.path, fault: .notARegularFile)) {
      try SafeTensorsFile(contentsOf: folder.url)
    }

    let file = try folder.rawFile(header: #"{"embeddings.position_ids":{"dtype":"I64","shape":[1,2],"data_offsets":[0,16]}}"#,
                                  data: littleEndianBytes([Int64(0), 1]))
    let read = try SafeTensorsFile(contentsOf: file)
    #expect(try read.bytes(of: "embeddings.position_ids") == littleEndianBytes([Int64(0), 1]))
    do {
      _ = try read.tensor(named: "embeddings.position_ids")
      Issue.record("I64 tensor converted to floats")
    } catch {
      #expect(error.description == "\(file.path): tensor 'embeddings.position_ids' has dtype I64, not a float dtype (F32, F16, BF16, F64)")
    }
    do {
      _ = try read.info("encoder.weight")
      Issue.record("unknown tensor found")
    } catch {
      #expect(error.description == "\(file.path): no tensor named 'encoder.weight'")
    }
    #expect(!read.contains("encoder.weight"))
  }

  @Test("a hostile header of 1 MB of nested brackets is rejected without deep recursion")
  func deepNestingIsBounded() throws {
    let folder = try TemporaryFolder()
    let file = try folder.rawFile(header: String(repeating: "[", count: 1 << 20))
    #expect(throws: SafeTensorsError(path: file.path, fault: .headerNotJSON(offset: 128, reason: "nesting deeper than 128"))) {
      try SafeTensorsFile(contentsOf: file)
    }
  }
}
