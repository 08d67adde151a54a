extension SweepPlot {
  /// Model SNR (dB) against model bits per weight, one series per group.
  static func tradeoffChart(_ results: SweepResults) throws(PlotError) -> Chart {
    let points = try results.modelPoints()
    let groups = results.groups
    let finite = points.map(\.snrDB).filter(\.isFinite)
    let capped = points.contains { !$0.snrDB.isFinite }

    // Domains: a little padding so markers do not sit on the axes; room above for capped points.
    let bits = points.map(\.bitsPerWeight)
    let bitLow = bits.min() ?? 0, bitHigh = bits.max() ?? 1
    let xPad = max((bitHigh - bitLow) * 0.04, 0.05)
    let xScale = NiceScale(covering: bitLow - xPad, bitHigh + xPad, targetTicks: 8)
    let snrLow = finite.min() ?? 0, snrHigh = finite.max() ?? 10
    let yPad = max((snrHigh - snrLow) * (capped ? 0.15 : 0.06), 0.5)
    let yScale = NiceScale(covering: snrLow - yPad, snrHigh + yPad, targetTicks: 6)

    let width = 860.0
    let frame = PlotFrame(left: 76, top: 92, width: width - 76 - 32, height: 340)
    func x(_ v: Double) -> Double { frame.left + xScale.fraction(v) * frame.width }
    func y(_ v: Double) -> Double {
      if v == .infinity || v.isNaN { return frame.top }
      if v == -.infinity { return frame.bottom }
      return frame.bottom - yScale.fraction(v) * frame.height
    }

    var svg = SVGWriter()
    var subtitles = [
      "Parameter-weighted over each grid point's palettized tensors: SNR = 10·log10(Σ‖w‖² / Σ inertia),"
        + " bits/weight = Σ(bpw·numel) / Σ numel.",
      "One point per config id (its first seed, fewest workers); \(points.count) config ids, "
        + "\(groups.count) series.",
    ]
    let partlyExact = points.filter { $0.unknownEnergyCount > 0 && $0.snrDB.isFinite }.count
    if partlyExact > 0 {
      subtitles.append("\(partlyExact) point\(partlyExact == 1 ? " includes" : "s include") exact tensors"
        + " (SNR = ∞) whose energy the CSV does not hold: their model SNR is a lower bound.")
    }
    svg.heading("\(results.name) — model SNR vs bits per weight", subtitles: subtitles, left: frame.left)
    svg.valueAxis(yScale, frame: frame, label: "model SNR (dB)")

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
                                                                      centreY: y($0.snrDB), width: 10, height: 10) })
    for (index, group) in groups.enumerated() {
      let colour = Style.palette[index % Style.palette.count]
      let shape = MarkerShape.allCases[(index / Style.palette.count + index) % MarkerShape.allCases.count]
      let series = points.enumerated().filter { $0.element.group == group }
        .sorted { ($0.element.bitsPerWeight, $0.offset) < ($1.element.bitsPerWeight, $1.offset) }
        .map(\.element)
      svg.open("g", [("class", "series"), ("data-group", group.key), ("fill", colour), ("stroke", colour)])
      if series.count > 1 {
        let path = series.map { "\(SVGWriter.coordinate(x($0.bitsPerWeight))),\(SVGWriter.coordinate(y($0.snrDB)))" }
        svg.element("polyline", [("points", path.joined(separator: " ")), ("fill", "none"), ("stroke-width", "2")])
      }
      for point in series {
        let px = x(point.bitsPerWeight), py = y(point.snrDB)
        svg.open("g", [("class", "point"), ("data-config-id", point.configID)])
        svg.element("title", text: "config \(point.configID): n_bits \(point.nBits), \(group.label); "
          + "\(SVGWriter.fixed(point.bitsPerWeight, digits: 4)) bits/weight, "
          + "SNR \(snrText(point.snrDB)); \(point.tensorCount) tensors, seed \(point.seed), workers \(point.workers)")
        svg.raw(shape.markup(x: px, y: py, size: 4.5))
        let label = point.snrDB.isFinite ? "\(point.nBits)b" : "\(point.nBits)b exact"
        if let (lx, ly) = labels.place(label, nearX: px, y: py) {
          svg.element("text", [("x", SVGWriter.coordinate(lx)), ("y", SVGWriter.coordinate(ly)),
                               ("text-anchor", "middle"), ("font-size", "10"), ("stroke", "none")], text: label)
        }
        svg.close("g")
      }
      svg.close("g")
    }

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
