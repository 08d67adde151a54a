import Foundation

/// One op call inside a module's forward pass, as the reference names it.
public struct OpInfo: Sendable, Hashable, Codable {
  /// Op name, numbered within its module as the reference does: `linear`, `linear_1`, ….
  public var name: String
  /// Op type: `linear`, `conv2d`, `conv_transpose2d`, `multi_head_attention_forward`, … or an
  /// op type PaletteLab does not support (its tensors are then skipped).
  public var type: String
  /// Local names of the module's state tensors the op consumes, e.g. `["weight", "bias"]`.
  public var states: [String]

  /// Creates an op description.
  public init(name: String, type: String, states: [String]) {
    self.name = name
    self.type = type
    self.states = states
  }

  /// The supported op kind, or `nil` for an op type PaletteLab does not palettize.
  public var kind: OpKind? { OpKind(rawValue: type) }
}

/// One module of a model: its dotted name, fully-qualified type, ops and own state tensors.
public struct ModuleNode: Sendable, Hashable, Codable {
  /// Dotted module path; `""` is the root.
  public var name: String
  /// Fully-qualified type name, e.g. `torch.nn.modules.linear.Linear`.
  public var type: String
  /// True when the type was guessed from tensor names and shapes rather than read from a
  /// manifest.
  public var typeInferred: Bool
  /// The ops the module runs, in call order.
  public var ops: [OpInfo]
  /// Local names of the module's own tensors (not its children's), e.g. `["weight", "bias"]`.
  public var states: [String]

  /// Creates a module node. `ops: nil` takes the ops of a standard type from ``OpRegistry``
  /// (none for a type the registry does not know).
  public init(
    name: String, type: String, typeInferred: Bool = false, ops: [OpInfo]? = nil, states: [String]
  ) {
    self.name = name
    self.type = type
    self.typeInferred = typeInferred
    self.ops = ops ?? OpRegistry.ops(forModuleType: type) ?? []
    self.states = states
  }

  /// The full name of local state `state`: `module.state`, or just `state` on the root.
  public func tensorName(_ state: String) -> String {
    name.isEmpty ? state : "\(name).\(state)"
  }
}

/// A model's modules, parents before children, with the root (`""`) first.
///
/// A module's parent is the longest *listed* module name that is a proper prefix of its name at
/// a dot boundary (else the root), so a tree need not list pure containers (`encoder.layers` may
/// be absent while `encoder.layers.0` is listed). The same rule finds the module that owns a
/// tensor: `a.b.weight` belongs to `a.b` if `a.b` is listed.
public struct ModuleTree: Sendable, Hashable {
  /// The modules in the order given (root first).
  public private(set) var modules: [ModuleNode]
  private var indexByName: [String: Int]

  /// Type given to a root the caller did not list.
  public static let synthesisedRootType = "torch.nn.modules.module.Module"

  /// Builds a tree, checking that names are unique and well formed (no empty dotted
  /// component) and that every module comes after its parent. A missing root is synthesised
  /// (type ``synthesisedRootType``, `typeInferred`, no ops, no states) and put first; a listed
  /// root must come first.
  ///
  /// - Complexity: O(n · d) for n modules of depth at most d.
  public init(modules: [ModuleNode]) throws(ModuleTreeError) {
    var list = modules
    if !list.contains(where: { $0.name.isEmpty }) {
      list.insert(
        ModuleNode(name: "", type: Self.synthesisedRootType, typeInferred: true, ops: [], states: []),
        at: 0)
    }
    var index: [String: Int] = [:]
    for (position, module) in list.enumerated() {
      if !module.name.isEmpty && module.name.split(separator: ".", omittingEmptySubsequences: false)
        .contains(where: \.isEmpty)
      {
        throw ModuleTreeError(module: module.name, problem: "has an empty dotted component")
      }
      guard index[module.name] == nil else {
        throw ModuleTreeError(module: module.name, problem: "is listed twice")
      }
      index[module.name] = position
    }
    guard index[""] == 0 else {
      throw ModuleTreeError(module: "", problem: "(the root) must be listed first")
    }
    self.modules = list
    self.indexByName = index
    for (position, module) in list.enumerated() {
      if let parent = parent(of: module.name), let parentPosition = index[parent], parentPosition > position {
        throw ModuleTreeError(
          module: module.name, problem: "is listed before its parent \"\(parent)\"")
      }
    }
  }

  /// The parent of module (or tensor) `name`: the longest listed proper prefix of `name` at a
  /// dot boundary, else `""`; `nil` for the root itself.
  ///
  /// - Complexity: O(d) dictionary look-ups for a name with d dotted components.
  public func parent(of name: String) -> String? {
    guard !name.isEmpty else { return nil }
    var prefix = Substring(name)
    while let dot = prefix.lastIndex(of: ".") {
      prefix = prefix[..<dot]
      if indexByName[String(prefix)] != nil { return String(prefix) }
    }
    return ""
  }

  /// The module called `name`, if listed.
  ///
  /// - Complexity: O(1) expected.
  public func module(named name: String) -> ModuleNode? {
    indexByName[name].map { modules[$0] }
  }
}

/// A module list that does not form a tree.
public struct ModuleTreeError: Error, Hashable, Sendable, LocalizedError, CustomStringConvertible {
  /// The offending module name (`""` = the root).
  public var module: String
  /// What is wrong, phrased to follow the quoted module name.
  public var problem: String

  /// Creates an error about `module`.
  public init(module: String, problem: String) {
    self.module = module
    self.problem = problem
  }

  /// `module "a.b" is listed before its parent "a"`.
  public var description: String { "module \"\(module)\" \(problem)" }
  /// Same as ``description``.
  public var errorDescription: String? { description }
}
