import Foundation
import SchemacDiagnostics
import SchemacModel
import Yams

// Columns: their types, literal defaults, and what they declare of the table's keys.
extension PostgresResolver {
    // MARK: Tables


    func typeParser(defaultSchema: String) -> TypeParser {
        TypeParser(enums: enumsByName, domains: domainsByName, extensions: Set(schema.extensions), defaultSchema: defaultSchema)
    }

    /// Resolves a type as written, reporting what is wrong with it.
    mutating func resolveType(_ written: String, _ node: Node, _ r: NodeReader, defaultSchema: String) -> PostgresType? {
        let key = defaultSchema + "\u{0}" + written
        if let cached = typeCache[key] { return cached }
        switch typeParser(defaultSchema: defaultSchema).parse(written) {
        case .success(let t):
            typeCache[key] = t
            return t
        case .failure(.unknown(let suggestion, let enumLike)):
            if enumLike {
                r.report(.unknownEnum(written, suggestion: suggestion, at: r.location(node)))
            } else {
                r.report(.unknownType(written, suggestion: suggestion, at: r.location(node)))
            }
        case .failure(.unsupported(let advice)):
            r.report(.unsupportedType(written, advice: advice, at: r.location(node)))
        case .failure(.badModifiers(let why)):
            r.report(.invalidValue("type '\(written)': \(why)", at: r.location(node)))
        case .failure(.needsExtension(let ext)):
            r.report(.unsupportedType(written, advice: "it comes with the extension '\(ext)'; add it to postgres.extensions", at: r.location(node)))
        }
        return nil
    }

    func enumValues(_ type: PostgresType) -> [String]? {
        if case .enumeration(let name) = type.underlying.base, !type.underlying.isArray { return enumsByName[name]?.values }
        return nil
    }

    mutating func resolveColumn(_ entry: Fields.Entry, table: inout Table, tableDecl d: Declaration,
                                constraintNames: inout Namespace, columnPrimaryKeys: inout [(String, Node)],
                                columnIndexes: inout [(index: Index, node: Node)]) -> Column? {
        let r = d.reader
        let name = entry.key
        let what = "column '\(name)'"
        var typeNode: Node
        var fields: Fields?
        switch entry.value {
        case .scalar:
            typeNode = entry.value
        case .mapping:
            guard let f = r.fields(entry.value, what, allowed: PostgresKeys.column.names) else { return nil }
            guard let t = f["type"] else {
                r.report(.missingKey("type", in: what, at: f.location))
                return nil
            }
            fields = f
            typeNode = t
        default:
            r.report(.wrongKind(what, expected: .stringOrMapping, found: r.describe(entry.value), at: r.location(entry.value)))
            return nil
        }
        guard var written = r.string(typeNode, "the type of \(what)") else { return nil }
        var nullable = false
        if written.hasSuffix("?") {
            nullable = true
            written = String(written.dropLast())
        }
        guard let type = resolveType(written, typeNode, r, defaultSchema: d.defaultSchema) else {
            // The values that do not depend on the type are still read: one
            // bad value does not hide the next.
            if let f = fields {
                if let n = f["identity"] { _ = r.choice(n, "identity", [("always", 0), ("by_default", 1), ("by default", 1)]) }
                for key in ["on_delete", "on_update"] { if let n = f[key] { _ = referentialAction(n, r, key) } }
                for key in ["nullable", "primary_key", "unique", "index"] { if let n = f[key], case .scalar = n { _ = r.bool(n, key) } }
            }
            return nil
        }
        var column = Column(name: name, type: type, nullable: nullable)
        guard let f = fields else { return column }

        if let n = f["nullable"], let b = r.bool(n, "nullable") { column.nullable = column.nullable || b }
        if let n = f["comment"] { column.comment = r.string(n, "comment") }
        if let n = f["renamed_from"] { column.renamedFrom = r.name(n, "renamed_from") }
        if let n = f["generated"] { column.generated = r.string(n, "generated") }
        if let n = f["identity"] {
            column.identity = r.choice(n, "identity", [("always", .always), ("by_default", .byDefault), ("by default", .byDefault)])
            if column.identity != nil {
                if !Self.isIdentityCapable(type) {
                    r.report(.invalidValue("identity column '\(name)' must be smallint, integer or bigint, not \(type.sql)", at: r.location(n)))
                }
            }
        }
        let exclusive = ["default", "default_sql", "identity", "generated"].filter { f.has($0) }
        if exclusive.count > 1 {
            r.report(.conflictingKeys(exclusive[0], exclusive[1], in: what, at: r.location(f.keyNode(exclusive[1])!)))
        }
        if let n = f["default_sql"] { column.defaultSQL = r.string(n, "default_sql") }
        if let n = f["default"], !f.has("default_sql") {
            column.defaultSQL = literalDefault(n, column: column, r)
        }
        if let n = f["primary_key"], r.bool(n, "primary_key") == true {
            columnPrimaryKeys.append((name, n))
            if column.nullable {
                r.report(.conflictingKeys("primary_key", "nullable", in: what, at: r.location(n)))
            }
        }
        if let n = f["unique"], r.bool(n, "unique") == true {
            let cname = Identifier.derived(d.name.name, name, label: "key")
            if constraintNames.claim(cname, at: r.location(n), r) {
                table.uniques.append(UniqueConstraint(name: cname, columns: [name]))
            }
        }
        if let n = f["index"], r.bool(n, "index") == true {
            columnIndexes.append((Index(name: Identifier.derived(d.name.name, name, label: "idx"), keys: [.column(name)]), n))
        }
        if let n = f["check"], let expr = r.string(n, "check") {
            let cname = Identifier.derived(d.name.name, name, label: "check")
            if constraintNames.claim(cname, at: r.location(n), r) {
                table.checks.append(CheckConstraint(name: cname, expression: expr))
            }
        }
        if let n = f["references"], let ref = r.string(n, "references"),
           let target = parseReference(ref, r, n, defaultSchema: d.defaultSchema) {
            let cname = Identifier.derived(d.name.name, name, label: "fkey")
            if constraintNames.claim(cname, at: r.location(n), r) {
                let fk = ForeignKey(name: cname, columns: [name], referencedTable: target.table, referencedColumns: target.columns,
                                    onDelete: f["on_delete"].flatMap { referentialAction($0, r, "on_delete") } ?? .noAction,
                                    onUpdate: f["on_update"].flatMap { referentialAction($0, r, "on_update") } ?? .noAction)
                table.foreignKeys.append(fk)
                pendingForeignKeys.append((d.name, fk, r.location(n), r, ref, d.defaultSchema, target.columns.isEmpty))
            }
        } else if f["references"] == nil {
            for key in ["on_delete", "on_update"] where f.has(key) {
                r.report(.invalidValue("'\(key)' applies only to a column with 'references'", at: r.location(f.keyNode(key)!)))
            }
        }
        return column
    }

