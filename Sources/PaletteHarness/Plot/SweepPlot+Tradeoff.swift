/// What a trade-off chart plots against model bits per weight.
enum TradeoffMetric {
  /// Parameter-weighted model SNR (dB), from the per-tensor CSV.
  case snr
  /// Mean embedding cosine to the fp32 model, from the summary CSV.
  case meanCosine(SweepFidelity)
  /// Nearest-neighbour agreement with the fp32 model (%), from the summary CSV.
  case neighbourAgreement(SweepFidelity)

  /// The least room above and below the values, in axis units.
  var minimumPadding: Double {
    switch self {
    case .snr: return 0.5
    case .meanCosine: return 0.01
    case .neighbourAgreement: return 1
    }
  }

  /// No value can exceed this (a cosine 1, an agreement 100 %), so the axis stops there.
  var upperLimit: Double {
    switch self {
    case .snr: return .infinity
    case .meanCosine: return 1
    case .neighbourAgreement: return 100
    }
  }

  /// The chart's `id` in the document.
  var id: String {
    switch self {
    case .snr: return "tradeoff"
    case .meanCosine: return "mean-cosine"
    case .neighbourAgreement: return "neighbour-agreement"
    }
  }

  /// What the value axis shows, and the chart title after the experiment name.
  var axisLabel: String {
    switch self {
    case .snr: return "model SNR (dB)"
    case .meanCosine: return "mean embedding cosine"
    case .neighbourAgreement: return "neighbour agreement (%)"
    }
  }

  var title: String {
    switch self {
    case .snr: return "model SNR vs bits per weight"
    case .meanCosine: return "embedding cosine vs bits per weight"
    case .neighbourAgreement: return "neighbour agreement vs bits per weight"
    }
  }

  /// The plotted value of `point`; `nil` when the summary has none for its run.
  func value(_ point: ModelPoint) -> Double? {
    switch self {
    case .snr: return point.snrDB
    case .meanCosine(let fidelity): return fidelity.values(of: point)?.meanCosine
    case .neighbourAgreement(let fidelity): return fidelity.values(of: point)?.neighbourAgreement.map { $0 * 100 }
    }
  }

  /// The tooltip's value part for `point`.
  func describe(_ point: ModelPoint) -> String {
    switch self {
    case .snr: return "SNR \(SweepPlot.snrText(point.snrDB))"
    case .meanCosine(let fidelity), .neighbourAgreement(let fidelity):
      guard let v = fidelity.values(of: point) else { return "not evaluated" }
      return "mean cosine \(SVGWriter.fixed(v.meanCosine, digits: 4)) (min \(SVGWriter.fixed(v.minCosine, digits: 4))), "
        + "neighbour agreement " + (v.neighbourAgreement.map { "\(SVGWriter.fixed($0 * 100, digits: 1)) %" } ?? "n/a")
    }
  }

  /// The explanation under the title.
  var definition: String {
    switch self {
    case .snr:
      return "Parameter-weighted over each grid point's palettized tensors: SNR = 10·log10(Σ‖w‖² / Σ inertia),"
        + " bits/weight = Σ(bpw·numel) / Σ numel."
    case .meanCosine:
      return "Mean over the evaluation sentences of the cosine between palettized and fp32 embeddings."
    case .neighbourAgreement:
      return "Sentences whose nearest other sentence is the same as under the fp32 model."
    }
  }
}

