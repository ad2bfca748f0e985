import Foundation
import SchemacMigrate
import SchemacModel

/// Statements that change objects already in a database, written the way that
/// keeps locks short: NOT NULL through a validated check, indexes built
/// concurrently, each tagged with what it risks.
enum Alter {
    static func addEnumValue(_ e: QualifiedName, _ value: String, before: String?) -> String {
        let position = before.map { " BEFORE \(SQL.literal($0))" } ?? ""
        return "ALTER TYPE \(SQL.qualified(e)) ADD VALUE \(SQL.literal(value))\(position);"
    }

    static func addColumn(_ t: QualifiedName, _ c: Column) -> [PlannedStatement] {
        var hazards: [HazardKind] = []
        // A volatile default or a stored generated column fills every row now.
        if c.generated != nil || c.identity != nil || (c.defaultSQL.map { $0.contains("(") } ?? false) {
            hazards = [.tableRewrite, .longLock]
        }
        if !c.nullable && c.defaultSQL == nil && c.identity == nil && c.generated == nil { hazards.append(.failsIfRows) }
        let precondition = hazards.contains(.failsIfRows)
            ? DataPrecondition(table: t, kind: .noRows,
                               advice: "give '\(c.name)' a default, or add it nullable, fill it, and make it NOT NULL in a later migration")
            : nil
        var out = [PlannedStatement(kind: .addColumn, target: "\(t).\(c.name)",
                                    sql: "ALTER TABLE \(SQL.qualified(t)) ADD COLUMN \(DDL.columnDefinition(c));", hazards: hazards,
                                    precondition: precondition)]
        if let comment = c.comment {
            out.append(PlannedStatement(kind: .comment, target: "\(t).\(c.name)",
                                        sql: DDL.comment(on: "COLUMN \(SQL.qualified(t)).\(SQL.identifier(c.name))", comment)))
        }
        return out
    }

    /// A partition added beside a default partition that may already hold
    /// some of its rows (next month's partition after the month began):
    /// PostgreSQL refuses the partition while the default holds a row of it. In
    /// one statement, so that it happens whole or not at all: the default is
    /// detached, the partition created, the rows it takes moved into it, and
    /// the default attached again (which scans it).
    static func addPartition(_ p: Partition, of parent: QualifiedName, besideDefault defaultPartition: QualifiedName) -> PlannedStatement {
        let create = DDL.createPartition(p, of: parent)
        let parentLiteral = SQL.literal(SQL.qualified(parent))
        let body = """

            DECLARE
                columns text;
                moved bigint;
            BEGIN
                IF pg_catalog.to_regclass(\(SQL.literal(SQL.qualified(p.name)))) IS NOT NULL THEN
                    RETURN;  -- made by an earlier run of this migration
                END IF;
                ALTER TABLE \(SQL.qualified(parent)) DETACH PARTITION \(SQL.qualified(defaultPartition));
                \(create)
                SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns
                  FROM pg_catalog.pg_attribute
                 WHERE attrelid = \(parentLiteral)::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
                EXECUTE format('WITH moved AS (DELETE FROM %s WHERE %s RETURNING *) INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM moved',
                               \(SQL.literal(SQL.qualified(defaultPartition))),
                               pg_catalog.pg_get_partition_constraintdef(\(SQL.literal(SQL.qualified(p.name)))::regclass),
                               \(SQL.literal(SQL.qualified(p.name))), columns, columns);
                GET DIAGNOSTICS moved = ROW_COUNT;
                RAISE NOTICE 'moved % rows from % into %', moved, \(SQL.literal(defaultPartition.description)), \(SQL.literal(p.name.description));
                ALTER TABLE \(SQL.qualified(parent)) ATTACH PARTITION \(SQL.qualified(defaultPartition)) DEFAULT;
            END

            """
        return PlannedStatement(kind: .createPartition, target: p.name.description,
                                sql: "DO " + SQL.dollarQuoted(body, preferredTag: "partition") + ";",
                                hazards: [.longLock, .movesRows, .validation])
    }

