import Foundation
import SchemacDiagnostics
import SchemacModel
import Yams

// Foreign keys (checked once every table is read) and indexes.
extension PostgresResolver {
    func referentialAction(_ node: Node, _ r: NodeReader, _ what: String) -> ReferentialAction? {
        r.choice(node, what, [("cascade", .cascade), ("restrict", .restrict), ("set null", .setNull), ("set_null", .setNull),
                              ("set default", .setDefault), ("set_default", .setDefault), ("no action", .noAction), ("no_action", .noAction)])
    }

    /// `table.column`, `schema.table.column`, `table(col, ...)`, or `table` (its primary key).
    func parseReference(_ text: String, _ r: NodeReader, _ node: Node, defaultSchema: String) -> (table: QualifiedName, columns: [String])? {
        let trimmed = text.trimmedSpaces()
        if let open = trimmed.firstIndex(of: "("), trimmed.hasSuffix(")") {
            let tablePart = trimmed[..<open].trimmedSpaces()
            let cols = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
                .split(separator: ",").map { $0.trimmedSpaces() }
            guard !tablePart.isEmpty, !cols.isEmpty, !cols.contains(where: \.isEmpty) else {
                r.report(.invalidValue("'\(text)' is not a reference; write table.column or table(column, ...)", at: r.location(node)))
                return nil
            }
            return (QualifiedName(parsing: tablePart, defaultSchema: defaultSchema), cols)
        }
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !parts.contains(where: \.isEmpty), !trimmed.contains("("), !trimmed.contains(")") else {
            r.report(.invalidValue("'\(text)' is not a reference; write table.column or table(column, ...)", at: r.location(node)))
            return nil
        }
        switch parts.count {
        case 1: return (QualifiedName(schema: defaultSchema, name: parts[0]), [])
        case 2:
            // `a.b` is table.column unless `a.b` names a table (schema.table).
            let asTable = QualifiedName(schema: parts[0], name: parts[1])
            if declaredTables.contains(asTable) && !declaredTables.contains(QualifiedName(schema: defaultSchema, name: parts[0])) {
                return (asTable, [])
            }
            return (QualifiedName(schema: defaultSchema, name: parts[0]), [parts[1]])
        case 3: return (QualifiedName(schema: parts[0], name: parts[1]), [parts[2]])
        default:
            r.report(.invalidValue("'\(text)' is not a reference; write table.column or table(column, ...)", at: r.location(node)))
            return nil
        }
    }

    mutating func checkForeignKeys() {
        for pending in pendingForeignKeys {
            let r = pending.reader
            guard let ti = tableIndex[pending.fk.referencedTable], let source = tableIndex[pending.table] else {
                if tableIndex[pending.table] != nil {
                    let candidates = schema.tables.map { $0.name.display(defaultSchema: pending.targetDefaultSchema) }
                    let written = pending.fk.referencedTable.display(defaultSchema: pending.targetDefaultSchema)
                    if !declaredTables.contains(pending.fk.referencedTable) {
                        r.report(.unknownTable(written, suggestion: Spelling.closest(to: written, among: candidates), at: pending.location))
                    }
                }
                continue
            }
            let target = schema.tables[ti]
            let targetName = target.name.display(defaultSchema: pending.targetDefaultSchema)
            var fk = pending.fk
            if pending.implicitColumns {
                guard let pk = target.primaryKey else {
                    r.report(.foreignKeyMismatch("table '\(targetName)' has no primary key; name the referenced column(s)", at: pending.location))
                    continue
                }
                fk.referencedColumns = pk.columns
            }
            var ok = true
            for c in fk.referencedColumns where target.column(named: c) == nil {
                ok = false
                r.report(.unknownColumn(c, table: targetName, suggestion: Spelling.closest(to: c, among: target.columns.map(\.name)), at: pending.location))
            }
            guard ok else { continue }
            if fk.referencedColumns.count != fk.columns.count {
                r.report(.foreignKeyMismatch("foreign key '\(fk.name)' has \(fk.columns.count) column(s) but references \(fk.referencedColumns.count)", at: pending.location))
                continue
            }
            let keySets = ([target.primaryKey?.columns].compactMap { $0 } + target.uniques.map(\.columns)
                + target.indexes.filter { $0.unique && $0.predicate == nil }.compactMap { idx -> [String]? in
                    let cols = idx.keys.compactMap(\.column)
                    return cols.count == idx.keys.count ? cols : nil
                }).map(Set.init)
            if !keySets.contains(Set(fk.referencedColumns)) {
                r.report(.foreignKeyMismatch("the referenced column(s) \(fk.referencedColumns.map { "'\($0)'" }.joined(separator: ", ")) of table '\(targetName)' are not its primary key or a unique constraint", at: pending.location))
                continue
            }
            let sourceTable = schema.tables[source]
            for (a, b) in zip(fk.columns, fk.referencedColumns) {
                if let ca = sourceTable.column(named: a), let cb = target.column(named: b), !Self.comparable(ca.type, cb.type) {
                    r.report(.foreignKeyMismatch("column '\(a)' (\(ca.type.sql)) cannot reference '\(targetName).\(b)' (\(cb.type.sql))", at: pending.location))
                    ok = false
                }
            }
            guard ok else { continue }
            if let i = schema.tables[source].foreignKeys.firstIndex(where: { $0.name == fk.name }) {
                schema.tables[source].foreignKeys[i] = fk
            }
        }
    }

