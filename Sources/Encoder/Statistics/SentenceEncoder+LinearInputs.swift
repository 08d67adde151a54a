import Foundation

/// The pass that corpus statistics of the Linear inputs share (``LinearInputStatistics``,
/// ``LinearInputMoments``).
extension SentenceEncoder {
  /// One place where Linears read their input: a (layer, site) pair, the input width, and the
  /// weights that read it. Slots are numbered `layer · 4 + site.rawValue`.
  struct LinearInputSlot {
    var layer: Int
    var site: LinearSite
    var width: Int
    var weightNames: [String] { site.weightNames(layer: layer) }
  }

  /// Every slot of this model, in slot order.
  var linearInputSlots: [LinearInputSlot] {
    let config = model.config
    return (0..<config.layerCount).flatMap { layer in
      LinearSite.allCases.map { site in
        LinearInputSlot(layer: layer, site: site, width: site == .output ? config.intermediateSize : config.hiddenSize)
      }
    }
  }

  /// Runs `ids` through the model in ``batches(_:batchSize:)`` order, as far as the last Linear
  /// input (``BERTModel/observeLinearInputs(_:blas:threads:observer:)``), and calls `body` on
  /// the calling thread with each slot's input rows (`[tokens, width]`, real tokens only), in
  /// a fixed order: batch by batch, layer by layer, site by site. The rows are the same bits
  /// for any `threads`, so any sum `body` keeps in that order is too.
  func forEachLinearInput(_ ids: [[Int32]], batchSize: Int, threads: Int,
                          _ body: (_ slot: Int, _ rows: UnsafeBufferPointer<Float>, _ width: Int) -> Void) {
    let sites = LinearSite.allCases.count
    for batch in Self.batches(ids, batchSize: batchSize) {
      model.observeLinearInputs(batch.map { ids[$0] }, blas: blas, threads: threads) { layer, site, rows, width in
        body(layer * sites + site.rawValue, rows, width)
      }
    }
  }
}
