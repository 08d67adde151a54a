import Encoder
import Foundation
import Palettization

extension Benchmarks {
  /// What `harness bench --calibration` compares: computing activation sensitivities against
  /// one evaluation pass (an fp32 encode) of the same sentences, threads and batch size.
  ///
  /// Calibration time as a ratio to one evaluation pass (the target: at most 1), best
  /// of ``repetitions`` each, alternating, after one warm-up; the file hashes of the metadata
  /// (model files and corpus, I/O rather than computation) are timed separately; and the full
  /// Gram matrices (``SentenceEncoder/linearInputStatistics(_:batchSize:threads:)``, one run),
  /// the alternative the diagonal-only pass replaces, for comparison. Checks that every Linear got finite, non-negative sensitivities.
  public func calibration(_ settings: EncoderPass) throws -> [Measurement] {
    let (encoder, sentences, ids) = try settings.load()
    let tokens = ids.reduce(0) { $0 + $1.count }
    let (batch, threads) = (settings.batchSize, settings.threads)
    log("calibration: \(sentences.count) sentences, \(tokens) tokens, batch \(batch), \(threads) threads; OpenBLAS core \(encoder.blas.coreName)")

    func calibrate() -> [String: Tensor] {
      ActivationCalibration.sensitivities(of: encoder, sentences: sentences, batchSize: batch, threads: threads).tensors
    }
    _ = encoder.encode(sentences, batchSize: batch, threads: threads)  // warm-up
    _ = calibrate()
    // Alternating the two (best of each) rather than timing one after the other: on this
    // shared machine the load drifts over seconds, which moved whole blocks of repetitions.
    var encode = (seconds: Double.infinity, cpu: 0.0)
    var computed = (seconds: Double.infinity, cpu: 0.0, result: [String: Tensor]())
    for _ in 0..<max(1, repetitions) {
      let e = timeOnce { encoder.encode(sentences, batchSize: batch, threads: threads) }
      if e.seconds < encode.seconds { encode = (e.seconds, e.cpu) }
      let c = timeOnce { calibrate() }
      if c.seconds < computed.seconds { computed = c }
    }
    // Squares of finite activations, six Linears per layer: anything else is a bug, not input.
    precondition(computed.result.count == 6 * encoder.model.config.layerCount
                 && computed.result.values.allSatisfy { $0.values.allSatisfy { $0.isFinite && $0 >= 0 } },
                 "calibration benchmark: sensitivities missing, negative or not finite")
    let metadata = ActivationCalibration(modelDirectory: settings.modelDirectory, corpus: settings.corpus)
    let hashing = try time { (try metadata.modelFileHashes(), try ActivationCalibration.sha256(of: settings.corpus)) }
    log(String(format: "baseline: one evaluation pass (fp32 encode): %.1f ms (CPU %.1f ms)", encode.seconds * 1e3, encode.cpu * 1e3))
    var out = [Measurement(
      name: "activation calibration, \(sentences.count) sentences", seconds: computed.seconds, cpuSeconds: computed.cpu,
      baseline: "evaluation pass", ratio: computed.seconds / encode.seconds,
      note: String(format: "%.3fx the evaluation pass (target <= 1), CPU %.3fx; %d tensors; metadata file hashes %.0f ms more",
                   computed.seconds / encode.seconds, computed.cpu / encode.cpu, computed.result.count, hashing.seconds * 1e3))]
    log(format(out[0]))
    let gram = timeOnce { encoder.linearInputStatistics(sentences, batchSize: batch, threads: threads).tokens }
    out.append(Measurement(name: "full Gram matrices (dsyrk), \(sentences.count) sentences", seconds: gram.seconds, cpuSeconds: gram.cpu,
                           baseline: "evaluation pass", ratio: gram.seconds / encode.seconds,
                           note: String(format: "the diagonal-only pass is %.1fx faster", gram.seconds / computed.seconds)))
    log(format(out[1]))
    return out
  }
}