    /// The identity sequence of a renamed table or column, renamed after it
    /// when it still has the name PostgreSQL gave it (a name chosen by hand stays).
    static func renameSequence(of table: QualifiedName, column: String, from: QualifiedName, to: String) -> String {
        let body = """

            BEGIN
                IF pg_catalog.pg_get_serial_sequence(\(SQL.literal(SQL.qualified(table))), \(SQL.literal(column)))::regclass
                   = pg_catalog.to_regclass(\(SQL.literal(SQL.qualified(from)))) THEN
                    ALTER SEQUENCE \(SQL.qualified(from)) RENAME TO \(SQL.identifier(to));
                END IF;
            END

            """
        return "DO " + SQL.dollarQuoted(body, preferredTag: "sequence") + ";"
    }

    /// `ALTER … TYPE … USING`: widening within a family keeps the data; anything
    /// else may not, and is treated as destructive.
    static func columnType(_ t: QualifiedName, _ c: Column, from old: PostgresType) -> PlannedStatement {
        // One enum (or other type of the database's) to another has no cast: through text, as the values are spelled.
        let through = old.builtin == nil && c.type.builtin == nil && !old.isArray && !c.type.isArray ? "::text" : ""
        let sql = "ALTER TABLE \(SQL.qualified(t)) ALTER COLUMN \(SQL.identifier(c.name)) TYPE \(c.type.sql) "
            + "USING \(SQL.identifier(c.name))\(through)::\(c.type.sql);"
        var hazards: [HazardKind] = [.longLock]
        switch widening(from: old, to: c.type) {
        case .inPlace: break
        case .rewrite: hazards.append(.tableRewrite)
        case .lossy: hazards += [.tableRewrite, .dataLoss]
        }
        let castable = through.isEmpty && old.sql != c.type.sql
            ? DataPrecondition(table: t, kind: .castable(column: c.name, from: old.sql, to: c.type.sql),
                               advice: "add a column of the new type, fill it from the old one with an expression of your own, "
                                   + "then drop the old column, in migrations of their own")
            : nil
        return PlannedStatement(kind: .alterColumnType, target: "\(t).\(c.name)", sql: sql, hazards: hazards, precondition: castable)
    }

    enum TypeChange { case inPlace, rewrite, lossy }

    static func widening(from old: PostgresType, to new: PostgresType) -> TypeChange {
        guard old.isArray == new.isArray, let a = old.builtin, let b = new.builtin else { return .lossy }
        let textual: Set<BuiltinType> = [.varchar, .text]
        if textual.contains(a) && textual.contains(b) {
            // varchar(n) → varchar(m ≥ n) or text keeps every value without a rewrite.
            if b == .text || (a == .varchar && (old.modifiers.first ?? .max) <= (new.modifiers.first ?? .max)) { return .inPlace }
            return .lossy
        }
        if a == .numeric && b == .numeric {
            if new.modifiers.isEmpty { return .inPlace }
            if old.modifiers.count == 2, new.modifiers.count == 2, new.modifiers[1] == old.modifiers[1], new.modifiers[0] >= old.modifiers[0] { return .inPlace }
            return .lossy
        }
        let integers: [BuiltinType] = [.smallint, .integer, .bigint]
        if let i = integers.firstIndex(of: a), let j = integers.firstIndex(of: b) { return j >= i ? .rewrite : .lossy }
        if a == .timestamp && b == .timestamptz { return .rewrite }
        return .lossy
    }

    /// SET NOT NULL scans the table under an ACCESS EXCLUSIVE lock unless a
    /// validated check already proves it; VALIDATE takes a weaker lock.
    static func setNotNull(_ t: QualifiedName, _ column: String) -> [PlannedStatement] {
        let check = SQL.identifier(Identifier.derived(t.name, column, label: "not_null"))
        let table = SQL.qualified(t), c = SQL.identifier(column)
        let target = "\(t).\(column)"
        return [
            PlannedStatement(kind: .setNotNull, target: target, sql: "ALTER TABLE \(table) ADD CONSTRAINT \(check) CHECK (\(c) IS NOT NULL) NOT VALID;",
                             precondition: DataPrecondition(table: t, kind: .noNulls(column: column),
                                                            advice: "fill the NULLs first (UPDATE \(table) SET \(c) = … WHERE \(c) IS NULL), "
                                                                + "in a migration of its own or a backfill job, or keep '\(column)' nullable")),
            PlannedStatement(kind: .setNotNull, target: target, sql: "ALTER TABLE \(table) VALIDATE CONSTRAINT \(check);", hazards: [.validation]),
            PlannedStatement(kind: .setNotNull, target: target, sql: "ALTER TABLE \(table) ALTER COLUMN \(c) SET NOT NULL;"),
            PlannedStatement(kind: .setNotNull, target: target, sql: "ALTER TABLE \(table) DROP CONSTRAINT \(check);"),
        ]
    }

