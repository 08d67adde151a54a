import Foundation

/// A linear axis range with "nice" ticks: steps of 1, 2 or 5 times a power of ten.
///
/// The algorithm is Heckbert's "nice numbers for graph labels" (Graphics Gems, 1990), rounding
/// the raw step up to the next of 1, 2, 5, 10. The range is widened outward to whole steps.
struct NiceScale: Equatable {
  /// Lowest and highest value on the axis (the outermost ticks).
  let lower: Double
  let upper: Double
  /// Distance between ticks.
  let step: Double
  /// Decimal digits needed to print a tick value exactly (0 for steps ≥ 1).
  let digits: Int
  /// Tick indices: tick `k` is at `Double(k) * step`, from `lower` to `upper`.
  let tickRange: ClosedRange<Int>

  /// A scale covering `low...high` with about `targetTicks` intervals.
  ///
  /// A degenerate or reversed range is widened to `±1` around its value; non-finite bounds fall
  /// back to `0...1`.
  /// - Precondition: `targetTicks > 0`.
  init(covering low: Double, _ high: Double, targetTicks: Int = 6) {
    precondition(targetTicks > 0, "a scale needs at least one interval")
    var lo = low, hi = high
    if !lo.isFinite || !hi.isFinite { lo = 0; hi = 1 }
    if hi <= lo { lo -= 1; hi = lo + 2 }
    let raw = (hi - lo) / Double(targetTicks)
    var exponent = Int(floor(log10(raw)))
    let fraction = raw / pow(10, Double(exponent))
    let multiplier: Double
    switch fraction {
    case ...1.0001: multiplier = 1
    case ...2.0001: multiplier = 2
    case ...5.0001: multiplier = 5
    default: multiplier = 1; exponent += 1
    }
    step = multiplier * pow(10, Double(exponent))
    digits = max(0, -exponent)
    // Tolerance so a bound that is a whole step up to rounding is not widened by a step.
    let first = Int(floor(lo / step + 1e-9))
    let last = Int(ceil(hi / step - 1e-9))
    tickRange = first...max(last, first + 1)
    lower = Double(tickRange.lowerBound) * step
    upper = Double(tickRange.upperBound) * step
  }

  /// Every tick value, from `lower` to `upper`.
  var ticks: [Double] { tickRange.map { Double($0) * step } }

  /// `value`'s position as a fraction of the range: 0 at `lower`, 1 at `upper`.
  func fraction(_ value: Double) -> Double { (value - lower) / (upper - lower) }

  /// The label of a tick: fixed-point with ``digits`` decimals, locale-free.
  func label(_ value: Double) -> String { SVGWriter.fixed(value, digits: digits) }
}
