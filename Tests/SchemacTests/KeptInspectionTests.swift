import Foundation
import SchemacLoader
import SchemacModel
@testable import SchemacPostgres
import SchemacPostgresDriver
import XCTest

/// `diff` keeps a target's inspection by the stamp of its catalogs and reads
/// the catalogs again only when the stamp changes: the stamp must change with
/// every change to the schema (a kept inspection of another state would plan
/// the wrong statements) and should not change with the data.
final class KeptInspectionTests: XCTestCase {
    func testTheStampChangesWithEverySchemaChangeAndNotWithTheData() throws {
        let cluster = try PostgresCluster.get()
        let db = try cluster.createDatabase("kept_stamp")
        // The roles are the cluster's: other suites' pulls would see them.
        defer {
            _ = try? cluster.psql(database: "postgres", sql: """
                DROP DATABASE IF EXISTS "\(db)" WITH (FORCE); DROP ROLE IF EXISTS stamp_reader; DROP ROLE IF EXISTS stamp_reader_renamed;
                DROP ROLE IF EXISTS stamp_login;
                """)
        }
        _ = try cluster.psql(database: db, sql: """
            DROP ROLE IF EXISTS stamp_reader; DROP ROLE IF EXISTS stamp_reader_renamed; CREATE ROLE stamp_reader;
            CREATE SEQUENCE counter;
            CREATE TABLE t (id integer PRIMARY KEY, name text);
            CREATE INDEX t_name ON t (name);
            INSERT INTO t SELECT g, 'n' || g FROM generate_series(1, 2000) g;
            """)
        let connection = try PostgresConnection("host=\(cluster.socketDirectory) dbname=\(db) user=postgres")
        try connection.execute("SET search_path = public")
        var stamp = try PostgresInspector.catalogStamp(connection)
        let dataOnly = [
            "INSERT INTO t VALUES (5000, 'x')", "UPDATE t SET name = 'y' WHERE id < 500", "DELETE FROM t WHERE id < 10",
            "ANALYZE t", "VACUUM t", "VACUUM (FREEZE) t", "SELECT nextval('counter')", "CHECKPOINT",
            "BEGIN; ALTER TABLE t ADD COLUMN rolled_back integer; CREATE TABLE rolled_back (a int); ROLLBACK",
        ]
        for sql in dataOnly {
            try connection.execute(sql)
            XCTAssertEqual(try PostgresInspector.catalogStamp(connection), stamp, "the stamp changed with: \(sql)")
        }
        let schemaChanges = [
            "ALTER TABLE t ADD COLUMN extra integer", "ALTER TABLE t ALTER COLUMN extra TYPE bigint",
            "ALTER TABLE t ALTER COLUMN extra SET DEFAULT 1", "ALTER TABLE t ALTER COLUMN extra SET DEFAULT 2",
            "UPDATE t SET extra = 0; ALTER TABLE t ALTER COLUMN extra SET NOT NULL", "ALTER TABLE t RENAME COLUMN name TO label",
            "COMMENT ON TABLE t IS 'one'", "COMMENT ON TABLE t IS 'two'", "COMMENT ON COLUMN t.extra IS 'one'",
            "GRANT SELECT ON t TO stamp_reader", "GRANT UPDATE (label) ON t TO stamp_reader", "REVOKE SELECT ON t FROM stamp_reader",
            "ALTER ROLE stamp_reader RENAME TO stamp_reader_renamed",
            "CREATE INDEX CONCURRENTLY t_extra ON t (extra)", "REINDEX INDEX CONCURRENTLY t_extra", "ALTER INDEX t_extra RENAME TO t_extra2",
            "ALTER TABLE t ENABLE ROW LEVEL SECURITY", "CREATE POLICY p ON t USING (id > 0)", "ALTER POLICY p ON t USING (id > 1)",
            "CREATE FUNCTION f() RETURNS integer LANGUAGE sql AS 'SELECT 1'",
            "CREATE OR REPLACE FUNCTION f() RETURNS integer LANGUAGE sql AS 'SELECT 2'",
            "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'",
            "CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch()", "ALTER TABLE t DISABLE TRIGGER t_touch",
            "CREATE VIEW v AS SELECT id FROM t", "CREATE OR REPLACE VIEW v AS SELECT id, label FROM t",
            "CREATE TYPE mood AS ENUM ('calm')", "ALTER TYPE mood ADD VALUE 'glad'", "ALTER TYPE mood RENAME VALUE 'glad' TO 'happy'",
            "CREATE SCHEMA other", "CREATE TABLE other.u (id integer)", "ALTER TABLE other.u SET SCHEMA public", "DROP TABLE public.u",
            "ALTER TABLE t ADD CONSTRAINT positive CHECK (id > 0) NOT VALID", "ALTER TABLE t VALIDATE CONSTRAINT positive",
            "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO stamp_reader_renamed", "ALTER SEQUENCE counter INCREMENT BY 2",
            "ALTER TABLE t OWNER TO stamp_reader_renamed", "ALTER TABLE t SET (fillfactor = 80)", "TRUNCATE t",
            "DROP VIEW v", "DROP TABLE t",
        ]
        for sql in schemaChanges {
            try connection.execute(sql)
            let next = try PostgresInspector.catalogStamp(connection)
            XCTAssertNotEqual(next, stamp, "the stamp did not change with: \(sql)")
            stamp = next
        }
        // A role that is not a superuser reads a stamp too (the catalogs it may not read whole are stamped by what it may).
        _ = try cluster.psql(database: db, sql: "DROP ROLE IF EXISTS stamp_login; CREATE ROLE stamp_login LOGIN")
        let plain = try PostgresConnection("host=\(cluster.socketDirectory) dbname=\(db) user=stamp_login")
        let plainStamp = try PostgresInspector.catalogStamp(plain)
        XCTAssertTrue(plainStamp.contains("\nroles "), plainStamp)
        XCTAssertNotEqual(plainStamp, try PostgresInspector.catalogStamp(connection), "the role is part of the stamp")
    }

