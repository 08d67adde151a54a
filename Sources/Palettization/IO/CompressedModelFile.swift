import Foundation

/// The compressed export of a palettized model, as a safetensors file any safetensors reader
/// opens (layout documented in the README, "Compressed file layout").
///
/// For each palettized tensor `T`:
/// - `T.lut` — `[blocks, K, clusterDim]`, at the weight's dtype; or, with a quantized LUT, the
///   8-bit codes (`I8` for int8, `U8` for uint8 and both fp8 formats);
/// - `T.indices` — `U8`, the `nBits` indices of ``WeightLayout/indexShape`` in row-major order,
///   packed least-significant bit first: index `i` occupies stream bits
///   `[i·nBits, (i+1)·nBits)`, stream bit `j` being bit `j % 8` of byte `j / 8`; for a jointly
///   sparse weight only the indices of stored vectors, in the same order;
/// - `T.mask` — jointly sparse weights only (``SparsityMask``): `U8`, one bit per element of
///   the weight in row-major order, packed least-significant bit first, 1 = stored (has an
///   index), 0 = exactly 0.0;
/// - `T.per_channel_scale` — `[shape[0]]` at the weight's dtype, when used;
/// - `T.lut_scale` (`F32`, `[blocks]`) and `T.lut_zero_point` (`I8`/`U8` like the codes,
///   `[blocks]`, asymmetric scheme only), when the LUT is quantized.
/// Every other tensor is copied through unchanged. `__metadata__` holds `format` =
/// `palettelab.compressed/1` and `palettelab.tensors`, a JSON object mapping each palettized
/// tensor to its `shape`, `dtype`, `op`, `spec`, `index_shape`, `blocks` and metrics, and for a
/// jointly sparse weight `sparse: true`, `stored_per_block` and `zero_reserved_blocks` (the
/// blocks whose LUT entry 0 is the reserved zero).
public enum CompressedModelFile {
  public static let formatName = "palettelab.compressed/1"

  /// Writes `palettized` (with the untouched tensors of `model`) to `url`, atomically.
  public static func write(_ palettized: PalettizedModel, model: Model, to url: URL) throws {
    try writer(for: palettized, model: model).write(to: url)
  }

  /// The entries and metadata of the compressed file of `palettized` (see ``write(_:model:to:)``;
  /// ``writeCheckpoint(_:model:to:maxShardBytes:)`` splits them over shards). Tied names
  /// (``Model/ties``) are written once: the other names of a storage become `__metadata__`
  /// entries `"name": "written name"`, the convention `safetensors.torch.save_model` uses.
  public static func writer(for palettized: PalettizedModel, model: Model) throws -> SafeTensorsWriter {
    let parts = try parts(for: palettized, model: model)
    var writer = SafeTensorsWriter(entries: parts.groups.flatMap(\.entries))
    writer.metadata = try metadata(described: parts.described, aliases: parts.aliases)
    return writer
  }

  /// What a compressed file holds, before it is laid out in one file or in shards.
  struct Parts {
    /// Per written tensor, in model order: its entries (a palettized tensor's `T.lut`,
    /// `T.indices`, …; a copied tensor's own).
    var groups: [(name: String, entries: [SafeTensorsEntry])]
    /// `palettelab.tensors`: per palettized tensor, its description.
    var described: [String: Any]
    /// Tied names: alias → the name written.
    var aliases: [String: String]
  }

  /// The `__metadata__` of a compressed file: the format, `described` as `palettelab.tensors`
  /// (sorted keys) and the tie aliases.
  static func metadata(described: [String: Any], aliases: [String: String]) throws -> [String: String] {
    let json = try JSONSerialization.data(withJSONObject: described, options: [.sortedKeys])
    return aliases.merging(
      ["format": formatName, "palettelab.tensors": String(decoding: json, as: UTF8.self)], uniquingKeysWith: { $1 })
  }

