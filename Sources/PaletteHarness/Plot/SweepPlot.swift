import Foundation

/// Renders a sweep's results CSV as a self-contained SVG: no network, no scripts, no fonts to
/// fetch, no dependencies. Output is SVG only; PNG would need a rasteriser (e.g. `rsvg-convert
/// out.svg -o out.png`), which this package deliberately does not bundle.
///
/// The document holds two rows of charts:
/// 1. *Model SNR vs bits per weight* — one point per grid point (``ModelPoint``: the first
///    seed, smallest worker count), one series per ``SeriesGroup`` (granularity, cluster_dim,
///    lut_qspec), sorted by bits per weight. Exact points (SNR = ∞) sit on the top edge,
///    labelled "exact". When the sweep evaluated its runs (``SweepFidelity``), *mean embedding
///    cosine* and *neighbour agreement vs bits per weight* stand beside it, same points, same
///    series, colours and markers (`<g class="chart" id="mean-cosine">`,
///    `id="neighbour-agreement"`).
/// 2. *Per-tensor SNR* of one grid point — one bar per tensor, coloured by module type, tensor
///    names as rotated labels; an exact tensor is a capped grey bar labelled "exact".
///
/// Markup is stable for tests and tools: each series is `<g class="series" data-group="…">`
/// (``SeriesGroup/key``), each tensor `<g class="bar" data-tensor="…">`. Output is
/// deterministic: the same rows give the same bytes (coordinates have two decimals).
///
/// ```swift
/// let svg = try SweepPlot.render(csvAt: URL(fileURLWithPath: "results/w4.csv"))
/// try AtomicFile.write(Data(svg.utf8), to: SweepPlot.defaultOutputURL(forResults: csv))
/// ```
public enum SweepPlot {
  /// Every chart in one SVG document.
  /// - Parameters:
  ///   - configID: grid point for the per-tensor chart; `nil` means the first config id in the
  ///     file that has `ok` rows.
  ///   - fidelity: the sweep's evaluation values (its summary CSV); with them the embedding
  ///     charts stand beside the SNR chart.
  /// - Throws: ``PlotError`` `.unknownConfigID` or `.duplicateTensor`.
  /// - Complexity: O(rows × config ids).
  public static func render(_ results: SweepResults, fidelity: SweepFidelity? = nil, configID: String? = nil) throws(PlotError) -> String {
    let points = try results.modelPoints()
    var top = [(try tradeoffChart(results, modelPoints: points), TradeoffMetric.snr.id)]
    if let fidelity {
      for metric in [TradeoffMetric.meanCosine(fidelity), .neighbourAgreement(fidelity)]
      where points.contains(where: { metric.value($0) != nil }) {
        top.append((try tradeoffChart(results, modelPoints: points, metric: metric, width: 620, legend: false), metric.id))
      }
    }
    let bars = try tensorChart(results, configID: configID)
    let gap = 24.0
    return document(title: "\(results.name) — PaletteLab sweep", rows: [top, [(bars, "tensor-snr")]], gap: gap)
  }

  /// Reads the results CSV at `url` and renders its charts (see
  /// ``render(_:fidelity:configID:)``), with the embedding charts when the summary CSV
  /// (`summary`, default ``SweepFidelity/defaultSummaryURL(forResults:)`` if it exists) has
  /// evaluation values; the title uses the file name without extension.
  /// - Throws: ``CSVError`` for an unreadable or malformed file or a missing column,
  ///   ``PlotError`` for a bad value, no `ok` rows, or an unknown config id.
  public static func render(csvAt url: URL, summary: URL? = nil, configID: String? = nil) throws -> String {
    let summaryURL = summary ?? SweepFidelity.defaultSummaryURL(forResults: url)
    let fidelity = summary != nil || FileManager.default.fileExists(atPath: summaryURL.path)
      ? try SweepFidelity(contentsOf: summaryURL) : nil
    return try render(try SweepResults(contentsOf: url), fidelity: fidelity, configID: configID)
  }

  /// Only the model SNR vs bits-per-weight chart, as an SVG document.
  /// - Throws: ``PlotError`` `.duplicateTensor`.
  public static func renderTradeoff(_ results: SweepResults) throws(PlotError) -> String {
    document(title: "\(results.name) — model SNR vs bits per weight",
             rows: [[(try tradeoffChart(results), "tradeoff")]], gap: 0)
  }

  /// Only the per-tensor SNR chart of `configID` (default: the first), as an SVG document.
  /// - Throws: ``PlotError`` `.unknownConfigID` or `.duplicateTensor`.
  public static func renderTensorSNR(_ results: SweepResults, configID: String? = nil) throws(PlotError) -> String {
    document(title: "\(results.name) — per-tensor SNR",
             rows: [[(try tensorChart(results, configID: configID), "tensor-snr")]], gap: 0)
  }

  /// Where `plot` writes by default: the results file with extension `svg` (`r/w4.csv` → `r/w4.svg`).
  public static func defaultOutputURL(forResults url: URL) -> URL {
    url.deletingPathExtension().appendingPathExtension("svg")
  }

