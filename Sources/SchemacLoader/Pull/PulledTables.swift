import SchemacModel

/// A table written as definitions: its columns first, then the keys of
/// the language's table in the documentation's order.
extension PullWriter {
    mutating func tablesSection(_ s: String) -> YAMLValue? {
        let tables = model.tables.filter { $0.name.schema == s }.sorted { $0.name.name < $1.name.name }
        var entries: [(String, YAMLValue)] = []
        for t in tables {
            if t.name.name.contains(".") {
                skip(s, "table", t.name.description, "a table name with a dot cannot be written as a definitions key yet")
                continue
            }
            entries.append((t.name.name, table(t)))
        }
        return entries.isEmpty ? nil : .mapping(entries)
    }

    /// The parts of a table written on its columns, and what stays for the
    /// table's own keys.
    struct ColumnClaims {
        var primaryKey = false
        var unique: Set<String> = []
        var index: Set<String> = []
        /// Check expressions by column, and the names of those checks.
        var check: [String: String] = [:]
        var checkNames: Set<String> = []
        var references: [String: ForeignKey] = [:]
    }

    mutating func table(_ t: Table) -> YAMLValue {
        let s = t.name.schema, tenant = isTenant(t)
        var claims = columnClaims(t)
        var f: [(String, YAMLValue)] = []
        if let c = t.comment { f.append(("comment", .string(c))) }
        if tenant { f.append(("tenant", .bool(true))) }
        var columns: [(String, YAMLValue)] = []
        var skippedColumns: Set<String> = []
        for c in t.columns {
            guard let value = column(c, of: t, claims: &claims) else { skippedColumns.insert(c.name); continue }
            columns.append((c.name, value))
        }
        f.append(("columns", .mapping(columns)))
        let keeps: ([String]) -> Bool = { cols in
            cols.allSatisfy { !skippedColumns.contains($0) }
        }
        if let pk = t.primaryKey, !claims.primaryKey {
            if pk.name != Identifier.derived(t.name.name, nil, label: "pkey") {
                skip(s, "constraint name", "\(t.name).\(pk.name)", "a primary key takes the name \(Identifier.derived(t.name.name, nil, label: "pkey")); written without its own")
            }
            f.append(("primary_key", .sequence(pk.columns.map(YAMLValue.string), flow: true)))
        }
        let uniques = t.uniques.filter { !claims.unique.contains($0.name) && keeps($0.columns) }
        if !uniques.isEmpty { f.append(("unique", .sequence(uniques.map { unique($0, of: t) }))) }
        let checks = t.checks.filter { !claims.checkNames.contains($0.name) }
        if !checks.isEmpty {
            f.append(("checks", .mapping(checks.map { ($0.name, PulledText.expression($0.expression)) })))
        }
        let foreignKeys = t.foreignKeys.filter { claims.references[$0.name] == nil && keeps($0.columns) }
        if !foreignKeys.isEmpty { f.append(("foreign_keys", .sequence(foreignKeys.map { foreignKey($0, of: t) }))) }
        let indexes = t.indexes.filter { !claims.index.contains($0.name) }.compactMap { index($0, of: t, keeps: keeps) }
        if !indexes.isEmpty { f.append(("indexes", .sequence(indexes))) }
        if let p = policies(t, tenant: tenant) { f.append(("policies", p)) }
        if let g = grants(t.grants) { f.append(("grants", g)) }
        let updatedAt = t.triggers.filter { isUpdatedAtTrigger($0, in: t, function: updatedAtFunction) && updatedAtFunction != nil }
        if let trigger = updatedAt.first { f.append(("auto_updated_at", .string(trigger.arguments[0]))) }
        if let tr = triggers(t, except: updatedAt.prefix(1).map(\.name)) { f.append(("triggers", tr)) }
        f += partitioning(t)
        if let rls = rowLevelSecurity(t, tenant: tenant) { f.append(("row_level_security", rls)) }
        if t.forceRowLevelSecurity && !t.rowLevelSecurity {
            skip(s, "row level security", t.name.description, "it is forced but not enabled, which the language cannot say; written as disabled")
        }
        return .mapping(f)
    }

