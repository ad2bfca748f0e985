import SchemacMigrate
import SchemacModel

/// SQL text of single statements. Everything variable is quoted through `SQL`;
/// only fields that are SQL on purpose (defaults, checks, predicates, bodies) are
/// copied as written.
enum DDL {
    static func createSchema(_ name: String) -> String {
        "CREATE SCHEMA \(SQL.identifier(name));"
    }

    static func createExtension(_ name: String) -> String {
        "CREATE EXTENSION IF NOT EXISTS \(SQL.identifier(name));"
    }

    /// Roles belong to the cluster, not the database: create only when missing.
    static func createRole(_ name: String) -> String {
        let body = """
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = \(SQL.literal(name))) THEN
                    CREATE ROLE \(SQL.identifier(name)) NOLOGIN;
                END IF;
            END
            """
        return "DO \(SQL.dollarQuoted("\n" + body + "\n", preferredTag: "role"));"
    }

    static func createEnum(_ e: EnumType) -> String {
        "CREATE TYPE \(SQL.qualified(e.name)) AS ENUM (\(e.values.map(SQL.literal).joined(separator: ", ")));"
    }

    static func exclusion(_ x: ExclusionConstraint) -> String {
        "CONSTRAINT \(SQL.identifier(x.name)) EXCLUDE \(x.definition)"
    }

    static func createDomain(_ d: Domain) -> String {
        var text = "CREATE DOMAIN \(SQL.qualified(d.name)) AS \(d.type.sql)"
        if let value = d.defaultSQL { text += " DEFAULT \(value)" }
        if d.notNull { text += " NOT NULL" }
        for c in d.checks { text += " " + check(c) }
        return text + ";"
    }

    /// The options that differ from PostgreSQL's defaults for the type and
    /// direction, so that a plain sequence reads `CREATE SEQUENCE "s"."n";`.
    static func createSequence(_ s: PostgresSequence) -> String {
        var options: [String] = []
        if s.type != .bigint { options.append("AS \(s.type.rawValue)") }
        if s.increment != 1 { options.append("INCREMENT BY \(s.increment)") }
        if !s.minIsDefault { options.append("MINVALUE \(s.minValue)") }
        if !s.maxIsDefault { options.append("MAXVALUE \(s.maxValue)") }
        if !s.startIsDefault { options.append("START WITH \(s.start)") }
        if s.cache != 1 { options.append("CACHE \(s.cache)") }
        if s.cycle { options.append("CYCLE") }
        return "CREATE SEQUENCE \(SQL.qualified(s.name))\(options.isEmpty ? "" : " " + options.joined(separator: " "));"
    }

    /// The options that change; bounds are written whenever the type does,
    /// as PostgreSQL would otherwise move bounds that were the old type's.
    static func alterSequence(from old: PostgresSequence, to new: PostgresSequence) -> String? {
        var options: [String] = []
        if old.type != new.type { options.append("AS \(new.type.rawValue)") }
        if old.increment != new.increment { options.append("INCREMENT BY \(new.increment)") }
        if old.minValue != new.minValue || old.type != new.type { options.append("MINVALUE \(new.minValue)") }
        if old.maxValue != new.maxValue || old.type != new.type { options.append("MAXVALUE \(new.maxValue)") }
        if old.start != new.start { options.append("START WITH \(new.start)") }
        if old.cache != new.cache { options.append("CACHE \(new.cache)") }
        if old.cycle != new.cycle { options.append(new.cycle ? "CYCLE" : "NO CYCLE") }
        return options.isEmpty ? nil : "ALTER SEQUENCE \(SQL.qualified(new.name)) \(options.joined(separator: " "));"
    }

    static func sequenceOwner(_ s: QualifiedName, _ owner: ColumnName?) -> String {
        let by = owner.map { "\(SQL.qualified($0.relation)).\(SQL.identifier($0.column ?? ""))" } ?? "NONE"
        return "ALTER SEQUENCE \(SQL.qualified(s)) OWNED BY \(by);"
    }