  static func parts(for palettized: PalettizedModel, model: Model) throws -> Parts {
    var groups: [(name: String, entries: [SafeTensorsEntry])] = []
    var described: [String: Any] = [:]
    let results = Dictionary(uniqueKeysWithValues: palettized.palettized.map { ($0.name, $0.result) })
    let ops = Dictionary(uniqueKeysWithValues: palettized.outcomes.map { ($0.name, $0.entry.op?.type) })
    let aliases = tiedAliases(palettized, model: model)
    for name in model.tensorNames where aliases[name] == nil {
      guard let r = results[name] else {
        groups.append((name, [try model.copyThroughEntry(name)]))
        continue
      }
      var writer = SafeTensorsWriter()
      let lutShape = [r.layout.blockCount, r.lutSize, r.layout.clusterDim]
      if let codes = r.quantizedLUT, let q = r.spec.lutQSpec {
        let codeType: SafeTensorsDType = q.dtype == .int8 ? .int8 : .uint8
        writer.append(SafeTensorsEntry(name: "\(name).lut", dtype: codeType, shape: lutShape, bytes: codes))
        writer.append(SafeTensorsEntry(name: "\(name).lut_scale", tensor: Tensor(shape: [r.layout.blockCount], values: r.lutScale ?? [])))
        if q.qscheme == .asymmetric {
          let zp = (r.lutZeroPoint ?? []).map { UInt8(truncatingIfNeeded: $0) }
          writer.append(SafeTensorsEntry(name: "\(name).lut_zero_point", dtype: codeType, shape: [r.layout.blockCount], bytes: zp))
        }
      } else {
        writer.append(SafeTensorsEntry(name: "\(name).lut", tensor: Tensor(shape: lutShape, values: r.lut, dtype: r.dtype)))
      }
      var storedIndices = r.indices
      if let mask = r.mask {
        storedIndices = SparseSelection.compact(mask.stored, count: mask.storedCount) { r.indices[$0] }
        let bits = IndexPacking.pack(mask.elementBits(layout: r.layout).map { $0 ? 1 : 0 }, bits: 1)
        writer.append(SafeTensorsEntry(name: "\(name).mask", dtype: .uint8, shape: [bits.count], bytes: bits))
      }
      let packed = IndexPacking.pack(storedIndices, bits: r.spec.nBits)
      writer.append(SafeTensorsEntry(name: "\(name).indices", dtype: .uint8, shape: [packed.count], bytes: packed))
      if let scales = r.perChannelScale {
        writer.append(SafeTensorsEntry(name: "\(name).per_channel_scale", tensor: Tensor(shape: [scales.count], values: scales, dtype: r.dtype)))
      }
      let specJSON = try JSONSerialization.jsonObject(with: JSONEncoder().encode(r.spec))
      described[name] = [
        "shape": r.layout.shape, "dtype": r.dtype.rawValue, "op": ops[name].flatMap { $0 } as Any,
        "spec": specJSON, "index_shape": r.layout.indexShape, "blocks": r.layout.blockCount,
        "iterations": r.metrics.iterations,
        "inertia": "\(r.metrics.inertia)", "signal_energy": "\(r.metrics.signalEnergy)",
        "bits_per_weight": "\(r.metrics.bitsPerWeight)", "zero_fraction": "\(r.metrics.zeroFraction)",
      ]
      if let mask = r.mask {
        var entry = described[name] as? [String: Any] ?? [:]
        entry["sparse"] = true
        entry["stored_per_block"] = mask.storedPerBlock
        entry["zero_reserved_blocks"] = mask.zeroReserved.indices.filter { mask.zeroReserved[$0] }
        described[name] = entry
      }
      groups.append((name, writer.entries))
    }
    return Parts(groups: groups, described: described, aliases: aliases)
  }

  /// A reloaded compressed file: the palettized tensors (rebuilt exactly) and the names of
  /// the tensors copied through.
  public struct Contents: Sendable {
    public var palettized: [String: PalettizedTensor]
    public var passthrough: [String]
    public var file: SafeTensorsFile
  }

  /// Reads a file written by ``write(_:model:to:)``.
  /// - Throws: ``ModelError`` naming the file and the entry at fault.
  public static func load(_ url: URL) throws(ModelError) -> Contents {
    let file: SafeTensorsFile
    do { file = try SafeTensorsFile(contentsOf: url) } catch { throw ModelError(file: url.path, problem: error.description) }
    return try load(file)
  }

