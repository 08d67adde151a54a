import Foundation

extension SweepPlot {
  /// Per-tensor SNR bars of one grid point, in file order, coloured by module type.
  static func tensorChart(_ results: SweepResults, configID: String?) throws(PlotError) -> Chart {
    let id = configID ?? results.configIDs.first ?? ""
    let rows = try results.selectedRows(configID: id)
    let point = ModelPoint(aggregating: rows)
    var moduleTypes: [String] = []
    for row in rows where !moduleTypes.contains(row.moduleType) { moduleTypes.append(row.moduleType) }

    let finite = rows.map(\.snrDB).filter(\.isFinite)
    let capped = rows.contains { $0.snrDB.isInfinite }
    let low = min(0, finite.min() ?? 0), high = max(0, finite.max() ?? 10)
    let yScale = NiceScale(covering: low, high + (capped ? max((high - low) * 0.12, 1) : 0), targetTicks: 6)

    // Geometry: bars share at least the default plot width, and get at least 22 px each (room
    // for a 10 px label rotated 45°); labels need room below and to the left.
    let minimumPlotWidth = 860.0 - 76 - 32
    let slot = max(22, minimumPlotWidth / Double(rows.count))
    let barHalfWidth = min(slot * 0.35, 20)
    let labelAngle = 45.0
    let longest = rows.map { Style.textWidth($0.tensor, size: Style.smallSize) }.max() ?? 0
    let labelDrop = longest * sin(labelAngle * .pi / 180)
    let left = max(76, longest * cos(labelAngle * .pi / 180) - slot / 2 + 12)
    let plotWidth = max(minimumPlotWidth, Double(rows.count) * slot)
    let frame = PlotFrame(left: left, top: 92, width: plotWidth, height: 300)
    let width = frame.right + 32
    func y(_ v: Double) -> Double { frame.bottom - yScale.fraction(v) * frame.height }
    let zero = y(0)

    var svg = SVGWriter()
    svg.heading("\(results.name) — per-tensor SNR, config \(id)", subtitles: [
      "n_bits \(point.nBits), \(point.group.label); seed \(point.seed), workers \(point.workers); "
        + "\(rows.count) tensors.",
      "Model: SNR \(snrText(point.snrDB)) at \(SVGWriter.fixed(point.bitsPerWeight, digits: 3)) bits/weight"
        + (point.unknownEnergyCount > 0 && point.snrDB.isFinite ? " (lower bound: exact tensors' energy unknown)." : "."),
    ], left: frame.left)

    // Legend: one row above the plot, module types then the exact swatch.
    svg.open("g", [("class", "legend"), ("font-size", "11"), ("fill", Style.axisColour)])
    var lx = frame.left
    let legendY = frame.top - 18
    let entries = moduleTypes.enumerated().map { ($0.element, Style.palette[$0.offset % Style.palette.count]) }
      + (capped ? [("exact (SNR = ∞, bar capped)", Style.exactColour)] : [])
    for (label, colour) in entries {
      svg.element("rect", [("x", SVGWriter.coordinate(lx)), ("y", SVGWriter.coordinate(legendY - 9)),
                           ("width", "12"), ("height", "12"), ("fill", colour)])
      svg.element("text", [("x", SVGWriter.coordinate(lx + 17)), ("y", SVGWriter.coordinate(legendY + 1))],
                  text: label)
      lx += 17 + Style.textWidth(label, size: Style.textSize) + 18
    }
    svg.close("g")

    svg.valueAxis(yScale, frame: frame, label: "SNR (dB)")

    svg.open("g", [("class", "bars"), ("data-config-id", id)])
    for (index, row) in rows.enumerated() {
      let cx = frame.left + (Double(index) + 0.5) * slot
      let barX = SVGWriter.coordinate(cx - barHalfWidth)
      let barWidth = SVGWriter.coordinate(2 * barHalfWidth)
      let colour = Style.palette[(moduleTypes.firstIndex(of: row.moduleType) ?? 0) % Style.palette.count]
      svg.open("g", [("class", "bar"), ("data-tensor", row.tensor), ("data-snr-db", CSVNumber.format(row.snrDB))])
      svg.element("title", text: "\(row.tensor) (\(row.moduleType)): SNR \(snrText(row.snrDB)), "
        + "\(SVGWriter.fixed(row.bitsPerWeight, digits: 4)) bits/weight, \(row.numel) weights")
      if row.snrDB.isFinite {
        let top = min(y(row.snrDB), zero)
        svg.element("rect", [("x", barX), ("y", SVGWriter.coordinate(top)), ("width", barWidth),
                             ("height", SVGWriter.coordinate(abs(y(row.snrDB) - zero))), ("fill", colour)])
      } else if row.snrDB.isInfinite {
        // Capped bar from the axis to the plot edge, with a break mark and a label inside.
        let end = row.snrDB > 0 ? frame.top : frame.bottom
        svg.element("rect", [("x", barX), ("y", SVGWriter.coordinate(min(end, zero))), ("width", barWidth),
                             ("height", SVGWriter.coordinate(abs(end - zero))), ("fill", Style.exactColour),
                             ("class", "exact")])
        let breakY = row.snrDB > 0 ? frame.top + 10 : frame.bottom - 10
        for offset in [-2.5, 2.5] {
          svg.element("line", [("x1", SVGWriter.coordinate(cx - barHalfWidth * 1.3)), ("x2", SVGWriter.coordinate(cx + barHalfWidth * 1.3)),
                               ("y1", SVGWriter.coordinate(breakY + offset + 3)), ("y2", SVGWriter.coordinate(breakY + offset - 3)),
                               ("stroke", "#ffffff"), ("stroke-width", "2")])
        }
        let textY = row.snrDB > 0 ? frame.top + 22 : frame.bottom - 22
        svg.element("text", [("x", SVGWriter.coordinate(cx + 3.5)), ("y", SVGWriter.coordinate(textY)),
                             ("text-anchor", row.snrDB > 0 ? "end" : "start"), ("font-size", "10"), ("fill", "#ffffff"),
                             ("transform", "rotate(-90 \(SVGWriter.coordinate(cx + 3.5)) \(SVGWriter.coordinate(textY)))")],
                    text: row.snrDB > 0 ? "exact" : "−∞")
      } else {
        svg.element("text", [("x", SVGWriter.coordinate(cx)), ("y", SVGWriter.coordinate(zero - 4)),
                             ("text-anchor", "middle"), ("font-size", "9"), ("fill", Style.mutedColour)], text: "n/a")
      }
      let labelY = frame.bottom + 10
      svg.element("text", [("x", SVGWriter.coordinate(cx)), ("y", SVGWriter.coordinate(labelY)),
                           ("text-anchor", "end"), ("font-size", "10"), ("fill", Style.axisColour),
                           ("transform", "rotate(-\(Int(labelAngle)) \(SVGWriter.coordinate(cx)) \(SVGWriter.coordinate(labelY)))")],
                  text: row.tensor)
      svg.close("g")
    }
    svg.close("g")

    svg.element("line", [("x1", SVGWriter.coordinate(frame.left)), ("x2", SVGWriter.coordinate(frame.right)),
                         ("y1", SVGWriter.coordinate(frame.bottom)), ("y2", SVGWriter.coordinate(frame.bottom)),
                         ("stroke", Style.axisColour)])
    let axisLabelY = frame.bottom + 14 + labelDrop + 18
    svg.element("text", [("x", SVGWriter.coordinate(frame.left + frame.width / 2)),
                         ("y", SVGWriter.coordinate(axisLabelY)), ("text-anchor", "middle"), ("font-size", "12"),
                         ("fill", Style.axisColour)], text: "tensor")
    return Chart(body: svg, width: width, height: axisLabelY + 14)
  }
}
