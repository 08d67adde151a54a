import Foundation

/// Receives the input rows of the Linears at one site of one layer during a forward pass:
/// `rows` is `[tokens, width]` row-major, real tokens only (the batch is packed).
public typealias LinearInputObserver = (_ layer: Int, _ site: LinearSite, _ rows: UnsafeBufferPointer<Float>, _ width: Int) -> Void

extension BERTModel {
  /// The last hidden states of a batch of token-id sequences (the BERT forward pass).
  ///
  /// Per layer, as Hugging Face's `BertModel` in eval mode: embeddings `(word + token type 0)
  /// + position`, LayerNorm; then per layer self-attention (12 heads for MiniLM; scores scaled
  /// by 1/√head size, softmax over the sequence's own tokens), the attention output Linear plus
  /// residual and LayerNorm, the intermediate Linear with exact GELU `x·(1 + erf(x/√2))/2`, the
  /// output Linear plus residual and LayerNorm. Matrix products go to OpenBLAS `sgemm`
  /// (query, key and value as one product with stacked weights); the rest runs on `threads`
  /// threads with a fixed order of every sum, so the result does not depend on `threads`.
  ///
  /// - Parameters:
  ///   - sequences: token ids, each sequence 1...``BERTConfig/maxPositions`` long, every id in
  ///     `0..<vocabularySize` (the tokenizer guarantees both).
  ///   - threads: threads for OpenBLAS and for the other stages (≥ 1).
  ///   - observer: called with each Linear's input rows (for statistics), on the calling thread.
  /// - Complexity: O(T · L · H · (4H + 2I) + Σ n² · H) for T tokens, L layers, sequences of n.
  public func forward(_ sequences: [[Int32]], blas: OpenBLAS, threads: Int, observer: LinearInputObserver? = nil) -> TokenStates {
    run(sequences, blas: blas, threads: threads, observer: observer, throughLastLinearInput: false)
  }

  /// Runs the forward pass of ``forward(_:blas:threads:observer:)`` only as far as the last
  /// Linear input: `observer` sees exactly the rows it would see there, bit for bit, but the
  /// last layer's output product, residual and LayerNorm (about 1/18 of MiniLM's products) are
  /// not computed, since no Linear reads them.
  /// - Complexity: that of the forward pass, less the last `output.dense` product.
  public func observeLinearInputs(_ sequences: [[Int32]], blas: OpenBLAS, threads: Int, observer: LinearInputObserver) {
    withoutActuallyEscaping(observer) { observer in
      _ = run(sequences, blas: blas, threads: threads, observer: observer, throughLastLinearInput: true)
    }
  }

  /// The forward pass; with `throughLastLinearInput` it stops after the last layer's
  /// `.output` observation and the returned states are not the model's output.
  private func run(_ sequences: [[Int32]], blas: OpenBLAS, threads: Int, observer: LinearInputObserver?,
                   throughLastLinearInput: Bool) -> TokenStates {
    precondition(threads >= 1, "threads must be at least 1")
    precondition(sequences.allSatisfy { (1...config.maxPositions).contains($0.count) },
                 "every sequence must hold 1...\(config.maxPositions) tokens")
    blas.setThreads(1)  // this encoder's threads share the work (see matmul)
    let h = config.hiddenSize, inter = config.intermediateSize
    var states = TokenStates(lengths: sequences.map(\.count), width: h)
    let t = states.tokens
    embed(sequences, into: &states, threads: threads)

    var qkv = [Float](repeating: 0, count: t * 3 * h)
    var context = [Float](repeating: 0, count: t * h)
    var attended = [Float](repeating: 0, count: t * h)
    var activations = [Float](repeating: 0, count: t * inter)
    var product = [Float](repeating: 0, count: t * h)
    for (l, layer) in layers.enumerated() {
      // Self-attention.
      states.values.withUnsafeBufferPointer { observer?(l, .attentionInput, $0, h) }
      linear(states.values, layer.qkvWeight, layer.qkvBias, rows: t, inputs: h, outputs: 3 * h, into: &qkv, blas: blas, threads: threads)
      attention(qkv, states: states, into: &context, blas: blas, threads: threads)
      context.withUnsafeBufferPointer { observer?(l, .attentionOutput, $0, h) }
      matmul(context, layer.attentionOutputWeight, rows: t, inputs: h, outputs: h, into: &product, blas: blas, threads: threads)
      addBiasResidualNorm(product, bias: layer.attentionOutputBias, residual: states.values,
                          weight: layer.attentionNormWeight, normBias: layer.attentionNormBias, into: &attended, rows: t, threads: threads)
      // Feed-forward.
      attended.withUnsafeBufferPointer { observer?(l, .intermediate, $0, h) }
      linear(attended, layer.intermediateWeight, layer.intermediateBias, rows: t, inputs: h, outputs: inter,
             into: &activations, blas: blas, threads: threads, gelu: true)
      activations.withUnsafeBufferPointer { observer?(l, .output, $0, inter) }
      if throughLastLinearInput && l == layers.count - 1 { break }
      matmul(activations, layer.outputWeight, rows: t, inputs: inter, outputs: h, into: &product, blas: blas, threads: threads)
      addBiasResidualNorm(product, bias: layer.outputBias, residual: attended,
                          weight: layer.outputNormWeight, normBias: layer.outputNormBias, into: &states.values, rows: t, threads: threads)
    }
    return states
  }

