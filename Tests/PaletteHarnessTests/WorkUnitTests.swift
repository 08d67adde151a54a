import Foundation
import Testing
@testable import PaletteHarness
@testable import Palettization

/// Runs with hand-made tensor costs, for the planner.
private func work(_ id: String, seed: UInt64 = 0, workers: Int = 1, costs: [Int], rejected: Bool = false) -> UnitPlanner.RunWork {
  let run = SweepRun(index: 0, point: GridPoint(id: id, grid: 1, overrides: []), seed: seed, workers: workers)
  return UnitPlanner.RunWork(run: run, tensors: costs.enumerated().map { ("\(id).t\($0.offset)", $0.element) }, rejected: rejected)
}

@Suite("Work units: planning, shards, cost and ETA")
struct WorkUnitTests {
  @Test("a run is cut into contiguous chunks balanced by cost; together they are its tensors in order")
  func chunksAreContiguous() {
    // Total cost 800 over 8 tensors; targetUnits 4 gives a limit of 200 per unit.
    let runs = [work("g1-p1", costs: Array(repeating: 100, count: 8))]
    let units = UnitPlanner.units(runs, policy: .balanced(targetUnits: 4))
    #expect(units.map(\.tensors.count) == [2, 2, 2, 2])
    #expect(units.flatMap(\.tensors) == runs[0].tensors.map(\.name))
    #expect(units.map(\.cost) == [200, 200, 200, 200])
    #expect(units.map(\.id) == ["g1-p1.seed0.w1.1of4", "g1-p1.seed0.w1.2of4", "g1-p1.seed0.w1.3of4", "g1-p1.seed0.w1.4of4"])
    #expect(units.map(\.index) == [0, 1, 2, 3])
    // Whole runs: one unit.
    #expect(UnitPlanner.units(runs, policy: .wholeRuns).map(\.tensors.count) == [8])
  }

  @Test("a dominant tensor gets a chunk of its own; cheap runs and rejected runs stay whole")
  func unevenCosts() {
    let runs = [
      work("g1-p1", costs: [10, 10, 1000, 10, 10]),     // 1040 of 1060: limit 265, wants 4 chunks
      work("g1-p2", costs: [10, 10]),                    // 20 < limit: one unit
      work("g2-p1", costs: [10, 10, 10], rejected: true), // error rows only: one zero-cost unit
    ]
    let units = UnitPlanner.units(runs, policy: .balanced(targetUnits: 4))
    // Cuts where the cost before a tensor reaches 1/4, 2/4, 3/4 of 1040: before t2 (20 < 260, no),
    // before t3 (1020 >= 260: cut), before t4 (1030 >= 520: cut); only 3 chunks are possible.
    #expect(units.filter { $0.run.point.id == "g1-p1" }.map(\.tensors) == [["g1-p1.t0", "g1-p1.t1", "g1-p1.t2"], ["g1-p1.t3"], ["g1-p1.t4"]])
    #expect(units.filter { $0.run.point.id == "g1-p1" }.map(\.chunks) == [3, 3, 3])
    #expect(units.filter { $0.run.point.id == "g1-p2" }.count == 1)
    let rejected = units.filter { $0.run.point.id == "g2-p1" }
    #expect(rejected.count == 1 && rejected[0].cost == 0 && rejected[0].tensors.count == 3)
  }

  @Test("planning is deterministic and a run without selected tensors is one empty unit")
  func deterministic() {
    let runs = (0..<6).map { work("g1-p\($0 + 1)", seed: UInt64($0), costs: [($0 + 1) * 37, 500, 12, $0 * 1000 + 1]) } + [work("g3-p1", costs: [])]
    let a = UnitPlanner.units(runs, policy: .standard)
    let b = UnitPlanner.units(runs, policy: .standard)
    #expect(a == b)
    #expect(a.last?.tensors == [] && a.last?.chunks == 1)
    for r in runs {
      #expect(a.filter { $0.run.point.id == r.run.point.id }.flatMap(\.tensors) == r.tensors.map(\.name))
    }
  }

  @Test("shards: their union is every unit once, and their costs differ by at most one unit's", arguments: [1, 2, 3, 5, 64])
  func shardUnion(count: Int) {
    var runs: [UnitPlanner.RunWork] = []
    for p in 0..<7 { runs.append(work("g1-p\(p + 1)", costs: (0..<5).map { 1 + ($0 * 7919 + p * 104_729) % 997 })) }
    let units = UnitPlanner.units(runs, policy: .balanced(targetUnits: 20))
    let shards = (0..<count).map { Shard(index: $0, count: count).units(of: units) }
    let ids = shards.flatMap { $0.map(\.id) }
    #expect(ids.sorted() == units.map(\.id).sorted())
    #expect(Set(ids).count == units.count)
    for s in shards { #expect(s.map(\.index) == s.map(\.index).sorted()) }
    let loads = shards.map { $0.reduce(0) { $0 + $1.cost } }
    #expect((loads.max() ?? 0) - (loads.min() ?? 0) <= (units.map(\.cost).max() ?? 0))
  }

  @Test("a one-run experiment spreads over shards")
  func oneRunSpreads() {
    let units = UnitPlanner.units([work("g1-p1", costs: Array(repeating: 1000, count: 12))], policy: .standard)
    #expect(units.count == 12)
    #expect((0..<3).allSatisfy { Shard(index: $0, count: 3).units(of: units).count == 4 })
  }

  @Test("cost: a 2-bit vector point of 2 elements weighs 100 scalar elements; grouped scalar 4 per element; unselected nothing")
  func cost() {
    #expect(WorkCost.estimate(count: 1000, spec: PalettizationSpec()) == 1000)
    #expect(WorkCost.estimate(count: 1000, spec: PalettizationSpec(nBits: 4, granularity: .perGroupedChannel(axis: 0, groupSize: 16))) == 4000)
    #expect(WorkCost.estimate(count: 1000, spec: PalettizationSpec(nBits: 2, clusterDim: 2)) == 100 * 500)
    #expect(WorkCost.estimate(count: 1000, spec: PalettizationSpec(nBits: 4, clusterDim: 2)) == 200 * 500)
    #expect(WorkCost.estimate(count: 1000, spec: PalettizationSpec(nBits: 4, clusterDim: 4)) == 400 * 250)
    #expect(WorkCost.estimate(count: 1000, spec: nil) == 0)
  }

  @Test("ETA is elapsed time per unit of cost done times the cost left")
  func eta() {
    #expect(ProgressLine.eta(elapsed: 10, costDone: 100, costLeft: 300) == 30)
    // One vector unit of 50,000 done in 5 s and a scalar one of 1,000 left: 0.1 s, not 5 s.
    #expect(ProgressLine.eta(elapsed: 5, costDone: 50_000, costLeft: 1_000) == 0.1)
    #expect(ProgressLine.eta(elapsed: 3, costDone: 0, costLeft: 10) == nil)
    #expect(ProgressLine.eta(elapsed: 3, costDone: 0, costLeft: 0) == 0)
  }

  @Test("--shard parses i/n with 0 <= i < n only", arguments: [("0/1", true), ("2/3", true), ("3/3", false), ("-1/2", false), ("1/0", false), ("1/2/3", false), ("a/2", false), ("/2", false)])
  func shardParsing(text: String, valid: Bool) {
    #expect((Shard(text) != nil) == valid)
  }
}