    static func createFunction(_ f: Function, orReplace: Bool = false) -> String {
        let result = f.isProcedure ? "" : " RETURNS \(f.returns)"
        var lines = ["CREATE \(orReplace ? "OR REPLACE " : "")\(f.routineWord) \(SQL.qualified(f.name))(\(f.arguments))\(result)"]
        var attributes = ["LANGUAGE \(SQL.identifier(f.language))"]
        if let v = f.volatility, v != .volatile, !f.isProcedure { attributes.append(v.rawValue.uppercased()) }
        if f.isStrict { attributes.append("STRICT") }
        if let p = f.parallel { attributes.append("PARALLEL \(p.uppercased())") }
        if f.leakproof { attributes.append("LEAKPROOF") }
        if let c = f.cost { attributes.append("COST \(c)") }
        if let r = f.rows { attributes.append("ROWS \(r)") }
        for setting in f.settings {
            let (name, value) = (setting.prefix { $0 != "=" }, setting.drop { $0 != "=" }.dropFirst())
            // search_path is a list, written as the server holds it ("" is the empty one); any other value is one string.
            let written = name == "search_path" ? (value == "\"\"" ? "''" : String(value)) : SQL.literal(String(value))
            attributes.append("SET \(name) = \(written)")
        }
        if f.securityDefiner { attributes.append("SECURITY DEFINER") }
        lines.append("    " + attributes.joined(separator: " "))
        lines.append(f.isStandardBody ? f.bodyAsCreated + ";" : "    AS \(SQL.dollarQuoted(f.bodyAsCreated));")
        return lines.joined(separator: "\n")
    }

    /// `name(types)` as COMMENT ON FUNCTION and DROP FUNCTION want it: argument
    /// defaults are not part of a signature.
    static func functionSignature(_ f: Function) -> String {
        let arguments = SQLText.splitTopLevel(f.arguments, separator: ",").map { argument -> String in
            let words = SQLText.splitTopLevel(argument, separator: " ")
            if let cut = words.firstIndex(where: { $0.uppercased() == "DEFAULT" || $0 == "=" || $0.hasPrefix("=") }) {
                return words[..<cut].joined(separator: " ")
            }
            return words.joined(separator: " ")
        }.filter { !$0.isEmpty }
        return "\(SQL.qualified(f.name))(\(arguments.joined(separator: ", ")))"
    }

    /// The argument types PostgreSQL tells functions apart by: modes other
    /// than OUT, names and defaults left out (`a integer DEFAULT 1` is `integer`).
    /// A name is read as the first of two or more words, as
    /// `pg_get_function_arguments` prints a named argument.
    static func identityTypes(_ arguments: String) -> [String] {
        SQLText.splitTopLevel(arguments, separator: ",").compactMap { argument -> String? in
            var words = SQLText.splitTopLevel(argument, separator: " ").filter { !$0.isEmpty }
            if let cut = words.firstIndex(where: { $0.uppercased() == "DEFAULT" || $0 == "=" || $0.hasPrefix("=") }) { words = Array(words[..<cut]) }
            if let mode = words.first?.uppercased(), ["IN", "OUT", "INOUT", "VARIADIC"].contains(mode) {
                if mode == "OUT" { return nil }
                words.removeFirst()
            }
            if words.count >= 2 { words.removeFirst() }
            return words.isEmpty ? nil : words.joined(separator: " ").lowercased()
        }
    }

    static func columnDefinition(_ c: Column) -> String {
        var parts = [SQL.identifier(c.name), c.type.sql]
        if let generated = c.generated {
            parts.append("GENERATED ALWAYS AS (\(generated)) STORED")
        }
        if let identity = c.identity {
            parts.append("GENERATED \(identity.rawValue.uppercased()) AS IDENTITY")
        }
        if !c.nullable { parts.append("NOT NULL") }
        if let d = c.defaultSQL { parts.append("DEFAULT \(d)") }
        return parts.joined(separator: " ")
    }

