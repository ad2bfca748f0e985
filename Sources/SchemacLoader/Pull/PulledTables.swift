import SchemacModel

/// A table written as definitions: its columns first, then the keys of
/// the language's table in the documentation's order.
extension PullWriter {
    /// The tables of schema `s`, written on every core: each worker has a
    /// copy of the writer, whose skips and roles are merged in table order.
    mutating func tablesSection(_ s: String) -> YAMLValue? {
        let tables = model.tables.filter { $0.name.schema == s }.sorted { $0.name.name < $1.name.name }
        let base = UncheckedSendable(self)
        let chunks = stride(from: 0, to: tables.count, by: 64).map { Array(tables[$0..<min($0 + 64, tables.count)]) }
        let written = parallelMap(chunks) { chunk in
            var worker = base.value
            worker.skipped = []
            worker.rolesUsed = []
            let entries = chunk.compactMap { t in worker.writable(t).map { (t.name.name, worker.table($0)) } }
            return UncheckedSendable((entries, worker.skipped, worker.rolesUsed))
        }
        var entries: [(String, YAMLValue)] = []
        for part in written {
            entries += part.value.0
            skipped += part.value.1
            rolesUsed.formUnion(part.value.2)
        }
        return entries.isEmpty ? nil : .mapping(entries)
    }

    /// The columns of each table that can be written, by table; a table
    /// with none (or a name the keys cannot hold) is not among them.
    static func writableColumns(_ model: PostgresSchema, schemas: Set<String>, spelling: (PostgresType, String) -> String?) -> [QualifiedName: Set<String>] {
        var out: [QualifiedName: Set<String>] = [:]
        for t in model.tables where schemas.contains(t.name.schema) && !t.name.name.contains(".") {
            let columns = Set(t.columns.filter { spelling($0.type, t.name.schema) != nil }.map(\.name))
            if !columns.isEmpty || t.columns.isEmpty { out[t.name] = columns }
        }
        return out
    }

    /// `t` without what cannot be written, each part left out said once:
    /// columns of types the language lacks and whatever names them,
    /// foreign keys to tables not written, triggers on functions not written.
    mutating func writable(_ t: Table) -> Table? {
        let s = t.name.schema, object = t.name.description
        guard let columns = writtenColumns[t.name] else {
            let why = t.name.name.contains(".") ? "a table name with a dot cannot be written as a definitions key yet"
                : "none of its columns can be written"
            skip(s, "table", object, why)
            return nil
        }
        var kept = t
        kept.columns = t.columns.filter { c in
            if columns.contains(c.name) { return true }
            skip(s, "column", "\(object).\(c.name)", "its type \(c.type.sql) is not one the language holds (a domain, a composite or another user-defined type); the column was not written")
            return false
        }
        let skippedColumns = Set(t.columns.map(\.name)).subtracting(columns)
        func names(_ cols: [String]) -> Bool { cols.allSatisfy(columns.contains) }
        func mentionsSkipped(_ text: String?) -> Bool {
            guard let text, !skippedColumns.isEmpty else { return false }
            return !Set(ExpressionColumns.unknownColumns(in: text, columns: columns)).isDisjoint(with: skippedColumns)
        }
        func keep(_ ok: Bool, _ kind: String, _ name: String, _ why: String) -> Bool {
            if !ok { skip(s, kind, "\(object).\(name)", why) }
            return ok
        }
        let onSkipped = "it names a column that was not written"
        if let pk = t.primaryKey, !keep(names(pk.columns), "primary key", pk.name, onSkipped) { kept.primaryKey = nil }
        kept.uniques = t.uniques.filter { keep(names($0.columns), "unique constraint", $0.name, onSkipped) }
        kept.checks = t.checks.filter {
            keep(ExpressionColumns.unknownColumns(in: $0.expression, columns: columns).isEmpty, "check constraint", $0.name, onSkipped)
        }
        // Its text is the server's (operators and methods among the words): only the columns left out matter.
        kept.exclusions = t.exclusions.filter { x in
            keep(!ExpressionColumns.unknownColumns(in: x.definition, columns: columns).contains(where: skippedColumns.contains),
                 "exclusion constraint", x.name, onSkipped)
        }
        kept.foreignKeys = t.foreignKeys.filter { fk in
            guard keep(names(fk.columns), "foreign key", fk.name, onSkipped) else { return false }
            let target = writtenColumns[fk.referencedTable]
            return keep(target != nil && fk.referencedColumns.allSatisfy { target!.contains($0) }, "foreign key", fk.name,
                        "it references \(fk.referencedTable), which is not written here (a partition, a table of another schema, or one left out)")
        }
        kept.indexes = t.indexes.filter { i in
            let ok = names(i.keys.compactMap(\.column) + i.include) && !mentionsSkipped(i.predicate)
                && !i.keys.contains { if case .expression(let e) = $0.target { mentionsSkipped(e) } else { false } }
            return keep(ok, "index", i.name, onSkipped)
        }
        kept.policies = t.policies.filter { keep(!mentionsSkipped($0.using) && !mentionsSkipped($0.withCheck), "policy", $0.name, onSkipped) }
        kept.triggers = t.triggers.filter { tr in
            keep(!mentionsSkipped(tr.when), "trigger", tr.name, onSkipped)
                && keep(tr.function.schema == "pg_catalog" || writtenFunctions.contains(tr.function) || tr.function == updatedAtFunction,
                        "trigger", tr.name, "it calls \(tr.function), a function not written in these definitions")
        }
        return kept
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
        f.append(("columns", .mapping(t.columns.map { ($0.name, column($0, of: t, claims: &claims)) })))
        if let pk = t.primaryKey, !claims.primaryKey {
            f.append(("primary_key", .sequence(pk.columns.map(YAMLValue.string), flow: true)))
            if pk.name != Identifier.derived(t.name.name, nil, label: "pkey") { f.append(("primary_key_name", .string(pk.name))) }
        }
        let uniques = t.uniques.filter { !claims.unique.contains($0.name) }
        if !uniques.isEmpty { f.append(("unique", .sequence(uniques.map { unique($0, of: t) }))) }
        let checks = t.checks.filter { !claims.checkNames.contains($0.name) }
        if !checks.isEmpty {
            f.append(("checks", .mapping(checks.map { c in
                let expression = PulledText.expression(c.expression)
                return (c.name, c.noInherit ? .mapping([("check", expression), ("no_inherit", .bool(true))], flow: true) : expression)
            })))
        }
        if !t.exclusions.isEmpty { f.append(("exclusions", .mapping(t.exclusions.map { ($0.name, .string($0.definition)) }))) }
        let foreignKeys = t.foreignKeys.filter { claims.references[$0.name] == nil }
        if !foreignKeys.isEmpty { f.append(("foreign_keys", .sequence(foreignKeys.map { foreignKey($0, of: t) }))) }
        let indexes = t.indexes.filter { !claims.index.contains($0.name) }.compactMap { index($0, of: t) }
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
        for c in t.checks where !c.noInherit {
            // Long names clip alike: a name two columns would derive stays the check's own.
            let owners = t.columns.filter { c.name == Identifier.derived(name, $0.name, label: "check") }
            if owners.count == 1 {
                claims.check[owners[0].name] = c.expression
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

    mutating func index(_ i: Index, of t: Table) -> YAMLValue? {
        let object = "\(t.name.schema).\(i.name)"
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
        if i.nullsNotDistinct { f.append(("nulls_not_distinct", .bool(true))) }
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
