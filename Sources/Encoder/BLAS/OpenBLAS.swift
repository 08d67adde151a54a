import CBLAS
import Foundation

/// The OpenBLAS library the encoder multiplies matrices with, opened explicitly at run time.
///
/// Why not link `cblas_sgemm` by name: `libgsl.so` (used by the engine for its random numbers)
/// needs `libgslcblas.so.0`, which also exports `cblas_sgemm` — a reference triple loop, about
/// 50× slower. With link-time binding the dynamic linker's search order decides which one a
/// call reaches. Here `libopenblas.so.0` is opened with `dlopen(RTLD_NOW | RTLD_LOCAL)` and each
/// function is resolved with `dlsym` on that handle, so the encoder always reaches OpenBLAS
/// (whatever the link order, `LD_PRELOAD` or other loaded libraries) and GSL keeps its own CBLAS.
/// ``libraryPath`` (from `dladdr` on the resolved `cblas_sgemm`) shows where it came from.
///
/// OpenBLAS's thread count is process-wide; ``setThreads(_:)`` changes it for every caller.
/// The encoder sets it to 1 and splits its products over its own threads (see
/// `BERTModel.matmul`), so idle OpenBLAS workers do not spin against them. Results may depend
/// on the CPU: the Debian build picks its kernels at run time for the processor
/// (``coreName``).
public final class OpenBLAS: @unchecked Sendable {
  // @unchecked: every stored property is immutable after init; the function pointers are
  // plain C entry points, callable from any thread.

  /// The shared library name opened (Debian's `libopenblas0`, installed by `libopenblas-dev`).
  public static let soname = "libopenblas.so.0"

  /// The process-wide instance, opened on first use.
  /// - Throws: ``EncoderError`` when the library or one of its functions cannot be found.
  public static func shared() throws(EncoderError) -> OpenBLAS {
    try opened.get()
  }

  private static let opened: Result<OpenBLAS, EncoderError> = Result { () throws(EncoderError) in
    try OpenBLAS(soname: soname)
  }

  /// The file the resolved `cblas_sgemm` lives in, as `dladdr` reports it.
  public let libraryPath: String
  /// The kernel family OpenBLAS chose for this CPU (`openblas_get_corename`, e.g. `Haswell`,
  /// `Zen`, `SkylakeX`); embeddings can differ in their last bits between core types.
  public let coreName: String
  /// OpenBLAS's build configuration string (`openblas_get_config`), version included.
  public let configuration: String

  let sgemmFunction: palettelab_sgemm_fn
  let dgemmFunction: palettelab_dgemm_fn
  let dsyrkFunction: palettelab_dsyrk_fn
  let setThreadsFunction: palettelab_set_num_threads_fn
  let getThreadsFunction: palettelab_get_num_threads_fn

  private init(soname: String) throws(EncoderError) {
    guard let handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL) else {
      let reason = dlerror().map { String(cString: $0) } ?? "not found"
      throw EncoderError(file: nil, problem: "cannot open \(soname) (\(reason)); run scripts/setup, which installs libopenblas-dev")
    }
    func symbol(_ name: String) throws(EncoderError) -> UnsafeMutableRawPointer {
      guard let address = dlsym(handle, name) else {
        throw EncoderError(file: nil, problem: "\(soname) has no function \(name); is it OpenBLAS?")
      }
      return address
    }
    let sgemm = try symbol("cblas_sgemm")
    sgemmFunction = unsafeBitCast(sgemm, to: palettelab_sgemm_fn.self)
    dgemmFunction = unsafeBitCast(try symbol("cblas_dgemm"), to: palettelab_dgemm_fn.self)
    dsyrkFunction = unsafeBitCast(try symbol("cblas_dsyrk"), to: palettelab_dsyrk_fn.self)
    setThreadsFunction = unsafeBitCast(try symbol("openblas_set_num_threads"), to: palettelab_set_num_threads_fn.self)
    getThreadsFunction = unsafeBitCast(try symbol("openblas_get_num_threads"), to: palettelab_get_num_threads_fn.self)
    let corename = unsafeBitCast(try symbol("openblas_get_corename"), to: palettelab_get_string_fn.self)
    let config = unsafeBitCast(try symbol("openblas_get_config"), to: palettelab_get_string_fn.self)
    coreName = corename().map { String(cString: $0) } ?? "unknown"
    configuration = config().map { String(cString: $0) } ?? "unknown"
    libraryPath = Self.path(ofSymbolAt: sgemm) ?? soname
  }

  /// The shared object that contains `address` (`dladdr`), or `nil` when none does.
  public static func path(ofSymbolAt address: UnsafeRawPointer) -> String? {
    var info = Dl_info()
    guard dladdr(address, &info) != 0, let name = info.dli_fname else { return nil }
    return String(cString: name)
  }

  private let rowMajor = Int32(PALETTELAB_CBLAS_ROW_MAJOR), trans = Int32(PALETTELAB_CBLAS_TRANS)
  private let noTrans = Int32(PALETTELAB_CBLAS_NO_TRANS), upper = Int32(PALETTELAB_CBLAS_UPPER)

  /// The address `cblas_sgemm` was resolved to (for checking where it lives).
  public var sgemmAddress: UnsafeRawPointer { unsafeBitCast(sgemmFunction, to: UnsafeRawPointer.self) }

  /// OpenBLAS's worker-thread count (process-wide).
  public var threads: Int { Int(getThreadsFunction()) }

  /// Sets OpenBLAS's worker-thread count for every later call in the process.
  /// - Precondition: `threads >= 1`.
  public func setThreads(_ threads: Int) {
    precondition(threads >= 1, "threads must be at least 1")
    if self.threads != threads { setThreadsFunction(Int32(threads)) }
  }

  /// `C = alpha · op(A) · op(B) + beta · C`, row-major single precision (`cblas_sgemm`).
  /// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`; `lda`/`ldb`/`ldc` are row strides.
  /// - Complexity: O(m · n · k).
  @inline(__always)
  func sgemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
    beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    sgemmFunction(rowMajor, transposeA ? trans : noTrans, transposeB ? trans : noTrans,
                  blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
  }

  /// `C = alpha · op(A) · op(B) + beta · C` in double precision (`cblas_dgemm`), row-major.
  /// - Complexity: O(m · n · k).
  func dgemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
    _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
    beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    dgemmFunction(rowMajor, transposeA ? trans : noTrans, transposeB ? trans : noTrans,
                  blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
  }

  /// The upper triangle of `C += Aᵀ · A` for a row-major `A` of `k × n` (`cblas_dsyrk`,
  /// row-major, upper, transposed); `C` is `n × n` with row stride `ldc`.
  /// - Complexity: O(n² · k / 2).
  func dsyrkUpperTransposed(n: Int, k: Int, _ a: UnsafePointer<Double>, lda: Int, _ c: UnsafeMutablePointer<Double>, ldc: Int) {
    dsyrkFunction(rowMajor, upper, trans, blasint(n), blasint(k), 1, a, blasint(lda), 1, c, blasint(ldc))
  }
}
