import ArgumentParser

/// `--model` and `--modules`, shared by palettize and inspect.
struct ModelOptions: ParsableArguments {
  @Option(name: .long, help: ArgumentHelp(
    "The model's weights: a .safetensors file, a sharded checkpoint's model.safetensors.index.json, or a folder holding either.",
    valueName: "M.safetensors"))
  var model: String

  @Option(name: .long, help: ArgumentHelp(
    "A palettelab.modules/1 manifest with module types and ops; without one they are inferred from names and shapes.",
    valueName: "M.modules.json"))
  var modules: String?
}
