import Testing
@testable import Palettization

/// One malformed document and the exact message it must produce.
struct InvalidConfigCase: CustomTestStringConvertible, Sendable {
  enum Format: Sendable { case yaml, json }
  let format: Format
  let document: String
  let message: String
  var testDescription: String { message }

  static func yaml(_ document: String, _ message: String) -> InvalidConfigCase {
    InvalidConfigCase(format: .yaml, document: document, message: message)
  }
  static func json(_ document: String, _ message: String) -> InvalidConfigCase {
    InvalidConfigCase(format: .json, document: document, message: message)
  }
  /// A YAML document whose global config's `weight` spec is `specBody` (lines indented below
  /// `weight:`).
  static func weightSpec(_ specBody: String, _ message: String) -> InvalidConfigCase {
    let indented = specBody.split(separator: "\n").map { "        " + $0 }.joined(separator: "\n")
    return yaml("""
      kmeans_palettization_config:
        global_config:
          op_state_spec:
            weight:
      \(indented)
      """, message)
  }
}

let weightPath = "global_config.op_state_spec.weight"

@Suite("Config validation: each malformed document gives its own message")
struct ConfigValidationTests {
  static let cases: [InvalidConfigCase] = [
    .yaml("""
      kmeans_palettization_config:
        module_type_configs:
          torch.nn.modules.linear.Linear:
            op_state_spec:
              weight: { n_bits: 5 }
      """,
      #"module_type_configs["torch.nn.modules.linear.Linear"].op_state_spec.weight.n_bits: 5 is not one of 1, 2, 3, 4, 6, 8"#),
    .weightSpec("nbits: 4",
      "\(weightPath).nbits: unknown key (expected one of n_bits, granularity, cluster_dim, lut_qspec, enable_per_channel_scale, sparsity_detection_threshold)"),
    .weightSpec("sparsity_detection_threshold: 1.5",
      "\(weightPath).sparsity_detection_threshold: 1.5 must be in [0, 1]"),
    .weightSpec("sparsity_detection_threshold: -0.1",
      "\(weightPath).sparsity_detection_threshold: -0.1 must be in [0, 1]"),
    .weightSpec("sparsity_detection_threshold: half",
      "\(weightPath).sparsity_detection_threshold: \"half\" is not a number"),
    .weightSpec("n_bits: four", "\(weightPath).n_bits: \"four\" is not an integer"),
    .weightSpec("n_bits: 4.5", "\(weightPath).n_bits: 4.5 is not an integer"),
    .weightSpec("cluster_dim: 0", "\(weightPath).cluster_dim: 0 must be at least 1"),
    .weightSpec("granularity: { type: per_grouped_channel, group_size: 0 }",
      "\(weightPath).granularity.group_size: 0 must be positive"),
    .weightSpec("granularity: { type: per_grouped_channel, axis: 2, group_size: 8 }",
      "\(weightPath).granularity.axis: 2 is not one of 0, 1"),
    .weightSpec("granularity: { type: per_grouped_channel }",
      "\(weightPath).granularity.group_size: is missing; required with type per_grouped_channel"),
    .weightSpec("granularity: { type: per_tensor, group_size: 16 }",
      "\(weightPath).granularity.group_size: 16 is not allowed with type per_tensor"),
    .weightSpec("granularity: { type: per_channel }",
      "\(weightPath).granularity.type: \"per_channel\" is not one of per_tensor, per_grouped_channel"),
    .weightSpec("lut_qspec: { dtype: int4 }",
      "\(weightPath).lut_qspec.dtype: \"int4\" is not one of int8, uint8, float8_e4m3fn, float8_e5m2"),
    .weightSpec("lut_qspec: { dtype: float8_e4m3fn, qscheme: asymmetric }",
      "\(weightPath).lut_qspec.qscheme: asymmetric is not supported with dtype float8_e4m3fn; fp8 LUTs are symmetric only"),
    .weightSpec("enable_per_channel_scale: \"yes\"",
      "\(weightPath).enable_per_channel_scale: \"yes\" is not true or false"),
    .yaml("""
      kmeans_palettization_config:
        global_config:
          op_state_spec:
            weight: { n_bits: 4, cluster_dim: 2 }
      """,
      "global_config.enable_fast_kmeans_mode: true is not allowed with cluster_dim > 1 "
        + "(global_config.op_state_spec.weight.cluster_dim is 2); fast mode is scalar only, set it to false"),
    .yaml("""
      kmeans_palettization_config:
        global_config:
          vector_kmeans_config: { n_init: 3 }
      """,
      "global_config.vector_kmeans_config: is set but no spec of this module config has cluster_dim > 1"),
    .yaml("""
      kmeans_palettization_config:
        global_config:
          op_state_spec: { weight: { cluster_dim: 4 } }
          enable_fast_kmeans_mode: false
          vector_kmeans_config: { n_init: 0 }
      """,
      "global_config.vector_kmeans_config.n_init: 0 must be at least 1"),
    .yaml("""
      kmeans_palettization_config:
        global_config:
          module_state_spec: { weight: { n_bits: 2 } }
      """,
      "global_config.module_state_spec: is not allowed on the global config; use module_type_configs or module_name_configs"),
    .yaml("""
      kmeans_palettization_config:
        global_config: { rounding_precision: -1 }
      """,
      "global_config.rounding_precision: -1 must be at least 0"),
    .yaml("""
      kmeans_palettization_config:
        module_type_configs:
          Linear: {}
      """,
      "module_type_configs.Linear: is not a fully-qualified module type (expected e.g. torch.nn.modules.linear.Linear)"),
    .yaml("""
      kmeans_palettization_config:
        global_config:
          op_type_config: { Linear: {} }
      """,
      "global_config.op_type_config.Linear: is not a supported op type (expected one of linear, "
        + "multi_head_attention_forward, conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, addmm)"),
    .yaml("""
      kmeans_palettization_config:
        module_type_configs:
          torch.nn.modules.linear.Linear:
            op_name_config:
              linear_1:
                op_state_spec: { weight: { n_bits: 7 } }
      """,
      #"module_type_configs["torch.nn.modules.linear.Linear"].op_name_config.linear_1.op_state_spec.weight.n_bits: 7 is not one of 1, 2, 3, 4, 6, 8"#),
    .yaml("""
      kmeans_palettization_config:
        global_config: [1, 2]
      """,
      "global_config: a sequence is not a mapping"),
    .yaml("""
      kmeans_palettization_config:
        global_config: {}
        module_name_configs: {}
        extra: 1
      """,
      "extra: unknown key (expected one of global_config, module_type_configs, module_name_configs)"),
    .yaml("kmeans_palettization: {}",
      "kmeans_palettization: unknown key (expected one of kmeans_palettization_config)"),
    .yaml("",
      "the document is empty; expected a mapping with the key kmeans_palettization_config"),
    .yaml("- 1",
      "a sequence is not a mapping with the key kmeans_palettization_config"),
    .yaml("kmeans_palettization_config: 4",
      "kmeans_palettization_config: 4 is not a mapping"),
    .json(#"{"kmeans_palettization_config": {"global_config": {}, "global_config": null}}"#,
      "global_config: duplicate key"),
    .json(#"{"kmeans_palettization_config": {"global_config": {"op_state_spec": {"weight": {"n_bits": true}}}}}"#,
      "\(weightPath).n_bits: true is not an integer"),
    .json(#"{"kmeans_palettization_config": {"global_config": {} "#,
      "is not valid JSON: unexpected end of input at line 1, column 54"),  // 53 characters
    .json("{\"kmeans_palettization_config\":\n  {\"global_config\": {}]}",
      "is not valid JSON: expected ',' or '}' at line 2, column 23"),
    .json("{\"kmeans_palettization_config\": {\"module_name_configs\": {\"a\\q\": {}}}}",
      "is not valid JSON: invalid escape '\\q' at line 1, column 60"),  // the backslash
  ]

  @Test("invalid document → exact message", arguments: cases)
  func invalidDocument(_ testCase: InvalidConfigCase) {
    #expect {
      switch testCase.format {
      case .yaml: _ = try KMeansPalettizerConfig.load(yaml: testCase.document)
      case .json: _ = try KMeansPalettizerConfig.load(json: testCase.document)
      }
    } throws: { error in
      let matches = "\(error)" == testCase.message
      if !matches { Issue.record("got: \(error)") }
      return matches
    }
  }

  @Test("an invalid regular expression is an error naming the key, in files and in code")
  func invalidRegex() throws {
    let yaml = """
      kmeans_palettization_config:
        module_name_configs:
          "enc[": {}
      """
    #expect {
      _ = try KMeansPalettizerConfig.load(yaml: yaml)
    } throws: { error in
      (error as? ConfigError)?.keyPath == #"module_name_configs["enc["]"#
        && "\(error)".hasPrefix(#"module_name_configs["enc["]: is not a valid regular expression ("#)
    }
    let inCode = KMeansPalettizerConfig(globalConfig: ModuleKMeansPalettizerConfig(
      opNameConfig: ["linear_(": OpKMeansPalettizerConfig()]))
    let tree = try ModuleTree(modules: [ModuleNode(name: "fc", type: linearType, states: ["weight"])])
    #expect {
      _ = try inCode.resolve(tree)
    } throws: { error in
      (error as? ConfigError)?.keyPath == #"global_config.op_name_config["linear_("]"#
    }
  }

  @Test("YAML syntax errors and duplicate keys: one line with the position")
  func yamlSyntax() {
    #expect(throws: ConfigError(keyPath: "", problem: "is not valid YAML: duplicate key 'global_config' at line 2")) {
      try KMeansPalettizerConfig.load(yaml: """
        kmeans_palettization_config:
          global_config: {}
          global_config: null
        """)
    }
    #expect(throws: ConfigError(
      keyPath: "", problem: "is not valid YAML: did not find expected node content at line 3, column 1")) {
      try KMeansPalettizerConfig.load(yaml: "kmeans_palettization_config:\n  global_config: {\n")
    }
  }
}