    static func isIdentityCapable(_ type: PostgresType) -> Bool {
        guard !type.isArray, case .builtin(let b) = type.base else { return false }
        return b == .smallint || b == .integer || b == .bigint
    }

    /// `default:` as a quoted literal of the column's type.
    func literalDefault(_ node: Node, column: Column, kind: String = "column", _ r: NodeReader) -> String? {
        if r.isNull(node) { return nil }
        switch node {
        case .sequence(let seq) where column.type.isArray:
            var items: [String] = []
            var valid = true
            for item in seq {
                guard let s = r.scalar(item, "an array item") else { return nil }
                switch Literals.render(s, as: column.type.element, enumValues: enumValues(column.type)) {
                case .success: items.append(s)
                case .failure(let failure):
                    r.report(.invalidDefault(s, column: column.name, kind: kind, type: column.type.element.sql, reason: failure.reason, at: r.location(item)))
                    valid = false
                }
            }
            return valid ? Literals.arrayLiteral(items) : nil
        case .mapping, .sequence:
            if let b = column.type.builtin, b == .json || b == .jsonb, !column.type.isArray {
                return SQL.literal(JSONText.render(node))
            }
            r.report(.wrongKind("the default of column '\(column.name)'", expected: .scalar, found: r.describe(node), at: r.location(node)))
            return nil
        default:
            guard let value = r.scalar(node, "default") else { return nil }
            switch Literals.render(value, as: column.type, enumValues: enumValues(column.type)) {
            case .success(let sql): return sql
            case .failure(.looksLikeCall):
                r.report(.defaultLooksLikeCall(value, column: column.name, kind: kind, type: column.type.sql, at: r.location(node)))
            case .failure(.invalid(let why)):
                r.report(.invalidDefault(value, column: column.name, kind: kind, type: column.type.sql, reason: why, at: r.location(node)))
            }
            return nil
        }
    }
}
