import SchemacMigrate
import SchemacModel

/// Statements as a migration file writes them: each one safe to run again
/// once it has run, so that running a file applied half-way (a failure, a
/// kill) once more, whole, finishes the job. Where PostgreSQL has the clause,
/// `IF [NOT] EXISTS`; where it has none (ADD CONSTRAINT, RENAME, CREATE
/// POLICY …), a guard on the catalog around the statement. Statements that
/// leave the same state however often they run (GRANT, COMMENT, SET DEFAULT,
/// ENABLE ROW LEVEL SECURITY, ALTER … TYPE to the type it has) stay as they are.
///
/// The statements are schemac's own, with every name quoted, so the words
/// and names are read from their tokens: a name that spells a keyword inside
/// its quotes is never taken for one.
enum PostgresRerun {
    static func statement(_ s: PlannedStatement) -> String {
        let tokens = SQLTokens(s.sql)
        if tokens.startsWithWords(["DO"]) { return s.sql }  // schemac's DO blocks look before they act
        switch s.kind {
        case .createSchema, .createTable, .createPartition, .createSequence:
            return tokens.inserting(" IF NOT EXISTS", afterWords: ["CREATE", "SCHEMA"], ["CREATE", "TABLE"], ["CREATE", "SEQUENCE"])
        case .dropSequence:
            return tokens.find(["IF", "EXISTS"]) != nil ? s.sql : tokens.inserting(" IF EXISTS", afterWords: ["DROP", "SEQUENCE"])
        case .createDomain: return guarded(tokens, when: { t in
            t.qualifiedName(after: ["CREATE", "DOMAIN"]).map { "pg_catalog.to_regtype(\(SQL.literal(SQL.qualified($0)))) IS NULL" }
        })
        case .dropDomain: return tokens.inserting(" IF EXISTS", afterWords: ["DROP", "DOMAIN"])
        case .alterDomain: return domain(tokens)
        case .dropSchema, .dropTable, .dropEnum, .dropIndex, .dropView, .dropPolicy, .dropTrigger, .dropFunction, .dropConstraint,
             .dropExpression:
            return tokens.inserting(" IF EXISTS", afterWords: ["DROP", "INDEX", "CONCURRENTLY"], ["DROP", "MATERIALIZED", "VIEW"],
                                    ["DROP", "SCHEMA"], ["DROP", "TABLE"], ["DROP", "TYPE"], ["DROP", "INDEX"], ["DROP", "VIEW"],
                                    ["DROP", "POLICY"], ["DROP", "TRIGGER"], ["DROP", "FUNCTION"], ["DROP", "PROCEDURE"], ["DROP", "CONSTRAINT"],
                                    ["DROP", "EXPRESSION"])
        case .addColumn: return tokens.inserting(" IF NOT EXISTS", everywhereAfter: ["ADD", "COLUMN"])
        case .dropColumn, .replaceColumn: return tokens.inserting(" IF EXISTS", everywhereAfter: ["DROP", "COLUMN"])
        case .addEnumValue: return tokens.inserting(" IF NOT EXISTS", afterWords: ["ADD", "VALUE"])
        case .createFunction:
            if tokens.startsWithWords(["CREATE", "PROCEDURE"]) { return tokens.inserting(" OR REPLACE", afterWords: ["CREATE"], when: ["CREATE", "PROCEDURE"]) }
            return tokens.inserting(" OR REPLACE", afterWords: ["CREATE"], when: ["CREATE", "FUNCTION"])
        case .createView:
            if tokens.startsWithWords(["CREATE", "MATERIALIZED", "VIEW"]) {
                return tokens.inserting(" IF NOT EXISTS", afterWords: ["CREATE", "MATERIALIZED", "VIEW"])
            }
            return tokens.inserting(" OR REPLACE", afterWords: ["CREATE"], when: ["CREATE", "VIEW"])
        case .createIndex: return index(tokens)
        case .createEnum: return guarded(tokens, when: { t in
            t.qualifiedName(after: ["CREATE", "TYPE"]).map { "pg_catalog.to_regtype(\(SQL.literal(SQL.qualified($0)))) IS NULL" }
        })
        case .addConstraint, .addForeignKey, .setNotNull: return constraint(tokens, provesNotNull: s.kind == .setNotNull)
        case .createTrigger: return guarded(tokens, when: { t in
            Catalog.missing("pg_trigger", "tgrelid", "tgname", table: t.qualifiedName(afterFirst: ["ON"]), name: t.name(after: ["CREATE", "TRIGGER"]))
        })
        case .createPolicy: return guarded(tokens, when: { t in
            Catalog.missing("pg_policy", "polrelid", "polname", table: t.qualifiedName(afterFirst: ["ON"]), name: t.name(after: ["CREATE", "POLICY"]))
        })
        case .renameTable, .renameIndex, .renameColumn, .renameConstraint: return rename(tokens)
        case .setIdentity:
            if tokens.find(["DROP", "IDENTITY"]) != nil { return tokens.inserting(" IF EXISTS", afterWords: ["DROP", "IDENTITY"]) }
            guard tokens.find(["ADD", "GENERATED"]) != nil else { return s.sql }
            return guarded(tokens, when: { t in
                guard let table = t.qualifiedName(after: ["ALTER", "TABLE"]), let column = t.name(after: ["ALTER", "COLUMN"]) else { return nil }
                return Catalog.column(table, column, "attidentity = ''")
            })
        case .attachPartition, .detachPartition: return partition(tokens, attach: s.kind == .attachPartition)
        default: return s.sql
        }
    }

