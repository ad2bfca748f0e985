/// Quoting for PostgreSQL text: every identifier is quoted and every literal escaped,
/// so that no name or comment can end a statement.
public enum SQL {
    public static func identifier(_ name: String) -> String {
        "\"" + name.replacing("\"", with: "\"\"") + "\""
    }

    public static func qualified(_ name: QualifiedName) -> String {
        identifier(name.schema) + "." + identifier(name.name)
    }

    /// A standard string literal. Output files set standard_conforming_strings = on,
    /// so a backslash is an ordinary character and only the quote needs doubling.
    public static func literal(_ text: String) -> String {
        "'" + text.replacing("'", with: "''") + "'"
    }

    /// Dollar quoting with a tag that does not occur in the body.
    public static func dollarQuoted(_ body: String, preferredTag: String = "body") -> String {
        var tag = preferredTag
        var n = 0
        while body.contains("$\(tag)$") {
            n += 1
            tag = "\(preferredTag)\(n)"
        }
        return "$\(tag)$" + body + "$\(tag)$"
    }

    public static func identifierList(_ names: [String]) -> String {
        names.map(identifier).joined(separator: ", ")
    }
}
