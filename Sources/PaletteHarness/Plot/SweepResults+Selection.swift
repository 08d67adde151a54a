extension SweepResults {
  /// Config ids that have `ok` rows, in order of first appearance.
  /// - Complexity: O(rows).
  public var configIDs: [String] {
    var seen = Set<String>()
    return rows.compactMap { seen.insert($0.configID).inserted ? $0.configID : nil }
  }

  /// Series groups, in order of first appearance.
  /// - Complexity: O(rows).
  public var groups: [SeriesGroup] {
    var seen = Set<SeriesGroup>()
    return rows.compactMap { seen.insert($0.group).inserted ? $0.group : nil }
  }

  /// The rows that represent grid point `configID`: those of its first seed in the file and,
  /// among them, of the smallest worker count. Results are meant to be identical across seeds'
  /// worker counts, and one run per grid point keeps the plot honest about what it shows.
  /// - Throws: ``PlotError`` `.unknownConfigID` when the id has no `ok` rows,
  ///   `.duplicateTensor` when a tensor appears twice in the selection.
  /// - Complexity: O(rows).
  public func selectedRows(configID: String) throws(PlotError) -> [SweepResultRow] {
    let all = rows.filter { $0.configID == configID }
    guard let seed = all.first?.seed else {
      throw PlotError(file: source, kind: .unknownConfigID(configID, available: configIDs))
    }
    let ofSeed = all.filter { $0.seed == seed }
    let workers = ofSeed.map(\.workers).min() ?? 0
    let selected = ofSeed.filter { $0.workers == workers }
    var seen = Set<String>()
    for row in selected where !seen.insert(row.tensor).inserted {
      throw PlotError(file: source, line: row.line, kind: .duplicateTensor(row.tensor, configID: configID))
    }
    return selected
  }

  /// One ``ModelPoint`` per config id, in order of first appearance.
  /// - Throws: ``PlotError`` `.duplicateTensor`.
  /// - Complexity: O(rows × config ids).
  public func modelPoints() throws(PlotError) -> [ModelPoint] {
    var points: [ModelPoint] = []
    for id in configIDs { points.append(ModelPoint(aggregating: try selectedRows(configID: id))) }
    return points
  }
}
