import Foundation
import SchemacModel
import SchemacPostgres
import SchemacPostgresDriver

/// The history table, `schemac.schema_migrations`: one row a migration file,
/// made on first use in a schema of its own (which `diff` and `pull` leave
/// alone). A row is written when a file starts, its count of steps done moves
/// in the same transaction as each step, and it says how the file ended.
public enum MigrationHistory {
    public static let schema = PostgresInspector.historySchema
    public static let table = "\(SQL.identifier(schema)).\"schema_migrations\""

    public enum State: String, Sendable {
        /// Started and not finished: stopped, killed, or running now.
        case running
        case applied
        /// Recorded as applied without running (`migrate baseline`).
        case baseline
        /// A statement failed; `error` and `failed_statement` say which.
        case failed
        /// Its down migration started and did not finish.
        case reverting
    }

    public struct Row: Hashable, Sendable {
        public var version: Int
        public var name: String
        public var checksum: String
        public var state: State
        public var stepsDone: Int
        public var stepsTotal: Int
        public var appliedAt: String?
        public var appliedBy: String
        public var executionMilliseconds: Int?
        public var failedStatement: String?
        public var failedLine: Int?
        public var error: String?
    }

    static let create = """
        CREATE SCHEMA IF NOT EXISTS \(SQL.identifier(schema));
        CREATE TABLE IF NOT EXISTS \(table) (
            version bigint PRIMARY KEY,
            name text NOT NULL,
            checksum text NOT NULL,
            state text NOT NULL CHECK (state IN ('running', 'applied', 'baseline', 'failed', 'reverting')),
            steps_done integer NOT NULL DEFAULT 0,
            steps_total integer NOT NULL,
            started_at timestamptz NOT NULL DEFAULT now(),
            applied_at timestamptz,
            applied_by text NOT NULL DEFAULT current_user,
            execution_ms bigint,
            failed_statement text,
            failed_line integer,
            error text
        );
        COMMENT ON TABLE \(table) IS 'The migrations schemac migrate ran here: one row a file of the migrations folder';
        """

    /// Whether the table is there (status reads a database that never ran a migration).
    static func exists(_ db: PostgresConnection) throws -> Bool {
        try db.query("SELECT pg_catalog.to_regclass($1) IS NOT NULL", [table]).first?.first == "t"
    }

    static func read(_ db: PostgresConnection) throws -> [Int: Row] {
        guard try exists(db) else { return [:] }
        let rows = try db.query("""
            SELECT version, name, checksum, state, steps_done, steps_total,
                   to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC', applied_by, execution_ms,
                   failed_statement, failed_line, error
              FROM \(table) ORDER BY version
            """)
        var out: [Int: Row] = [:]
        for r in rows {
            guard let version = r[0].flatMap(Int.init) else { continue }
            out[version] = Row(version: version, name: r[1] ?? "", checksum: r[2] ?? "", state: State(rawValue: r[3] ?? "") ?? .failed,
                               stepsDone: r[4].flatMap(Int.init) ?? 0, stepsTotal: r[5].flatMap(Int.init) ?? 0, appliedAt: r[6],
                               appliedBy: r[7] ?? "", executionMilliseconds: r[8].flatMap(Int.init), failedStatement: r[9],
                               failedLine: r[10].flatMap(Int.init), error: r[11])
        }
        return out
    }

    static func start(_ db: PostgresConnection, _ file: MigrationFolder.File, steps: Int, state: State = .running) throws {
        _ = try db.query("""
            INSERT INTO \(table) (version, name, checksum, state, steps_total) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (version) DO UPDATE SET name = excluded.name, checksum = excluded.checksum, state = excluded.state,
                steps_total = excluded.steps_total, started_at = now(), applied_by = current_user,
                steps_done = CASE WHEN \(table).checksum = excluded.checksum THEN \(table).steps_done ELSE 0 END,
                failed_statement = NULL, failed_line = NULL, error = NULL
            """, [String(file.version), file.name, file.checksum, state.rawValue, String(steps)])
    }

    static func stepDone(_ db: PostgresConnection, _ version: Int, _ steps: Int) throws {
        _ = try db.query("UPDATE \(table) SET steps_done = $2 WHERE version = $1", [String(version), String(steps)])
    }

    static func finish(_ db: PostgresConnection, _ version: Int, milliseconds: Int) throws {
        _ = try db.query("""
            UPDATE \(table) SET state = 'applied', applied_at = now(), execution_ms = $2 WHERE version = $1
            """, [String(version), String(milliseconds)])
    }

    static func failed(_ db: PostgresConnection, _ version: Int, statement: MigrationSteps.Statement, error: String) throws {
        _ = try db.query("""
            UPDATE \(table) SET state = CASE WHEN state = 'reverting' THEN 'reverting' ELSE 'failed' END,
                   failed_statement = $2, failed_line = $3, error = $4 WHERE version = $1
            """, [String(version), statement.sql, String(statement.line), error])
    }

    static func baseline(_ db: PostgresConnection, _ file: MigrationFolder.File, steps: Int) throws {
        _ = try db.query("""
            INSERT INTO \(table) (version, name, checksum, state, steps_done, steps_total, applied_at, execution_ms)
            VALUES ($1, $2, $3, 'baseline', $4, $4, now(), 0)
            """, [String(file.version), file.name, file.checksum, String(steps)])
    }

    static func reverting(_ db: PostgresConnection, _ version: Int) throws {
        _ = try db.query("UPDATE \(table) SET state = 'reverting', failed_statement = NULL, error = NULL WHERE version = $1",
                         [String(version)])
    }

    static func remove(_ db: PostgresConnection, _ version: Int) throws {
        _ = try db.query("DELETE FROM \(table) WHERE version = $1", [String(version)])
    }
}