    /// Which constraints and indexes are written on their column: those
    /// of one column that carry the name the column's key would give them.
    func columnClaims(_ t: Table) -> ColumnClaims {
        var claims = ColumnClaims()
        let name = t.name.name
        if let pk = t.primaryKey, pk.columns.count == 1, pk.name == Identifier.derived(name, nil, label: "pkey") { claims.primaryKey = true }
        for u in t.uniques where u.columns.count == 1 && !u.nullsNotDistinct && u.name == Identifier.derived(name, u.columns[0], label: "key") {
            claims.unique.insert(u.name)
        }
        for c in t.checks {
            for column in t.columns where c.name == Identifier.derived(name, column.name, label: "check") {
                claims.check[column.name] = c.expression
                claims.checkNames.insert(c.name)
            }
        }
        for fk in t.foreignKeys where fk.columns.count == 1 && !fk.deferrable && fk.referencedColumns.count == 1
            && fk.name == Identifier.derived(name, fk.columns[0], label: "fkey") {
            claims.references[fk.name] = fk
        }
        for i in t.indexes where i.keys.count == 1 && !i.unique && i.method == .btree && i.include.isEmpty && i.predicate == nil && i.comment == nil {
            let key = i.keys[0]
            if let column = key.column, key.opclass == nil, !key.descending, key.nullsFirst == nil,
               i.name == Identifier.derived(name, column, label: "idx") { claims.index.insert(i.name) }
        }
        return claims
    }

    func unique(_ u: UniqueConstraint, of t: Table) -> YAMLValue {
        let columns = YAMLValue.sequence(u.columns.map(YAMLValue.string), flow: true)
        let derived = u.name == Identifier.derived(t.name.name, u.columns.joined(separator: "_"), label: "key")
        if derived && !u.nullsNotDistinct { return columns }
        var f: [(String, YAMLValue)] = [("columns", columns)]
        if !derived { f.append(("name", .string(u.name))) }
        if u.nullsNotDistinct { f.append(("nulls_not_distinct", .bool(true))) }
        return .mapping(f, flow: true)
    }

    /// `table.column` on a column; `table(a, b)` in a foreign key.
    func reference(_ table: QualifiedName, _ columns: [String], from s: String, onColumn: Bool) -> String {
        let prefix = table.schema == s ? table.name : "\(table.schema).\(table.name)"
        // `a.b` on a column reads as schema a, table b when that table exists.
        if onColumn, columns.count == 1,
           table.schema != s || !tableNames.contains(QualifiedName(schema: table.name, name: columns[0])) {
            return "\(prefix).\(columns[0])"
        }
        return "\(prefix)(\(columns.joined(separator: ", ")))"
    }

    func foreignKey(_ fk: ForeignKey, of t: Table) -> YAMLValue {
        let s = t.name.schema
        var f: [(String, YAMLValue)] = []
        if fk.name != Identifier.derived(t.name.name, fk.columns.joined(separator: "_"), label: "fkey") {
            f.append(("name", .string(fk.name)))
        }
        f.append(("columns", .sequence(fk.columns.map(YAMLValue.string), flow: true)))
        f.append(("references", .string(reference(fk.referencedTable, fk.referencedColumns, from: s, onColumn: false))))
        if fk.onDelete != .noAction { f.append(("on_delete", .string(fk.onDelete.rawValue))) }
        if fk.onUpdate != .noAction { f.append(("on_update", .string(fk.onUpdate.rawValue))) }
        if fk.deferrable { f.append(("deferrable", .bool(true))) }
        return .mapping(f, flow: true)
    }

