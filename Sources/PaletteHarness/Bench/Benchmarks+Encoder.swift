import Encoder
import Foundation

extension Benchmarks {
  /// What `harness bench --encoder` compares: the Swift encoder's throughput against PyTorch +
  /// sentence-transformers on the same sentences, threads and batch size.
  public struct EncoderSettings: Sendable {
    /// The sentence-transformers model directory (e.g. `models/minilm`).
    public var modelDirectory: URL
    /// Sentences file; the first ``sentences`` sentences are encoded.
    public var corpus: URL
    public var sentences: Int = 512
    public var threads: Int = 2
    public var batchSize: Int = 64
    /// `scripts/bench_torch_encoder.py`, run just before the Swift figure for the in-run
    /// baseline; `nil` (or no working PyTorch) reports the Swift figure against its matrix
    /// products alone.
    public var torchScript: URL?

    public init(modelDirectory: URL, corpus: URL, torchScript: URL?) {
      self.modelDirectory = modelDirectory
      self.corpus = corpus
      self.torchScript = torchScript
    }
  }

  /// Encoder throughput in sentences per second, as a ratio to PyTorch's measured in the same
  /// run (best of ``repetitions`` on both sides, after one warm-up each), and the ratio of CPU
  /// time (all threads; steadier than wall time on a shared machine); also the share of the
  /// time spent in the layer matrix products (`sgemm` at the forward pass's shapes).
  public func encoder(_ settings: EncoderSettings) throws -> [Measurement] {
    let encoder = try SentenceEncoder(modelDirectory: settings.modelDirectory)
    let sentences = Array(try SentenceCorpus.read(settings.corpus).prefix(settings.sentences))
    let ids = encoder.tokenize(sentences)
    let tokens = ids.reduce(0) { $0 + $1.count }
    log("encoder: \(sentences.count) sentences, \(tokens) tokens, batch \(settings.batchSize), \(settings.threads) threads; "
        + "OpenBLAS core \(encoder.blas.coreName) (\(encoder.blas.libraryPath))")
    var out: [Measurement] = []

    var torch: (seconds: Double, cpu: Double, note: String)?
    if let script = settings.torchScript {
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
  private func runTorchBaseline(_ script: URL, settings: EncoderSettings, count: Int) -> (seconds: Double, cpu: Double, note: String)? {
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
