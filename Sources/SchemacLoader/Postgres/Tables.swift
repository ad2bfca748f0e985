import SchemacDiagnostics
import SchemacModel
import Yams

/// What the parts of one table's resolution share: where it is written,
/// the table so far, and the names its columns and constraints have claimed.
struct TableScope {
    let d: Declaration
    let r: NodeReader
    let f: Fields
    let tname: String
    var table: Table
    var constraintNames = Namespace(kind: "constraint")
    var columnNames = Namespace(kind: "column")
    var columnPrimaryKeys: [(String, Node)] = []
    var columnIndexes: [(index: Index, node: Node)] = []

    var allColumnNames: [String] { columnNames.names }

    /// Checks that each named column exists, reporting the ones that do not.
    func checkColumns(_ names: [String], _ node: Node) -> Bool {
        let known = Set(table.columns.map(\.name))
        var ok = true
        for c in names where !known.contains(c) {
            ok = false
            // A column that failed to resolve was already reported.
            if !columnNames.contains(c) {
                r.report(.unknownColumn(c, table: tname, suggestion: Spelling.closest(to: c, among: allColumnNames), at: r.location(node)))
            }
        }
        return ok
    }
}

extension PostgresResolver {
    mutating func resolveTable(_ d: Declaration) -> Table? {
        let r = d.reader
        let tname = d.name.display(defaultSchema: d.defaultSchema)
        let what = "table '\(tname)'"
        guard let f = r.fields(d.node, what, allowed: PostgresKeys.table.names) else { return nil }
        guard let columnsNode = f["columns"] else {
            r.report(.missingKey("columns", in: what, at: f.location))
            return nil
        }
        var t = TableScope(d: d, r: r, f: f, tname: tname, table: Table(name: d.name))
        resolveColumns(columnsNode, &t, what: what)
        resolvePrimaryKey(&t)
        resolveUniques(&t)
        resolveChecks(&t)
        resolveForeignKeys(&t)
        resolveIndexes(&t)
        resolveTenancy(&t)
        resolvePolicies(&t)
        resolveRowLevelSecurity(&t)
        if let node = f["grants"] { t.table.grants = resolveGrants(node, r) }
        resolveTriggers(&t)
        resolvePartitioning(f, &t.table, d, r, t.checkColumns)
        t.table.comment = f["comment"].flatMap { r.string($0, "comment") }
        t.table.renamedFrom = f["renamed_from"].flatMap { r.name($0, "renamed_from") }.map {
            QualifiedName(parsing: $0, defaultSchema: d.name.schema)
        }
        return t.table
    }

    mutating func resolveColumns(_ columnsNode: Node, _ t: inout TableScope, what: String) {
        let (r, d) = (t.r, t.d)
        let columnEntries = r.namedEntries(columnsNode, "the columns of \(what)")
        for entry in columnEntries ?? [] {
            let loc = r.location(entry.keyNode)
            if entry.key.isEmpty { r.report(.emptyName("column", at: loc)); continue }
            guard checkIdentifier(entry.key, entry.keyNode, r), t.columnNames.claim(entry.key, at: loc, r) else { continue }
            guard let column = resolveColumn(entry, table: &t.table, tableDecl: d, constraintNames: &t.constraintNames,
                                             columnPrimaryKeys: &t.columnPrimaryKeys, columnIndexes: &t.columnIndexes) else { continue }
            t.table.columns.append(column)
        }
        // `columns: {}` is a table of no columns, which PostgreSQL allows (a
        // placeholder to add columns to, a parent of partitions by policy).
    }

