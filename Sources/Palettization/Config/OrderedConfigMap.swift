/// A string-keyed map that remembers insertion order, for the config maps whose keys are
/// regular expressions (`module_name_configs`, `op_name_config`): when several keys match, the
/// **last** one wins, so order is meaning.
///
/// Behaves like a Python `dict`: assigning to an existing key keeps its position, assigning
/// `nil` through the subscript removes the key. When `Value` is itself optional (a `nil` config
/// disables a scope), write `map[key] = .some(nil)` to store a disabling entry. Two maps are
/// equal only if they hold the same entries in the same order.
public struct OrderedConfigMap<Value: Sendable & Hashable>: Sendable, Hashable,
  ExpressibleByDictionaryLiteral, Sequence
{
  /// The keys, in order.
  public private(set) var keys: [String] = []
  private var values: [String: Value] = [:]

  /// An empty map.
  public init() {}

  /// A map of `elements` in the order given. Duplicate keys are a programming error.
  public init(dictionaryLiteral elements: (String, Value)...) {
    self.init(elements)
  }

  /// A map of `elements` in the order given. Duplicate keys are a programming error.
  public init<S: Sequence>(_ elements: S) where S.Element == (String, Value) {
    for (key, value) in elements {
      precondition(values[key] == nil, "duplicate key \"\(key)\" in OrderedConfigMap")
      self[key] = value
    }
  }

  /// The value for `key`; setting `nil` removes the key.
  ///
  /// - Complexity: O(1) expected to read or update; O(n) to remove.
  public subscript(key: String) -> Value? {
    get { values[key] }
    set {
      if let newValue {
        if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
      } else if values.removeValue(forKey: key) != nil {
        keys.removeAll { $0 == key }
      }
    }
  }

  /// Number of entries.
  public var count: Int { keys.count }
  /// True when there are no entries.
  public var isEmpty: Bool { keys.isEmpty }

  /// Iterates `(key, value)` pairs in order.
  public func makeIterator() -> AnyIterator<(key: String, value: Value)> {
    var position = keys.makeIterator()
    let values = values
    return AnyIterator {
      guard let key = position.next(), let value = values[key] else { return nil }
      return (key: key, value: value)
    }
  }
}
