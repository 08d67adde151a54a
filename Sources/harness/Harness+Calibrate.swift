import ArgumentParser
import PaletteHarness

extension SensitivityKind: ExpressibleByArgument {}

extension Harness {
  struct Calibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Activation-aware sensitivities of a sentence encoder's Linear weights from calibration sentences.",
      discussion: """
        Runs the fp32 encoder over the corpus and writes, for every Linear weight W [out, in] \
        that receives input, s[i, j] = mean over the corpus's real tokens (no padding) of \
        x_j², the square of W's input column j: an F32 tensor of W's shape under W's name, \
        every row equal (the diagonal of the layer's input Gram matrix per token, i.e. the \
        diagonal Hessian of the output error; cross-column terms are not captured). Sums in \
        float64 in a fixed order: bitwise identical for any --threads. The pooler \
        (pooler.dense.weight) receives no input when sentence embeddings are computed and is \
        not written: `harness palettize --sensitivities` notes it and clusters it unweighted. \
        The file's __metadata__ "palettelab.calibration" records the corpus's SHA-256, \
        sentences, tokens, batch size, the model files' SHA-256 and the tensors' hash.

        --kind fisher is rejected: a Fisher needs a PyTorch model and a loss, and \
        scripts/export_torch_model.py --fisher --calibration DATA computes it (README: PyTorch \
        models: export and Fisher sensitivities).

        Example:
          harness calibrate --model models/minilm --corpus experiments/corpus/calibration.txt \\
            --output minilm-activation.safetensors --max-sentences 256
          harness palettize --model models/minilm/model.safetensors --config w4.yaml --seed 0 \\
            --sensitivities minilm-activation.safetensors --output minilm-w4-aa.safetensors
        """)

    @OptionGroup var options: EncoderOptions

    @Option(help: ArgumentHelp("Where to write the sensitivities (safetensors, written atomically).", valueName: "S.safetensors"))
    var output: String

    @Option(help: "What to compute: activation (mean squared Linear input per column); fisher is computed by scripts/export_torch_model.py.")
    var kind: SensitivityKind = .activation

    @Option(help: "Use only the first N sentences of the corpus.")
    var maxSentences: Int?

    func validate() throws {
      if let maxSentences, maxSentences < 1 { throw ValidationError("--max-sentences must be at least 1") }
    }

    func run() throws {
      try reportingErrors {
        try kind.requireNative(model: options.model)
        let calibration = ActivationCalibration(
          modelDirectory: fileURL(options.model), corpus: fileURL(options.corpus), maxSentences: maxSentences,
          batchSize: options.batchSize, threads: options.threads)
        let result = try calibration.run()
        try result.write(to: fileURL(output))
        let meta = result.metadata
        printError("calibrate: \(meta.sentences) sentences, \(meta.tokens) tokens, \(result.tensors.count) Linear weights -> \(output)"
                   + (meta.notWritten.isEmpty ? "" : "; not written (no input): \(meta.notWritten.joined(separator: ", "))"))
      }
    }
  }
}