    static func primaryKey(_ pk: PrimaryKey) -> String {
        "CONSTRAINT \(SQL.identifier(pk.name)) PRIMARY KEY (\(SQL.identifierList(pk.columns)))"
    }

    static func unique(_ u: UniqueConstraint) -> String {
        let nulls = u.nullsNotDistinct ? " NULLS NOT DISTINCT" : ""
        return "CONSTRAINT \(SQL.identifier(u.name)) UNIQUE\(nulls) (\(SQL.identifierList(u.columns)))"
    }

    static func check(_ c: CheckConstraint) -> String {
        "CONSTRAINT \(SQL.identifier(c.name)) CHECK (\(c.expression))\(c.noInherit ? " NO INHERIT" : "")"
    }

    static func foreignKey(_ fk: ForeignKey) -> String {
        var text = "CONSTRAINT \(SQL.identifier(fk.name)) FOREIGN KEY (\(SQL.identifierList(fk.columns)))"
        text += " REFERENCES \(SQL.qualified(fk.referencedTable)) (\(SQL.identifierList(fk.referencedColumns)))"
        if fk.onUpdate != .noAction { text += " ON UPDATE \(fk.onUpdate.sql)" }
        if fk.onDelete != .noAction { text += " ON DELETE \(fk.onDelete.sql)" }
        if fk.deferrable { text += " DEFERRABLE INITIALLY DEFERRED" }
        return text
    }

    static func createTable(_ t: Table, inlineForeignKeys: [ForeignKey]) -> String {
        var items = t.columns.map(columnDefinition)
        if let pk = t.primaryKey { items.append(primaryKey(pk)) }
        items += t.uniques.map(unique)
        items += t.checks.map(check)
        items += t.exclusions.map(exclusion)
        items += inlineForeignKeys.map(foreignKey)
        var text = "CREATE TABLE \(SQL.qualified(t.name)) (\n"
        text += items.map { "    " + $0 }.joined(separator: ",\n")
        text += "\n)"
        if let p = t.partitioning {
            text += " PARTITION BY \(p.strategy.rawValue.uppercased()) (\(SQL.identifierList(p.columns)))"
        }
        return text + ";"
    }

    static func addForeignKey(_ table: QualifiedName, _ fk: ForeignKey) -> String {
        "ALTER TABLE \(SQL.qualified(table)) ADD \(foreignKey(fk));"
    }

    static func createPartition(_ p: Partition, of parent: QualifiedName) -> String {
        "CREATE TABLE \(SQL.qualified(p.name)) PARTITION OF \(SQL.qualified(parent)) \(partitionBound(p.bound));"
    }

    static func partitionBound(_ bound: Partition.Bound) -> String {
        switch bound {
        case .range(let from, let to): "FOR VALUES FROM (\(from.joined(separator: ", "))) TO (\(to.joined(separator: ", ")))"
        case .list(let values): "FOR VALUES IN (\(values.joined(separator: ", ")))"
        case .hash(let modulus, let remainder): "FOR VALUES WITH (MODULUS \(modulus), REMAINDER \(remainder))"
        case .default: "DEFAULT"
        case .printed(let text): text
        }
    }

    static func createIndex(_ i: Index, on table: QualifiedName) -> String {
        var text = "CREATE \(i.unique ? "UNIQUE " : "")INDEX \(SQL.identifier(i.name)) ON \(SQL.qualified(table))"
        if i.method != .btree { text += " USING \(i.method.rawValue)" }
        let keys = i.keys.map { key -> String in
            var text: String
            switch key.target {
            case .column(let c): text = SQL.identifier(c)
            case .expression(let e): text = "(\(e))"
            }
            if let op = key.opclass { text += " " + op }
            if key.descending { text += " DESC" }
            if let nf = key.nullsFirst { text += nf ? " NULLS FIRST" : " NULLS LAST" }
            return text
        }
        text += " (\(keys.joined(separator: ", ")))"
        if !i.include.isEmpty { text += " INCLUDE (\(SQL.identifierList(i.include)))" }
        if i.nullsNotDistinct { text += " NULLS NOT DISTINCT" }
        if let w = i.predicate { text += " WHERE (\(w))" }
        return text + ";"
    }