    /// Through the command: a diff in sync keeps the inspection (and the
    /// definitions as normalized), the next one takes it and says the same; a
    /// change to the target, or to the definitions, is seen at once.
    func testADiffAfterAChangeToTheTargetSeesIt() throws {
        let cluster = try PostgresCluster.get()
        let db = try cluster.databaseFromSchema(Repo.root.appendingPathComponent("generated/postgres/schema.sql"), label: "kept_diff")
        let cacheDir = try Repo.temporaryDirectory("kept-inspections"), project = try Repo.temporaryDirectory("kept-project")
        defer {
            try? FileManager.default.removeItem(at: cacheDir)
            try? FileManager.default.removeItem(at: project)
        }
        try FileManager.default.copyItem(at: Repo.root.appendingPathComponent("definitions"), to: project.appendingPathComponent("definitions"))
        let target = "postgresql://postgres@/\(db)?host=\(cluster.socketDirectory)"
        let env = ProcessInfo.processInfo.environment.merging(["SCHEMAC_CACHE_DIR": cacheDir.path, "SCHEMAC_TIMINGS": "1"]) { _, new in new }
        // Destructive statements allowed: the target gains a column the definitions do not have.
        func diff(_ environment: [String: String] = env) throws -> Shell.Result {
            try Shell.run(try Repo.binary, ["diff", "--against", target, "--detailed-exitcode", "--allow-destructive"], cwd: project,
                          environment: environment)
        }
        let kept = "an earlier run kept", normalized = "as an earlier run normalized them"
        let first = try diff(), second = try diff()
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertFalse(first.stderr.contains(kept), first.stderr)
        XCTAssertTrue(second.stderr.contains(kept) && second.stderr.contains(normalized), second.stderr)
        XCTAssertEqual(second.stdout, first.stdout)
        XCTAssertEqual(try diff(env.merging(["SCHEMAC_INSPECTION_CACHE": "off"]) { _, new in new }).stderr.contains(kept), false)

        let table = try cluster.psql(database: db, sql: "SELECT c.relname FROM pg_class c WHERE c.relkind = 'r' AND NOT c.relispartition AND c.relnamespace = 'public'::regnamespace ORDER BY 1 LIMIT 1")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try cluster.psql(database: db, sql: "ALTER TABLE public.\(table) ADD COLUMN added_behind_schemacs_back integer; COMMENT ON TABLE public.\(table) IS 'changed behind schemac''s back'")
        let changed = try diff()
        XCTAssertEqual(changed.status, 2, changed.stdout + changed.stderr)
        XCTAssertFalse(changed.stderr.contains(kept), changed.stderr)
        XCTAssertTrue(changed.stdout.contains("DROP COLUMN IF EXISTS \"added_behind_schemacs_back\""), changed.stdout)
        XCTAssertTrue(changed.stdout.contains("COMMENT ON TABLE"), changed.stdout)
        let again = try diff()
        XCTAssertTrue(again.stderr.contains(kept), again.stderr)
        XCTAssertEqual(again.stdout, changed.stdout)
        XCTAssertEqual(again.status, 2)

        // An edited definition: the kept inspection serves, the definitions are normalized afresh.
        let file = project.appendingPathComponent("definitions/postgres/kept_inspection_test.yaml")
        try Data("postgres:\n  tables:\n    added_by_an_edit:\n      columns:\n        id: { type: bigint, primary_key: true }\n        note: { type: text?, default: \"'x'\" }\n".utf8)
            .write(to: file)
        let edited = try diff()
        XCTAssertTrue(edited.stderr.contains(kept) && !edited.stderr.contains(normalized), edited.stderr)
        XCTAssertTrue(edited.stdout.contains("added_by_an_edit"), edited.stdout + edited.stderr)
        XCTAssertTrue(try diff().stderr.contains(normalized))
        try FileManager.default.removeItem(at: file)
        XCTAssertEqual(try diff().stdout, changed.stdout)
    }
}

