import ArgumentParser
import PaletteHarness

extension Harness {
  struct Palettize: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Palettize one model with one config: per-tensor CSV report, optional compressed export.",
      discussion: """
        With --prune, every selected tensor is pruned first (magnitude: the smallest |w| of the \
        tensor, ties by index; n_m: keep the n largest |w| of every m consecutive inputs; a \
        shape that cannot take n:m is skipped with a warning). SNR and inertia compare with \
        the weight before pruning. Set sparsity_detection_threshold in the config to palettize \
        the pruned weights jointly with their zeros.

        Example:
          harness palettize --model models/minilm/model.safetensors --config w4.yaml \\
            --seed 0 --workers 2 --report results/minilm-w4.csv --output minilm-w4.safetensors
          harness palettize --model models/minilm/model.safetensors \\
            --config sparse.yaml --prune '{"method": "n_m", "n": 2, "m": 4}' \\
            --seed 0 --report results/minilm-24.csv
          harness palettize --model /tmp/llama-1b --config w4.yaml --workers 2 \\
            --output /tmp/llama-1b-w4.safetensors --max-shard-size 200MB
        """)

    @OptionGroup var model: ModelOptions

    @Option(help: ArgumentHelp("A YAML or JSON config (default: 4-bit per-tensor on weight/in_proj_weight).", valueName: "C.yaml"))
    var config: String?

    @Option(help: "Run seed; drawn and printed when omitted.")
    var seed: UInt64?

    @Option(help: "Worker threads; results are identical for any count.")
    var workers: Int = 1

    @Option(help: "GSL generator type (mt19937, ranlxd2, taus2, ...).")
    var rng: String = "mt19937"

    @Option(help: ArgumentHelp(
      "Per-element sensitivity weights (finite, >= 0) keyed by tensor name, e.g. the Fisher from scripts/export_torch_model.py --fisher.",
      valueName: "S.safetensors"))
    var sensitivities: String?

    @Option(help: ArgumentHelp("Write the per-tensor report CSV here.", valueName: "R.csv"))
    var report: String?

    @Option(help: ArgumentHelp("Write the compressed model here.", valueName: "O.safetensors"))
    var output: String?

    @Option(help: ArgumentHelp(
      #"Prune before palettizing: {"method": "magnitude", "sparsity": 0.5} or {"method": "n_m", "n": 2, "m": 4}."#,
      valueName: "JSON"))
    var prune: String?

    @Option(help: ArgumentHelp(
      "An --output larger than this is written as O-0000i-of-0000N.safetensors shards plus O.safetensors.index.json (e.g. 4GiB, 500MB).",
      valueName: "size"))
    var maxShardSize: String = "4GiB"

    func validate() throws {
      guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
      guard ByteSize.parse(maxShardSize) != nil else {
        throw ValidationError("--max-shard-size must be a positive size such as 4GiB, 500MB or 1048576, found '\(maxShardSize)'")
      }
    }

    func run() throws {
      try reportingErrors {
        var job = ModelPalettization(
          model: fileURL(model.model), modules: model.modules.map(fileURL), config: config.map(fileURL),
          seed: seed, workers: workers, generator: rng, sensitivities: sensitivities.map(fileURL),
          report: report.map(fileURL), output: output.map(fileURL),
          maxShardBytes: ByteSize.parse(maxShardSize) ?? 4 << 30)
        if let prune { try job.setPruning(json: prune) }
        let table = try job.run(log: printError)
        if report == nil { print(table.encoded(), terminator: "") }
      }
    }
  }
}