extension SweepPlot {
  /// `metric` against model bits per weight, one series per group (colours and markers as in
  /// every trade-off chart), `width` pixels wide; `legend: false` leaves the legend to the chart
  /// beside it. Points without a value (no evaluation) are left out. `modelPoints` are
  /// `results.modelPoints()` when the caller has them (charts drawn side by side share them).
  static func tradeoffChart(
    _ results: SweepResults, modelPoints: [ModelPoint]? = nil, metric: TradeoffMetric = .snr, width: Double = 860,
    legend: Bool = true
  ) throws(PlotError) -> Chart {
    let all: [ModelPoint]
    if let modelPoints { all = modelPoints } else { all = try results.modelPoints() }
    let points = all.filter { metric.value($0) != nil }
    let groups = results.groups
    func value(_ point: ModelPoint) -> Double { metric.value(point) ?? .nan }
    let finite = points.map(value).filter(\.isFinite)
    let capped = points.contains { !value($0).isFinite }

    // Domains: a little padding so markers do not sit on the axes; room above for capped points.
    let bits = points.map(\.bitsPerWeight)
    let bitLow = bits.min() ?? 0, bitHigh = bits.max() ?? 1
    let xPad = max((bitHigh - bitLow) * 0.04, 0.05)
    let xScale = NiceScale(covering: bitLow - xPad, bitHigh + xPad, targetTicks: 8)
    let snrLow = finite.min() ?? 0, snrHigh = finite.max() ?? 10
    let yPad = max((snrHigh - snrLow) * (capped ? 0.15 : 0.06), metric.minimumPadding)
    let yScale = NiceScale(covering: snrLow - yPad, min(snrHigh + yPad, metric.upperLimit), targetTicks: 6)

    let frame = PlotFrame(left: 76, top: 92, width: width - 76 - 32, height: 340)
    func x(_ v: Double) -> Double { frame.left + xScale.fraction(v) * frame.width }
    func y(_ v: Double) -> Double {
      if v == .infinity || v.isNaN { return frame.top }
      if v == -.infinity { return frame.bottom }
      return frame.bottom - yScale.fraction(v) * frame.height
    }

    var svg = SVGWriter()
    var subtitles = [
      metric.definition,
      "One point per config id (its first seed, fewest workers); \(points.count) config ids, "
        + "\(groups.count) series.",
    ]
    let partlyExact = points.filter { $0.unknownEnergyCount > 0 && $0.snrDB.isFinite }.count
    if case .snr = metric, partlyExact > 0 {
      subtitles.append("\(partlyExact) point\(partlyExact == 1 ? " includes" : "s include") exact tensors"
        + " (SNR = ∞) whose energy the CSV does not hold: their model SNR is a lower bound.")
    }
    svg.heading("\(results.name) — \(metric.title)", subtitles: subtitles, left: frame.left)
    svg.valueAxis(yScale, frame: frame, label: metric.axisLabel)

    // X axis: vertical grid, ticks, label.
    svg.open("g", [("class", "x-axis"), ("font-size", "11"), ("fill", Style.axisColour)])
    for tick in xScale.ticks {
      let px = SVGWriter.coordinate(x(tick))
      svg.element("line", [("x1", px), ("x2", px), ("y1", SVGWriter.coordinate(frame.top)),
                           ("y2", SVGWriter.coordinate(frame.bottom)), ("stroke", Style.gridColour)])
      svg.element("text", [("x", px), ("y", SVGWriter.coordinate(frame.bottom + 18)),
                           ("text-anchor", "middle")], text: xScale.label(tick))
    }
    svg.element("line", [("x1", SVGWriter.coordinate(frame.left)), ("x2", SVGWriter.coordinate(frame.right)),
                         ("y1", SVGWriter.coordinate(frame.bottom)), ("y2", SVGWriter.coordinate(frame.bottom)),
                         ("stroke", Style.axisColour)])
    svg.element("text", [("x", SVGWriter.coordinate(frame.left + frame.width / 2)),
                         ("y", SVGWriter.coordinate(frame.bottom + 40)), ("text-anchor", "middle"),
                         ("font-size", "12")], text: "model bits per weight (bits)")
    svg.close("g")

    // Series. n_bits labels go where they overlap no marker and no earlier label, else are
    // left to the marker's tooltip.
    var labels = LabelPlacer(frame: frame, obstacles: points.map { LabelPlacer.Box(centreX: x($0.bitsPerWeight),
                                                                      centreY: y(value($0)), width: 10, height: 10) })
    for (index, group) in groups.enumerated() {
      let colour = Style.palette[index % Style.palette.count]
      let shape = MarkerShape.allCases[(index / Style.palette.count + index) % MarkerShape.allCases.count]
      let series = points.enumerated().filter { $0.element.group == group }
        .sorted { ($0.element.bitsPerWeight, $0.offset) < ($1.element.bitsPerWeight, $1.offset) }
        .map(\.element)
      svg.open("g", [("class", "series"), ("data-group", group.key), ("fill", colour), ("stroke", colour)])
      if series.count > 1 {
        let path = series.map { "\(SVGWriter.coordinate(x($0.bitsPerWeight))),\(SVGWriter.coordinate(y(value($0))))" }
        svg.element("polyline", [("points", path.joined(separator: " ")), ("fill", "none"), ("stroke-width", "2")])
      }
      for point in series {
        let px = x(point.bitsPerWeight), py = y(value(point))
        svg.open("g", [("class", "point"), ("data-config-id", point.configID)])
        svg.element("title", text: "config \(point.configID): n_bits \(point.nBits), \(group.label); "
          + "\(SVGWriter.fixed(point.bitsPerWeight, digits: 4)) bits/weight, "
          + "\(metric.describe(point)); \(point.tensorCount) tensors, seed \(point.seed), workers \(point.workers)")
        svg.raw(shape.markup(x: px, y: py, size: 4.5))
        let label = value(point).isFinite ? "\(point.nBits)b" : "\(point.nBits)b exact"
        if let (lx, ly) = labels.place(label, nearX: px, y: py) {
          svg.element("text", [("x", SVGWriter.coordinate(lx)), ("y", SVGWriter.coordinate(ly)),
                               ("text-anchor", "middle"), ("font-size", "10"), ("stroke", "none")], text: label)
        }
        svg.close("g")
      }
      svg.close("g")
    }

    guard legend else { return Chart(body: svg, width: width, height: frame.bottom + 52) }

    // Legend below the axis label, in as many columns as fit.
    let entryWidth = (groups.map { Style.textWidth($0.label, size: Style.textSize) }.max() ?? 0) + 48
    let columns = max(1, min(groups.count, Int(frame.width / entryWidth)))
    let legendTop = frame.bottom + 62
    svg.open("g", [("class", "legend"), ("font-size", "11"), ("fill", Style.axisColour)])
    for (index, group) in groups.enumerated() {
      let colour = Style.palette[index % Style.palette.count]
      let shape = MarkerShape.allCases[(index / Style.palette.count + index) % MarkerShape.allCases.count]
      let lx = frame.left + Double(index % columns) * entryWidth
      let ly = legendTop + Double(index / columns) * 18
      svg.element("line", [("x1", SVGWriter.coordinate(lx)), ("x2", SVGWriter.coordinate(lx + 28)),
                           ("y1", SVGWriter.coordinate(ly)), ("y2", SVGWriter.coordinate(ly)),
                           ("stroke", colour), ("stroke-width", "2")])
      svg.raw("<g fill=\"\(colour)\" stroke=\"\(colour)\">" + shape.markup(x: lx + 14, y: ly, size: 4.5) + "</g>")
      svg.element("text", [("x", SVGWriter.coordinate(lx + 36)), ("y", SVGWriter.coordinate(ly + 4))],
                  text: group.label)
    }
    svg.close("g")
    let rows = (groups.count + columns - 1) / columns
    return Chart(body: svg, width: width, height: legendTop + Double(rows) * 18 + 4)
  }

