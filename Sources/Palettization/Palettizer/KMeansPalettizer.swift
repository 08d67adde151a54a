import Dispatch
import Foundation
import Synchronization

/// Palettizes a whole model under a ``KMeansPalettizerConfig`` (the seed's `KMeansPalettizer`).
///
/// `init` resolves the config for every state tensor (the ``plan``); ``prepare(numWorkers:seed:generator:sensitivities:progress:)``
/// palettizes the selected tensors on a pool of workers. Each tensor is one unit of work with
/// its own fresh GSL generator seeded `SeedDerivation.derive(seed, tensorName)`, so the result
/// is bitwise identical for any worker count and any scheduling order.
public struct KMeansPalettizer: Sendable {
  public let model: Model
  /// Per state tensor, in tensor-name order of the model: what the config decided.
  public var plan: [ResolvedTensor]

  /// Resolves `config` over `model`'s module tree.
  /// - Throws: ``ConfigError`` for an invalid config (e.g. an invalid regex key).
  public init(model: Model, config: KMeansPalettizerConfig) throws(ConfigError) {
    self.model = model
    let order = Dictionary(uniqueKeysWithValues: model.tensorNames.enumerated().map { ($1, $0) })
    self.plan = try config.resolve(model.tree).sorted {
      (order[$0.name] ?? Int.max, $0.name) < (order[$1.name] ?? Int.max, $1.name)
    }
  }

  /// A palettizer with an explicit plan (e.g. a sweep's grid point applied to a resolved plan).
  public init(model: Model, plan: [ResolvedTensor]) {
    self.model = model
    self.plan = plan
  }

  /// Palettizes every tensor the plan selects.
  ///
  /// - Parameters:
  ///   - numWorkers: worker threads; tensors are taken largest first from a shared queue.
  ///   - seed: the run seed; tensor `t` uses `SeedDerivation.derive(seed, t)`.
  ///   - generator: GSL generator type for vector k-means.
  ///   - sensitivities: per-element weights, keyed by tensor name (missing names: unweighted).
  ///   - progress: called after each tensor with (done, total, tensor name), from any thread.
  ///   - vectorKernel: the Lloyd kernel of vector k-means (`nil`: the fastest); the result is
  ///     bitwise the same for any kernel.
  /// - Returns: per plan entry, what happened; tensors whose shape does not fit their spec are
  ///   skipped with a warning naming the tensor and the reason, untouched.
  /// - Throws: ``ModelError`` when a tensor cannot be read, ``PalettizationError`` for an
  ///   invalid spec or generator.
  public func prepare(
    numWorkers: Int = 1,
    seed: UInt64,
    generator: String = "mt19937",
    sensitivities: Model? = nil,
    progress: (@Sendable (Int, Int, String) -> Void)? = nil,
    vectorKernel: VectorKMeans.Kernel? = nil
  ) throws -> PalettizedModel {
    precondition(numWorkers >= 1, "numWorkers must be at least 1")
    let selected = plan.indices.filter { plan[$0].spec != nil }
    // Largest tensors first, so one big tensor does not start last (ties: plan order).
    var sizes: [Int: Int] = [:]
    for i in selected { sizes[i] = try model.describe(plan[i].name).count }
    let queue = selected.sorted { (sizes[$0]!, -$0) > (sizes[$1]!, -$1) }

    let outcomes = UnsafeMutableBufferPointer<TensorOutcome?>.allocate(capacity: plan.count)
    outcomes.initialize(repeating: nil)
    defer { outcomes.deallocate() }
    let failure = Mutex<(any Error)?>(nil)
    let next = Atomic<Int>(0)
    let done = Atomic<Int>(0)
    nonisolated(unsafe) let slots = outcomes
    let work: @Sendable (Int) -> Void = { _ in
      while true {
        let position = next.wrappingAdd(1, ordering: .relaxed).oldValue
        guard position < queue.count, failure.withLock({ $0 == nil }) else { return }
        let index = queue[position]
        do {
          slots[index] = try palettize(
            plan[index], seed: seed, generator: generator, sensitivities: sensitivities, vectorKernel: vectorKernel)
        } catch {
          failure.withLock { if $0 == nil { $0 = error } }
          return
        }
        let finished = done.wrappingAdd(1, ordering: .relaxed).newValue
        progress?(finished, queue.count, plan[index].name)
      }
    }
    let workers = max(1, min(numWorkers, queue.count))
    if workers == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: work) }
    if let error = failure.withLock({ $0 }) { throw error }

    var results: [TensorOutcome] = []
    results.reserveCapacity(plan.count)
    for (i, entry) in plan.enumerated() {
      results.append(outcomes[i] ?? .untouched(entry))
    }
    return PalettizedModel(seed: seed, generator: generator, outcomes: results)
  }

  /// One unit of work: read, palettize, time.
  private func palettize(
    _ entry: ResolvedTensor, seed: UInt64, generator: String, sensitivities: Model?,
    vectorKernel: VectorKMeans.Kernel?
  ) throws -> TensorOutcome {
    guard let spec = entry.spec else { return .untouched(entry) }
    let description = try model.describe(entry.name)
    guard description.weightDType != nil else {
      return .skipped(entry, reason: "dtype \(description.dtype) is not a floating-point type")
    }
    let start = DispatchTime.now().uptimeNanoseconds
    let weight = try model.tensor(named: entry.name)
    var sensitivity: Tensor?
    if let sensitivities, sensitivities.tensorNames.contains(entry.name) {
      sensitivity = try sensitivities.tensor(named: entry.name)
    }
    let outcome = Result { () throws(PalettizationError) -> PalettizedTensor in
      try TensorPalettizer.palettize(
        weight, spec: spec, options: entry.options ?? ClusteringOptions(), op: entry.op?.kind,
        seed: SeedDerivation.derive(seed, entry.name), generator: generator,
        sensitivity: sensitivity, threads: 1, vectorKernel: vectorKernel)
    }
    switch outcome {
    case .success(let result):
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      return .palettized(entry, result, seconds: seconds)
    case .failure(let error) where error.isSkip:
      return .skipped(entry, reason: error.description)
    case .failure(let error):
      throw error
    }
  }
}
