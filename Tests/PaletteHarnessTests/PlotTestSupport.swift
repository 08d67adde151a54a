import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import PaletteHarness

/// Builds results CSVs with the harness's exact column set for plot tests.
enum ResultsCSV {
  static let header = [
    "config_id", "grid", "n_bits", "granularity", "cluster_dim", "lut_qspec", "enable_per_channel_scale",
    "enable_fast_kmeans_mode", "seed", "generator", "workers", "tensor", "module_type", "op_type", "shape",
    "numel", "blocks", "inertia", "snr_db", "bits_per_weight", "iterations", "seconds", "status", "message",
  ]

  /// One row; unspecified columns get plausible constants.
  static func row(
    config: String, nBits: Int = 4, granularity: String = "per_tensor", clusterDim: Int = 1,
    lut: String = "none", seed: String = "0", workers: Int = 1, tensor: String, moduleType: String = "Linear",
    numel: Int, inertia: String, snr: String, bpw: String, status: String = "ok", message: String = ""
  ) -> [String] {
    [config, "1", "\(nBits)", granularity, "\(clusterDim)", lut, "false", "true", seed, "mt19937",
     "\(workers)", tensor, moduleType, "linear", "\(numel)x1", "\(numel)", "1", inertia, snr, bpw, "12",
     "0.01", status, message]
  }

  static func table(_ rows: [[String]], source: String = "results/test.csv") -> CSVTable {
    CSVTable(header: header, rows: rows, source: source)
  }
}

/// Every element of an XML document with its attributes, in document order (fails if not XML).
final class XMLElements: NSObject, XMLParserDelegate {
  private(set) var elements: [(name: String, attributes: [String: String])] = []
  /// Text content, one entry per run of character data between tags (entities joined).
  private(set) var texts: [String] = []
  private var buffer = ""

  static func parse(_ svg: String) -> XMLElements? {
    let collector = XMLElements()
    let parser = XMLParser(data: Data(svg.utf8))
    parser.delegate = collector
    return parser.parse() ? collector : nil
  }

  func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
              qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
    flush()
    elements.append((elementName, attributeDict))
  }

  func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
              qualifiedName qName: String?) {
    flush()
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    buffer += string
  }

  private func flush() {
    if !buffer.allSatisfy(\.isWhitespace) { texts.append(buffer) }
    buffer = ""
  }

  /// Elements `name` whose class list contains `className`.
  func named(_ name: String, class className: String) -> [[String: String]] {
    elements.filter { $0.name == name && ($0.attributes["class"] ?? "").split(separator: " ").contains(Substring(className)) }
      .map(\.attributes)
  }
}
