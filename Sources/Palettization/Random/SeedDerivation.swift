/// The stable derivation of a per-unit seed from a run seed and the unit's name.
///
/// `derive(run, name) = fold32(splitmix64(run ^ splitmix64(fnv1a64(utf8(name)))))`, where
/// `fnv1a64` is 64-bit FNV-1a (offset basis `0xcbf29ce484222325`, prime `0x100000001b3`),
/// `splitmix64` is Steele, Lea & Flood's SplitMix64 finaliser (the `next()` of `java.util.SplittableRandom`
/// applied to `x + 0x9e3779b97f4a7c15`), and `fold32(x) = (x ^ (x >> 32)) & 0xffffffff`.
/// The result fits 32 bits because GSL's mt19937 reads only the low 32 bits of its seed; folding
/// keeps all 64 bits of the hash relevant for every generator type.
///
/// The derivation is part of the reproducibility contract: changing it changes every result.
/// A tensor's generator is seeded `derive(runSeed, tensorName)`; block `b` of that tensor gets
/// `derive(tensorSeed, "block/b")`, so blocks can run on any number of threads.
public enum SeedDerivation {
  /// Seed for unit `name` of a run seeded with `run`.
  public static func derive(_ run: UInt64, _ name: String) -> UInt64 {
    let mixed = splitmix64(run ^ splitmix64(fnv1a64(name)))
    return (mixed ^ (mixed >> 32)) & 0xffff_ffff
  }

  /// 64-bit FNV-1a over the UTF-8 bytes of `text`.
  public static func fnv1a64(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x0000_0100_0000_01b3
    }
    return hash
  }

  /// SplitMix64's output function for state `x` (it first adds the golden-ratio increment).
  public static func splitmix64(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9e37_79b9_7f4a_7c15
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }
}
