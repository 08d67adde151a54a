import Foundation

extension Experiment {
  /// Parses `"sensitivities"`: `null`, a sensitivities file path, or
  /// `{"calibration": {"corpus": …, "max_sentences": N, "batch_size": B}}`.
  ///
  /// Only the document is checked here (keys, types, ranges, a safetensors model); whether the
  /// corpus exists and is disjoint from the evaluation corpus is checked when a sweep loads it
  /// (``SweepCalibrator/init(experiment:log:)``), so that a manifest's experiment still parses
  /// on a machine that lacks them.
  static func parseSensitivities(
    _ node: JSONNode, model: ModelSource, path: (JSONNode) throws(ExperimentError) -> URL
  ) throws(ExperimentError) -> SensitivitiesSource? {
    if node.isNull { return nil }
    if node.raw is String { return .file(try path(node)) }
    guard node.raw is [String: Any] else {
      throw node.fail(#"must be a sensitivities file path or {"calibration": {"corpus": …, "max_sentences": N}}, found "# + node.rendered)
    }
    let fields = try node.object(allowed: ["calibration"])
    guard let calibrationNode = fields["calibration"] else {
      throw node.fail(#"must name how to compute them, e.g. {"calibration": {"corpus": "corpus/calibration.txt", "max_sentences": 256}}"#)
    }
    return .calibration(try parseEncoderCorpus(calibrationNode, model: model, path: path))
  }

  /// Parses one value of the grid key `sensitivity`, which must name sensitivities the
  /// experiment has.
  static func parseSensitivityValue(_ node: JSONNode, sensitivities: SensitivitiesSource?) throws(ExperimentError) -> SweepValue {
    let text = try node.string()
    guard let choice = SweepSensitivity(rawValue: text) else {
      throw node.fail("must be one of \(SweepSensitivity.allCases.map(\.rawValue).joined(separator: ", ")), found \(node.rendered)")
    }
    let has: String
    switch sensitivities {
    case nil: has = "none"
    case .file: has = #"a sensitivities file (sweep "file" to use it)"#
    case .calibration: has = #"a calibration (sweep "activation" to use it)"#
    }
    switch (choice, sensitivities) {
    case (.none, _), (.activation, .calibration?), (.file, .file?):
      return .sensitivity(choice)
    case (.activation, _):
      throw node.fail(#""activation" needs "sensitivities": {"calibration": {"corpus": …, "max_sentences": N}} in the experiment, which has "# + has)
    case (.file, _):
      throw node.fail(#""file" needs "sensitivities": "S.safetensors" in the experiment, which has "# + has)
    }
  }
}
