import Foundation

/// What the model-output evaluation of one run measured (``SweepEvaluator``): the run's sentence
/// embeddings against the fp32 model's, each palettized Linear's output SNR, and the BLAS it
/// was measured on.
public struct RunEvaluation: Sendable, Equatable {
  /// The cosine of each sentence's palettized and fp32 embeddings: mean and minimum.
  public var fidelity: EmbeddingFidelity
  /// `10·log10(‖XWᵀ‖² / ‖X(W − Ŵ)ᵀ‖²)` per palettized tensor, over the inputs `X` that reach it
  /// in the fp32 model on the corpus (`+∞` when exact). Tensors no input reaches (the pooler,
  /// embedding tables) have no entry.
  public var outputSNR: [String: Double]
  /// The OpenBLAS the values were computed with (``SweepEvaluator/blas``).
  public var blas: BLASIdentity
  /// SHA-256 of the fp32 reference embeddings they were compared with.
  public var referenceSHA256: String

  /// The OpenBLAS kernels a process runs on: the core type OpenBLAS chose for the CPU and the
  /// library's build configuration (version included).
  public struct BLASIdentity: Sendable, Equatable, Hashable {
    public var core: String
    public var config: String

    public init(core: String, config: String) {
      self.core = core
      self.config = config
    }
  }

  /// The summary columns the evaluation fills, in column order.
  public static let summaryColumns = ["mean_cosine", "min_cosine", "neighbour_agreement"]

  /// Keys of ``unitValues`` besides the summary columns.
  static let blasCoreKey = "openblas_core", blasConfigKey = "openblas_config"
  static let referenceKey = "reference_embeddings_sha256"

  /// The run-level values as ``UnitResult/evaluation`` journals them: the summary columns as
  /// ``CSVNumber`` text (`neighbour_agreement` empty for a one-sentence corpus), the OpenBLAS
  /// core and configuration, and the reference embeddings' hash. The per-tensor output SNRs
  /// travel in the rows.
  public var unitValues: [String: String] {
    [
      "mean_cosine": CSVNumber.format(fidelity.meanCosine),
      "min_cosine": CSVNumber.format(fidelity.minCosine),
      "neighbour_agreement": fidelity.neighbourAgreement.map(CSVNumber.format) ?? "",
      Self.blasCoreKey: blas.core, Self.blasConfigKey: blas.config, Self.referenceKey: referenceSHA256,
    ]
  }
}
