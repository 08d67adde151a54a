import Foundation
import Palettization

/// Turns an experiment's model and config sources into a model and a config.
enum SweepModelLoader {
  /// Loads or generates the model.
  static func model(_ source: Experiment.ModelSource, generator: String) throws -> Model {
    switch source {
    case .safetensors(let url, let modules):
      return try Model.load(safetensors: url, modules: modules)
    case .synthetic(let synthetic):
      return try generate(synthetic, generator: generator)
    case .synthesizedCheckpoint(let synth, let modules):
      try CheckpointSynthesizer(
        preset: synth.preset, dtype: synth.dtype, shards: synth.shards, seed: synth.seed, generator: generator
      ).writeUnlessPresent(to: synth.folder)
      return try Model.load(safetensors: synth.folder, modules: modules)
    }
  }

  /// Generates every layer's `weight` with its own GSL generator seeded
  /// `SeedDerivation.derive(synthetic.seed, layerName)`.
  static func generate(_ synthetic: SyntheticModel, generator: String) throws -> Model {
    var tensors: [(name: String, tensor: Tensor)] = []
    var modules: [ModuleManifest.Entry] = [ModuleManifest.Entry(name: "", type: "palettelab.synthetic.Model", ops: nil)]
    for layer in synthetic.layers {
      let random = try GSLRandom(generator: generator, seed: SeedDerivation.derive(synthetic.seed, layer.name))
      let count = layer.shape.reduce(1, *)
      var values = [Float](repeating: 0, count: count)
      for i in 0..<count { values[i] = Float(layer.distribution.sample(random)) }
      tensors.append((name: "\(layer.name).weight", tensor: Tensor(shape: layer.shape, values: values)))
      modules.append(ModuleManifest.Entry(name: layer.name, type: layer.type, ops: nil))
    }
    // Parents a layer name implies (`encoder` for `encoder.0`) are containers.
    var listed = Set(modules.map(\.name))
    var withParents: [ModuleManifest.Entry] = []
    for entry in modules {
      var parts = entry.name.split(separator: ".").map(String.init)
      var missing: [String] = []
      while parts.count > 1 {
        parts.removeLast()
        let parent = parts.joined(separator: ".")
        if listed.insert(parent).inserted { missing.insert(parent, at: 0) }
      }
      withParents += missing.map { ModuleManifest.Entry(name: $0, type: "palettelab.synthetic.Container", ops: nil) }
      withParents.append(entry)
    }
    return try Model(tensors: tensors, modules: withParents)
  }

  /// The experiment's base config.
  static func config(_ source: Experiment.ConfigSource, experimentFile: String) throws -> KMeansPalettizerConfig {
    switch source {
    case .preset("w4"): return KMeansPalettizerConfig.presets.w4()
    case .preset("w6"): return KMeansPalettizerConfig.presets.w6()
    case .preset("w8"): return KMeansPalettizerConfig.presets.w8()
    case .preset: return KMeansPalettizerConfig()
    case .file(let url): return try KMeansPalettizerConfig.load(contentsOf: url)
    case .inline(let json):
      do { return try KMeansPalettizerConfig.load(json: json) } catch {
        throw ExperimentError(file: experimentFile, keyPath: "config", problem: "is not a valid config: \(error.description)")
      }
    }
  }
}
