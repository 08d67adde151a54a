@preconcurrency import CGSL

/// A GSL random number generator, owned: one `gsl_rng`, freed on deinit.
///
/// All randomness in PaletteLab comes from instances of this type, seeded explicitly.
/// An instance is a unit of work's private source: never share one between threads
/// (the type is deliberately not `Sendable`).
public final class GSLRandom {
  private let rng: UnsafeMutablePointer<gsl_rng>
  /// GSL's name of the generator type, e.g. `mt19937`.
  public let generatorName: String
  /// The seed passed to `gsl_rng_set`.
  public let seed: UInt64

  /// Creates generator `generator` (any GSL name: `mt19937`, `ranlxd2`, `taus2`, …) seeded
  /// with `seed`. GSL's generators read the seed as a C `unsigned long`; mt19937 uses its low
  /// 32 bits (seed 0 is replaced by 4357, as GSL documents).
  public init(generator: String = "mt19937", seed: UInt64) throws(RandomError) {
    GSLRandom.disableAbortingErrorHandler
    guard let type = GSLRandom.type(named: generator) else {
      throw RandomError.unknownGenerator(generator, available: GSLRandom.availableGenerators)
    }
    guard let rng = gsl_rng_alloc(type) else { throw RandomError.allocationFailed(generator) }
    gsl_rng_set(rng, UInt(truncatingIfNeeded: seed))
    self.rng = rng
    self.generatorName = generator
    self.seed = seed
  }

  deinit { gsl_rng_free(rng) }

  /// The next raw output word, in `[min, max]` of the generator.
  public func nextRaw() -> UInt { gsl_rng_get(rng) }

  /// Uniform on `[0, 1)`.
  public func nextUniform() -> Double { gsl_rng_uniform(rng) }

  /// Uniform on `(0, 1)`: never exactly zero.
  public func nextUniformPositive() -> Double { gsl_rng_uniform_pos(rng) }

  /// Uniform integer in `0..<n` (GSL's `gsl_rng_uniform_int`, exact, no modulo bias).
  /// - Precondition: `0 < n <= max - min + 1` of the generator.
  public func nextInt(below n: Int) -> Int {
    precondition(n > 0, "nextInt(below:) needs a positive bound")
    return Int(gsl_rng_uniform_int(rng, UInt(n)))
  }

  /// Gaussian with mean 0 and standard deviation `sigma` (`gsl_ran_gaussian`).
  public func gaussian(sigma: Double) -> Double { gsl_ran_gaussian(rng, sigma) }

  /// Laplace with scale `a` (`gsl_ran_laplace`): density `exp(-|x|/a) / 2a`.
  public func laplace(scale a: Double) -> Double { gsl_ran_laplace(rng, a) }

  /// Student's t with `nu` degrees of freedom (`gsl_ran_tdist`).
  public func studentT(nu: Double) -> Double { gsl_ran_tdist(rng, nu) }

  /// Every generator name this GSL offers, in GSL's order.
  public static var availableGenerators: [String] {
    allTypes().map { String(cString: $0.pointee.name) }
  }

  /// The GSL version string, e.g. `2.7.1`.
  public static var gslVersion: String { String(cString: gsl_version) }

  private static func type(named name: String) -> UnsafePointer<gsl_rng_type>? {
    allTypes().first { String(cString: $0.pointee.name) == name }
  }

  private static func allTypes() -> [UnsafePointer<gsl_rng_type>] {
    guard var cursor = gsl_rng_types_setup() else { return [] }
    var types: [UnsafePointer<gsl_rng_type>] = []
    while let type = cursor.pointee {
      types.append(type)
      cursor += 1
    }
    return types
  }

  /// GSL's default error handler aborts the process; errors are reported through return
  /// values instead. Swift runs this lazy global's initialiser exactly once, thread-safely.
  private static let disableAbortingErrorHandler: Void = {
    _ = gsl_set_error_handler_off()
  }()
}

/// A generator could not be created.
public enum RandomError: Error, Equatable, Sendable, CustomStringConvertible {
  case unknownGenerator(String, available: [String])
  case allocationFailed(String)

  public var description: String {
    switch self {
    case .unknownGenerator(let name, let available):
      return "unknown GSL generator '\(name)'; available: \(available.joined(separator: ", "))"
    case .allocationFailed(let name):
      return "GSL could not allocate generator '\(name)'"
    }
  }
}
