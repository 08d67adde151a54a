/// How one weight tensor is palettized: the seed's `PalettizationSpec`.
///
/// Each block of the weight (the whole tensor, or `groupSize` consecutive channels along an
/// axis) is clustered into `K = 2^nBits` centroids — scalars when `clusterDim == 1`, vectors of
/// `clusterDim` consecutive output-channel elements otherwise — and each weight (or vector) is
/// stored as an `nBits` index into its block's look-up table (LUT).
public struct PalettizationSpec: Codable, Sendable, Hashable {
  /// Bits per LUT index; one of ``PalettizationSpec/allowedBits``.
  public var nBits: Int
  /// One LUT for the tensor, or one per group of channels.
  public var granularity: Granularity
  /// Length of a LUT entry; `> 1` is vector palettization along the output-channel axis.
  public var clusterDim: Int
  /// Quantize the LUT entries themselves; `nil` keeps them at the weight's dtype.
  public var lutQSpec: QuantizationSpec?
  /// Divide each output channel (dim 0 as stored) by its max |w| before clustering.
  public var enablePerChannelScale: Bool
  /// Joint sparse palettization: `nil` (default) is off; a fraction in `[0, 1]` palettizes a
  /// weight that has at least one exact zero and a zero fraction `>=` it on its nonzeros only
  /// (zeros stay exactly 0.0 and take no index; see ``SparsityMask``). Threshold 0 means any
  /// weight with a zero, 1 only an all-zero weight.
  public var sparsityDetectionThreshold: Double?

  /// The values `nBits` may take.
  public static let allowedBits: [Int] = [1, 2, 3, 4, 6, 8]

  public init(
    nBits: Int = 4,
    granularity: Granularity = .perTensor,
    clusterDim: Int = 1,
    lutQSpec: QuantizationSpec? = nil,
    enablePerChannelScale: Bool = false,
    sparsityDetectionThreshold: Double? = nil
  ) {
    self.nBits = nBits
    self.granularity = granularity
    self.clusterDim = clusterDim
    self.lutQSpec = lutQSpec
    self.enablePerChannelScale = enablePerChannelScale
    self.sparsityDetectionThreshold = sparsityDetectionThreshold
  }

  /// Number of LUT entries, `2^nBits`.
  public var lutSize: Int { 1 << nBits }

  /// Checks every field; `path` prefixes the key path named in the error
  /// (e.g. `op_state_spec.weight`).
  public func validate(path: String = "") throws(SpecError) {
    func key(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }
    guard Self.allowedBits.contains(nBits) else {
      throw SpecError(keyPath: key("n_bits"), value: "\(nBits)", problem: "is not one of 1, 2, 3, 4, 6, 8")
    }
    guard clusterDim >= 1 else {
      throw SpecError(keyPath: key("cluster_dim"), value: "\(clusterDim)", problem: "must be at least 1")
    }
    try granularity.validate(path: key("granularity"))
    try lutQSpec?.validate(path: key("lut_qspec"))
    if let threshold = sparsityDetectionThreshold, !(0...1).contains(threshold) {
      throw SpecError(
        keyPath: key("sparsity_detection_threshold"), value: "\(threshold)", problem: "must be in [0, 1]")
    }
  }

  enum CodingKeys: String, CodingKey {
    case nBits = "n_bits"
    case granularity
    case clusterDim = "cluster_dim"
    case lutQSpec = "lut_qspec"
    case enablePerChannelScale = "enable_per_channel_scale"
    case sparsityDetectionThreshold = "sparsity_detection_threshold"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      nBits: try c.decodeIfPresent(Int.self, forKey: .nBits) ?? 4,
      granularity: try c.decodeIfPresent(Granularity.self, forKey: .granularity) ?? .perTensor,
      clusterDim: try c.decodeIfPresent(Int.self, forKey: .clusterDim) ?? 1,
      lutQSpec: try c.decodeIfPresent(QuantizationSpec.self, forKey: .lutQSpec),
      enablePerChannelScale: try c.decodeIfPresent(Bool.self, forKey: .enablePerChannelScale) ?? false,
      sparsityDetectionThreshold: try c.decodeIfPresent(Double.self, forKey: .sparsityDetectionThreshold))
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(nBits, forKey: .nBits)
    try c.encode(granularity, forKey: .granularity)
    try c.encode(clusterDim, forKey: .clusterDim)
    try c.encode(lutQSpec, forKey: .lutQSpec)
    try c.encode(enablePerChannelScale, forKey: .enablePerChannelScale)
    // Only when set, so a dense spec encodes (and hashes) exactly as before the field existed.
    try c.encodeIfPresent(sparsityDetectionThreshold, forKey: .sparsityDetectionThreshold)
  }
}

/// The seed's `default_weight_palettization_spec()`: 4-bit, per-tensor, scalar, no LUT
/// quantization, no per-channel scale.
public func defaultWeightPalettizationSpec() -> PalettizationSpec { PalettizationSpec() }
