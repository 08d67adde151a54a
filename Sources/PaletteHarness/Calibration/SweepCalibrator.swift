import Dispatch
import Encoder
import Foundation
import Palettization

/// Computes a sweep's activation-aware sensitivities (experiment key
/// `"sensitivities": {"calibration": …}`) once, for every run whose `sensitivity` is
/// `activation`.
///
/// It reads the corpus and checks it against the evaluation corpus when it is made, and computes
/// the sensitivities (``ActivationCalibration``, on the experiment's model file) only when a run
/// needs them: ``prepare(threads:journal:)`` before the sweep's units run, so a merge or a fully
/// journaled resume never computes them. With a journal, the first process to compute them
/// journals them (``SweepJournal/writeCalibration(_:)``, per-column form, exclusive create) and
/// every other process of the sweep — a later resume, the other Slurm shards, the merge — uses
/// that file instead of computing its own: all runs of one sweep are weighted with bitwise the
/// same sensitivities even when its shards run on CPUs whose OpenBLAS kernels differ.
///
/// The computation is bitwise identical for any thread count (fixed reduction order); the batch
/// size (part of the settings) and the OpenBLAS core can change the last bits.
public final class SweepCalibrator: @unchecked Sendable {
  // @unchecked: the stored properties are immutable or synchronise themselves.

  /// The experiment's `sensitivities.calibration` settings.
  public let settings: ActivationCalibrationSettings
  /// The experiment's model file, which the encoder reads.
  public let modelFile: URL
  /// The sentences used: the corpus's first `max_sentences`.
  public let sentences: [String]
  /// Sentences in the whole corpus.
  public let corpusSentences: Int

  /// The sweep's evaluator, whose fp32 encoder (the same file) the computation uses when there
  /// is one.
  private let evaluator: SweepEvaluator?
  private let cache = ComputeOnce<Calibrated>()
  private let counter = NSLock()
  private var computed = 0

  /// The sensitivities the runs use, ready for the palettizer.
  public struct Calibrated: Sendable {
    /// What they were computed from (``CalibrationMetadata/sensitivitiesSHA256`` is their hash).
    public var metadata: CalibrationMetadata
    /// The tensors as the in-memory model `KMeansPalettizer.prepare(sensitivities:)` takes.
    public var model: Model
    /// Where they came from in this process.
    public var source: Source

    /// ``CalibrationMetadata/sensitivitiesSHA256``.
    public var sha256: String { metadata.sensitivitiesSHA256 }

    init(_ sensitivities: ActivationSensitivities, source: Source) throws {
      metadata = sensitivities.metadata
      model = try sensitivities.model()
      self.source = source
    }
  }

  /// Where a process's sensitivities came from.
  public enum Source: Sendable, Equatable {
    /// Computed here (and journaled, when there is a journal).
    case computed(seconds: Double)
    /// Read from the journal, where this or another process of the sweep put them; `race` when
    /// this process computed them too but another journaled first.
    case journal(race: Bool)
    /// Given by the caller (``install(_:)``: `reproduce` re-running with recorded values).
    case installed
  }

  /// Reads the calibration corpus and checks that the encoder's files are there and that the
  /// sentences used share none with the evaluation's; loads nothing else.
  /// - Throws: ``ExperimentError`` at `sensitivities.calibration…` for a synthetic model, a
  ///   missing encoder file (naming it), a corpus that cannot be read or holds no sentence, or a
  ///   sentence the evaluation corpus also uses (naming both files, the count and the first).
  /// - Parameter evaluator: the sweep's evaluator, if it evaluates: its fp32 encoder is shared.
  public init(
    experiment: Experiment, evaluator: SweepEvaluator? = nil, log: (@Sendable (String) -> Void)? = nil
  ) throws(ExperimentError) {
    guard case .calibration(let settings) = experiment.sensitivities else {
      preconditionFailure("the experiment has no sensitivities.calibration")
    }
    let pass = try settings.preparePass(
      experiment: experiment, keyPath: "sensitivities.calibration", purpose: "calibrating on", log: log)
    // The evaluator has read its corpus already (and reported it if unreadable).
    if let evaluation = experiment.embeddingEvaluation {
      let evaluated = evaluator?.numberedSentences
        ?? (try? SentenceCorpus.readNumbered(evaluation.corpus)).map { Array($0.prefix(evaluation.maxSentences)) } ?? []
      if let overlap = CorpusOverlap.find(calibration: pass.used, evaluation: evaluated) {
        throw ExperimentError(file: experiment.file.path, keyPath: "sensitivities.calibration.corpus", problem: Self.describe(
          overlap, calibration: settings.corpus.path, evaluation: evaluation.corpus.path, used: (pass.used.count, evaluated.count)))
      }
    }
    self.settings = settings
    self.evaluator = evaluator
    self.modelFile = pass.modelFile
    self.sentences = pass.used.map(\.text)
    self.corpusSentences = pass.total
  }