/// The normalizer's text scans answer ASCII by its code and other letters by
/// their Unicode properties, alike.
final class ScratchNameTests: XCTestCase {
    func testQualifiersAreRemappedInAnyScript() {
        let map = ["billing": "schemac_t_1", "ärger": "schemac_t_2"]
        XCTAssertEqual(PostgresNormalizer.remapQualifiers("billing.total(x) > 0", map), "schemac_t_1.total(x) > 0")
        XCTAssertEqual(PostgresNormalizer.remapQualifiers("ärger.f(1) + Ärger.g(2)", map), "schemac_t_2.f(1) + schemac_t_2.g(2)")
        // Not a qualifier: part of a longer word, a column of a table; a literal may start with one ('billing.t'::regclass).
        XCTAssertEqual(PostgresNormalizer.remapQualifiers("xbilling.a + t.billing + 'billing.a'", map), "xbilling.a + t.billing + 'schemac_t_1.a'")
        XCTAssertEqual(PostgresNormalizer.remapQualifiers("äbilling.a + _billing.a + 9billing.a", map), "äbilling.a + _billing.a + 9billing.a")
        XCTAssertEqual(PostgresNormalizer.remapQualifiers("\"billing\".t", map), "schemac_t_1.t")
    }

    func testScratchNamesAreFoundByBytes() {
        XCTAssertTrue(PostgresNormalizer.mentionsScratch("schemac_ab_1.t"))
        XCTAssertTrue(PostgresNormalizer.mentionsScratch("x > 0 AND \"schemac_ab_x\".f(y)"))
        XCTAssertTrue(PostgresNormalizer.mentionsScratch("ärger schemac_"))
        XCTAssertFalse(PostgresNormalizer.mentionsScratch("schemac.t"))
        XCTAssertFalse(PostgresNormalizer.mentionsScratch("schemac"))
        XCTAssertFalse(PostgresNormalizer.mentionsScratch(""))
        XCTAssertFalse(PostgresNormalizer.mentionsScratch("sschemac-_"))
    }
}
