/// What `schemac --version` prints.
public enum SchemacVersion {
    public static let current = "0.13.0"
}
