import Foundation
import Palettization

/// Writes a LLaMA-shaped sharded checkpoint of generated weights (`harness synth`), for tests
/// and benchmarks without downloads: `model.safetensors.index.json`, the shards
/// `model-0000i-of-0000N.safetensors` and the module manifest `model.modules.json`, the
/// layout `transformers` saves.
///
/// **Weights.** Trained LLM weights are heavier-tailed than Gaussian and have a few *outlier
/// input channels*: hidden dimensions of the residual stream whose weights are several times
/// larger in every projection that reads it (Dettmers et al., "LLM.int8()", 2022). So every
/// 2-D weight is Student's t with ``nu`` degrees of freedom scaled to standard deviation
/// ``sigma``; projections reading the residual stream (q, k, v, gate, up, lm_head) multiply
/// the model's outlier columns — `max(1, hidden / 512)` columns drawn once per model — by
/// ``outlierFactor``; RMSNorm gains are `1 + 0.1·N(0, 1)`.
///
/// **Determinism.** Tensor `name` is drawn, row-major, from its own GSL generator seeded
/// `SeedDerivation.derive(seed, name)` (the outlier columns from `derive(seed,
/// "outlier_input_channels")`), and converted to the dtype rounding to nearest even, so the
/// files are byte-identical for a seed whatever the worker count.
///
/// **Memory.** Shards are written with ``SafeTensorsWriter/writeStreaming(_:metadata:to:workers:)``:
/// one tensor's bytes per worker at a time (131 MB for a 1B model's embedding in bf16), never
/// the model.
public struct CheckpointSynthesizer: Sendable {
  public var preset: SynthPreset
  /// F32, F16 or BF16.
  public var dtype: WeightDType
  /// Number of shard files (at least 1, at most the number of tensors).
  public var shards: Int
  public var seed: UInt64
  public var generator: String

  /// Student's t degrees of freedom (kurtosis 6 for ν = 6, against 3 for a Gaussian).
  public static let nu = 6.0
  /// Standard deviation of every 2-D weight before the outlier factor.
  public static let sigma = 0.02
  /// How much larger the outlier input channels are.
  public static let outlierFactor = 6.0

  public init(preset: SynthPreset, dtype: WeightDType = .bfloat16, shards: Int = 1, seed: UInt64 = 0, generator: String = "mt19937") {
    self.preset = preset
    self.dtype = dtype
    self.shards = shards
    self.seed = seed
    self.generator = generator
  }

  /// The checkpoint files written, and the module manifest.
  public struct Written: Sendable {
    public var files: SafeTensorsCheckpoint.Files
    public var modules: URL
    public var parameters: Int
    public var bytes: Int
  }

  /// The module manifest's name in the output folder.
  public static let modulesFileName = "model.modules.json"

  /// The outlier input channels of the model (ascending).
  public func outlierChannels() throws -> [Int] {
    let random = try GSLRandom(generator: generator, seed: SeedDerivation.derive(seed, "outlier_input_channels"))
    var chosen = Set<Int>()
    while chosen.count < max(1, preset.hidden / 512) { chosen.insert(random.nextInt(below: preset.hidden)) }
    return chosen.sorted()
  }

  /// Writes the checkpoint into `folder` (created if needed; files of the same names are
  /// replaced atomically), `workers` tensors at a time.
  /// - Throws: ``SafeTensorsError`` for a failed write, `RandomError` for an unknown generator.
  @discardableResult
  public func write(to folder: URL, workers: Int = 1, log: (@Sendable (String) -> Void)? = nil) throws -> Written {
    precondition([WeightDType.float32, .float16, .bfloat16].contains(dtype), "synth writes F32, F16 or BF16")
    precondition(shards >= 1, "shards must be at least 1")
    _ = try GSLRandom(generator: generator, seed: 0)  // an unknown generator fails before any file is made
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let tensors = preset.tensors
    let width = dtype.bitWidth / 8
    let total = tensors.reduce(0) { $0 + $1.count * width }
    let count = min(shards, tensors.count)

    // Consecutive tensors, a shard closing once it reaches its share of the bytes.
    var groups: [[SynthPreset.TensorSpec]] = [[]]
    var written = 0
    for t in tensors {
      if groups.count < count, written >= total * groups.count / count, !groups[groups.count - 1].isEmpty {
        groups.append([])
      }
      groups[groups.count - 1].append(t)
      written += t.count * width
    }

    let outliers = try outlierChannels()
    let storage = SafeTensorsDType(dtype)
    var weightMap: [String: String] = [:]
    var shardURLs: [URL] = []
    for (s, group) in groups.enumerated() {
      let fileName = SafeTensorsCheckpoint.shardFileName(stem: "model", index: s, count: groups.count)
      var metadata = ["format": "pt"]
      if preset.tieEmbeddings, group.contains(where: { $0.name == "model.embed_tokens.weight" }) {
        metadata["lm_head.weight"] = "model.embed_tokens.weight"
        weightMap["lm_head.weight"] = fileName
      }
      let streamed = group.map { t in
        SafeTensorsWriter.StreamedTensor(name: t.name, dtype: storage, shape: t.shape) { [self] buffer in
          try self.fill(buffer, tensor: t, outliers: outliers)
        }
      }
      for t in group { weightMap[t.name] = fileName }
      let url = folder.appendingPathComponent(fileName)
      try SafeTensorsWriter.writeStreaming(streamed, metadata: metadata, to: url, workers: workers)
      shardURLs.append(url)
      log?("wrote \(url.path) (\(group.count) tensors)")
    }

    let indexURL = folder.appendingPathComponent(SafeTensorsCheckpoint.indexFileName)
    try SafeTensorsCheckpoint.writeIndex(weightMap: weightMap, metadata: ["total_size": total], to: indexURL)
    let modulesURL = folder.appendingPathComponent(Self.modulesFileName)
    try SafeTensorsWriter.writeAtomically(ModuleManifest(modules: preset.modules).encoded(), to: modulesURL)
    return Written(
      files: .init(index: indexURL, shards: shardURLs), modules: modulesURL,
      parameters: preset.parameterCount, bytes: total)
  }

  /// Draws `tensor` into `buffer` at the dtype.
  func fill(_ buffer: UnsafeMutableRawBufferPointer, tensor: SynthPreset.TensorSpec, outliers: [Int]) throws {
    let random = try GSLRandom(generator: generator, seed: SeedDerivation.derive(seed, tensor.name))
    let columns = tensor.shape.count == 2 ? tensor.shape[1] : tensor.count
    var columnScale = [Double](repeating: 1, count: columns)
    if tensor.role == .readsResidual { for c in outliers where c < columns { columnScale[c] = Self.outlierFactor } }
    // Student's t has variance ν / (ν − 2).
    let scale = Self.sigma * ((Self.nu - 2) / Self.nu).squareRoot()
    let width = dtype.bitWidth / 8
    for i in 0..<tensor.count {
      let x: Double
      switch tensor.role {
      case .norm: x = 1 + random.gaussian(sigma: 0.1)
      case .embedding, .readsResidual, .writesResidual:
        x = scale * random.studentT(nu: Self.nu) * columnScale[i % columns]
      }
      let value = Float(x)
      switch dtype {
      case .bfloat16: buffer.storeBytes(of: BFloat16.bits(from: value).littleEndian, toByteOffset: width * i, as: UInt16.self)
      case .float16: buffer.storeBytes(of: Float16(value).bitPattern.littleEndian, toByteOffset: width * i, as: UInt16.self)
      default: buffer.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: width * i, as: UInt32.self)
      }
    }
  }
}