    /// The primary key: the table's own, or the one column that says primary_key.
    mutating func resolvePrimaryKey(_ t: inout TableScope) {
        let (r, d, f, tname) = (t.r, t.d, t.f, t.tname)
        if let pkNode = f["primary_key"], let cols = r.stringList(pkNode, "primary_key", allowSingle: true) {
            if !t.columnPrimaryKeys.isEmpty {
                r.report(.multiplePrimaryKeys(table: tname, at: r.location(pkNode)))
            } else if t.checkColumns(cols, pkNode) {
                t.table.primaryKey = PrimaryKey(name: Identifier.derived(d.name.name, nil, label: "pkey"), columns: cols)
            }
        } else if t.columnPrimaryKeys.count > 1 {
            r.report(.multiplePrimaryKeys(table: tname, at: r.location(t.columnPrimaryKeys[1].1)))
        } else if let (col, _) = t.columnPrimaryKeys.first {
            t.table.primaryKey = PrimaryKey(name: Identifier.derived(d.name.name, nil, label: "pkey"), columns: [col])
        }
        if let node = f["primary_key_name"], let name = r.name(node, "primary_key_name") {
            if t.table.primaryKey == nil {
                r.report(.invalidValue("primary_key_name names a primary key the table does not have", at: r.location(node)))
            } else {
                t.table.primaryKey!.name = name
            }
        }
        if let pk = t.table.primaryKey {
            _ = t.constraintNames.claim(pk.name, at: f.location, r)
            for i in t.table.columns.indices where pk.columns.contains(t.table.columns[i].name) {
                t.table.columns[i].nullable = false
            }
        }
    }

    /// Unique constraints, named as PostgreSQL would name them unless named.
    mutating func resolveUniques(_ t: inout TableScope) {
        let (r, d, f) = (t.r, t.d, t.f)
        if let node = f["unique"], let items = r.sequence(node, "unique") {
            for item in items {
                var cols: [String]?
                var name: String?
                var nullsNotDistinct = false
                if case .mapping = item {
                    guard let u = r.fields(item, "a unique constraint", allowed: PostgresKeys.unique.names) else { continue }
                    cols = u["columns"].flatMap { r.stringList($0, "columns") }
                    if u["columns"] == nil { r.report(.missingKey("columns", in: "a unique constraint", at: u.location)) }
                    name = u["name"].flatMap { r.name($0, "name") }
                    nullsNotDistinct = u["nulls_not_distinct"].flatMap { r.bool($0, "nulls_not_distinct") } ?? false
                } else {
                    cols = r.stringList(item, "a unique constraint's columns", allowSingle: true)
                }
                guard let cols, !cols.isEmpty, t.checkColumns(cols, item) else { continue }
                let cname = name ?? Identifier.derived(d.name.name, cols.joined(separator: "_"), label: "key")
                guard checkIdentifier(cname, item, r), t.constraintNames.claim(cname, at: r.location(item), r) else { continue }
                t.table.uniques.append(UniqueConstraint(name: cname, columns: cols, nullsNotDistinct: nullsNotDistinct))
            }
        }
    }

    /// Named checks and the columns' own; their expressions may only name the table's columns.
    mutating func resolveChecks(_ t: inout TableScope) {
        let (r, d, f, tname) = (t.r, t.d, t.f, t.tname)
        var checkNodes: [String: Node] = [:]
        if let cols = f["columns"], case .mapping(let m) = cols {
            for pair in m.pairsInPlace {
                if case .mapping = pair.value, let name = pair.key.scalar?.string,
                   case .mapping(let cm) = pair.value, let c = cm.pairsInPlace.first(where: { $0.key.scalar?.string == "check" }) {
                    checkNodes[Identifier.derived(d.name.name, name, label: "check")] = c.value
                }
            }
        }

        // Named checks.
        if let node = f["checks"] {
            for entry in r.namedEntries(node, "checks") ?? [] {
                // `name: expr`, or `name: {check: expr, no_inherit: true}`.
                var noInherit = false
                var expressionNode = entry.value
                if case .mapping = entry.value {
                    guard let f = r.fields(entry.value, "check '\(entry.key)'", allowed: PostgresKeys.check.names) else { continue }
                    guard let e = f["check"] else { r.report(.missingKey("check", in: "check '\(entry.key)'", at: f.location)); continue }
                    expressionNode = e
                    noInherit = f["no_inherit"].flatMap { r.bool($0, "no_inherit") } ?? false
                }
                guard let expr = r.string(expressionNode, "check '\(entry.key)'") else { continue }
                if entry.key.isEmpty { r.report(.emptyName("check", at: r.location(entry.keyNode))); continue }
                guard checkIdentifier(entry.key, entry.keyNode, r),
                      t.constraintNames.claim(entry.key, at: r.location(entry.keyNode), r) else { continue }
                t.table.checks.append(CheckConstraint(name: entry.key, expression: expr, noInherit: noInherit))
                checkNodes[entry.key] = entry.value
            }
        }
        // Exclusion constraints: the text after EXCLUDE, SQL on purpose; their index takes the name.
        if let node = f["exclusions"] {
            for entry in r.namedEntries(node, "exclusions") ?? [] {
                guard let definition = r.string(entry.value, "exclusion '\(entry.key)'") else { continue }
                if entry.key.isEmpty { r.report(.emptyName("exclusion", at: r.location(entry.keyNode))); continue }
                guard checkIdentifier(entry.key, entry.keyNode, r),
                      t.constraintNames.claim(entry.key, at: r.location(entry.keyNode), r) else { continue }
                claimRelation(QualifiedName(schema: d.name.schema, name: entry.key), display: entry.key, at: r.location(entry.keyNode), r,
                              kind: "index", owner: .constraint)
                t.table.exclusions.append(ExclusionConstraint(name: entry.key, definition: definition))
            }
        }
        for check in t.table.checks {
            guard let node = checkNodes[check.name] else { continue }
            for missing in ExpressionColumns.unknownColumns(in: check.expression, columns: Set(t.allColumnNames)) {
                r.report(.unknownColumn(missing, table: tname, suggestion: Spelling.closest(to: missing, among: t.allColumnNames), at: r.location(node)))
            }
        }
    }

