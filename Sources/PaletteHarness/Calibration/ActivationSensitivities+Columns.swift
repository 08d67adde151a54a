import Foundation
import Palettization

extension ActivationSensitivities {
  /// The `__metadata__` key of a per-column file's row counts: JSON `{"<weight name>": rows}`.
  public static let rowsKey = "palettelab.calibration.rows"

  /// Writes the sensitivities in their per-column form, atomically: every row of an activation
  /// sensitivity tensor is the same, so each weight `[out, in]` is stored as its one row, a 1-D
  /// F32 tensor `[in]`, with the row counts under ``rowsKey`` and ``metadata`` under
  /// ``CalibrationMetadata/key`` as ``write(to:)`` stores it (its ``CalibrationMetadata/sensitivitiesSHA256``
  /// is the hash of the full tensors). 83 KB for MiniLM instead of 42 MB, so a sweep keeps it in
  /// its journal and beside its results, and `reproduce` can re-run with exactly these values.
  /// - Precondition: every tensor is 2-D (a Linear weight's shape) with equal rows.
  /// - Throws: `SafeTensorsError` naming `url`.
  public func writeColumns(to url: URL) throws(SafeTensorsError) {
    var entries: [SafeTensorsEntry] = []
    var rows: [String: Int] = [:]
    for name in names {
      guard let tensor = tensors[name] else { continue }
      precondition(tensor.shape.count == 2, "activation sensitivities have a Linear weight's shape [out, in]")
      let width = tensor.shape[1]
      let row = Array(tensor.values.prefix(width))
      assert(stride(from: 0, to: tensor.count, by: max(1, width)).allSatisfy { tensor.values[$0..<($0 + width)].elementsEqual(row) },
             "activation sensitivities have equal rows")
      entries.append(SafeTensorsEntry(name: name, tensor: Tensor(shape: [width], values: row)))
      rows[name] = tensor.shape[0]
    }
    try SafeTensorsWriter(entries: entries, metadata: [CalibrationMetadata.key: metadata.json(), Self.rowsKey: Self.json(rows)])
      .write(to: url)
  }

  /// Reads a file written by ``writeColumns(to:)`` and expands every row back to its weight's
  /// shape.
  /// - Throws: `ModelError` naming the file when it cannot be read as safetensors;
  ///   ``CalibrationError`` when its metadata is missing or wrong, a tensor has no row count or
  ///   is not 1-D, or the expanded tensors do not hash to the metadata's
  ///   ``CalibrationMetadata/sensitivitiesSHA256`` (edited or damaged).
  /// - Complexity: O(Σ weight sizes) to expand and hash.
  public static func loadColumns(_ url: URL) throws -> ActivationSensitivities {
    let (file, metadata) = try open(url)
    func bad(_ reason: String) -> CalibrationError { CalibrationError(file: url.path, kind: .badColumns(reason: reason)) }
    guard let rowsText = file.metadata[rowsKey],
          let rows = (try? JSONSerialization.jsonObject(with: Data(rowsText.utf8))) as? [String: Int]
    else { throw bad("its __metadata__ has no '\(rowsKey)' object of row counts") }
    var tensors: [String: Tensor] = [:]
    for name in file.tensorNames {
      let row = try tensor(named: name, in: file, url: url)
      guard row.shape.count == 1 else { throw bad("tensor '\(name)' has shape \(row.shape), expected one row [in]") }
      guard let count = rows[name], count >= 0 else { throw bad("'\(rowsKey)' has no row count for tensor '\(name)'") }
      tensors[name] = Tensor(shape: [count, row.count], values: repeating(row.values, count: count))
    }
    if let extra = Set(rows.keys).subtracting(tensors.keys).sorted().first {
      throw bad("'\(rowsKey)' names tensor '\(extra)', which the file does not hold")
    }
    return try verified(tensors: tensors, metadata: metadata, url: url)
  }

  /// The largest relative difference `|a − b| / max(|a|, |b|)` between the values of two
  /// calibrations (0 where both are 0), and the tensors one has and the other lacks or holds in
  /// another shape (those are not comparable at all).
  /// - Complexity: O(Σ weight sizes).
  public func largestRelativeDifference(to other: ActivationSensitivities) -> (relative: Double, incomparable: [String]) {
    var worst = 0.0
    var incomparable: [String] = []
    for name in Set(names).union(other.names).sorted() {
      guard let a = tensors[name], let b = other.tensors[name], a.shape == b.shape else {
        incomparable.append(name)
        continue
      }
      for (x, y) in zip(a.values, b.values) where x != y {
        let scale = max(abs(Double(x)), abs(Double(y)))
        worst = max(worst, (x.isFinite && y.isFinite) ? abs(Double(x) - Double(y)) / scale : .infinity)
      }
    }
    return (worst, incomparable)
  }

  private static func json(_ rows: [String: Int]) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys]) else {
      preconditionFailure("a dictionary of integers is always JSON")
    }
    return String(decoding: data, as: UTF8.self)
  }
}
