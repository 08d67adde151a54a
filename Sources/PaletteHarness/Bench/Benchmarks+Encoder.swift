import Encoder
import Foundation

extension Benchmarks {
  /// The fp32 encoder passes `harness bench --encoder` and `--calibration` time: the model,
  /// the sentences, the threads and the batch size.
  public struct EncoderPass: Sendable {
    /// The sentence-transformers model directory (e.g. `models/minilm`).
    public var modelDirectory: URL
    /// Sentences file; its first ``sentences`` sentences are used.
    public var corpus: URL
    public var sentences: Int
    public var threads: Int
    public var batchSize: Int

    public init(modelDirectory: URL, corpus: URL, sentences: Int, threads: Int = 2, batchSize: Int = 64) {
      self.modelDirectory = modelDirectory
      self.corpus = corpus
      self.sentences = sentences
      self.threads = threads
      self.batchSize = batchSize
    }

    /// The encoder, the sentences used and their token ids.
    func load() throws -> (encoder: SentenceEncoder, sentences: [String], ids: [[Int32]]) {
      let encoder = try SentenceEncoder(modelDirectory: modelDirectory)
      let sentences = Array(try SentenceCorpus.read(corpus).prefix(self.sentences))
      return (encoder, sentences, encoder.tokenize(sentences))
    }
  }

  /// Encoder throughput in sentences per second, as a ratio to PyTorch's measured in the same
  /// run (best of ``repetitions`` on both sides, after one warm-up each), and the ratio of CPU
  /// time (all threads; steadier than wall time on a shared machine); also the share of the
  /// time spent in the layer matrix products (`sgemm` at the forward pass's shapes).
  /// - Parameter torchScript: `scripts/bench_torch_encoder.py`, run just before the Swift figure
  ///   for the in-run baseline; `nil` (or no working PyTorch) reports the Swift figure against
  ///   its matrix products alone.
  public func encoder(_ settings: EncoderPass, torchScript: URL?) throws -> [Measurement] {
    let (encoder, sentences, ids) = try settings.load()
    let tokens = ids.reduce(0) { $0 + $1.count }
    log("encoder: \(sentences.count) sentences, \(tokens) tokens, batch \(settings.batchSize), \(settings.threads) threads; "
        + "OpenBLAS core \(encoder.blas.coreName) (\(encoder.blas.libraryPath))")
    var out: [Measurement] = []

    var torch: (seconds: Double, cpu: Double, note: String)?
    if let script = torchScript {
      torch = runTorchBaseline(script, settings: settings, count: sentences.count)
      if let torch {
        log(String(format: "baseline: PyTorch %@: %.1f ms (CPU %.1f ms) = %.1f sentences/s", torch.note, torch.seconds * 1e3,
                   torch.cpu * 1e3, Double(sentences.count) / torch.seconds))
      }
    }
    _ = encoder.encode(sentences, batchSize: settings.batchSize, threads: settings.threads)  // warm-up
    let swift = time { encoder.encode(sentences, batchSize: settings.batchSize, threads: settings.threads) }
    let rate = Double(sentences.count) / swift.seconds
    let products = time { encoder.model.layerProductsOnly(ids: ids, batchSize: settings.batchSize, blas: encoder.blas, threads: settings.threads) }
    let note = String(format: "%.1f sentences/s; layer matrix products alone %.1f ms (%.0f%%)", rate,
                      products.seconds * 1e3, products.seconds / swift.seconds * 100)
    if let torch {
      out.append(Measurement(name: "Swift encoder, \(sentences.count) sentences", seconds: swift.seconds, cpuSeconds: swift.cpu,
                             baseline: "PyTorch time", ratio: swift.seconds / torch.seconds,
                             note: note + String(format: "; throughput %.2fx PyTorch's, CPU time %.2fx less", torch.seconds / swift.seconds,
                                                 torch.cpu / swift.cpu)))
    } else {
      out.append(Measurement(name: "Swift encoder, \(sentences.count) sentences", seconds: swift.seconds, cpuSeconds: swift.cpu,
                             baseline: "layer matrix products", ratio: swift.seconds / products.seconds, note: note + "; no PyTorch baseline"))
    }
    log(format(out[0]))
    return out
  }

  /// Runs the PyTorch benchmark script; `nil` (with a log line) when it cannot run.
  private func runTorchBaseline(_ script: URL, settings: EncoderPass, count: Int) -> (seconds: Double, cpu: Double, note: String)? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script.path, "--model", settings.modelDirectory.path, "--corpus", settings.corpus.path,
                         "--sentences", "\(count)", "--threads", "\(settings.threads)", "--batch-size", "\(settings.batchSize)",
                         "--repetitions", "\(repetitions)"]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch {
      log("baseline: cannot run \(script.path): \(error.localizedDescription)")
      return nil
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
    guard process.terminationStatus == 0,
          let json = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
          let seconds = json["seconds"] as? Double, json["sentences"] as? Int == count else {
      log("baseline: \(script.lastPathComponent) failed (exit \(process.terminationStatus)); is torch installed?")
      return nil
    }
    return (seconds, json["cpu_seconds"] as? Double ?? .nan, "\(json["torch"] ?? "?") + sentence-transformers, \(settings.threads) threads, batch \(settings.batchSize)")
  }
}