    /// A constraint on a table that has rows. Checks and foreign keys are added
    /// NOT VALID (no scan under the strong lock) and validated afterwards, under
    /// a lock that lets reads and writes go on; a partitioned table refuses NOT
    /// VALID, so there the scan happens at once and the statement says so.
    static func addConstraint(_ t: QualifiedName, _ c: TableConstraint, partitioned: Bool) -> [PlannedStatement] {
        let table = SQL.qualified(t), target = "\(t).\(c.name)"
        switch c {
        case .primaryKey(let pk):
            if !partitioned { return keyThroughIndex(t, name: pk.name, columns: pk.columns, nullsNotDistinct: false, primary: true) }
            return [PlannedStatement(kind: .addConstraint, target: target, sql: "ALTER TABLE \(table) ADD \(DDL.primaryKey(pk));",
                                     hazards: [.indexBuild, .longLock])]
        case .unique(let u):
            if !partitioned { return keyThroughIndex(t, name: u.name, columns: u.columns, nullsNotDistinct: u.nullsNotDistinct, primary: false) }
            return [PlannedStatement(kind: .addConstraint, target: target, sql: "ALTER TABLE \(table) ADD \(DDL.unique(u));",
                                     hazards: [.indexBuild, .longLock])]
        case .exclusion(let x):
            // No NOT VALID for an exclusion: its index is built under the lock.
            return [PlannedStatement(kind: .addConstraint, target: target, sql: "ALTER TABLE \(table) ADD \(DDL.exclusion(x));",
                                     hazards: [.indexBuild, .longLock])]
        case .check, .foreignKey:
            let body: String = switch c {
            case .check(let check): DDL.check(check)
            case .foreignKey(let fk): DDL.foreignKey(fk)
            case .primaryKey, .unique, .exclusion: ""  // handled above
            }
            if partitioned {
                return [PlannedStatement(kind: .addConstraint, target: target, sql: "ALTER TABLE \(table) ADD \(body);", hazards: [.validation, .longLock])]
            }
            return [
                PlannedStatement(kind: .addConstraint, target: target, sql: "ALTER TABLE \(table) ADD \(body) NOT VALID;"),
                PlannedStatement(kind: .addConstraint, target: target, sql: "ALTER TABLE \(table) VALIDATE CONSTRAINT \(SQL.identifier(c.name));", hazards: [.validation]),
            ]
        }
    }

    /// A key on a table that has rows: its unique index built concurrently
    /// (writes go on), then made the constraint, which takes the lock only
    /// for a moment. A partitioned table can do neither, and adds the key at once.
    static func keyThroughIndex(_ t: QualifiedName, name: String, columns: [String], nullsNotDistinct: Bool,
                                primary: Bool) -> [PlannedStatement] {
        let index = SQL.identifier(name), target = "\(t).\(name)"
        let nulls = nullsNotDistinct ? " NULLS NOT DISTINCT" : ""
        let build = "CREATE UNIQUE INDEX CONCURRENTLY \(index) ON \(SQL.qualified(t)) (\(SQL.identifierList(columns)))\(nulls);"
        let key = primary ? "PRIMARY KEY" : "UNIQUE"
        return [
            PlannedStatement(kind: .createIndex, target: "\(t.schema).\(name)", sql: build, hazards: [.indexBuild], isolation: .outside),
            PlannedStatement(kind: .addConstraint, target: target,
                             sql: "ALTER TABLE \(SQL.qualified(t)) ADD CONSTRAINT \(index) \(key) USING INDEX \(index);"),
        ]
    }

    /// Concurrently on an existing table (outside a transaction); a partitioned
    /// table cannot build concurrently, so it takes the lock and says so.
    static func createIndex(_ i: Index, on t: QualifiedName, partitioned: Bool) -> PlannedStatement {
        var sql = DDL.createIndex(i, on: t)
        let target = "\(t.schema).\(i.name)"
        if partitioned {
            return PlannedStatement(kind: .createIndex, target: target, sql: sql, hazards: [.indexBuild, .longLock])
        }
        sql = sql.replacingFirst("INDEX ", with: "INDEX CONCURRENTLY ")
        return PlannedStatement(kind: .createIndex, target: target, sql: sql, hazards: [.indexBuild], isolation: .outside)
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
