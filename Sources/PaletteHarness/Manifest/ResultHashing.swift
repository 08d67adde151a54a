import Foundation
import Palettization

/// The hashes a manifest records, defined once so the sweep, reproduce and merge agree.
public enum ResultHashing {
  /// SHA-256 of one palettized tensor's stored form: spec, shape, LUT, indices, per-channel
  /// scales and LUT quantization parameters, and the sparsity mask of a jointly sparse result
  /// (a dense result hashes as it did before masks existed).
  public static func hash(_ r: PalettizedTensor) -> String {
    var h = SHA256Hasher()
    h.field("shape") { $0.update(r.layout.shape.map(String.init).joined(separator: ",")) }
    h.field("spec") { $0.update((try? JSONEncoder.sorted.encode(r.spec)) ?? Data()) }
    h.field("lut") { $0.update(r.lut) }
    h.field("indices") { $0.update(r.indices) }
    h.field("per_channel_scale") { $0.update(r.perChannelScale ?? []) }
    h.field("quantized_lut") { $0.update(r.quantizedLUT ?? []) }
    h.field("lut_scale") { $0.update(r.lutScale ?? []) }
    h.field("lut_zero_point") { $0.update(r.lutZeroPoint ?? []) }
    if let mask = r.mask {
      h.field("mask") { $0.update(mask.stored.map { $0 ? UInt8(1) : 0 }) }
      h.field("zero_reserved") { $0.update(mask.zeroReserved.map { $0 ? UInt8(1) : 0 }) }
    }
    return h.hex()
  }

  /// SHA-256 over `name:hash;` of every tensor, in the order given.
  public static func hash(tensors: [RunManifest.TensorHash]) -> String {
    var h = SHA256Hasher()
    for t in tensors { h.field(t.name) { $0.update(t.sha256) } }
    return h.hex()
  }

  /// SHA-256 of `rows` encoded as CSV without the timing and evaluation columns of `header`
  /// (``ResultColumns/timing``, ``ResultColumns/evaluation``): what every machine reproduces.
  public static func hash(rows: [[String]], header: [String]) -> String {
    let keep = header.indices.filter { !ResultColumns.timing.contains(header[$0]) && !ResultColumns.evaluation.contains(header[$0]) }
    let table = CSVTable(header: keep.map { header[$0] }, rows: rows.map { row in keep.map { row[$0] } })
    var h = SHA256Hasher()
    h.update(table.encoded())
    return h.hex()
  }

  /// SHA-256 over `tensor:output_snr_db;` of a run's per-tensor CSV rows, in row order (empty
  /// text for skipped and error rows and for tensors no input reaches): the manifest's record of
  /// a run's output SNR column.
  public static func hash(outputSNROf rows: [[String]]) -> String {
    var h = SHA256Hasher()
    for row in rows { h.field(row[ResultColumns.tensorName]) { $0.update(row[ResultColumns.outputSNR]) } }
    return h.hex()
  }
}

extension JSONEncoder {
  /// Key-sorted JSON, for hashing.
  static var sorted: JSONEncoder {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys]
    return e
  }
}
