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

  /// This palettizer with `pruning` run on every selected tensor before it is palettized
  /// (``ClusteringOptions/pruning``; `nil` removes it). Each tensor is pruned inside its own
  /// unit of work; one whose shape cannot take an `n:m` pattern is skipped with a warning.
  public func withPruning(_ pruning: PruningSpec?) -> KMeansPalettizer {
    var copy = self
    for i in copy.plan.indices where copy.plan[i].spec != nil {
      copy.plan[i].options = (copy.plan[i].options ?? ClusteringOptions())
      copy.plan[i].options?.pruning = pruning
    }
    return copy
  }

  /// Palettizes every tensor the plan selects.
  ///
  /// Tied names (``Model/ties``: one storage under several names) are palettized once, under
  /// the first selected name in plan order; later selected names of the same storage are
  /// skipped with a warning naming it. fp16/bf16 weights of a checkpoint under scalar specs
  /// are clustered straight from their mapped bytes through a 65,536-bin histogram
  /// (``TensorPalettizer/palettize(halfPrecision:shape:dtype:spec:options:op:sensitivity:)``,
  /// bitwise the same result as the `Float` path), and each weight's mapped pages are
  /// released once it is done, so a checkpoint larger than memory streams through: measured
  /// on MiniLM (87 MB, default config) the re-faulting this costs repeated runs is within the
  /// noise (CPU 93–118 ms either way).
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
  /// - Throws: ``ModelError`` when a tensor cannot be read or a sensitivity is negative or not
  ///   finite, ``PalettizationError`` for an invalid spec or generator.
  public func prepare(
    numWorkers: Int = 1,
    seed: UInt64,
    generator: String = "mt19937",
    sensitivities: Model? = nil,
    progress: (@Sendable (Int, Int, String) -> Void)? = nil,
    vectorKernel: VectorKMeans.Kernel? = nil
  ) throws -> PalettizedModel {
    precondition(numWorkers >= 1, "numWorkers must be at least 1")
    let (selected, tiedTo) = selectingTiedOnce()
    // Largest tensors first, so one big tensor does not start last (ties: plan order).
    var sizes: [Int: Int] = [:]
    for i in selected { sizes[i] = try model.describe(plan[i].name).count }
    let queue = selected.sorted { (sizes[$0]!, -$0) > (sizes[$1]!, -$1) }

    let outcomes = UnsafeMutableBufferPointer<TensorOutcome?>.allocate(capacity: plan.count)
    outcomes.initialize(repeating: nil)
    defer {
      // The slots hold results (arrays): release them, not just the slot memory.
      outcomes.deinitialize()
      outcomes.deallocate()
    }
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
      if let owner = tiedTo[i] {
        results.append(.skipped(entry, reason: "tied to '\(owner)' (one storage), which is palettized once under that name"))
        continue
      }
      results.append(outcomes[i] ?? .untouched(entry))
    }
    return PalettizedModel(seed: seed, generator: generator, outcomes: results)
  }

  /// The plan entries to palettize: every selected one, except that of names sharing one
  /// storage (tied weights, ``Model/storageKey(of:)``) only the first selected in plan order is
  /// palettized; the others map to that name.
  func selectingTiedOnce() -> (selected: [Int], tiedTo: [Int: String]) {
    var owner: [String: String] = [:]
    var selected: [Int] = []
    var tiedTo: [Int: String] = [:]
    for i in plan.indices where plan[i].spec != nil {
      let key = model.storageKey(of: plan[i].name)
      if let first = owner[key] {
        tiedTo[i] = first
      } else {
        owner[key] = plan[i].name
        selected.append(i)
      }
    }
    return (selected, tiedTo)
  }

  /// One unit of work: read, palettize, time.
  private func palettize(
    _ entry: ResolvedTensor, seed: UInt64, generator: String, sensitivities: Model?,
    vectorKernel: VectorKMeans.Kernel?
  ) throws -> TensorOutcome {
    guard let spec = entry.spec else { return .untouched(entry) }
    let description = try model.describe(entry.name)
    guard let dtype = description.weightDType else {
      return .skipped(entry, reason: "dtype \(description.dtype) is not a floating-point type")
    }
    // Each weight is read once: its pages need not stay resident after it is done.
    defer { model.releasePages(of: entry.name) }
    let start = DispatchTime.now().uptimeNanoseconds
    let sensitivity = try Self.sensitivity(named: entry.name, in: sensitivities)
    let options = entry.options ?? ClusteringOptions()
    let op = entry.op?.kind
    var outcome: Result<PalettizedTensor, PalettizationError>
    if TensorPalettizer.handlesHalfPrecision(
        dtype: dtype, shape: description.shape, spec: spec, options: options, op: op, weighted: sensitivity != nil),
      let fromBytes = try model.withMappedBytes(of: entry.name, { bytes in
        Result { () throws(PalettizationError) -> PalettizedTensor in
          try TensorPalettizer.palettize(
            halfPrecision: bytes, shape: description.shape, dtype: dtype, spec: spec, options: options,
            op: op, sensitivity: sensitivity)
        }
      })
    {
      // fp16/bf16 scalar clustering straight from the mapped bytes (bitwise the Float path's
      // result, with a fixed-size histogram instead of a Float copy of the weight).
      outcome = fromBytes
    } else {
      let weight = try model.tensor(named: entry.name)
      outcome = Result { () throws(PalettizationError) -> PalettizedTensor in
        try TensorPalettizer.palettize(
          weight, spec: spec, options: options, op: op,
          seed: SeedDerivation.derive(seed, entry.name), generator: generator,
          sensitivity: sensitivity, threads: 1, vectorKernel: vectorKernel)
      }
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