  /// Row `r` of sequence `s` at position `p`: LayerNorm((word[id] + type[0]) + position[p]).
  private func embed(_ sequences: [[Int32]], into states: inout TokenStates, threads: Int) {
    let h = config.hiddenSize, epsilon = config.layerNormEpsilon
    var rowIDs: [Int32] = [], rowPositions: [Int32] = []
    for sequence in sequences {
      rowIDs += sequence
      rowPositions += (0..<Int32(sequence.count))
    }
    states.values.withUnsafeMutableBufferPointer { out in
      let out = out
      wordEmbeddings.withUnsafeBufferPointer { words in
        positionEmbeddings.withUnsafeBufferPointer { positions in
          typeEmbeddings.withUnsafeBufferPointer { types in
            embeddingNormWeight.withUnsafeBufferPointer { gamma in
              embeddingNormBias.withUnsafeBufferPointer { beta in
                WorkSplit.ranges(rowIDs.count, threads: threads) { rows in
                  for r in rows {
                    let word = Int(rowIDs[r]) * h, position = Int(rowPositions[r]) * h, row = r * h
                    for j in 0..<h { out[row + j] = (words[word + j] + types[j]) + positions[position + j] }
                    Kernels.layerNorm(out.baseAddress! + row, count: h, weight: gamma, bias: beta, epsilon: epsilon)
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// `output = input · weightᵀ` (`[rows, outputs]`), no bias: one single-threaded OpenBLAS
  /// `sgemm` per thread on a contiguous block of rows.
  ///
  /// Why not OpenBLAS's own threads: between products its idle workers spin in
  /// `sched_yield`, competing with this encoder's threads for the cores (12 % of the samples in
  /// `perf`, embed of 512 sentences with 2 threads). Why not a fixed 64-row block per call:
  /// every call packs the whole weight again (`sgemm_incopy` rose from 4 % to 14 %).
  ///
  /// The result does not depend on `threads` (the tests check 1–4 threads bitwise): see
  /// ``rowRanges(rows:threads:)`` for why each row meets the same kernel in every split.
  func matmul(_ input: [Float], _ weight: [Float], rows: Int, inputs: Int, outputs: Int,
              into output: inout [Float], blas: OpenBLAS, threads: Int) {
    let ranges = Self.rowRanges(rows: rows, threads: threads)
    input.withUnsafeBufferPointer { a in
      weight.withUnsafeBufferPointer { w in
        output.withUnsafeMutableBufferPointer { c in
          let (a, w, c) = (a, w, c)
          WorkSplit.ranges(ranges.count, threads: threads) { parts in
            for part in parts {
              let rows = ranges[part]
              blas.sgemm(transposeA: false, transposeB: true, m: rows.count, n: outputs, k: inputs, alpha: 1,
                         a.baseAddress! + rows.lowerBound * inputs, lda: inputs, w.baseAddress!, ldb: inputs, beta: 0,
                         c.baseAddress! + rows.lowerBound * outputs, ldc: outputs)
            }
          }
        }
      }
    }
  }

  /// The row blocks of ``matmul(_:_:rows:inputs:outputs:into:blas:threads:)``: at most
  /// `threads` contiguous ranges, each starting at a multiple of 64 rows, the last ending at
  /// `rows`, none but a lone one shorter than 16 rows.
  ///
  /// Why the result is the same for every split: OpenBLAS sums every element over the inner
  /// dimension in the same order whatever the call's row count; what could differ is the
  /// micro-kernel a row meets. Starts at multiples of 64 (a multiple of every x86-64 `sgemm`
  /// tile size) put each row at the same position within its tile, and the tail tile is the
  /// same because every split ends at `rows`. Calls of a few rows could take OpenBLAS's
  /// separate small-matrix kernels (M·N·K ≤ 100³ on SkylakeX/Cooperlake), so a short last
  /// range is merged into the one before it.
  static func rowRanges(rows: Int, threads: Int) -> [Range<Int>] {
    let blocks = (rows + 63) / 64
    let parts = max(1, min(threads, blocks))
    var ranges = (0..<parts).map { part in
      min(rows, blocks * part / parts * 64)..<min(rows, blocks * (part + 1) / parts * 64)
    }
    if ranges.count > 1, let last = ranges.last, last.count < 16 {
      ranges.removeLast()
      ranges[ranges.count - 1] = ranges[ranges.count - 1].lowerBound..<rows
    }
    return ranges
  }

  /// `output = input · weightᵀ + bias`, then GELU when `gelu`.
  private func linear(_ input: [Float], _ weight: [Float], _ bias: [Float], rows: Int, inputs: Int, outputs: Int,
                      into output: inout [Float], blas: OpenBLAS, threads: Int, gelu: Bool = false) {
    matmul(input, weight, rows: rows, inputs: inputs, outputs: outputs, into: &output, blas: blas, threads: threads)
    output.withUnsafeMutableBufferPointer { c in
      let c = c
      bias.withUnsafeBufferPointer { b in
        WorkSplit.ranges(rows, threads: threads) { range in
          for r in range {
            let row = c.baseAddress! + r * outputs
            for j in 0..<outputs { row[j] += b[j] }
            if gelu { Kernels.gelu(row, count: outputs) }
          }
        }
      }
    }
  }

  /// `output = LayerNorm(product + bias + residual)`, row by row.
  private func addBiasResidualNorm(_ product: [Float], bias: [Float], residual: [Float], weight: [Float], normBias: [Float],
                                   into output: inout [Float], rows: Int, threads: Int) {
    let h = config.hiddenSize, epsilon = config.layerNormEpsilon
    output.withUnsafeMutableBufferPointer { out in
      let out = out
      product.withUnsafeBufferPointer { x in
        residual.withUnsafeBufferPointer { res in
          bias.withUnsafeBufferPointer { b in
            weight.withUnsafeBufferPointer { gamma in
              normBias.withUnsafeBufferPointer { beta in
                WorkSplit.ranges(rows, threads: threads) { range in
                  for r in range {
                    let row = r * h
                    for j in 0..<h { out[row + j] = (x[row + j] + b[j]) + res[row + j] }
                    Kernels.layerNorm(out.baseAddress! + row, count: h, weight: gamma, bias: beta, epsilon: epsilon)
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// Multi-head self-attention of each sequence over its own tokens: for sequence s and head
  /// k, `softmax(Q Kᵀ / √d) V` into columns `k·d ..< (k+1)·d` of `context`.
  private func attention(_ qkv: [Float], states: TokenStates, into context: inout [Float], blas: OpenBLAS, threads: Int) {
    let h = config.hiddenSize, heads = config.headCount, d = config.headSize
    let longest = states.lengths.max() ?? 0
    let scale = 1 / Float(d).squareRoot()
    let workers = max(1, threads)
    var scratch = [Float](repeating: 0, count: workers * longest * longest)
    qkv.withUnsafeBufferPointer { qkv in
      context.withUnsafeMutableBufferPointer { context in
        scratch.withUnsafeMutableBufferPointer { scratch in
          let (qkv, context, scratch) = (qkv, context, scratch)
          WorkSplit.interleaved(states.lengths.count * heads, threads: workers) { worker, item in
            let s = item / heads, head = item % heads
            let n = states.lengths[s], first = states.offsets[s]
            let scores = scratch.baseAddress! + worker * longest * longest
            let q = qkv.baseAddress! + first * 3 * h + head * d
            blas.sgemm(transposeA: false, transposeB: true, m: n, n: n, k: d, alpha: scale,
                       q, lda: 3 * h, q + h, ldb: 3 * h, beta: 0, scores, ldc: n)
            for i in 0..<n { Kernels.softmax(scores + i * n, count: n) }
            blas.sgemm(transposeA: false, transposeB: false, m: n, n: d, k: n, alpha: 1,
                       scores, lda: n, q + 2 * h, ldb: 3 * h, beta: 0, context.baseAddress! + first * h + head * d, ldc: h)
          }
        }
      }
    }
  }
}

extension BERTModel {
  /// Only the Linear-layer matrix products of encoding `ids` in batches (same shapes, same
  /// BLAS calls, no attention, bias, norm or activation): the benchmark's floor.
  public func layerProductsOnly(ids: [[Int32]], batchSize: Int, blas: OpenBLAS, threads: Int) -> Float {
    blas.setThreads(1)
    let h = config.hiddenSize, inter = config.intermediateSize
    var checksum: Float = 0
    for batch in SentenceEncoder.batches(ids, batchSize: batchSize) {
      let t = batch.reduce(0) { $0 + ids[$1].count }
      let input = [Float](repeating: 0.01, count: t * inter)
      var qkv = [Float](repeating: 0, count: t * 3 * h), out = [Float](repeating: 0, count: t * inter)
      for layer in layers {
        matmul(input, layer.qkvWeight, rows: t, inputs: h, outputs: 3 * h, into: &qkv, blas: blas, threads: threads)
        matmul(input, layer.attentionOutputWeight, rows: t, inputs: h, outputs: h, into: &out, blas: blas, threads: threads)
        matmul(input, layer.intermediateWeight, rows: t, inputs: h, outputs: inter, into: &out, blas: blas, threads: threads)
        matmul(input, layer.outputWeight, rows: t, inputs: inter, outputs: h, into: &out, blas: blas, threads: threads)
      }
      checksum += out[0] + qkv[0]
    }
    return checksum
  }
}
