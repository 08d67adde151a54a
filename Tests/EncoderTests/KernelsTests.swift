import Foundation
import Testing
@testable import Encoder

@Suite("Forward-pass kernels")
struct KernelsTests {
  static func gelu(_ values: [Float]) -> [Float] {
    var out = values
    out.withUnsafeMutableBufferPointer { Kernels.gelu($0.baseAddress!, count: $0.count) }
    return out
  }

  @Test("GELU within the A&S 7.1.26 bound of x·(1 + erf(x/√2))/2 in float64, every tail length")
  func geluAccuracy() {
    let xs = stride(from: -12.0, through: 12.0, by: 0.00037).map(Float.init) + [0, -0.0, 1e-30, -1e-30, 40, -40, 1e6, -1e6]
    for length in [xs.count, xs.count - 3, 5] {  // full vectors, a 5-wide tail, only a tail
      let out = Self.gelu(Array(xs.prefix(length)))
      for (x, y) in zip(xs, out) {
        let exact = 0.5 * Double(x) * (1 + erf(Double(x) / 2.0.squareRoot()))
        #expect(abs(Double(y) - exact) <= 1e-7 * abs(Double(x)) + 4e-7, "x = \(x): \(y) vs \(exact)")
      }
    }
    #expect(Self.gelu([0, -0.0]).map(\.bitPattern) == [0, (-0.0 as Float).bitPattern])
    #expect(Self.gelu([-1e6]) == [-0.0] && Self.gelu([1e6]) == [1e6])
  }

  @Test("softmax sums to 1 and equals exp(x − max)/Σ in float64")
  func softmax() {
    var x: [Float] = [1, 2, 3, -1e30, 0.5]
    x.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress!, count: $0.count) }
    let e = [1.0, 2, 3, -1e30, 0.5].map { exp($0 - 3) }
    let total = e.reduce(0, +)
    #expect(zip(x, e).allSatisfy { abs(Double($0) - $1 / total) < 1e-7 })
  }
}
