/// The harness version recorded in every run manifest.
public enum HarnessVersion {
  public static let current = "0.1.0"
}
