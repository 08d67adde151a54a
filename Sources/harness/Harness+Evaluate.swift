import ArgumentParser
import PaletteHarness

extension Harness {
  struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "How much of the fp32 model's sentence embeddings a palettized model keeps (one JSON line).",
      discussion: """
        Encodes the corpus with the fp32 model and with the palettized model's reconstructed \
        weights and prints {"sentences", "mean_cosine", "min_cosine", "neighbour_agreement"}: \
        the cosine of each sentence's two embeddings (mean and minimum), and the fraction of \
        sentences whose nearest other sentence by cosine is the same under both models (ties \
        go to the earlier line).

        Example:
          harness palettize --model models/minilm/model.safetensors --output minilm-w4.safetensors
          harness evaluate --model models/minilm --corpus experiments/corpus/eval.txt \\
            --palettized minilm-w4.safetensors
        """)

    @OptionGroup var options: EncoderOptions

    @Option(help: ArgumentHelp("A compressed model written by `harness palettize --output`.", valueName: "O.safetensors"))
    var palettized: String

    func run() throws {
      try reportingErrors {
        let job = EmbeddingJob(modelDirectory: fileURL(options.model), corpus: fileURL(options.corpus),
                               palettized: fileURL(palettized), threads: options.threads, batchSize: options.batchSize)
        print(try job.evaluate().json)
      }
    }
  }
}