  /// Reads an already opened and validated file written by ``write(_:model:to:)`` (or one shard
  /// of ``writeCheckpoint(_:model:to:maxShardBytes:)``).
  /// - Throws: ``ModelError`` naming the file and the entry at fault.
  static func load(_ file: SafeTensorsFile) throws(ModelError) -> Contents {
    let url = file.url
    func fail(_ problem: String) -> ModelError { ModelError(file: url.path, problem: problem) }
    guard file.metadata["format"] == formatName, let text = file.metadata["palettelab.tensors"] else {
      throw fail("is not a \(formatName) file (no format/palettelab.tensors metadata)")
    }
    guard let described = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
      throw fail("metadata palettelab.tensors is not a JSON object")
    }
    var palettized: [String: PalettizedTensor] = [:]
    var own: Set<String> = []
    for (name, raw) in described {
      guard let entry = raw as? [String: Any], let shape = entry["shape"] as? [Int],
            let dtypeName = entry["dtype"] as? String, let dtype = WeightDType(rawValue: dtypeName),
            let specRaw = entry["spec"], let specData = try? JSONSerialization.data(withJSONObject: specRaw),
            let spec = try? JSONDecoder().decode(PalettizationSpec.self, from: specData)
      else { throw fail("metadata for tensor '\(name)' is incomplete or invalid") }
      let op = (entry["op"] as? String).flatMap(OpKind.init(rawValue:))
      let layout: WeightLayout
      do { layout = try WeightLayout(shape: shape, spec: spec, op: op) } catch {
        throw fail("tensor '\(name)': \(error.description)")
      }
      func bytes(_ suffix: String) throws(ModelError) -> [UInt8] {
        do { own.insert("\(name).\(suffix)"); return try file.bytes(of: "\(name).\(suffix)") } catch { throw fail(error.description) }
      }
      func floats(_ suffix: String) throws(ModelError) -> [Float] {
        do { own.insert("\(name).\(suffix)"); return try file.tensor(named: "\(name).\(suffix)").values } catch { throw fail(error.description) }
      }
      let indexCount = layout.count / layout.clusterDim
      var mask: SparsityMask?
      if entry["sparse"] as? Bool == true {
        mask = try readMask(bytes("mask"), entry: entry, layout: layout, tensor: name, fail: fail)
      }
      let storedCount = mask?.storedCount ?? indexCount
      let packed = try bytes("indices")
      guard packed.count == (storedCount * spec.nBits + 7) / 8 else {
        throw fail("tensor '\(name)': \(name).indices holds \(packed.count) bytes, expected \((storedCount * spec.nBits + 7) / 8)")
      }
      var indices = IndexPacking.unpack(packed, bits: spec.nBits, count: storedCount)
      if let mask { indices = SparseSelection.expand(indices, flags: mask.stored) }
      let lutCount = layout.blockCount * spec.lutSize * layout.clusterDim
      var result = PalettizedTensor(
        spec: spec, options: ClusteringOptions(), layout: layout, dtype: dtype, lut: [],
        quantizedLUT: nil, lutScale: nil, lutZeroPoint: nil,
        indices: indices,
        perChannelScale: spec.enablePerChannelScale ? try floats("per_channel_scale") : nil,
        metrics: PalettizationMetrics(
          inertia: Double(entry["inertia"] as? String ?? "") ?? .nan,
          signalEnergy: Double(entry["signal_energy"] as? String ?? "") ?? .nan, snrDB: .nan,
          bitsPerWeight: Double(entry["bits_per_weight"] as? String ?? "") ?? .nan,
          iterations: entry["iterations"] as? Int ?? 0, blocks: layout.blockCount,
          zeroFraction: Double(entry["zero_fraction"] as? String ?? "") ?? 0),
        mask: mask)
      result.metrics.snrDB = PalettizationMetrics.snrDB(signalEnergy: result.metrics.signalEnergy, inertia: result.metrics.inertia)
      if let q = spec.lutQSpec {
        let codes = try bytes("lut")
        let scales = try floats("lut_scale")
        let zeroPoints: [Int32] = q.qscheme == .asymmetric
          ? try bytes("lut_zero_point").map { q.dtype == .int8 ? Int32(Int8(bitPattern: $0)) : Int32($0) }
          : [Int32](repeating: q.dtype == .uint8 ? 128 : 0, count: layout.blockCount)
        guard codes.count == lutCount, scales.count == layout.blockCount, zeroPoints.count == layout.blockCount else {
          throw fail("tensor '\(name)': quantized LUT entries do not match \(layout.blockCount) blocks of \(spec.lutSize)×\(layout.clusterDim)")
        }
        let quantizer = LUTQuantizer(q)
        let perBlock = spec.lutSize * layout.clusterDim
        for b in 0..<layout.blockCount {
          let slice = Array(codes[b * perBlock ..< (b + 1) * perBlock])
          result.lut += quantizer.dequantize(slice, scale: scales[b], zeroPoint: zeroPoints[b]).map(dtype.round)
        }
        result.quantizedLUT = codes
        result.lutScale = scales
        result.lutZeroPoint = zeroPoints
      } else {
        result.lut = try floats("lut")
        guard result.lut.count == lutCount else {
          throw fail("tensor '\(name)': \(name).lut holds \(result.lut.count) entries, expected \(lutCount)")
        }
      }
      palettized[name] = result
    }
    let passthrough = file.tensorNames.filter { !own.contains($0) }
    return Contents(palettized: palettized, passthrough: passthrough, file: file)
  }

  /// The ``SparsityMask`` of tensor `name` from its packed `T.mask` bits and its metadata entry.
  private static func readMask(
    _ packed: [UInt8], entry: [String: Any], layout: WeightLayout, tensor name: String,
    fail: (String) -> ModelError
  ) throws(ModelError) -> SparsityMask {
    guard packed.count == (layout.count + 7) / 8 else {
      throw fail("tensor '\(name)': \(name).mask holds \(packed.count) bytes, expected \((layout.count + 7) / 8)")
    }
    let bits = IndexPacking.unpack(packed, bits: 1, count: layout.count).map { $0 != 0 }
    guard let stored = SparsityMask.storedVectors(elementBits: bits, layout: layout) else {
      throw fail("tensor '\(name)': \(name).mask does not keep whole vectors of cluster_dim \(layout.clusterDim)")
    }
    guard let perBlock = entry["stored_per_block"] as? Int, let reserved = entry["zero_reserved_blocks"] as? [Int],
          reserved.allSatisfy({ (0..<layout.blockCount).contains($0) })
    else { throw fail("metadata for tensor '\(name)' lacks a valid stored_per_block or zero_reserved_blocks") }
    // Flags set by index: a `contains` per block was blocks × reserved blocks.
    var zeroReserved = [Bool](repeating: false, count: layout.blockCount)
    for block in reserved { zeroReserved[block] = true }
    let mask = SparsityMask(stored: stored, storedPerBlock: perBlock, zeroReserved: zeroReserved)
    let count = stored.reduce(0) { $0 + ($1 ? 1 : 0) }
    guard count == mask.storedCount else {
      throw fail("tensor '\(name)': \(name).mask stores \(count) vectors, expected \(perBlock) per block × \(layout.blockCount) blocks")
    }
    return mask
  }
}

