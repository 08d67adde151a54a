/// A compiled regular-expression key of `module_name_configs` or `op_name_config`.
///
/// Keys must match a whole name (Python's `re.fullmatch`): `layers\.1` matches `layers.1` but
/// not `layers.10` or `encoder.layers.1`. Syntax is Swift `Regex`'s (PCRE/ICU-like); Python
/// specifics such as `(?P<name>…)` are supported by it, but lookbehind limits may differ.
struct ConfigPattern {
  /// The key as written.
  let key: String
  private let regex: Regex<AnyRegexOutput>

  /// Compiles `key`; an invalid expression is an error naming `path`.
  init(_ key: String, at path: ConfigKeyPath) throws(ConfigError) {
    self.key = key
    do {
      regex = try Regex(key)
    } catch {
      throw ConfigError(
        keyPath: path.description,
        problem: "is not a valid regular expression (\(error))")
    }
  }

  /// True when the expression matches all of `name`.
  func fullyMatches(_ name: String) -> Bool {
    ((try? regex.wholeMatch(in: name)) ?? nil) != nil
  }
}
