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
        // The new table is printed; every other is taken as it was printed.
        XCTAssertTrue(edited.stderr.contains(kept) && edited.stderr.contains("rolled back; ")
                      && edited.stderr.contains(" tables \(normalized)"), edited.stderr)
        XCTAssertTrue(edited.stdout.contains("added_by_an_edit"), edited.stdout + edited.stderr)
        XCTAssertTrue(try diff().stderr.contains(normalized))
        try FileManager.default.removeItem(at: file)
        XCTAssertEqual(try diff().stdout, changed.stdout)
    }
}

/// A normalization that takes the unchanged tables of a kept one is the
/// normalization made afresh, for every reference case and both projects,
/// after an edit that adds a column with a default and a check to one
/// table, drops another and adds a third; and a table whose text reads
/// another relation is printed again when that relation changes.
final class KeptNormalizationTests: XCTestCase {
    func testTakingTheUnchangedTablesGivesWhatANormalizationAfreshGives() throws {
        let cluster = try PostgresCluster.get()
        let connection = try PostgresConnection("host=\(cluster.socketDirectory) dbname=\(try cluster.createDatabase("kept_normalization")) user=postgres")
        var projects = [Repo.root.appendingPathComponent("definitions"), Repo.root.appendingPathComponent("examples/attribution/definitions")]
        projects += try ReferenceCase.all().map { $0.directory.appendingPathComponent("definitions") }
        var taken = 0
        for definitions in projects {
            guard let desired = DefinitionsLoader.load(directory: definitions, displayPrefix: "definitions").definitions?.postgres,
                  desired.tables.count >= 2 else { continue }
            let name = definitions.deletingLastPathComponent().lastPathComponent
            let first = try PostgresNormalizer.normalize(desired, on: connection, printedBefore: [:], keeping: nil)
            guard let kept = first.keep else { continue }
            let edited = Self.edit(desired)
            let afresh = try PostgresNormalizer.normalize(edited, on: connection)
            let keeping = try PostgresNormalizer.normalize(edited, on: connection, printedBefore: first.result.printed, keeping: kept)
            XCTAssertEqual(keeping.result.schema, afresh.schema, name)
            XCTAssertEqual(keeping.result.unnormalized, afresh.unnormalized, name)
            XCTAssertFalse(keeping.wholeTaken, name)
            XCTAssertLessThan(keeping.tablesTaken, edited.tables.count, name)
            taken += keeping.tablesTaken
            let same = try PostgresNormalizer.normalize(desired, on: connection, printedBefore: [:], keeping: kept)
            XCTAssertTrue(same.wholeTaken, name)
            XCTAssertEqual(same.result.schema, first.result.schema, name)
        }
        XCTAssertGreaterThan(taken, 30, "tables were taken as they were printed (34 when written)")
    }

    /// One table gains a column with a default and a check, the last table is
    /// dropped, and a new one is added.
    static func edit(_ desired: PostgresSchema) -> PostgresSchema {
        var edited = desired
        let middle = edited.tables.count / 2
        edited.tables[middle].columns.append(Column(name: "kept_probe", type: PostgresType(base: .builtin(.integer)), nullable: true, defaultSQL: "7"))
        edited.tables[middle].checks.append(CheckConstraint(name: "kept_probe_positive", expression: "kept_probe BETWEEN 1 AND 9"))
        edited.tables.removeLast()
        let schema = edited.tables[0].name.schema
        edited.tables.append(Table(name: QualifiedName(schema: schema, name: "kept_probe_added"),
                                   columns: [Column(name: "at", type: PostgresType(base: .builtin(.timestamptz)), defaultSQL: "'2024-01-01'")]))
        return edited
    }

    func testATableWhoseTextReadsAnotherIsPrintedAgainWhenThatOneChanges() throws {
        let yaml = """
            postgres:
              tables:
                members:
                  columns:
                    org_id:  uuid
                    user_id: text
                docs:
                  columns:
                    id:     { type: bigint, primary_key: true }
                    org_id: uuid
                  policies:
                    members_read:
                      for: select
                      using: "org_id IN (SELECT m.org_id FROM members m WHERE m.user_id = current_setting('app.user'))"

            """
        func load(_ text: String) throws -> PostgresSchema {
            try XCTUnwrap(DefinitionsLoader.load([DefinitionSource(displayPath: "t.yaml", text: text)]).definitions?.postgres, text)
        }
        let cluster = try PostgresCluster.get()
        let connection = try PostgresConnection("host=\(cluster.socketDirectory) dbname=\(try cluster.createDatabase("kept_reads")) user=postgres")
        let first = try PostgresNormalizer.normalize(try load(yaml), on: connection, printedBefore: [:], keeping: nil)
        let edited = try load(yaml.replacingOccurrences(of: "user_id: text", with: "user_id: varchar(64)"))
        let keeping = try PostgresNormalizer.normalize(edited, on: connection, printedBefore: first.result.printed, keeping: first.keep)
        let afresh = try PostgresNormalizer.normalize(edited, on: connection)
        XCTAssertEqual(keeping.tablesTaken, 0, "docs reads members: printed again with it")
        XCTAssertEqual(keeping.result.schema, afresh.schema)
        let policy = try XCTUnwrap(afresh.schema.tables.first { $0.name.name == "docs" }?.policies.first?.using)
        let before = try XCTUnwrap(first.result.schema.tables.first { $0.name.name == "docs" }?.policies.first?.using)
        XCTAssertNotEqual(policy, before, "the varchar column prints with a cast: \(policy)")
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