  /// Rows of charts, each row left to right, rows top to bottom, `gap` between them.
  private static func document(title: String, rows: [[(Chart, String)]], gap: Double) -> String {
    func rowWidth(_ row: [(Chart, String)]) -> Double { row.map(\.0.width).reduce(0, +) + gap * Double(max(0, row.count - 1)) }
    let heights = rows.map { $0.map(\.0.height).max() ?? 0 }
    let width = rows.map(rowWidth).max() ?? 0
    let height = heights.reduce(0, +) + gap * Double(max(0, rows.count - 1))
    var svg = SVGWriter()
    svg.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
    svg.open("svg", [
      ("xmlns", "http://www.w3.org/2000/svg"), ("version", "1.1"),
      ("width", SVGWriter.coordinate(width)), ("height", SVGWriter.coordinate(height)),
      ("viewBox", "0 0 \(SVGWriter.coordinate(width)) \(SVGWriter.coordinate(height))"),
      ("font-family", Style.fontFamily),
    ])
    svg.element("title", text: title)
    svg.element("rect", [("width", "100%"), ("height", "100%"), ("fill", "#ffffff")])
    var y = 0.0
    for (index, row) in rows.enumerated() {
      if index > 0 {
        svg.element("line", [("x1", "16"), ("x2", SVGWriter.coordinate(width - 16)),
                             ("y1", SVGWriter.coordinate(y - gap / 2)), ("y2", SVGWriter.coordinate(y - gap / 2)),
                             ("stroke", "#d0d0d0")])
      }
      var x = 0.0
      for (chart, id) in row {
        svg.open("g", [("class", "chart"), ("id", id), ("transform", "translate(\(SVGWriter.coordinate(x)),\(SVGWriter.coordinate(y)))")])
        svg.append(chart.body)
        svg.close("g")
        x += chart.width + gap
      }
      y += heights[index] + gap
    }
    svg.close("svg")
    return svg.output
  }
}

/// One rendered chart: its markup in local coordinates and its size.
struct Chart {
  var body: SVGWriter
  var width: Double
  var height: Double
}

/// The plot area of a chart, in pixels.
struct PlotFrame {
  var left: Double
  var top: Double
  var width: Double
  var height: Double
  var right: Double { left + width }
  var bottom: Double { top + height }
}

/// Fonts, sizes and colours shared by both charts.
enum Style {
  static let fontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif"
  static let titleSize = 16.0
  static let textSize = 11.0
  static let smallSize = 10.0
  static let axisColour = "#333333"
  static let gridColour = "#e6e6e6"
  static let mutedColour = "#666666"
  static let exactColour = "#9e9e9e"
  /// Tableau 10: distinguishable, and readable on white.
  static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

  /// Estimated rendered width of `text` at `size` px (DejaVu Sans averages ≈ 0.6 em per
  /// character); used only to reserve room for labels.
  static func textWidth(_ text: String, size: Double) -> Double { Double(text.count) * size * 0.6 }
}

extension SVGWriter {
  /// Title and subtitle lines at the top left of a chart.
  mutating func heading(_ title: String, subtitles: [String], left: Double) {
    element("text", [("x", SVGWriter.coordinate(left)), ("y", "24"), ("font-size", "16"),
                     ("font-weight", "bold"), ("fill", Style.axisColour), ("class", "title")], text: title)
    for (i, line) in subtitles.enumerated() {
      element("text", [("x", SVGWriter.coordinate(left)), ("y", SVGWriter.coordinate(42 + 15 * Double(i))),
                       ("font-size", "11"), ("fill", Style.mutedColour), ("class", "subtitle")], text: line)
    }
  }

  /// Horizontal grid lines, tick labels and the rotated label of a value axis on the left.
  mutating func valueAxis(_ scale: NiceScale, frame: PlotFrame, label: String) {
    open("g", [("class", "y-axis"), ("font-size", "11"), ("fill", Style.axisColour)])
    for tick in scale.ticks {
      let y = frame.bottom - scale.fraction(tick) * frame.height
      element("line", [("x1", SVGWriter.coordinate(frame.left)), ("x2", SVGWriter.coordinate(frame.right)),
                       ("y1", SVGWriter.coordinate(y)), ("y2", SVGWriter.coordinate(y)),
                       ("stroke", tick == 0 ? "#b0b0b0" : Style.gridColour)])
      element("text", [("x", SVGWriter.coordinate(frame.left - 6)), ("y", SVGWriter.coordinate(y + 4)),
                       ("text-anchor", "end")], text: scale.label(tick))
    }
    let midY = frame.top + frame.height / 2
    element("text", [("x", SVGWriter.coordinate(frame.left - 52)), ("y", SVGWriter.coordinate(midY)),
                     ("text-anchor", "middle"), ("font-size", "12"),
                     ("transform", "rotate(-90 \(SVGWriter.coordinate(frame.left - 52)) \(SVGWriter.coordinate(midY)))")],
            text: label)
    element("line", [("x1", SVGWriter.coordinate(frame.left)), ("x2", SVGWriter.coordinate(frame.left)),
                     ("y1", SVGWriter.coordinate(frame.top)), ("y2", SVGWriter.coordinate(frame.bottom)),
                     ("stroke", Style.axisColour)])
    close("g")
  }
}