    /// Whether PostgreSQL has an equality operator between the two types.
    static func comparable(_ a: PostgresType, _ b: PostgresType) -> Bool {
        if a.base == b.base && a.isArray == b.isArray { return true }
        guard let x = a.builtin, let y = b.builtin, a.isArray == b.isArray else { return false }
        let families: [Set<BuiltinType>] = [
            [.smallint, .integer, .bigint, .numeric, .real, .doublePrecision],
            [.text, .varchar, .character],
            [.timestamp, .timestamptz, .date],
        ]
        return families.contains { $0.contains(x) && $0.contains(y) }
    }


    // MARK: Indexes, policies, grants, triggers


    /// An item of `columns:`: a column name, or `{column, opclass, order, nulls}`.
    func indexKey(_ node: Node, _ r: NodeReader) -> (String, Index.Key)? {
        if case .mapping = node {
            guard let f = r.fields(node, "an index column", allowed: PostgresKeys.indexColumn.names) else { return nil }
            guard let c = f["column"] else { r.report(.missingKey("column", in: "an index column", at: f.location)); return nil }
            guard let name = r.name(c, "column") else { return nil }
            var key = Index.Key.column(name)
            key.opclass = f["opclass"].flatMap { r.name($0, "opclass") }
            key.descending = f["order"].flatMap { r.choice($0, "sort order", [("asc", false), ("desc", true)]) } ?? false
            key.nullsFirst = f["nulls"].flatMap { r.choice($0, "nulls order", [("first", true), ("last", false)]) }
            return (name, key)
        }
        guard let name = r.name(node, "an index column") else { return nil }
        return (name, .column(name))
    }

    func resolveIndex(_ item: Node, _ d: Declaration, _ r: NodeReader, _ checkColumns: ([String], Node) -> Bool) -> Index? {
        guard let f = r.fields(item, "an index", allowed: PostgresKeys.index.names) else { return nil }
        var keys: [Index.Key] = []
        var nameParts: [String] = []
        if f.has("columns") && f.has("expression") {
            r.report(.conflictingKeys("columns", "expression", in: "an index", at: f.location))
            return nil
        }
        if let n = f["columns"] {
            let items: [Node]
            if case .sequence(let s) = n { items = Array(s) } else { items = [n] }
            let parsed = items.map { indexKey($0, r) }
            guard !parsed.contains(where: { $0 == nil }) else { return nil }
            let cols = parsed.map { $0!.0 }
            guard !cols.isEmpty, checkColumns(cols, n) else {
                if cols.isEmpty { r.report(.invalidValue("an index needs at least one column", at: r.location(n))) }
                return nil
            }
            keys = parsed.map { $0!.1 }
            nameParts = cols
            if f.has("opclass") {
                r.report(.invalidValue("'opclass' goes with 'expression'; for columns write {column: name, opclass: ...}", at: r.location(f.keyNode("opclass")!)))
            }
        } else if let n = f["expression"] {
            guard let expr = r.string(n, "expression") else { return nil }
            keys = [Index.Key(.expression(expr), opclass: f["opclass"].flatMap { r.name($0, "opclass") })]
            nameParts = ["expr"]
        } else {
            r.report(.missingKey("columns", in: "an index", at: f.location))
            return nil
        }
        var index = Index(name: "", keys: keys)
        index.method = f["using"].flatMap { r.choice($0, "index method", Index.Method.allCases.map { ($0.rawValue, $0) }) } ?? .btree
        index.unique = f["unique"].flatMap { r.bool($0, "unique") } ?? false
        index.nullsNotDistinct = f["nulls_not_distinct"].flatMap { r.bool($0, "nulls_not_distinct") } ?? false
        if index.nullsNotDistinct, !index.unique, let node = f["nulls_not_distinct"] {
            r.report(.invalidValue("nulls_not_distinct is for a unique index", at: r.location(node)))
        }
        if index.unique && ![.btree].contains(index.method) {
            r.report(.invalidValue("a unique index must use btree, not \(index.method.rawValue)", at: r.location(f["using"]!)))
        }
        if let n = f["include"], let cols = r.stringList(n, "include", allowSingle: true) {
            if checkColumns(cols, n) { index.include = cols }
        }
        index.predicate = f["where"].flatMap { r.string($0, "where") }
        index.comment = f["comment"].flatMap { r.string($0, "comment") }
        if let n = f["name"] {
            guard let name = r.name(n, "index name"), checkIdentifier(name, n, r) else { return nil }
            index.name = name
        } else {
            index.name = Identifier.derived(d.name.name, nameParts.joined(separator: "_"), label: "idx")
        }
        return index
    }
}
