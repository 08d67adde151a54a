import Foundation

/// The journal of a sweep: `<output folder>/<name>.journal/`, beside the outputs, holding
/// `header.json` (``JournalHeader``) and one `units/<unit id>.json` per finished work unit
/// (``JournalEntry``), each written atomically (temporary file, `fsync`, `rename`), so a sweep
/// killed at any moment (SIGKILL, preemption, node loss after the write) leaves only whole
/// entries and resumes from them. Shards of one sweep share the journal; it is removed once the
/// final outputs are written.
public struct SweepJournal: Sendable {
  /// The journal folder.
  public let folder: URL
  public let header: JournalHeader
  /// SHA-256 of `header.json` as stored; every entry names it.
  let headerSHA256: String

  /// `<output folder>/<name>.journal`.
  public static func folder(for experiment: Experiment) -> URL {
    experiment.output.deletingLastPathComponent().appendingPathComponent("\(experiment.name).journal", isDirectory: true)
  }

  var headerURL: URL { folder.appendingPathComponent("header.json") }
  var unitsFolder: URL { folder.appendingPathComponent("units", isDirectory: true) }

  /// The entry file of unit `id`.
  public func entryURL(unit id: String) -> URL { unitsFolder.appendingPathComponent("\(id).json") }

  /// Opens the journal of `experiment`, creating it (with `expected`) when there is none; when
  /// several processes create it at once, exactly one header wins and all use it.
  /// - Throws: ``JournalError`` when an existing journal belongs to another experiment, binary,
  ///   GSL or input files, or its header is unreadable.
  static func open(for experiment: Experiment, expected: JournalHeader) throws -> SweepJournal {
    let folder = Self.folder(for: experiment)
    try FileManager.default.createDirectory(at: folder.appendingPathComponent("units", isDirectory: true), withIntermediateDirectories: true)
    let data = try Self.encode(expected)
    let headerURL = folder.appendingPathComponent("header.json")
    if try AtomicFile.createExclusively(data, at: headerURL) {
      return SweepJournal(folder: folder, header: expected, headerSHA256: SHA256Hasher.hex(of: data))
    }
    guard let existing = try Self.existing(for: experiment, expected: expected) else {
      throw JournalError(file: headerURL.path, problem: "disappeared while the journal was being opened; run again")
    }
    return existing
  }

  /// The existing journal of `experiment`, checked against `expected`, or `nil` when there is
  /// none.
  static func existing(for experiment: Experiment, expected: JournalHeader) throws(JournalError) -> SweepJournal? {
    let folder = Self.folder(for: experiment)
    let headerURL = folder.appendingPathComponent("header.json")
    guard FileManager.default.fileExists(atPath: headerURL.path) else { return nil }
    let remove = JournalError.startOver(folder)
    let data: Data
    do { data = try Data(contentsOf: headerURL) } catch {
      throw JournalError(file: headerURL.path, problem: "cannot be read: \(error.localizedDescription); \(remove)")
    }
    let header: JournalHeader
    do { header = try JSONDecoder().decode(JournalHeader.self, from: data) } catch {
      throw JournalError(file: headerURL.path, problem: "is not a \(JournalHeader.formatName) header (\(RunManifest.describe(error))); \(remove)")
    }
    guard header.format == JournalHeader.formatName else {
      throw JournalError(file: headerURL.path, problem: "has format '\(header.format)', expected '\(JournalHeader.formatName)'; \(remove)")
    }
    try header.check(against: expected, folder: folder, experimentFile: experiment.file.path)
    return SweepJournal(folder: folder, header: header, headerSHA256: SHA256Hasher.hex(of: data))
  }

  static func encode(_ header: JournalHeader) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    var data = try encoder.encode(header)
    data.append(0x0a)
    return data
  }

  /// The journal's seeds.
  public var seeds: [UInt64] { header.seeds.compactMap(UInt64.init) }

  /// Journals `result` atomically, replacing an earlier entry of the same unit.
  func write(_ result: UnitResult) throws {
    try AtomicFile.write(try JournalEntry(result, headerSHA256: headerSHA256).encoded(), to: entryURL(unit: result.unit))
  }

  /// What the journal holds for one unit.
  enum EntryState: Equatable {
    case missing
    case verified(UnitResult)
    /// Present but unusable; the text says why (following the file path).
    case invalid(String)
  }

  /// The entry of `unit`, verified: it parses, its content hash holds, it was written under this
  /// header, and it is for exactly this unit (id, run and tensor list).
  func entry(for unit: WorkUnit) -> EntryState {
    let url = entryURL(unit: unit.id)
    guard FileManager.default.fileExists(atPath: url.path) else { return .missing }
    let entry: JournalEntry
    do { entry = try JSONDecoder().decode(JournalEntry.self, from: try Data(contentsOf: url)) } catch {
      return .invalid("is not a journal entry (\(RunManifest.describe(error)))")
    }
    guard entry.format == JournalEntry.formatName else {
      return .invalid("has format '\(entry.format)', expected '\(JournalEntry.formatName)'")
    }
    guard let hash = try? entry.contentHash(), hash == entry.contentSHA256 else {
      return .invalid("does not match its content_sha256 (the file was changed or damaged)")
    }
    guard entry.headerSHA256 == headerSHA256 else {
      return .invalid("was written under another journal header (header_sha256 \(entry.headerSHA256.prefix(12))…, the journal's is \(headerSHA256.prefix(12))…)")
    }
    guard entry.unit == unit.id, entry.run == unit.run.key, entry.tensors == unit.tensors else {
      return .invalid("is for unit \(entry.unit) of run \(entry.run) with tensors \(entry.tensors.joined(separator: " ")), "
        + "but the sweep plans \(unit.id) of run \(unit.run.key) with tensors \(unit.tensors.joined(separator: " "))")
    }
    return entry.result(columns: ResultColumns.tensors.count)
  }

  /// The unit ids that have an entry file (verified or not).
  func presentUnitIDs() -> Set<String> {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: unitsFolder.path)) ?? []
    return Set(names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) })
  }

  /// Deletes the journal folder.
  func remove() throws {
    try FileManager.default.removeItem(at: folder)
  }
}