  /// The problem an overlap makes, after the key path `sensitivities.calibration.corpus`.
  static func describe(_ overlap: CorpusOverlap, calibration: String, evaluation: String, used: (Int, Int)) -> String {
    let count = overlap.count == 1 ? "1 sentence" : "\(overlap.count) sentences"
    return "\(calibration) and evaluate.embedding.corpus \(evaluation) share \(count) among the \(used.0) calibration and "
      + "\(used.1) evaluation sentences used; the first is line \(overlap.calibrationLine) of \(calibration) and line "
      + "\(overlap.evaluationLine) of \(evaluation): \"\(overlap.sentence)\". Calibration and evaluation sentences must be "
      + "disjoint, or the evaluation measures sentences the sensitivities were fitted to"
  }

  /// How many times this process computed the sensitivities (not counting journal reads).
  public var computations: Int {
    counter.lock()
    defer { counter.unlock() }
    return computed
  }

  /// Makes the runs' sensitivities available, unless done already: from the journal when a
  /// process of this sweep journaled them, else computed on `threads` (and journaled).
  /// - Throws: ``EncoderError``/``CalibrationError`` when the model or corpus cannot be used;
  ///   ``JournalError`` when the journal's calibration is damaged or was computed with other
  ///   settings.
  /// - Complexity: one fp32 forward pass over the sentences (up to the last Linear input).
  @discardableResult
  public func prepare(threads: Int, journal: SweepJournal?) throws -> Calibrated {
    try cache.value(for: "activation") {
      if let journal, let journaled = try journal.calibration(settings: settings) {
        return try Calibrated(journaled, source: .journal(race: false))
      }
      let start = DispatchTime.now().uptimeNanoseconds
      let fresh = try compute(threads: threads)
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      if let journal, try !journal.writeCalibration(fresh) {
        guard let winner = try journal.calibration(settings: settings) else {
          throw JournalError(file: journal.calibrationURL.path, problem: "disappeared while this process was journaling its own; run again")
        }
        return try Calibrated(winner, source: .journal(race: true))
      }
      return try Calibrated(fresh, source: .computed(seconds: seconds))
    }.value
  }

  /// Uses `sensitivities` for every run of this process instead of computing them, unless the
  /// runs' sensitivities are known already (then those are returned).
  @discardableResult
  public func install(_ sensitivities: ActivationSensitivities) throws -> Calibrated {
    try cache.value(for: "activation") { try Calibrated(sensitivities, source: .installed) }.value
  }

  /// Computes the sensitivities now, whatever was prepared (`reproduce` compares them with the
  /// recorded ones); not cached.
  /// - Parameter threads: the forward pass's threads; the result does not depend on it.
  public func compute(threads: Int) throws -> ActivationSensitivities {
    counter.lock()
    computed += 1
    counter.unlock()
    let folder = modelFile.deletingLastPathComponent()
    let calibration = ActivationCalibration(
      modelDirectory: folder, corpus: settings.corpus, maxSentences: settings.maxSentences,
      batchSize: settings.batchSize, threads: max(1, threads), weightsFile: modelFile)
    let encoder = try evaluator?.referenceEncoder(threads: threads)
      ?? SentenceEncoder(modelDirectory: folder, weightsFile: modelFile)
    return try calibration.run(encoder: encoder, sentences: sentences)
  }
}
