/// Quoting for PostgreSQL text: every identifier is quoted and every literal escaped,
/// so that no name or comment can end a statement.
public enum SQL {
    public static func identifier(_ name: String) -> String {
        "\"" + doubling(name, 0x22) + "\""
    }

    public static func qualified(_ name: QualifiedName) -> String {
        identifier(name.schema) + "." + identifier(name.name)
    }

    /// A standard string literal. Output files set standard_conforming_strings = on,
    /// so a backslash is an ordinary character and only the quote needs doubling.
    public static func literal(_ text: String) -> String {
        "'" + doubling(text, 0x27) + "'"
    }

    /// `text` with every `quote` byte doubled; quoting runs for every name in the
    /// output, so the common case (nothing to double) returns the text as is.
    private static func doubling(_ text: String, _ quote: UInt8) -> String {
        guard text.utf8.contains(quote) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 4)
        for b in text.utf8 {
            bytes.append(b)
            if b == quote { bytes.append(b) }
        }
        return String(decoding: bytes, as: UTF8.self)
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

extension String {
    /// The text without the whitespace and semicolons that end it: a query as
    /// written in YAML, ready to be embedded in a statement.
    public func trimmingTrailingSQLNoise() -> String {
        var s = Substring(self)
        while let last = s.last, last.isWhitespace || last == ";" { s = s.dropLast() }
        return String(s)
    }
}