    /// ADD CONSTRAINT while the domain has none of the name; VALIDATE while
    /// it is not yet valid; DROP CONSTRAINT IF EXISTS. The rest (defaults,
    /// NOT NULL) leave the same state however often they run.
    private static func domain(_ tokens: SQLTokens) -> String {
        guard let domain = tokens.qualifiedName(after: ["ALTER", "DOMAIN"]) else { return tokens.sql }
        let type = "pg_catalog.to_regtype(\(SQL.literal(SQL.qualified(domain))))"
        if tokens.find(["DROP", "CONSTRAINT"]) != nil { return tokens.inserting(" IF EXISTS", afterWords: ["DROP", "CONSTRAINT"]) }
        if let name = tokens.name(after: ["ADD", "CONSTRAINT"]) {
            return guardedText(tokens.sql, when: "NOT EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE contypid = \(type) AND conname = \(SQL.literal(name)))")
        }
        if let name = tokens.name(after: ["VALIDATE", "CONSTRAINT"]) {
            return guardedText(tokens.sql, when: "EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE contypid = \(type) AND conname = \(SQL.literal(name)) AND NOT convalidated)")
        }
        return tokens.sql
    }

    /// An index built concurrently that failed (or was killed) is left
    /// INVALID under its name, which IF NOT EXISTS would take for done: the
    /// rerun drops it first.
    private static func index(_ tokens: SQLTokens) -> String {
        guard tokens.find(["CONCURRENTLY"]) != nil else {
            return tokens.inserting(" IF NOT EXISTS", afterWords: ["CREATE", "UNIQUE", "INDEX"], ["CREATE", "INDEX"])
        }
        let create = tokens.inserting(" IF NOT EXISTS", afterWords: ["INDEX", "CONCURRENTLY"])
        guard let name = tokens.name(afterFirst: ["CONCURRENTLY"]), let table = tokens.qualifiedName(afterFirst: ["ON"]) else { return create }
        let index = SQL.literal(SQL.qualified(QualifiedName(schema: table.schema, name: name)))
        let drop = guardedText("DROP INDEX \(SQL.qualified(QualifiedName(schema: table.schema, name: name)));",
                               when: "EXISTS (SELECT FROM pg_catalog.pg_index WHERE indexrelid = pg_catalog.to_regclass(\(index)) AND NOT indisvalid)")
        return drop + "\n" + create
    }

    /// ADD CONSTRAINT when the table has none of the name (and, for the check
    /// that proves NOT NULL, when the column is not NOT NULL already); VALIDATE
    /// while the constraint is there and not yet valid.
    private static func constraint(_ tokens: SQLTokens, provesNotNull: Bool) -> String {
        guard let table = tokens.qualifiedName(after: ["ALTER", "TABLE"]) else { return tokens.sql }
        if let name = tokens.name(after: ["VALIDATE", "CONSTRAINT"]) {
            return guardedText(tokens.sql, when: "EXISTS (\(Catalog.constraint(table, name)) AND NOT convalidated)")
        }
        if tokens.find(["DROP", "CONSTRAINT"]) != nil { return tokens.inserting(" IF EXISTS", afterWords: ["DROP", "CONSTRAINT"]) }
        guard let name = tokens.name(after: ["ADD", "CONSTRAINT"]) else { return tokens.sql }
        var condition = "NOT EXISTS (\(Catalog.constraint(table, name)))"
        if provesNotNull, let column = tokens.name(afterFirst: ["CHECK"], skipping: 1) {
            condition += " AND " + Catalog.column(table, column, "NOT attnotnull")
        }
        return guardedText(tokens.sql, when: condition)
    }

