import Foundation

/// Settings of vector k-means (`clusterDim > 1`), mirroring scikit-learn's `KMeans`.
public struct VectorKMeansConfig: Codable, Sendable, Hashable {
  /// Candidates tried per greedy k-means++ step; `nil` = `2 + floor(ln K)`.
  public var nLocalTrials: Int?
  /// Independent k-means++ restarts; the result with the lowest inertia is kept.
  public var nInit: Int
  /// Cap on Lloyd iterations per restart.
  public var maxIter: Int
  /// Stop when the relative inertia improvement per iteration falls below this.
  public var tol: Double

  public init(nLocalTrials: Int? = nil, nInit: Int = 5, maxIter: Int = 300, tol: Double = 1e-4) {
    self.nLocalTrials = nLocalTrials
    self.nInit = nInit
    self.maxIter = maxIter
    self.tol = tol
  }

  /// Candidates per k-means++ step for `k` clusters.
  public func localTrials(k: Int) -> Int {
    nLocalTrials ?? (2 + Int(log(Double(max(k, 1)))))
  }

  public func validate(path: String = "vector_kmeans_config") throws(SpecError) {
    if let n = nLocalTrials, n < 1 {
      throw SpecError(keyPath: "\(path).n_local_trials", value: "\(n)", problem: "must be at least 1")
    }
    guard nInit >= 1 else {
      throw SpecError(keyPath: "\(path).n_init", value: "\(nInit)", problem: "must be at least 1")
    }
    guard maxIter >= 1 else {
      throw SpecError(keyPath: "\(path).max_iter", value: "\(maxIter)", problem: "must be at least 1")
    }
    guard tol >= 0, tol.isFinite else {
      throw SpecError(keyPath: "\(path).tol", value: "\(tol)", problem: "must be a finite number >= 0")
    }
  }

  enum CodingKeys: String, CodingKey {
    case nLocalTrials = "n_local_trials"
    case nInit = "n_init"
    case maxIter = "max_iter"
    case tol
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      nLocalTrials: try c.decodeIfPresent(Int.self, forKey: .nLocalTrials),
      nInit: try c.decodeIfPresent(Int.self, forKey: .nInit) ?? 5,
      maxIter: try c.decodeIfPresent(Int.self, forKey: .maxIter) ?? 300,
      tol: try c.decodeIfPresent(Double.self, forKey: .tol) ?? 1e-4)
  }
}
