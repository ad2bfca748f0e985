/// A schema-qualified PostgreSQL name, kept exactly as written (case, spaces, reserved words).
public struct QualifiedName: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public var schema: String
    public var name: String

    public init(schema: String, name: String) {
        self.schema = schema
        self.name = name
    }

    /// Splits `schema.name` at the first dot; a name without a dot lands in `defaultSchema`.
    public init(parsing text: String, defaultSchema: String) {
        if let dot = text.firstIndex(of: "."), dot != text.startIndex, text.index(after: dot) != text.endIndex {
            self.init(schema: String(text[..<dot]), name: String(text[text.index(after: dot)...]))
        } else {
            self.init(schema: defaultSchema, name: text)
        }
    }

    /// How people read it: `users` in the default schema is just `users`.
    public func display(defaultSchema: String) -> String {
        schema == defaultSchema ? name : "\(schema).\(name)"
    }

    public var description: String { "\(schema).\(name)" }

    public static func < (a: QualifiedName, b: QualifiedName) -> Bool {
        (a.schema, a.name) < (b.schema, b.name)
    }
}

public enum Identifier {
    /// PostgreSQL's NAMEDATALEN - 1: longer identifiers are truncated by the server.
    public static let maxBytes = 63

    public static func byteCount(_ name: String) -> Int { name.utf8.count }

    /// Clips to at most `bytes` bytes without splitting a character, as PostgreSQL's
    /// pg_mbcliplen does.
    public static func clip(_ name: String, toBytes bytes: Int) -> String {
        if name.utf8.count <= bytes { return name }
        var result = ""
        var used = 0
        for scalar in name.unicodeScalars {
            let width = String(scalar).utf8.count
            if used + width > bytes { break }
            result.unicodeScalars.append(scalar)
            used += width
        }
        return result
    }

    /// The name PostgreSQL itself would choose for an implicit object
    /// (makeObjectName): `table_columns_label`, with the longer of the first two
    /// parts shortened until the whole fits in 63 bytes. Using the same rule keeps
    /// our explicit names equal to the ones a hand-written schema would get.
    public static func derived(_ first: String, _ second: String?, label: String) -> String {
        let overhead = label.utf8.count + 1 + (second == nil ? 0 : 1)
        let available = maxBytes - overhead
        var a = first
        var b = second ?? ""
        while a.utf8.count + b.utf8.count > available {
            if a.utf8.count > b.utf8.count {
                a = clip(a, toBytes: a.utf8.count - 1)
            } else {
                b = clip(b, toBytes: b.utf8.count - 1)
            }
        }
        return second == nil ? "\(a)_\(label)" : "\(a)_\(b)_\(label)"
    }
}
