import Testing
@testable import Palettization

@Suite("GSL random source and seed derivation")
struct RandomTests {
  @Test("mt19937 seeded 42 yields NumPy RandomState(42)'s first raw words")
  func mt19937MatchesNumPy() throws {
    // NumPy: RandomState(42).randint(0, 2**32, size=3, dtype=np.uint32) returns the raw
    // genrand_int32 words (the mask for a full 32-bit range rejects nothing).
    let rng = try GSLRandom(generator: "mt19937", seed: 42)
    #expect(rng.nextRaw() == 1_608_637_542)
    #expect(rng.nextRaw() == 3_421_126_067)
    #expect(rng.nextRaw() == 4_083_286_876)
  }

  @Test("same seed and generator give the same stream; different seeds differ",
        arguments: ["mt19937", "ranlxd2", "taus2"])
  func streams(generator: String) throws {
    let a = try GSLRandom(generator: generator, seed: 7)
    let b = try GSLRandom(generator: generator, seed: 7)
    let c = try GSLRandom(generator: generator, seed: 8)
    let sa = (0..<16).map { _ in a.nextRaw() }
    let sb = (0..<16).map { _ in b.nextRaw() }
    let sc = (0..<16).map { _ in c.nextRaw() }
    #expect(sa == sb)
    #expect(sa != sc)
  }

  @Test("an unknown generator name is an error listing the available ones")
  func unknownGenerator() {
    #expect(throws: RandomError.self) { try GSLRandom(generator: "nope", seed: 1) }
    do {
      _ = try GSLRandom(generator: "nope", seed: 1)
    } catch {
      #expect(error.description.hasPrefix("unknown GSL generator 'nope'; available: "))
      #expect(error.description.contains("mt19937"))
    }
  }

  @Test("FNV-1a 64 and SplitMix64 match their published test values")
  func hashVectors() {
    // FNV-1a 64 of "" is the offset basis; of "a" is 0xaf63dc4c8601ec8c (Fowler/Noll/Vo test suite).
    #expect(SeedDerivation.fnv1a64("") == 0xcbf2_9ce4_8422_2325)
    #expect(SeedDerivation.fnv1a64("a") == 0xaf63_dc4c_8601_ec8c)
    #expect(SeedDerivation.fnv1a64("foobar") == 0x8594_4171_f739_67e8)
    // SplitMix64 seeded with 0: first output 0xe220a8397b1dcdaf (Vigna's reference implementation).
    #expect(SeedDerivation.splitmix64(0) == 0xe220_a839_7b1d_cdaf)
  }

  @Test("derived seeds are stable, 32-bit, and differ per unit and per run seed")
  func derivation() {
    let a = SeedDerivation.derive(42, "encoder.layer.0.attention.self.query.weight")
    #expect(a == SeedDerivation.derive(42, "encoder.layer.0.attention.self.query.weight"))
    #expect(a <= 0xffff_ffff)
    #expect(a != SeedDerivation.derive(43, "encoder.layer.0.attention.self.query.weight"))
    #expect(a != SeedDerivation.derive(42, "encoder.layer.0.attention.self.key.weight"))
  }
}
