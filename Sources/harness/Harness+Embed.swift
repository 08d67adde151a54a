import ArgumentParser
import PaletteHarness

extension Harness {
  struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Sentence embeddings of a corpus (fp32 or palettized model) as a float32 [N, 384] .npy file.",
      discussion: """
        Runs the MiniLM sentence encoder natively (WordPiece tokenizer, BERT forward over \
        OpenBLAS, mean pooling, L2 normalisation). With --palettized, every palettized weight \
        of a `harness palettize --output` file replaces the model's before encoding.

        Example:
          harness embed --model models/minilm --corpus experiments/corpus/eval.txt --output fp32.npy
          harness embed --model models/minilm --corpus experiments/corpus/eval.txt \\
            --palettized minilm-w4.safetensors --output w4.npy --threads 2
        """)

    @OptionGroup var options: EncoderOptions

    @Option(help: ArgumentHelp("A compressed model written by `harness palettize --output`.", valueName: "O.safetensors"))
    var palettized: String?

    @Option(help: ArgumentHelp("Where to write the embeddings (NumPy .npy, float32).", valueName: "E.npy"))
    var output: String

    func run() throws {
      try reportingErrors {
        let job = EmbeddingJob(modelDirectory: fileURL(options.model), corpus: fileURL(options.corpus),
                               palettized: palettized.map(fileURL), threads: options.threads, batchSize: options.batchSize)
        let embeddings = try job.embed(to: fileURL(output))
        printError("embed: \(embeddings.rows) sentences × \(embeddings.dimension) -> \(output); \(try EmbeddingJob.blasDescription())")
      }
    }
  }
}
