import SchemacDiagnostics
import SchemacModel
import Yams

/// Names that must be unique within one namespace, and where each was first defined.
struct Namespace {
    let kind: String
    private var firstSeen: [String: SourceLocation] = [:]

    init(kind: String) { self.kind = kind }

    /// Records `name`; reports a duplicate (naming both places) and returns false
    /// if it was already there.
    mutating func claim(_ name: String, display: String? = nil, at location: SourceLocation, _ reader: NodeReader,
                        kind overrideKind: String? = nil) -> Bool {
        // One lookup where the name is new, as nearly every name is.
        if let first = firstSeen.updateValue(location, forKey: name) {
            firstSeen[name] = first
            reader.report(.duplicateName(overrideKind ?? kind, display ?? name, firstAt: first, at: location))
            return false
        }
        return true
    }

    func contains(_ name: String) -> Bool { firstSeen[name] != nil }
    var names: [String] { Array(firstSeen.keys) }
}

/// A named entry of the definitions, waiting to be resolved once every file is read.
struct Declaration {
    var name: QualifiedName
    var node: Node
    var location: SourceLocation
    var reader: NodeReader
    /// `postgres.schema` of the file it came from.
    var defaultSchema: String
    /// For a table replayed from a kept summary (whose `node` is empty):
    /// whether it asks for `auto_updated_at`.
    var autoUpdatedAt: Bool? = nil
}

/// Pass one: what every file declares under `postgres:`, with duplicates reported.
struct PostgresDeclarations {
    var extensions: [(String, SourceLocation)] = []
    var roles: [(String, SourceLocation)] = []
    /// Schemas made even when nothing in them is declared.
    var declaredSchemas: [(String, SourceLocation)] = []
    var tenancy: (column: String, setting: String, location: SourceLocation)?
    var enums: [Declaration] = []
    var domains: [Declaration] = []
    var sequences: [Declaration] = []
    var functions: [Declaration] = []
    var tables: [Declaration] = []
    var views: [Declaration] = []
    var firstDefaultSchema: String?

    var extensionNames = Namespace(kind: "extension")
    var roleNames = Namespace(kind: "role")
    var schemaNames = Namespace(kind: "schema")
    var typeNames = Namespace(kind: "type")
    var functionNames = Namespace(kind: "function")
    var relationNames = Namespace(kind: "relation")
    var tenancyLocation: SourceLocation?


    /// The schemas objects are declared in, `public` always among them.
    var schemas: [String] {
        var seen: Set<String> = ["public"]
        for d in enums + domains + sequences + functions + tables + views { seen.insert(d.name.schema) }
        for (s, _) in declaredSchemas { seen.insert(s) }
        return seen.sorted()
    }

