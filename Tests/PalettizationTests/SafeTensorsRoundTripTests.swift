import Foundation
import Testing
@testable import Palettization

/// A fresh temporary folder, removed when the test is done with it.
final class TemporaryFolder {
  let url: URL

  init() throws {
    url = FileManager.default.temporaryDirectory
      .appendingPathComponent("palettelab-safetensors-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(at: url) }

  /// Names of the files in the folder, hidden ones included, sorted.
  func contents() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
  }

  /// Writes a raw safetensors file: the 8-byte length (of `header`, unless `length` is given),
  /// the header bytes, then `data`.
  func rawFile(_ name: String = "model.safetensors", header: [UInt8], data: [UInt8] = [], length: UInt64? = nil) throws -> URL {
    var bytes = withUnsafeBytes(of: (length ?? UInt64(header.count)).littleEndian) { Array($0) }
    bytes += header + data
    let file = url.appendingPathComponent(name)
    try Data(bytes).write(to: file)
    return file
  }

  func rawFile(_ name: String = "model.safetensors", header: String, data: [UInt8] = []) throws -> URL {
    try rawFile(name, header: Array(header.utf8), data: data)
  }
}

/// Little-endian bytes of each value.
func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
  values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
}

@Suite("safetensors round trips through a temporary folder")
struct SafeTensorsRoundTripTests {
  @Test("every dtype round-trips with identical bytes, shape and dtype", arguments: SafeTensorsDType.allCases)
  func everyDType(dtype: SafeTensorsDType) throws {
    let folder = try TemporaryFolder()
    let file = folder.url.appendingPathComponent("t.safetensors")
    let shape = [3, 2]
    let bytes = (0..<(6 * dtype.byteWidth)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    try SafeTensorsWriter(entries: [
      SafeTensorsEntry(name: "w", dtype: dtype, shape: shape, bytes: bytes),
      SafeTensorsEntry(name: "scalar", dtype: dtype, shape: [], bytes: Array(bytes.prefix(dtype.byteWidth))),
      SafeTensorsEntry(name: "empty", dtype: dtype, shape: [0, 4], bytes: []),
    ]).write(to: file)

    let read = try SafeTensorsFile(contentsOf: file)
    #expect(Set(read.tensorNames) == ["w", "scalar", "empty"])
    let info = try read.info("w")
    #expect(info.dtype == dtype && info.shape == shape && info.byteCount == bytes.count)
    #expect(try read.bytes(of: "w") == bytes)
    #expect(try read.bytes(of: "scalar") == Array(bytes.prefix(dtype.byteWidth)))
    #expect(try read.info("scalar").shape == [])
    #expect(try read.info("empty").shape == [0, 4])
    #expect(try read.bytes(of: "empty") == [])
    #expect(read.metadata == [:])
    // The header is padded to a multiple of 8, so the data buffer is 8-byte aligned in the file.
    #expect(read.dataStart % 8 == 0)
  }

  @Test("metadata is preserved, including escapes and non-ASCII text")
  func metadataRoundTrip() throws {
    let folder = try TemporaryFolder()
    let file = folder.url.appendingPathComponent("m.safetensors")
    let metadata = ["format": "pt", "quote\"back\\slash": "line\nbreak\ttab", "ünïcode ✓": "\u{01}ctl/𝄞", "": ""]
    try SafeTensorsWriter(entries: [SafeTensorsEntry(name: "ä.weight \"x\"", dtype: .uint8, shape: [1], bytes: [7])],
                          metadata: metadata).write(to: file)
    let read = try SafeTensorsFile(contentsOf: file)
    #expect(read.metadata == metadata)
    #expect(read.tensorNames == ["ä.weight \"x\""])
  }

  @Test("float tensors round-trip at their dtype; F64 reads as rounded Floats")
  func floatTensors() throws {
    let folder = try TemporaryFolder()
    let file = folder.url.appendingPathComponent("f.safetensors")
    let values: [Float] = [1, -0.5, 65504, 0x1p-24, -0.0, .infinity, 0.099975586, 3]
    let tensors: [(String, Tensor)] = [
      ("f32", Tensor(shape: [2, 4], values: values.map { $0 * 1.1 }, dtype: .float32)),
      ("f16", Tensor(shape: [4, 2], values: values, dtype: .float16)),
      ("bf16", Tensor(shape: [8], values: values.map(BFloat16.round), dtype: .bfloat16)),
      ("f64", Tensor(shape: [2, 2, 2], values: values, dtype: .float64)),
    ]
    try SafeTensorsWriter(entries: tensors.map { SafeTensorsEntry(name: $0.0, tensor: $0.1) }).write(to: file)
    let read = try SafeTensorsFile(contentsOf: file)
    for (name, tensor) in tensors {
      let back = try read.tensor(named: name)
      #expect(back.shape == tensor.shape && back.dtype == tensor.dtype)
      #expect(back.values.map(\.bitPattern) == tensor.values.map(\.bitPattern), "\(name)")
    }
  }

  @Test("integer entries store little-endian values; non-float tensors read as raw bytes only")
  func integerEntries() throws {
    let folder = try TemporaryFolder()
    let file = folder.url.appendingPathComponent("i.safetensors")
    try SafeTensorsWriter(entries: [
      SafeTensorsEntry(name: "position_ids", shape: [1, 3], integers: [Int64(0), 1, -2]),
      SafeTensorsEntry(name: "i32", shape: [2], integers: [Int32(-1), 0x0102_0304]),
      SafeTensorsEntry(name: "u8", shape: [2], integers: [UInt8(255), 0]),
      SafeTensorsEntry(name: "i8", shape: [2], integers: [Int8(-128), 127]),
    ]).write(to: file)
    let read = try SafeTensorsFile(contentsOf: file)
    #expect(try read.info("position_ids").dtype == .int64)
    #expect(try read.bytes(of: "position_ids") == [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
                                                  0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
    #expect(try read.bytes(of: "i32") == [0xFF, 0xFF, 0xFF, 0xFF, 0x04, 0x03, 0x02, 0x01])
    #expect(try read.bytes(of: "u8") == [255, 0])
    #expect(try read.bytes(of: "i8") == [0x80, 0x7F])
  }

  @Test("copy-through entries reproduce the source file byte for byte")
  func copyThrough() throws {
    let folder = try TemporaryFolder()
    let source = folder.url.appendingPathComponent("a.safetensors")
    let copy = folder.url.appendingPathComponent("b.safetensors")
    try SafeTensorsWriter(entries: [
      SafeTensorsEntry(name: "w", tensor: Tensor(shape: [2], values: [1, 2])),
      SafeTensorsEntry(name: "ids", shape: [2], integers: [Int64(5), 6]),
    ], metadata: ["k": "v"]).write(to: source)
    let read = try SafeTensorsFile(contentsOf: source)
    try SafeTensorsWriter(entries: try read.tensorNames.map { name throws(SafeTensorsError) in
      try SafeTensorsEntry.copying(name, from: read)
    }, metadata: read.metadata).write(to: copy)
    #expect(try Data(contentsOf: copy) == Data(contentsOf: source))
  }

  /// The reference implementation's own serializer test vectors (huggingface/safetensors,
  /// `tensor.rs`: `test_serialization`, `test_empty`), independent of this writer.
  @Test("the writer reproduces the reference serializer's bytes")
  func referenceVectors() throws {
    let folder = try TemporaryFolder()
    let values: [Float] = [0, 1, 2, 3, 4, 5]
    let file = folder.url.appendingPathComponent("r.safetensors")
    try SafeTensorsWriter(entries: [SafeTensorsEntry(name: "attn.0", tensor: Tensor(shape: [1, 2, 3], values: values))])
      .write(to: file)
    #expect(try Array(Data(contentsOf: file)) == [
      64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
      116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
      58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
      101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
      0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ])
    try SafeTensorsWriter().write(to: file)
    #expect(try Array(Data(contentsOf: file)) == [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32])
    try SafeTensorsWriter(metadata: ["framework": "pt"]).write(to: file)
    #expect(try Array(Data(contentsOf: file)) == [
      40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
      95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
      116, 34, 125, 125, 32, 32, 32, 32, 32,
    ])
    #expect(try SafeTensorsFile(contentsOf: file).metadata == ["framework": "pt"])
  }

  @Test("tensors are laid out by descending dtype then name, each aligned to its width")
  func layoutOrder() throws {
    let folder = try TemporaryFolder()
    let file = folder.url.appendingPathComponent("o.safetensors")
    try SafeTensorsWriter(entries: [
      SafeTensorsEntry(name: "a_u8", dtype: .uint8, shape: [3], bytes: [1, 2, 3]),
      SafeTensorsEntry(name: "b_f16", dtype: .float16, shape: [1], bytes: [0, 0x3C]),
      SafeTensorsEntry(name: "c_f32", dtype: .float32, shape: [1], bytes: [0, 0, 0x80, 0x3F]),
      SafeTensorsEntry(name: "a_f32", dtype: .float32, shape: [1], bytes: [0, 0, 0, 0x40]),
      SafeTensorsEntry(name: "z_i64", dtype: .int64, shape: [1], bytes: [9, 0, 0, 0, 0, 0, 0, 0]),
    ]).write(to: file)
    let read = try SafeTensorsFile(contentsOf: file)
    #expect(read.tensorNames == ["z_i64", "a_f32", "c_f32", "b_f16", "a_u8"])
    #expect(read.tensorInfos.map(\.dataOffsets) == [0..<8, 8..<12, 12..<16, 16..<18, 18..<21])
    #expect(try read.tensor(named: "b_f16").values == [1])
  }

  @Test("a header padded with spaces, unknown entry fields and a misaligned data buffer are accepted")
  func lenientInputs() throws {
    let folder = try TemporaryFolder()
    // Header of 63 bytes: the data buffer starts at byte 71, so the F32 value is misaligned.
    let header = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":null}}"#
    let padded = header + String(repeating: " ", count: 63 - header.utf8.count)
    let file = try folder.rawFile(header: padded, data: FloatConversion.encode([1.5, -2], to: .float32))
    let read = try SafeTensorsFile(contentsOf: file)
    #expect(read.dataStart == 71)
    #expect(try read.tensor(named: "w").values == [1.5, -2])
  }

  @Test("a file written here parses with an independent pure-Python reader (json + struct)")
  func pythonReadsWrittenFile() throws {
    let folder = try TemporaryFolder()
    let file = folder.url.appendingPathComponent("py.safetensors")
    try SafeTensorsWriter(entries: [
      SafeTensorsEntry(name: "lin.weight", tensor: Tensor(shape: [2, 2], values: [1.5, -2, 0.25, 1e-3])),
      SafeTensorsEntry(name: "half", tensor: Tensor(shape: [3], values: [1, -0.5, 65504], dtype: .float16)),
      SafeTensorsEntry(name: "brain", tensor: Tensor(shape: [2], values: [1, -3], dtype: .bfloat16)),
      SafeTensorsEntry(name: "double", tensor: Tensor(shape: [1], values: [0.1], dtype: .float64)),
      SafeTensorsEntry(name: "ids", shape: [3], integers: [Int64(-1), 0, 1 << 40]),
      SafeTensorsEntry(name: "idx", shape: [2, 2], integers: [UInt8(0), 255, 7, 8]),
      SafeTensorsEntry(name: "q", shape: [2], integers: [Int8(-5), 5]),
      SafeTensorsEntry(name: "i", shape: [1], integers: [Int32(-70000)]),
    ], metadata: ["palettelab": "{\"n_bits\": 4}", "format": "pt"]).write(to: file)

    let script = #"""
    import json, struct, sys
    raw = open(sys.argv[1], 'rb').read()
    (n,) = struct.unpack('<Q', raw[:8])
    assert n % 8 == 0, n
    header = json.loads(raw[8:8 + n].decode('utf-8'))
    data = raw[8 + n:]
    meta = header.pop('__metadata__', {})
    fmt = {'F32': 'f', 'F16': 'e', 'F64': 'd', 'I64': 'q', 'U8': 'B', 'I8': 'b', 'I32': 'i', 'BF16': 'H'}
    size = {'f': 4, 'e': 2, 'd': 8, 'q': 8, 'B': 1, 'b': 1, 'i': 4, 'H': 2}
    out, end = {}, 0
    for name, e in sorted(header.items(), key=lambda kv: kv[1]['data_offsets']):
        b, t = e['data_offsets']
        assert b == end and b % size[fmt[e['dtype']]] == 0, (name, b, end)
        end = t
        count = 1
        for d in e['shape']:
            count *= d
        assert t - b == count * size[fmt[e['dtype']]], name
        vals = list(struct.unpack('<%d%s' % (count, fmt[e['dtype']]), data[b:t]))
        if e['dtype'] == 'BF16':
            vals = [struct.unpack('<f', struct.pack('<I', v << 16))[0] for v in vals]
        out[name] = {'dtype': e['dtype'], 'shape': e['shape'], 'values': vals}
    assert end == len(data)
    print(json.dumps({'metadata': meta, 'tensors': out}, sort_keys=True))
    """#
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, file.path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)

    struct Parsed: Decodable {
      struct Entry: Decodable, Equatable { var dtype: String; var shape: [Int]; var values: [Double] }
      var metadata: [String: String]
      var tensors: [String: Entry]
    }
    let parsed = try JSONDecoder().decode(Parsed.self, from: output)
    #expect(parsed.metadata == ["palettelab": "{\"n_bits\": 4}", "format": "pt"])
    #expect(parsed.tensors.count == 8)
    func check(_ name: String, _ dtype: String, _ shape: [Int], _ values: [Double]) {
      #expect(parsed.tensors[name] == Parsed.Entry(dtype: dtype, shape: shape, values: values), "\(name)")
    }
    check("lin.weight", "F32", [2, 2], [1.5, -2, 0.25, Double(Float(1e-3))])
    check("half", "F16", [3], [1, -0.5, 65504])
    check("brain", "BF16", [2], [1, -3])
    check("double", "F64", [1], [Double(Float(0.1))])
    check("ids", "I64", [3], [-1, 0, 1_099_511_627_776])
    check("idx", "U8", [2, 2], [0, 255, 7, 8])
    check("q", "I8", [2], [-5, 5])
    check("i", "I32", [1], [-70000])
  }
}