    static func createTrigger(_ t: Trigger, on table: QualifiedName) -> String {
        let events = t.events.map { $0.rawValue.uppercased() }.joined(separator: " OR ")
        var text = "CREATE TRIGGER \(SQL.identifier(t.name)) \(t.timing.rawValue.uppercased()) \(events)"
        text += " ON \(SQL.qualified(table)) FOR EACH \(t.forEachRow ? "ROW" : "STATEMENT")"
        if let w = t.when { text += " WHEN (\(w))" }
        text += " EXECUTE FUNCTION \(SQL.qualified(t.function))(\(t.arguments.map(SQL.literal).joined(separator: ", ")));"
        return text
    }

    static func enableRowLevelSecurity(_ table: QualifiedName) -> String {
        "ALTER TABLE \(SQL.qualified(table)) ENABLE ROW LEVEL SECURITY;"
    }

    static func forceRowLevelSecurity(_ table: QualifiedName) -> String {
        "ALTER TABLE \(SQL.qualified(table)) FORCE ROW LEVEL SECURITY;"
    }

    static func createPolicy(_ p: Policy, on table: QualifiedName) -> String {
        var text = "CREATE POLICY \(SQL.identifier(p.name)) ON \(SQL.qualified(table))"
        if !p.permissive { text += " AS RESTRICTIVE" }
        if p.command != .all { text += " FOR \(p.command.rawValue.uppercased())" }
        if !p.roles.isEmpty { text += " TO \(SQL.identifierList(p.roles))" }
        if let u = p.using { text += "\n    USING (\(u))" }
        if let c = p.withCheck { text += "\n    WITH CHECK (\(c))" }
        return text + ";"
    }

    /// ALTER POLICY: roles, USING and WITH CHECK change in place; the command
    /// and PERMISSIVE/RESTRICTIVE cannot.
    static func alterPolicy(_ p: Policy, on table: QualifiedName) -> String {
        var text = "ALTER POLICY \(SQL.identifier(p.name)) ON \(SQL.qualified(table))"
        text += " TO \(p.roles.isEmpty ? "PUBLIC" : SQL.identifierList(p.roles))"
        if let u = p.using { text += "\n    USING (\(u))" }
        if let c = p.withCheck { text += "\n    WITH CHECK (\(c))" }
        return text + ";"
    }

    static func grant(_ g: Grant, on object: QualifiedName) -> String {
        let privileges = g.privileges.sorted().map { $0.rawValue.uppercased() }.joined(separator: ", ")
        return "GRANT \(privileges) ON TABLE \(SQL.qualified(object)) TO \(SQL.identifier(g.role));"
    }

    static func grantSchemaUsage(_ schema: String, to role: String) -> String {
        "GRANT USAGE ON SCHEMA \(SQL.identifier(schema)) TO \(SQL.identifier(role));"
    }

    static func createView(_ v: View) -> String {
        var query = v.query.trimmingTrailingSQLNoise()
        if !query.hasPrefix("\n") { query = "\n" + query }
        // A trailing line comment would swallow the semicolon.
        if let lastLine = query.split(separator: "\n").last, lastLine.contains("--") { query += "\n" }
        let kind = v.materialized ? "MATERIALIZED VIEW" : "VIEW"
        let options = v.securityInvoker && !v.materialized ? " WITH (security_invoker = true)" : ""
        return "CREATE \(kind) \(SQL.qualified(v.name))\(options) AS\(query);"
    }

    static func comment(on object: String, _ text: String?) -> String {
        "COMMENT ON \(object) IS \(text.map(SQL.literal) ?? "NULL");"
    }
}
