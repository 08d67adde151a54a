import Foundation

/// The `palettelab.modules/1` manifest (SPEC section 4): every module of a model with its
/// fully-qualified type, and the ops of custom modules.
///
/// ```json
/// {"format": "palettelab.modules/1",
///  "modules": [{"name": "", "type": "mypkg.Net"},
///              {"name": "blk", "type": "mypkg.Block",
///               "ops": [{"name": "linear", "type": "linear", "state": ["w1"]}]}]}
/// ```
/// Standard types get their ops from ``OpRegistry``; `ops` overrides that.
public struct ModuleManifest: Sendable, Equatable {
  public static let formatName = "palettelab.modules/1"

  /// One listed module.
  public struct Entry: Sendable, Equatable {
    public var name: String
    public var type: String
    /// `nil`: take the registry's ops for `type`.
    public var ops: [OpInfo]?

    public init(name: String, type: String, ops: [OpInfo]? = nil) {
      self.name = name
      self.type = type
      self.ops = ops
    }
  }

  public init(modules: [Entry]) { self.modules = modules }

  public var modules: [Entry]

  /// The manifest as JSON (one module per line, `ops` only where given), which ``parse(_:file:)``
  /// reads back to an equal value.
  public func encoded() -> Data {
    var lines: [String] = []
    for entry in modules {
      var fields = ["\"name\": \(JSONStringLiteral.quoted(entry.name, style: .serde))",
                    "\"type\": \(JSONStringLiteral.quoted(entry.type, style: .serde))"]
      if let ops = entry.ops {
        let items = ops.map { op in
          let states = op.states.map { JSONStringLiteral.quoted($0, style: .serde) }.joined(separator: ", ")
          return "{\"name\": \(JSONStringLiteral.quoted(op.name, style: .serde)), \"type\": \(JSONStringLiteral.quoted(op.type, style: .serde)), \"state\": [\(states)]}"
        }
        fields.append("\"ops\": [\(items.joined(separator: ", "))]")
      }
      lines.append("  {" + fields.joined(separator: ", ") + "}")
    }
    let text = "{\"format\": \"\(Self.formatName)\",\n \"modules\": [\n" + lines.joined(separator: ",\n") + "]}\n"
    return Data(text.utf8)
  }

  /// Parses a manifest; errors name `file` and the entry at fault.
  public static func parse(_ data: Data, file: String) throws(ModelError) -> ModuleManifest {
    func fail(_ problem: String) -> ModelError { ModelError(file: file, problem: problem) }
    let raw: Any
    do { raw = try JSONSerialization.jsonObject(with: data) } catch {
      throw fail("is not valid JSON: \((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)")")
    }
    guard let root = raw as? [String: Any] else { throw fail("must be a JSON object") }
    for key in root.keys where key != "format" && key != "modules" {
      throw fail("unknown key '\(key)'; expected format, modules")
    }
    guard root["format"] as? String == formatName else {
      throw fail("format must be \"\(formatName)\", found \(root["format"].map { "\($0)" } ?? "nothing")")
    }
    guard let list = root["modules"] as? [Any] else { throw fail("'modules' must be a list") }
    var entries: [Entry] = []
    for (i, item) in list.enumerated() {
      guard let module = item as? [String: Any] else { throw fail("modules[\(i)] must be an object") }
      for key in module.keys where !["name", "type", "ops"].contains(key) {
        throw fail("modules[\(i)] has unknown key '\(key)'; expected name, type, ops")
      }
      guard let name = module["name"] as? String else { throw fail("modules[\(i)].name must be a string") }
      guard let type = module["type"] as? String, !type.isEmpty else {
        throw fail("modules[\(i)] (\"\(name)\").type must be a non-empty string")
      }
      var ops: [OpInfo]?
      if let opsRaw = module["ops"] {
        guard let opList = opsRaw as? [Any] else { throw fail("modules[\(i)] (\"\(name)\").ops must be a list") }
        ops = []
        for (j, opRaw) in opList.enumerated() {
          let at = "modules[\(i)] (\"\(name)\").ops[\(j)]"
          guard let op = opRaw as? [String: Any] else { throw fail("\(at) must be an object") }
          for key in op.keys where !["name", "type", "state"].contains(key) {
            throw fail("\(at) has unknown key '\(key)'; expected name, type, state")
          }
          guard let opName = op["name"] as? String, !opName.isEmpty else { throw fail("\(at).name must be a non-empty string") }
          guard let opType = op["type"] as? String, !opType.isEmpty else { throw fail("\(at).type must be a non-empty string") }
          guard let states = op["state"] as? [String] else { throw fail("\(at).state must be a list of strings") }
          ops?.append(OpInfo(name: opName, type: opType, states: states))
        }
      }
      entries.append(Entry(name: name, type: type, ops: ops))
    }
    return ModuleManifest(modules: entries)
  }
}