    mutating func collect(_ node: Node, _ reader: NodeReader) {
        guard let section = reader.fields(node, "the postgres section", allowed: PostgresKeys.section.names) else { return }
        var schema = "public"
        if let s = section["schema"], let name = reader.name(s, "postgres.schema") {
            if checkIdentifier(name, s, reader) { schema = name }
        }
        if firstDefaultSchema == nil { firstDefaultSchema = schema }

        if let list = section["extensions"], let items = reader.sequence(list, "postgres.extensions") {
            for item in items {
                guard let name = reader.name(item, "an extension") else { continue }
                if extensionNames.claim(name, at: reader.location(item), reader) {
                    extensions.append((name, reader.location(item)))
                }
            }
        }
        if let list = section["roles"], let items = reader.sequence(list, "postgres.roles") {
            for item in items {
                guard let name = reader.name(item, "a role"), checkIdentifier(name, item, reader) else { continue }
                if roleNames.claim(name, at: reader.location(item), reader) {
                    roles.append((name, reader.location(item)))
                }
            }
        }
        if let list = section["schemas"], let items = reader.sequence(list, "postgres.schemas") {
            for item in items {
                guard let name = reader.name(item, "a schema"), checkIdentifier(name, item, reader) else { continue }
                if schemaNames.claim(name, at: reader.location(item), reader) { declaredSchemas.append((name, reader.location(item))) }
            }
        }
        if let t = section["tenancy"], let f = reader.fields(t, "postgres.tenancy", allowed: PostgresKeys.tenancy.names) {
            let location = reader.location(section.keyNode("tenancy")!)
            if let first = tenancyLocation {
                reader.report(.duplicateName("setting", "postgres.tenancy", firstAt: first, at: location))
            } else {
                tenancyLocation = location
                let column = f["column"].flatMap { reader.name($0, "tenancy.column") }
                let setting = f["setting"].flatMap { reader.name($0, "tenancy.setting") }
                if f["column"] == nil { reader.report(.missingKey("column", in: "postgres.tenancy", at: f.location)) }
                if f["setting"] == nil { reader.report(.missingKey("setting", in: "postgres.tenancy", at: f.location)) }
                if let column, let setting { tenancy = (column, setting, location) }
            }
        }
        enums += declarations(section["enums"], "postgres.enums", kind: "enum", schema: schema, reader) { name, loc in
            typeNames.claim(name.description, display: name.display(defaultSchema: schema), at: loc, reader, kind: "type")
        }
        domains += declarations(section["domains"], "postgres.domains", kind: "domain", schema: schema, reader) { name, loc in
            typeNames.claim(name.description, display: name.display(defaultSchema: schema), at: loc, reader, kind: "type")
        }
        sequences += declarations(section["sequences"], "postgres.sequences", kind: "sequence", schema: schema, reader) { name, loc in
            relationNames.claim(name.description, display: name.display(defaultSchema: schema), at: loc, reader, kind: "sequence")
        }
        functions += declarations(section["functions"], "postgres.functions", kind: "function", schema: schema, reader) { name, loc in
            functionNames.claim(name.description, display: name.display(defaultSchema: schema), at: loc, reader)
        }
        tables += declarations(section["tables"], "postgres.tables", kind: "table", schema: schema, reader) { name, loc in
            relationNames.claim(name.description, display: name.display(defaultSchema: schema), at: loc, reader, kind: "table")
                && typeNames.claim(name.description, display: name.display(defaultSchema: schema), at: loc, reader, kind: "type")
        }
        views += declarations(section["views"], "postgres.views", kind: "view", schema: schema, reader) { name, loc in
            relationNames.claim(name.description, display: name.display(defaultSchema: schema), at: loc, reader, kind: "relation")
                && typeNames.claim(name.description, display: name.display(defaultSchema: schema), at: loc, reader, kind: "type")
        }
    }

    private func declarations(_ node: Node?, _ what: String, kind: String, schema: String, _ reader: NodeReader,
                              claim: (QualifiedName, SourceLocation) -> Bool) -> [Declaration] {
        guard let node, let entries = reader.namedEntries(node, what) else { return [] }
        var out: [Declaration] = []
        for entry in entries {
            let location = reader.location(entry.keyNode)
            if entry.key.isEmpty {
                reader.report(.emptyName(kind, at: location))
                continue
            }
            let name = QualifiedName(parsing: entry.key, defaultSchema: schema)
            guard checkIdentifier(name.name, entry.keyNode, reader), checkIdentifier(name.schema, entry.keyNode, reader) else { continue }
            guard claim(name, location) else { continue }
            out.append(Declaration(name: name, node: entry.value, location: location, reader: reader, defaultSchema: schema))
        }
        return out
    }
}

/// Reports names PostgreSQL would truncate.
@discardableResult
func checkIdentifier(_ name: String, _ node: Node, _ reader: NodeReader, kind: String = "a") -> Bool {
    if name.isEmpty {
        reader.report(.emptyName(kind, at: reader.location(node)))
        return false
    }
    let bytes = Identifier.byteCount(name)
    if bytes > Identifier.maxBytes {
        reader.report(.identifierTooLong(name, bytes: bytes, at: reader.location(node)))
        return false
    }
    if name.unicodeScalars.contains(where: { $0.value == 0 }) {
        reader.report(.invalidValue("name '\(name)' contains a NUL character, which PostgreSQL cannot store", at: reader.location(node)))
        return false
    }
    return true
}