/// Packing of `nBits` indices into bytes, least-significant bit first.
public enum IndexPacking {
  /// Packs `indices` (each `< 2^bits`) into `ceil(count · bits / 8)` bytes.
  /// - Complexity: O(count).
  public static func pack(_ indices: [UInt8], bits: Int) -> [UInt8] {
    precondition((1...8).contains(bits), "bits must be in 1...8")
    var out = [UInt8](repeating: 0, count: (indices.count * bits + 7) / 8)
    var bit = 0
    for index in indices {
      precondition(Int(index) < 1 << bits, "index \(index) does not fit in \(bits) bits")
      let value = UInt16(index) << (bit % 8)
      out[bit / 8] |= UInt8(truncatingIfNeeded: value)
      if bit % 8 + bits > 8 { out[bit / 8 + 1] |= UInt8(truncatingIfNeeded: value >> 8) }
      bit += bits
    }
    return out
  }

  /// The first `count` indices of `bytes` packed by ``pack(_:bits:)``.
  public static func unpack(_ bytes: [UInt8], bits: Int, count: Int) -> [UInt8] {
    precondition((1...8).contains(bits), "bits must be in 1...8")
    let mask = UInt16((1 << bits) - 1)
    var out = [UInt8]()
    out.reserveCapacity(count)
    var bit = 0
    for _ in 0..<count {
      var word = UInt16(bytes[bit / 8])
      if bit / 8 + 1 < bytes.count { word |= UInt16(bytes[bit / 8 + 1]) << 8 }
      out.append(UInt8((word >> (bit % 8)) & mask))
      bit += bits
    }
    return out
  }
}
