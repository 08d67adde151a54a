import Foundation
import Palettization
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `header.json` of a sweep journal: what its entries are valid for. Entries are only used by
/// a sweep of the same experiment content, run by the same binary with the same GSL, on input
/// files of unchanged size and modification time; the seeds are the journal's (drawn once when
/// the experiment lists none, so every shard and every resume uses the same).
public struct JournalHeader: Codable, Sendable, Equatable {
  /// `palettelab.journal/1`.
  public var format: String
  public var experiment: ExperimentStamp
  public var harness: HarnessBinary
  public var gslVersion: String
  public var generator: String
  public var seeds: [String]
  public var seedsDrawn: Bool
  public var inputs: [InputStamp]
  /// SHA-256 of the calibration corpus when the experiment computes its sensitivities
  /// (`sensitivities.calibration`): the journal's calibration and the units weighted with it
  /// are only valid for those sentences, whatever the file's size and modification time say.
  public var calibrationCorpusSHA256: String? = nil

  public static let formatName = "palettelab.journal/1"

  /// The experiment's name and the SHA-256 of its file content.
  public struct ExperimentStamp: Codable, Sendable, Equatable {
    public var name: String
    public var sha256: String
  }

  /// An input file by absolute path, size and modification time (nanoseconds since 1970):
  /// cheap enough to check in every task on any model size (the manifest still records
  /// content hashes).
  public struct InputStamp: Codable, Sendable, Equatable {
    public var role: String
    public var path: String
    public var bytes: Int
    public var modified: String
  }

  /// The header a sweep of `experiment` run by `binary` expects, with `seeds`.
  static func expected(for experiment: Experiment, binary: HarnessBinary, seeds: [UInt64], seedsDrawn: Bool) throws(JournalError) -> JournalHeader {
    var stamps: [InputStamp] = []
    let files: [(role: String, url: URL)]
    do { files = try ManifestBuilder.inputFiles(of: experiment) } catch {
      throw JournalError(file: experiment.file.path, problem: "its model's files cannot be listed: \(error)")
    }
    for (role, url) in files {
      var info = stat()
      guard stat(url.path, &info) == 0 else {
        throw JournalError(file: url.path, problem: "cannot be read (\(String(cString: strerror(errno))))")
      }
      #if canImport(Darwin)
        let modified = "\(info.st_mtimespec.tv_sec).\(String(format: "%09ld", info.st_mtimespec.tv_nsec))"
      #else
        let modified = "\(info.st_mtim.tv_sec).\(String(format: "%09ld", info.st_mtim.tv_nsec))"
      #endif
      stamps.append(InputStamp(role: role, path: url.path, bytes: Int(info.st_size), modified: modified))
    }
    var calibrationCorpus: String?
    if case .calibration(let settings) = experiment.sensitivities {
      do { calibrationCorpus = try SHA256Hasher.hex(ofFile: settings.corpus).sha256 } catch {
        throw JournalError(file: settings.corpus.path, problem: "cannot be read to hash it: \(error.localizedDescription)")
      }
    }
    return JournalHeader(
      format: formatName, experiment: .init(name: experiment.name, sha256: SHA256Hasher.hex(of: experiment.content)),
      harness: binary, gslVersion: GSLRandom.gslVersion, generator: experiment.generator,
      seeds: seeds.map(String.init), seedsDrawn: seedsDrawn, inputs: stamps, calibrationCorpusSHA256: calibrationCorpus)
  }

  /// Throws unless entries of this header may be used by a sweep expecting `expected` (seeds
  /// aside: a journal's drawn seeds are the sweep's). `folder` names the journal in messages.
  func check(against expected: JournalHeader, folder: URL, experimentFile: String) throws(JournalError) {
    let remove = JournalError.startOver(folder)
    func fail(_ problem: String) -> JournalError { JournalError(file: folder.path, problem: problem) }
    if experiment.sha256 != expected.experiment.sha256 {
      throw fail("belongs to another experiment: it was started for content sha256 \(experiment.sha256.prefix(12))…, "
        + "\(experimentFile) has \(expected.experiment.sha256.prefix(12))…; \(remove)")
    }
    if harness.sha256 != expected.harness.sha256 {
      throw fail("was written by another harness binary (\(harness.path), version \(harness.version), sha256 "
        + "\(harness.sha256.prefix(12))…); this is \(expected.harness.path), sha256 \(expected.harness.sha256.prefix(12))…. "
        + "Results of different binaries are never mixed: resume with that binary, or \(remove)")
    }
    if gslVersion != expected.gslVersion {
      throw fail("was written with GSL \(gslVersion), this process has GSL \(expected.gslVersion); \(remove)")
    }
    if !seedsDrawn && !expected.seedsDrawn && seeds != expected.seeds {
      throw fail("was written for seeds \(seeds.joined(separator: ", ")), the experiment lists \(expected.seeds.joined(separator: ", ")); \(remove)")
    }
    if calibrationCorpusSHA256 != expected.calibrationCorpusSHA256 {
      let corpus = expected.inputs.first { $0.role == "calibration_corpus" }?.path ?? "the calibration corpus"
      throw fail("was started with another calibration corpus: \(corpus) had sha256 \(calibrationCorpusSHA256.map { "\($0.prefix(12))…" } ?? "(none)"), "
        + "now \(expected.calibrationCorpusSHA256.map { "\($0.prefix(12))…" } ?? "(none)"); its calibration and the units weighted with it "
        + "are for the old sentences; \(remove)")
    }
    for input in expected.inputs {
      guard let old = inputs.first(where: { $0.role == input.role && $0.path == input.path }) else {
        throw fail("was started without input \(input.role) \(input.path); \(remove)")
      }
      if old != input {
        throw fail("input \(input.role) \(input.path) changed since the journal was started (it was \(old.bytes) bytes "
          + "modified at \(old.modified), now \(input.bytes) bytes modified at \(input.modified)); \(remove)")
      }
    }
    if inputs.count != expected.inputs.count {
      throw fail("was started with other input files (\(inputs.map(\.path).joined(separator: ", "))); \(remove)")
    }
  }

  enum CodingKeys: String, CodingKey {
    case format, experiment, harness, gslVersion = "gsl_version", generator, seeds, seedsDrawn = "seeds_drawn", inputs
    case calibrationCorpusSHA256 = "calibration_corpus_sha256"
  }
}
