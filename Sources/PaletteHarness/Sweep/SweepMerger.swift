import Foundation

/// Joins the outputs of `--shard i/n` runs into the files an unsharded run writes.
public enum SweepMerger {
  /// Merges the shard manifests at `urls` (all `n` shards of one experiment) and writes the
  /// merged CSV, summary and manifest to the experiment's output paths, atomically.
  /// - Returns: the merged manifest's URL.
  public static func merge(manifests urls: [URL]) throws -> URL {
    guard let firstURL = urls.first else {
      throw ManifestError(file: "(none)", problem: "merge needs the manifests of every shard")
    }
    let manifests = try urls.map { try RunManifest.load(contentsOf: $0) }
    let first = manifests[0]
    var shardsSeen = Set<Int>()
    var count: Int?
    for (url, m) in zip(urls, manifests) {
      guard let text = m.shard, let shard = Shard(text) else {
        throw ManifestError(file: url.path, problem: "is not a shard manifest (no 'shard' field)")
      }
      guard m.experiment.sha256 == first.experiment.sha256, m.seeds == first.seeds, m.generator == first.generator else {
        throw ManifestError(file: url.path, problem: "belongs to a different experiment, seed list or generator than \(firstURL.path)")
      }
      if let count, count != shard.count {
        throw ManifestError(file: url.path, problem: "is shard \(shard) but another manifest has \(count) shards")
      }
      count = shard.count
      guard shardsSeen.insert(shard.index).inserted else {
        throw ManifestError(file: url.path, problem: "repeats shard \(shard)")
      }
    }
    if let count, shardsSeen.count != count {
      let missing = (0..<count).filter { !shardsSeen.contains($0) }.map { "\($0)/\(count)" }
      throw ManifestError(file: firstURL.path, problem: "shards \(missing.joined(separator: ", ")) are missing")
    }

    let folder = firstURL.deletingLastPathComponent()
    let experimentURL = URL(fileURLWithPath: first.experiment.path, relativeTo: folder).standardizedFileURL
    let experiment = try Experiment.parse(Data(first.experiment.content.utf8), file: experimentURL)
    let seeds = first.seeds.compactMap(UInt64.init)
    let order = Dictionary(uniqueKeysWithValues: SweepRun.all(points: experiment.gridPoints, seeds: seeds, workers: experiment.workers).map { ($0.key, $0.index) })

    var resultRows: [(Int, [String])] = []
    var summaryRows: [(Int, [String])] = []
    var records: [(Int, RunManifest.RunRecord)] = []
    for (url, m) in zip(urls, manifests) {
      let base = url.deletingLastPathComponent()
      let results = try CSVTable(contentsOf: URL(fileURLWithPath: m.outputs.csv, relativeTo: base))
      let summary = try CSVTable(contentsOf: URL(fileURLWithPath: m.outputs.summary, relativeTo: base))
      func position(_ key: String, in file: String) throws -> Int {
        guard let p = order[key] else { throw ManifestError(file: file, problem: "holds run \(key), which the experiment does not have") }
        return p
      }
      for row in results.rows { resultRows.append((try position(ResultColumns.runKey(ofTensorRow: row), in: results.source), row)) }
      let s = (id: try summary.columnIndex(named: "config_id"), seed: try summary.columnIndex(named: "seed"), workers: try summary.columnIndex(named: "workers"))
      for row in summary.rows { summaryRows.append((try position(SweepRun.key(configID: row[s.id], seed: row[s.seed], workers: row[s.workers]), in: summary.source), row)) }
      for r in m.runs { records.append((try position(r.runKey, in: url.path), r)) }
    }
    // A stable sort by run position keeps each run's rows in their written order.
    let results = CSVTable(header: ResultColumns.tensors, rows: stableSorted(resultRows))
    let summary = CSVTable(header: ResultColumns.summary, rows: stableSorted(summaryRows))

    let builder = ManifestBuilder(experiment: experiment, manifestURL: experiment.manifestURL)
    var manifest = first
    manifest.shard = nil
    manifest.runs = stableSorted(records)
    manifest.outputs = .init(
      csv: builder.relative(experiment.output), summary: builder.relative(experiment.summaryURL),
      csvDeterministicSHA256: ResultHashing.hash(rows: results.rows, header: results.header))
    manifest.experiment.path = builder.relative(experiment.file)
    manifest.inputs = try builder.inputs()
    try FileManager.default.createDirectory(at: experiment.output.deletingLastPathComponent(), withIntermediateDirectories: true)
    try results.write(to: experiment.output)
    try summary.write(to: experiment.summaryURL)
    try AtomicFile.write(try manifest.encoded(), to: experiment.manifestURL)
    return experiment.manifestURL
  }

  private static func stableSorted<T>(_ items: [(Int, T)]) -> [T] {
    items.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map { $0.element.1 }
  }
}