  /// `12.34 dB`, or `∞ dB (exact)`.
  static func snrText(_ snr: Double) -> String {
    if snr == .infinity { return "∞ dB (exact)" }
    if snr == -.infinity { return "−∞ dB" }
    if snr.isNaN { return "n/a" }
    return "\(SVGWriter.fixed(snr, digits: 2)) dB"
  }
}

/// Marker shapes, cycled with colours so series stay distinguishable in grey print.
enum MarkerShape: CaseIterable {
  case circle, square, triangle, diamond

  /// Markup of the marker centred at (`x`, `y`) with half-size `size`; fill and stroke inherited.
  func markup(x: Double, y: Double, size s: Double) -> String {
    func c(_ v: Double) -> String { SVGWriter.coordinate(v) }
    switch self {
    case .circle:
      return "<circle cx=\"\(c(x))\" cy=\"\(c(y))\" r=\"\(c(s))\"/>"
    case .square:
      return "<rect x=\"\(c(x - s))\" y=\"\(c(y - s))\" width=\"\(c(2 * s))\" height=\"\(c(2 * s))\"/>"
    case .triangle:
      return "<polygon points=\"\(c(x)),\(c(y - s * 1.2)) \(c(x + s * 1.1)),\(c(y + s * 0.8)) \(c(x - s * 1.1)),\(c(y + s * 0.8))\"/>"
    case .diamond:
      return "<polygon points=\"\(c(x)),\(c(y - s * 1.3)) \(c(x + s * 1.1)),\(c(y)) \(c(x)),\(c(y + s * 1.3)) \(c(x - s * 1.1)),\(c(y))\"/>"
    }
  }
}

/// Greedy, deterministic placement of small point labels: the first candidate position (above,
/// below, right, left of the point) inside the frame that overlaps no obstacle and no placed
/// label wins.
struct LabelPlacer {
  /// An axis-aligned rectangle.
  struct Box {
    var minX, minY, maxX, maxY: Double
    init(centreX: Double, centreY: Double, width: Double, height: Double) {
      minX = centreX - width / 2; maxX = centreX + width / 2
      minY = centreY - height / 2; maxY = centreY + height / 2
    }
    func overlaps(_ other: Box) -> Bool {
      minX < other.maxX && other.minX < maxX && minY < other.maxY && other.minY < maxY
    }
  }

  /// Labels must lie inside this area.
  var frame: PlotFrame
  var obstacles: [Box]

  /// Where to put `text` (10 px, anchored at its middle and baseline) near the point
  /// (`x`, `y`), or `nil` when every candidate collides.
  /// - Complexity: O(obstacles) per call.
  mutating func place(_ text: String, nearX x: Double, y: Double) -> (Double, Double)? {
    let width = Style.textWidth(text, size: Style.smallSize), height = 10.0
    let candidates = [(x, y - 8), (x, y + 16), (x + 8 + width / 2, y + 4), (x - 8 - width / 2, y + 4)]
    for (cx, baseline) in candidates {
      let box = Box(centreX: cx, centreY: baseline - height / 2 + 1, width: width, height: height)
      let inside = box.minX >= frame.left && box.maxX <= frame.right
        && box.minY >= frame.top && box.maxY <= frame.bottom
      if inside && !obstacles.contains(where: box.overlaps) {
        obstacles.append(box)
        return (cx, baseline)
      }
    }
    return nil
  }
}