    /// A rename runs while the old name is there and the new one is not.
    private static func rename(_ tokens: SQLTokens) -> String {
        if let table = tokens.qualifiedName(after: ["ALTER", "TABLE"]) {
            if let schema = tokens.name(after: ["SET", "SCHEMA"]) {
                return guardedText(tokens.sql, when: Catalog.moved(table, QualifiedName(schema: schema, name: table.name)))
            }
            for (words, catalog) in [(["RENAME", "COLUMN"], "column"), (["RENAME", "CONSTRAINT"], "constraint")] {
                guard let from = tokens.name(after: words), let to = tokens.name(afterFirst: ["TO"]) else { continue }
                let exists: (String) -> String = catalog == "column"
                    ? { Catalog.column(table, $0) }
                    : { "EXISTS (\(Catalog.constraint(table, $0)))" }
                return guardedText(tokens.sql, when: "\(exists(from)) AND NOT \(exists(to))")
            }
            if let to = tokens.name(after: ["RENAME", "TO"]) {
                return guardedText(tokens.sql, when: Catalog.moved(table, QualifiedName(schema: table.schema, name: to)))
            }
        }
        if let index = tokens.qualifiedName(after: ["ALTER", "INDEX"]), let to = tokens.name(after: ["RENAME", "TO"]) {
            return guardedText(tokens.sql, when: Catalog.moved(index, QualifiedName(schema: index.schema, name: to)))
        }
        return tokens.sql
    }

    private static func partition(_ tokens: SQLTokens, attach: Bool) -> String {
        guard let parent = tokens.qualifiedName(after: ["ALTER", "TABLE"]),
              let child = tokens.qualifiedName(after: [attach ? "ATTACH" : "DETACH", "PARTITION"]) else { return tokens.sql }
        let attached = "EXISTS (SELECT FROM pg_catalog.pg_inherits WHERE inhrelid = pg_catalog.to_regclass(\(SQL.literal(SQL.qualified(child)))) "
            + "AND inhparent = \(SQL.literal(SQL.qualified(parent)))::regclass)"
        return guardedText(tokens.sql, when: attach ? "NOT " + attached : attached)
    }

    private static func guarded(_ tokens: SQLTokens, when condition: (SQLTokens) -> String?) -> String {
        guard let condition = condition(tokens) else { return tokens.sql }
        return guardedText(tokens.sql, when: condition)
    }

    /// `sql` run only when `condition` holds, in a DO block: PL/pgSQL runs a
    /// utility statement as written (no variable is substituted in it).
    static func guardedText(_ sql: String, when condition: String) -> String {
        // Indented when on one line: the lines of a longer one may hold text in quotes, which indenting would change.
        let statement = sql.contains("\n") ? sql : "        " + sql
        let body = "\nBEGIN\n    IF \(condition) THEN\n\(statement)\n    END IF;\nEND\n"
        return "DO " + SQL.dollarQuoted(body, preferredTag: "rerun") + ";"
    }

    /// Conditions on the catalog, for names read as the statement spells them.
    enum Catalog {
        static func regclass(_ name: QualifiedName) -> String { "\(SQL.literal(SQL.qualified(name)))::regclass" }

        static func constraint(_ table: QualifiedName, _ name: String) -> String {
            "SELECT FROM pg_catalog.pg_constraint WHERE conrelid = \(regclass(table)) AND conname = \(SQL.literal(name))"
        }

        static func column(_ table: QualifiedName, _ name: String, _ condition: String? = nil) -> String {
            "EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = \(regclass(table)) AND attname = \(SQL.literal(name)) "
                + "AND attnum > 0 AND NOT attisdropped\(condition.map { " AND " + $0 } ?? ""))"
        }

        /// The relation is under its old name, and nothing has the new one.
        static func moved(_ from: QualifiedName, _ to: QualifiedName) -> String {
            "pg_catalog.to_regclass(\(SQL.literal(SQL.qualified(from)))) IS NOT NULL "
                + "AND pg_catalog.to_regclass(\(SQL.literal(SQL.qualified(to)))) IS NULL"
        }

        static func missing(_ catalog: String, _ relation: String, _ column: String, table: QualifiedName?, name: String?) -> String? {
            guard let table, let name else { return nil }
            return "NOT EXISTS (SELECT FROM pg_catalog.\(catalog) WHERE \(relation) = \(regclass(table)) AND \(column) = \(SQL.literal(name)))"
        }
    }
}

extension SQLTokens {
    func name(afterFirst words: [String], skipping: Int = 0) -> String? {
        guard let i = find(words) else { return nil }
        return identifier(at: i + words.count + skipping)
    }

    func name(after words: [String]) -> String? { name(afterFirst: words) }

    /// The schema-qualified name after the words.
    func qualifiedName(after words: [String]) -> QualifiedName? { qualifiedName(afterFirst: words) }

    func qualifiedName(afterFirst words: [String]) -> QualifiedName? {
        guard let i = find(words) else { return nil }
        var at = i + words.count
        if at < tokens.count, tokens[at].isWord("ONLY") { at += 1 }
        guard let schema = identifier(at: at), at + 2 < tokens.count, tokens[at + 1].text == ".",
              let name = identifier(at: at + 2) else { return nil }
        return QualifiedName(schema: schema, name: name)
    }
}