    /// Composite foreign keys; their targets are checked once every table is read.
    mutating func resolveForeignKeys(_ t: inout TableScope) {
        let (r, d, f) = (t.r, t.d, t.f)
        if let node = f["foreign_keys"], let items = r.sequence(node, "foreign_keys") {
            for item in items {
                guard let k = r.fields(item, "a foreign key", allowed: PostgresKeys.foreignKey.names) else { continue }
                guard let colsNode = k["columns"] else { r.report(.missingKey("columns", in: "a foreign key", at: k.location)); continue }
                guard let refNode = k["references"] else { r.report(.missingKey("references", in: "a foreign key", at: k.location)); continue }
                guard let cols = r.stringList(colsNode, "columns", allowSingle: true), t.checkColumns(cols, colsNode),
                      let ref = r.string(refNode, "references") else { continue }
                guard let target = parseReference(ref, r, refNode, defaultSchema: d.defaultSchema) else { continue }
                let name = k["name"].flatMap { r.name($0, "name") } ?? Identifier.derived(d.name.name, cols.joined(separator: "_"), label: "fkey")
                guard checkIdentifier(name, item, r), t.constraintNames.claim(name, at: r.location(item), r) else { continue }
                let fk = ForeignKey(name: name, columns: cols, referencedTable: target.table, referencedColumns: target.columns,
                                    onDelete: k["on_delete"].flatMap { referentialAction($0, r, "on_delete") } ?? .noAction,
                                    onUpdate: k["on_update"].flatMap { referentialAction($0, r, "on_update") } ?? .noAction,
                                    deferrable: k["deferrable"].flatMap { r.bool($0, "deferrable") } ?? false)
                t.table.foreignKeys.append(fk)
                pendingForeignKeys.append((d.name, fk, r.location(refNode), r, ref, d.defaultSchema, target.columns.isEmpty))
            }
        }
    }

    /// Indexes (the columns' own among them), and the relation names they and key constraints take.
    mutating func resolveIndexes(_ t: inout TableScope) {
        let (r, d, f) = (t.r, t.d, t.f)
        var indexNodes: [(Index, Node)] = t.columnIndexes.map { ($0.index, $0.node) }
        if let node = f["indexes"], let items = r.sequence(node, "indexes") {
            for item in items {
                guard let index = resolveIndex(item, d, r, t.checkColumns) else { continue }
                indexNodes.append((index, item))
            }
        }
        for (index, node) in indexNodes {
            claimRelation(QualifiedName(schema: d.name.schema, name: index.name), display: index.name, at: r.location(node), r,
                          owner: .index(t.table.indexes.count))
            t.table.indexes.append(index)
        }
        for name in [t.table.primaryKey?.name].compactMap({ $0 }) + t.table.uniques.map(\.name) {
            claimRelation(QualifiedName(schema: d.name.schema, name: name), display: name, at: f.location, r,
                          kind: "relation (the index of a constraint)", owner: .constraint)
        }
    }