    mutating func index(_ i: Index, of t: Table, keeps: ([String]) -> Bool) -> YAMLValue? {
        let object = "\(t.name.schema).\(i.name)"
        guard keeps(i.keys.compactMap(\.column) + i.include) else {
            skip(t.name.schema, "index", object, "it indexes a column that was not written")
            return nil
        }
        var f: [(String, YAMLValue)] = []
        let derivedFrom: [String]
        if i.keys.count == 1, case .expression(let sql) = i.keys[0].target, !i.keys[0].descending, i.keys[0].nullsFirst == nil {
            derivedFrom = ["expr"]
            f.append(("expression", .string(sql)))
            if let opclass = i.keys[0].opclass { f.append(("opclass", .string(opclass))) }
        } else if i.keys.allSatisfy({ $0.column != nil }) {
            derivedFrom = i.keys.map { $0.column! }
            f.append(("columns", .sequence(i.keys.map(indexKey), flow: true)))
        } else {
            skip(t.name.schema, "index", object, "an index of several keys with expressions among them cannot be written yet")
            return nil
        }
        if i.name != Identifier.derived(t.name.name, derivedFrom.joined(separator: "_"), label: "idx") { f.insert(("name", .string(i.name)), at: 0) }
        if i.method != .btree { f.append(("using", .string(i.method.rawValue))) }
        if i.unique { f.append(("unique", .bool(true))) }
        if !i.include.isEmpty { f.append(("include", .sequence(i.include.map(YAMLValue.string), flow: true))) }
        if let p = i.predicate { f.append(("where", PulledText.expression(p))) }
        if let c = i.comment { f.append(("comment", .string(c))) }
        return .mapping(f, flow: f.count <= 3 && i.comment == nil)
    }

    func indexKey(_ key: Index.Key) -> YAMLValue {
        guard key.opclass != nil || key.descending || key.nullsFirst != nil else { return .string(key.column!) }
        var f: [(String, YAMLValue)] = [("column", .string(key.column!))]
        if let opclass = key.opclass { f.append(("opclass", .string(opclass))) }
        if key.descending { f.append(("order", .string("desc"))) }
        if let first = key.nullsFirst { f.append(("nulls", .string(first ? "first" : "last"))) }
        return .mapping(f, flow: true)
    }

    mutating func policies(_ t: Table, tenant: Bool) -> YAMLValue? {
        let own = t.policies.filter { !(tenant && $0.name == "tenant_isolation") }
        guard !own.isEmpty else { return nil }
        return .mapping(own.map { p in
            var f: [(String, YAMLValue)] = []
            if p.command != .all { f.append(("for", .string(p.command.rawValue))) }
            if !p.roles.isEmpty {
                p.roles.forEach { rolesUsed.insert($0) }
                f.append(("to", .sequence(p.roles.map(YAMLValue.string), flow: true)))
            }
            if let u = p.using { f.append(("using", PulledText.expression(u))) }
            if let w = p.withCheck { f.append(("with_check", PulledText.expression(w))) }
            if !p.permissive { f.append(("as", .string("restrictive"))) }
            return (p.name, .mapping(f))
        })
    }

    mutating func triggers(_ t: Table, except: [String]) -> YAMLValue? {
        var entries: [(String, YAMLValue)] = []
        for tr in t.triggers where !except.contains(tr.name) {
            guard tr.function.schema == "pg_catalog" || writtenFunctions.contains(tr.function) else {
                skip(t.name.schema, "trigger", "\(t.name).\(tr.name)",
                     "it calls \(tr.function), a function not written in these definitions")
                continue
            }
            var f: [(String, YAMLValue)] = [("function", .string(written(tr.function, from: t.name.schema)))]
            f.append(("timing", .string(tr.timing.rawValue)))
            f.append(("events", .sequence(tr.events.map { .string($0.rawValue) }, flow: true)))
            if !tr.forEachRow { f.append(("for_each", .string("statement"))) }
            if let w = tr.when { f.append(("when", PulledText.expression(w))) }
            if !tr.arguments.isEmpty { f.append(("args", .sequence(tr.arguments.map(YAMLValue.string), flow: true))) }
            entries.append((tr.name, .mapping(f)))
        }
        return entries.isEmpty ? nil : .mapping(entries)
    }

    /// Row level security as the table has it, where `tenant` and the
    /// policies would not give the same: the resolver turns it on for a
    /// table with policies, and forces it for a tenant table.
    func rowLevelSecurity(_ t: Table, tenant: Bool) -> YAMLValue? {
        let impliedOn = tenant || !t.policies.isEmpty
        let forced = t.forceRowLevelSecurity && t.rowLevelSecurity
        guard t.rowLevelSecurity != impliedOn || forced != tenant else { return nil }
        return forced ? .string("forced") : .bool(t.rowLevelSecurity)
    }
}
