import Encoder
import Foundation
import Palettization
import Testing
@testable import PaletteHarness

@Suite("Embedding fidelity metrics")
struct EmbeddingFidelityTests {
  // Reference a=(1,0) b=(1,1) c=(0,1) d=(-1,1); candidate a'=(1,0) b'=(1,1) c'=(1,1) d'=(-1,1).
  static let reference = EmbeddingMatrix(rows: 4, dimension: 2, values: [1, 0, 1, 1, 0, 1, -1, 1])
  static let candidate = EmbeddingMatrix(rows: 4, dimension: 2, values: [1, 0, 1, 1, 1, 1, -1, 1])

  @Test("nearest other sentence, ties to the lowest index (worked by hand)")
  func neighbours() {
    // a: b 0.707, c 0, d -0.707 → b. b: a and c tie at 0.707 → a. c: b and d tie → b. d: c.
    #expect(EmbeddingFidelity.nearestNeighbours(Self.reference) == [1, 0, 1, 2])
    // a': b' and c' tie → b'. b': c' (cos 1). c': b'. d': b' and c' tie at 0 → b'.
    #expect(EmbeddingFidelity.nearestNeighbours(Self.candidate) == [1, 2, 1, 1])
    #expect(EmbeddingFidelity.nearestNeighbours(EmbeddingMatrix(rows: 1, dimension: 2, values: [1, 0])) == [-1])
  }

  @Test("cosines, mean, min and neighbour agreement (worked by hand)")
  func metrics() {
    let f = EmbeddingFidelity(reference: Self.reference, candidate: Self.candidate)
    #expect(f.sentences == 4)
    let expected = [1, 1, 0.5.squareRoot(), 1]
    #expect(zip(f.cosines, expected).allSatisfy { abs($0 - $1) < 1e-15 })
    #expect(abs(f.meanCosine - (3 + 0.5.squareRoot()) / 4) < 1e-15)
    #expect(abs(f.minCosine - 0.5.squareRoot()) < 1e-15)
    #expect(f.neighbourAgreement == 0.5)  // a and c keep their neighbour, b and d do not
    #expect(f.json == "{\"sentences\":4,\"mean_cosine\":\(f.meanCosine),\"min_cosine\":\(f.minCosine),\"neighbour_agreement\":0.5}")
    let one = EmbeddingFidelity(reference: EmbeddingMatrix(rows: 1, dimension: 2, values: [3, 4]),
                                candidate: EmbeddingMatrix(rows: 1, dimension: 2, values: [4, 3]))
    #expect(one.neighbourAgreement == nil && abs(one.meanCosine - 0.96) < 1e-15)
    #expect(one.json == "{\"sentences\":1,\"mean_cosine\":\(one.meanCosine),\"min_cosine\":\(one.minCosine),\"neighbour_agreement\":null}")
  }

  @Test("nearest neighbours equal a brute-force argmax on seeded random vectors")
  func neighboursBruteForce() throws {
    let random = try GSLRandom(generator: "mt19937", seed: 5)
    let n = 40, d = 6
    // Values on a coarse grid so that exact ties occur.
    let values = (0..<(n * d)).map { _ in Float(random.nextInt(below: 5) - 2) }
    let m = EmbeddingMatrix(rows: n, dimension: d, values: values)
    let u = EmbeddingFidelity.unitRows(m)
    let expected = (0..<n).map { i -> Int in
      let scores = (0..<n).map { j in j == i ? -Double.infinity : (0..<d).reduce(0.0) { $0 + u[i * d + $1] * u[j * d + $1] } }
      let best = scores.max() ?? 0
      return scores.firstIndex(of: best) ?? -1
    }
    #expect(EmbeddingFidelity.nearestNeighbours(m) == expected)
  }
}