    /// tenant: true: row level security, enabled and forced, with the policy tenancy: describes.
    mutating func resolveTenancy(_ t: inout TableScope) {
        let (r, f, tname) = (t.r, t.f, t.tname)
        if let node = f["tenant"], r.bool(node, "tenant") == true {
            if let tenancy = decls.tenancy {
                if let column = t.table.column(named: tenancy.column) {
                    let check = "\(SQL.identifier(column.name)) = NULLIF(current_setting(\(SQL.literal(tenancy.setting)), true), '')::\(column.type.sql)"
                    t.table.rowLevelSecurity = true
                    t.table.forceRowLevelSecurity = true
                    t.table.policies.append(Policy(name: "tenant_isolation", using: check, withCheck: check))
                } else if !t.columnNames.contains(tenancy.column) {
                    r.report(.tenantColumnMissing(table: tname, column: tenancy.column, at: r.location(f.keyNode("tenant")!)))
                }
            } else {
                r.report(.tenancyNotConfigured(table: tname, at: r.location(f.keyNode("tenant")!)))
            }
        }
    }

    /// Custom policies: any turns row level security on.
    mutating func resolvePolicies(_ t: inout TableScope) {
        let (r, f) = (t.r, t.f)
        var policyNames = Namespace(kind: "policy")
        for p in t.table.policies { _ = policyNames.claim(p.name, at: f.location, r) }
        if let node = f["policies"] {
            for entry in r.namedEntries(node, "policies") ?? [] {
                guard checkIdentifier(entry.key, entry.keyNode, r, kind: "policy"),
                      policyNames.claim(entry.key, at: r.location(entry.keyNode), r),
                      let policy = resolvePolicy(entry, r) else { continue }
                if !t.table.rowLevelSecurity { t.table.rowLevelSecurity = true }
                t.table.policies.append(policy)
            }
        }
    }

    /// `row_level_security`, where the table's security is not what `tenant`
    /// and `policies` make of it: `true` (enabled), `false` (policies kept
    /// but not applied), `forced` (applied to the owner too).
    mutating func resolveRowLevelSecurity(_ t: inout TableScope) {
        guard let node = t.f["row_level_security"] else { return }
        let choices: [(String, (Bool, Bool))] = [("true", (true, false)), ("false", (false, false)), ("forced", (true, true))]
        guard let (enabled, forced) = t.r.choice(node, "row_level_security", choices) else { return }
        t.table.rowLevelSecurity = enabled
        t.table.forceRowLevelSecurity = forced
    }

    /// auto_updated_at (a trigger on the shared function) and custom triggers.
    mutating func resolveTriggers(_ t: inout TableScope) {
        let (r, d, f, tname) = (t.r, t.d, t.f, t.tname)
        var triggerNames = Namespace(kind: "trigger")
        if let node = f["auto_updated_at"], let col = r.name(node, "auto_updated_at") {
            if let column = t.table.column(named: col) {
                let okTypes: [BuiltinType] = [.timestamp, .timestamptz, .date]
                if let b = column.type.builtin, okTypes.contains(b), !column.type.isArray {
                    let trigger = Trigger(name: Identifier.clip("set_\(col)", toBytes: Identifier.maxBytes), timing: .before, events: [.update],
                                          function: QualifiedName(schema: updatedAtFunctionSchema ?? d.name.schema, name: Self.sharedUpdatedAtFunction),
                                          arguments: [col])
                    _ = triggerNames.claim(trigger.name, at: r.location(node), r)
                    t.table.triggers.append(trigger)
                } else {
                    r.report(.autoUpdatedAtType(table: tname, column: col, type: column.type.sql, at: r.location(node)))
                }
            } else if !t.columnNames.contains(col) {
                r.report(.autoUpdatedAtMissing(table: tname, column: col, suggestion: Spelling.closest(to: col, among: t.allColumnNames), at: r.location(node)))
            }
        }
        if let node = f["triggers"] {
            for entry in r.namedEntries(node, "triggers") ?? [] {
                guard checkIdentifier(entry.key, entry.keyNode, r, kind: "trigger"),
                      triggerNames.claim(entry.key, at: r.location(entry.keyNode), r),
                      let trigger = resolveTrigger(entry, r, defaultSchema: d.defaultSchema) else { continue }
                t.table.triggers.append(trigger)
            }
        }
    }
}
