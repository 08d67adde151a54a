import Foundation
import Palettization

/// Activation-aware sensitivities of a model's Linear weights, ready for the weighted k-means:
/// one F32 tensor of the weight's shape per weight, under the weight's name, and what they were
/// computed from (``metadata``).
///
/// Element `[i, j]` of weight `W` (`[out, in]`) is `s_j = (1/T) Σ_t x_t[j]²`, the mean square
/// of input column `j` over the `T` calibration tokens, the same for every row `i`. It is the
/// diagonal of the Hessian of the Linear's output error `‖X Wᵀ − X Ŵᵀ‖²` (divided by `2T`):
/// `Σ_i Σ_j s_j (w_ij − ŵ_ij)²` is that error with the cross-column terms
/// `2 Σ_{j<k} G_jk Δ_ij Δ_ik` left out, so it does not see errors of two columns that cancel or
/// add up on correlated inputs.
public struct ActivationSensitivities: Sendable {
  /// Sensitivity tensors by weight name: F32, the weight's shape, every row equal.
  public var tensors: [String: Tensor]
  /// What they were computed from.
  public var metadata: CalibrationMetadata

  public init(tensors: [String: Tensor], metadata: CalibrationMetadata) {
    self.tensors = tensors
    self.metadata = metadata
  }

  /// The weight names, sorted (the order of the file, of ``model()`` and of the hash).
  public var names: [String] { tensors.keys.sorted() }

  /// The tensors as an in-memory ``Model``, the form
  /// `KMeansPalettizer.prepare(numWorkers:seed:generator:sensitivities:progress:)` takes.
  public func model() throws(ModelError) -> Model {
    try Model(tensors: names.compactMap { name in tensors[name].map { (name, $0) } })
  }

  /// Writes the tensors and ``metadata`` (JSON under ``CalibrationMetadata/key``) as a
  /// safetensors file, atomically (``SafeTensorsWriter``).
  /// - Throws: `SafeTensorsError` naming `url` (e.g. a missing directory).
  public func write(to url: URL) throws(SafeTensorsError) {
    let entries = names.compactMap { name in tensors[name].map { SafeTensorsEntry(name: name, tensor: $0) } }
    try SafeTensorsWriter(entries: entries, metadata: [CalibrationMetadata.key: metadata.json()]).write(to: url)
  }

  /// Reads a file written by ``write(to:)``.
  /// - Throws: `ModelError` or `SafeTensorsError` naming the file when it cannot be read;
  ///   ``CalibrationError`` when its metadata is missing or wrong, or when its tensors do not
  ///   hash to the metadata's ``CalibrationMetadata/sensitivitiesSHA256`` (edited or damaged).
  public static func load(_ url: URL) throws -> ActivationSensitivities {
    let (file, metadata) = try open(url)
    var tensors: [String: Tensor] = [:]
    for name in file.tensorNames { tensors[name] = try tensor(named: name, in: file, url: url) }
    return try verified(tensors: tensors, metadata: metadata, url: url)
  }

  /// The safetensors file at `url` and its calibration metadata.
  /// - Throws: `ModelError` naming the file when it cannot be read; ``CalibrationError`` for
  ///   missing or wrong metadata.
  static func open(_ url: URL) throws -> (SafeTensorsFile, CalibrationMetadata) {
    let file: SafeTensorsFile
    do { file = try SafeTensorsFile(contentsOf: url) } catch { throw ModelError(file: url.path, problem: error.description) }
    return (file, try CalibrationMetadata.parse(file.metadata, file: url.path))
  }

  /// Tensor `name` of `file` (read from `url`), a read error as a `ModelError` naming the file.
  static func tensor(named name: String, in file: SafeTensorsFile, url: URL) throws(ModelError) -> Tensor {
    do { return try file.tensor(named: name) } catch { throw ModelError(file: url.path, problem: error.description) }
  }

  /// The sensitivities of `tensors` read from `url`, if they hash to the metadata's
  /// ``CalibrationMetadata/sensitivitiesSHA256``.
  /// - Throws: ``CalibrationError`` `.tensorsChanged` naming `url` otherwise.
  static func verified(tensors: [String: Tensor], metadata: CalibrationMetadata, url: URL) throws -> ActivationSensitivities {
    let loaded = ActivationSensitivities(tensors: tensors, metadata: metadata)
    let hash = loaded.contentSHA256
    guard hash == metadata.sensitivitiesSHA256 else {
      throw CalibrationError(file: url.path, kind: .tensorsChanged(found: hash, recorded: metadata.sensitivitiesSHA256))
    }
    return loaded
  }

  /// `row` repeated `count` times: the values of a sensitivity tensor, every row equal.
  static func repeating(_ row: [Float], count: Int) -> [Float] {
    var values = [Float]()
    values.reserveCapacity(count * row.count)
    for _ in 0..<count { values.append(contentsOf: row) }
    return values
  }

  /// SHA-256 (lowercase hex) of the tensors: per name in ``names`` order, the name, the shape
  /// and the little-endian float32 bits. Equal for bitwise-equal sensitivities, whatever file
  /// or metadata holds them.
  public var contentSHA256: String {
    var hasher = SHA256Hasher()
    for name in names {
      guard let tensor = tensors[name] else { continue }
      hasher.field("tensor") { h in
        h.update(name)
        h.field("shape") { $0.update(tensor.shape.map(String.init).joined(separator: ",")) }
        h.update(tensor.values)
      }
    }
    return hasher.hex()
  }
}
