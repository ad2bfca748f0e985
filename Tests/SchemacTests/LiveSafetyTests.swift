import Foundation
import XCTest

/// `schemac diff` on databases that hold rows and were touched by people:
/// whatever the session's settings, the plan is the same; what the data would
/// refuse is refused before anything runs; nothing is left half done.
final class LiveSafetyTests: XCTestCase {
    /// A project folder in a temporary directory, one YAML file per entry.
    struct Project {
        let directory: URL
        let cluster: PostgresCluster
        let database: String

        var url: String { "host=\(cluster.socketDirectory) dbname=\(database) user=postgres" }

        init(_ label: String, files: [String: String], config: String = "targets: [postgres]\n") throws {
            directory = try Repo.temporaryDirectory(label)
            cluster = try PostgresCluster.get()
            database = try cluster.createDatabase(label)
            try Data(config.utf8).write(to: directory.appendingPathComponent("schemac.yaml"))
            try write(files)
        }

        /// Replaces the definitions with `files`.
        func write(_ files: [String: String]) throws {
            let definitions = directory.appendingPathComponent("definitions")
            try? FileManager.default.removeItem(at: definitions)
            try FileManager.default.createDirectory(at: definitions, withIntermediateDirectories: true)
            for (name, text) in files {
                let file = definitions.appendingPathComponent(name)
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(text.utf8).write(to: file)
            }
        }

        /// `schemac diff --against` this database, run in the project.
        func diff(_ extra: [String] = ["--detailed-exitcode"], environment: [String: String] = [:]) throws -> Shell.Result {
            var env = ProcessInfo.processInfo.environment
            env["SCHEMAC_CACHE"] = "off"
            for (k, v) in environment { env[k] = v }
            return try Shell.run(try Repo.binary, ["diff", "--against", url] + extra, cwd: directory, environment: env)
        }

        /// The migration `diff` prints, applied with psql; fails the test when either fails.
        @discardableResult
        func migrate(allowDestructive: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws -> String {
            let run = try diff(allowDestructive ? ["--allow-destructive"] : [])
            XCTAssertEqual(run.status, 0, run.stderr, file: file, line: line)
            let sql = directory.appendingPathComponent("migration.sql")
            try Data(run.stdout.utf8).write(to: sql)
            let applied = try cluster.psqlResult(database: database, file: sql.path)
            XCTAssertEqual(applied.status, 0, "\(applied.stderr)\n\(run.stdout)", file: file, line: line)
            return run.stdout
        }

        func psql(_ sql: String) throws -> String {
            try cluster.psql(database: database, sql: sql).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// Asserts that a diff now finds nothing to do.
        func assertInSync(_ message: String = "", environment: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws {
            let again = try diff(environment: environment)
            XCTAssertEqual(again.status, 0, "\(message)\n\(again.stderr)\n\(again.stdout)", file: file, line: line)
            XCTAssertEqual(again.stdout, "", message, file: file, line: line)
        }
    }

    static let auditLog = """
        postgres:
          tables:
            audit_log:
              columns:
                id:         bigint
                created_at: timestamptz
                happened:   { type: date, default: "2026-01-01" }
                took:       { type: interval, default: "1 day 02:00:00" }
                ratio:      { type: double precision, default: 0.1 }
              primary_key: [id, created_at]
              partition_by: { range: [created_at] }
              partitions:
                audit_log_2026_01: { from: "2026-01-01", to: "2026-02-01" }
                audit_log_2026_02: { from: "2026-02-01", to: "2026-03-01" }
                audit_log_default: default

        """

    /// Item 1 of issue 12: a timestamptz bound prints in the session's time
    /// zone; neither the database's settings nor the client's may make a difference.
    func testNoSessionSettingCreatesADifference() throws {
        let project = try Project("session_pinning", files: ["audit.yaml": Self.auditLog])
        try project.migrate()
        try project.psql("""
            INSERT INTO audit_log (id, created_at)
            SELECT g, timestamptz '2026-01-01 00:00:00+00' + g * interval '11 hours' FROM generate_series(0, 81) g;
            """)
        XCTAssertEqual(try project.psql("SELECT count(*) FROM audit_log_2026_01"), "68", "bounds were written in UTC")
        try project.assertInSync("built under UTC")
        try project.psql("""
            ALTER DATABASE "\(project.database)" SET TimeZone = 'Pacific/Chatham';
            ALTER DATABASE "\(project.database)" SET DateStyle = 'SQL, DMY';
            ALTER DATABASE "\(project.database)" SET IntervalStyle = 'sql_standard';
            ALTER DATABASE "\(project.database)" SET extra_float_digits = -3;
            ALTER DATABASE "\(project.database)" SET search_path = 'nowhere';
            """)
        try project.assertInSync("the database's settings")
        try project.assertInSync("the client's settings", environment: [
            "PGTZ": "America/St_Johns", "PGDATESTYLE": "German",
            "PGOPTIONS": "-c IntervalStyle=iso_8601 -c extra_float_digits=0 -c search_path=elsewhere",
        ])
        // A new partition is written in UTC whatever the session: it holds
        // exactly the rows of March in UTC.
        try project.write(["audit.yaml": Self.auditLog.replacingOccurrences(
            of: "        audit_log_default: default",
            with: "        audit_log_2026_03: { from: \"2026-03-01\", to: \"2026-04-01\" }\n        audit_log_default: default")])
        try project.psql("INSERT INTO public.audit_log (id, created_at) VALUES (1000, '2026-03-01 00:00:00+00'), (1001, '2026-02-28 23:59:59+00')")
        try project.migrate()
        XCTAssertEqual(try project.psql("SELECT count(*) FROM public.audit_log"), "84", "no row lost")
        XCTAssertEqual(try project.psql("SELECT id FROM public.audit_log_2026_03"), "1000")
        try project.assertInSync("after adding a partition", environment: ["PGTZ": "Asia/Kolkata"])
    }
}

extension LiveSafetyTests {
    static let publicTable = """
        postgres:
          tables:
            customers:
              columns:
                id: { type: bigint, primary_key: true }

        """
    static let billing = """
        postgres:
          schema: billing
          enums:
            invoice_state: [open, paid]
          functions:
            invoice_total:
              args: "a numeric, b numeric"
              returns: numeric
              language: sql
              volatility: immutable
              body: SELECT a + b
          tables:
            invoices:
              columns:
                id:    { type: bigint, primary_key: true }
                state: { type: invoice_state, default: open }
            webhooks:
              columns:
                id: { type: bigint, primary_key: true }

        """

    /// Item 4 of issue 12: a schema the definitions stop naming is a
    /// (destructive) change, not "in sync"; `exclude_schemas` leaves a schema alone.
    func testASchemaTheDefinitionsNoLongerNameIsDropped() throws {
        let project = try Project("dropped_schema", files: ["public.yaml": Self.publicTable, "billing.yaml": Self.billing])
        try project.migrate()
        try project.psql("INSERT INTO billing.invoices (id) VALUES (1)")
        try project.write(["public.yaml": Self.publicTable])
        let refused = try project.diff()
        XCTAssertEqual(refused.status, 1, refused.stdout)
        XCTAssertTrue(refused.stderr.contains("[destructive-change]"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("drop_table billing.invoices"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("drop_schema billing"), refused.stderr)
        let migration = try project.migrate(allowDestructive: true)
        XCTAssertTrue(migration.contains("DROP SCHEMA IF EXISTS \"billing\";"), migration)
        XCTAssertEqual(try project.psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'billing'"), "0")
        try project.assertInSync("after dropping the schema")

        // A schema made by hand beside the definitions is seen, unless excluded.
        try project.psql("CREATE SCHEMA legacy_reports; CREATE TABLE legacy_reports.daily (d date);")
        let seen = try project.diff(["--allow-destructive"])
        XCTAssertEqual(seen.status, 0, seen.stderr)
        XCTAssertTrue(seen.stdout.contains("DROP TABLE IF EXISTS \"legacy_reports\".\"daily\";"), seen.stdout)
        try Data("targets: [postgres]\npostgres: { exclude_schemas: [\"legacy_*\"] }\n".utf8)
            .write(to: project.directory.appendingPathComponent("schemac.yaml"))
        try project.assertInSync("legacy_reports is excluded")
        // A schema an extension lives in is not the definitions' to drop.
        try project.psql("CREATE SCHEMA ext; CREATE EXTENSION pg_trgm SCHEMA ext;")
        let ext = try project.diff(["--allow-destructive"])
        XCTAssertFalse(ext.stdout.contains("DROP SCHEMA IF EXISTS \"ext\""), ext.stdout)
    }
}

extension LiveSafetyTests {
    /// Item 5 of issue 12: `renamed_from` names a table of another schema:
    /// the table moves (SET SCHEMA, and RENAME when the name changes too), its
    /// partitions with it, and no row is lost.
    func testRenamedFromAnotherSchemaMovesTheTable() throws {
        let before = """
            postgres:
              tables:
                webhooks:
                  columns:
                    id:  { type: bigint, primary_key: true, identity: by_default }
                    url: text
                hook_log:
                  columns:
                    id:  bigint
                    day: date
                  partition_by: { range: [day] }
                  partitions:
                    hook_log_2026: { from: "2026-01-01", to: "2027-01-01" }

            """
        let after = """
            postgres:
              schema: billing
              tables:
                webhooks:
                  renamed_from: public.webhooks
                  columns:
                    id:  { type: bigint, primary_key: true, identity: by_default }
                    url: text
                delivery_log:
                  renamed_from: public.hook_log
                  columns:
                    id:  bigint
                    day: date
                  partition_by: { range: [day] }
                  partitions:
                    hook_log_2026: { from: "2026-01-01", to: "2027-01-01" }

            """
        let project = try Project("cross_schema_rename", files: ["hooks.yaml": before])
        try project.migrate()
        try project.psql("INSERT INTO webhooks (url) VALUES ('https://a.test'), ('https://b.test'); INSERT INTO hook_log VALUES (1, '2026-05-01');")
        try project.write(["hooks.yaml": after])
        let plan = try project.diff([])
        XCTAssertEqual(plan.status, 0, plan.stderr)
        XCTAssertTrue(plan.stdout.contains("ALTER TABLE \"public\".\"webhooks\" SET SCHEMA \"billing\";"), plan.stdout)
        XCTAssertTrue(plan.stdout.contains("ALTER TABLE \"billing\".\"hook_log\" RENAME TO \"delivery_log\";"), plan.stdout)
        XCTAssertFalse(plan.stdout.contains("DROP TABLE"), plan.stdout)
        try project.migrate()
        XCTAssertEqual(try project.psql("SELECT string_agg(url, ',' ORDER BY id) FROM billing.webhooks"), "https://a.test,https://b.test")
        XCTAssertEqual(try project.psql("SELECT count(*) FROM billing.delivery_log"), "1")
        XCTAssertEqual(try project.psql("INSERT INTO billing.webhooks (url) VALUES ('c') RETURNING id"), "3", "the identity goes on")
        try project.assertInSync("after the move")
    }
}

extension LiveSafetyTests {
    /// Item 7 of issue 12: what the rows would refuse is refused by diff,
    /// before anything runs, with the table and what to do; the same change
    /// on an empty table, or on a column without NULLs, goes through.
    func testMigrationsTheDataWouldRefuseAreRefusedBeforeAnythingRuns() throws {
        func accounts(_ extra: String, renamed: Bool = false) -> String {
            """
            postgres:
              tables:
                \(renamed ? "members:\n      renamed_from: accounts" : "accounts:")
                  columns:
                    id:    { type: bigint, primary_key: true }
                    email: text?
            \(extra)
            """
        }
        let project = try Project("data_refuses", files: ["a.yaml": accounts("")])
        try project.migrate()
        try project.psql("INSERT INTO accounts VALUES (1, NULL), (2, 'b@b.test')")

        // A NOT NULL column without a default, on a table with rows (renamed in the same migration).
        try project.write(["a.yaml": accounts("        plan:  text", renamed: true)])
        let noDefault = try project.diff()
        XCTAssertEqual(noDefault.status, 1, noDefault.stdout)
        XCTAssertEqual(noDefault.stdout, "", "nothing to apply")
        XCTAssertTrue(noDefault.stderr.contains("table public.members has rows, and the new column cannot be NOT NULL without a value for them: give 'plan' a default"),
                      noDefault.stderr)
        XCTAssertTrue(noDefault.stderr.contains("[data-refuses-migration]"), noDefault.stderr)

        // SET NOT NULL on a column holding NULLs.
        try project.write(["a.yaml": accounts("").replacingOccurrences(of: "email: text?", with: "email: text")])
        let nulls = try project.diff()
        XCTAssertEqual(nulls.status, 1, nulls.stdout)
        XCTAssertTrue(nulls.stderr.contains("column email of table public.accounts holds NULLs, so it cannot be made NOT NULL: fill the NULLs first"),
                      nulls.stderr)
        // Once the NULLs are filled, it goes through.
        try project.psql("UPDATE accounts SET email = 'a@a.test' WHERE email IS NULL")
        try project.migrate()
        try project.assertInSync()
        XCTAssertEqual(try project.psql("SELECT count(*) FROM accounts"), "2")

        // A NOT NULL column without a default on an empty table is fine.
        try project.psql("DELETE FROM accounts")
        try project.write(["a.yaml": accounts("        plan:  text").replacingOccurrences(of: "email: text?", with: "email: text")])
        try project.migrate()
        try project.assertInSync()
    }
}

extension LiveSafetyTests {
    /// Item 8 of issue 12: a type change drops only the views that read the
    /// column (and the views over those), and does it in one transaction
    /// with their creation: a type change that gives up on a held lock leaves
    /// every view in place.
    func testATypeChangeDropsOnlyTheViewsThatReadTheColumnAndAllOrNothing() throws {
        func definitions(_ bType: String) -> String {
            """
            postgres:
              tables:
                items:
                  columns:
                    id: { type: bigint, primary_key: true }
                    a:  varchar(10)
                    b:  \(bType)
              views:
                reads_a:
                  sql: SELECT id, a FROM items
                reads_b:
                  sql: SELECT id, b FROM items
                reads_reads_b:
                  sql: SELECT count(*) AS n FROM reads_b
                a_snapshot:
                  materialized: true
                  sql: SELECT id, a FROM items

            """
        }
        let project = try Project("views_around_retype", files: ["v.yaml": definitions("varchar(10)")])
        try project.migrate()
        try project.psql("INSERT INTO items VALUES (1, 'x', 'y'); REFRESH MATERIALIZED VIEW a_snapshot;")
        try project.write(["v.yaml": definitions("varchar(20)")])
        let plan = try project.diff([])
        XCTAssertEqual(plan.status, 0, plan.stderr)
        XCTAssertTrue(plan.stdout.contains("in one transaction\nDROP VIEW IF EXISTS \"public\".\"reads_reads_b\";\nDROP VIEW IF EXISTS \"public\".\"reads_b\";\n"), plan.stdout)
        XCTAssertFalse(plan.stdout.contains("DROP VIEW IF EXISTS \"public\".\"reads_a\""), plan.stdout)
        XCTAssertFalse(plan.stdout.contains("a_snapshot"), plan.stdout)
        XCTAssertTrue(plan.stdout.contains("BEGIN;") && plan.stdout.contains("COMMIT;"), plan.stdout)

        // Another session reads the table for a while: the type change gives up.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: project.cluster.psqlPath)
        holder.arguments = ["-X", "-q", "-h", project.cluster.socketDirectory, "-U", "postgres", "-d", project.database,
                            "-c", "BEGIN; SELECT count(*) FROM items; SELECT pg_sleep(20); COMMIT;"]
        holder.standardOutput = FileHandle.nullDevice
        holder.standardError = FileHandle.nullDevice
        try holder.run()
        var held = false
        for _ in 0..<100 where !held {
            held = (try? project.psql("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'items' AND l.granted AND l.pid <> pg_backend_pid()")) == "1"
            if !held { usleep(100_000) }
        }
        XCTAssertTrue(held, "the lock holder did not start")
        let file = project.directory.appendingPathComponent("retype.sql")
        try Data(plan.stdout.replacingOccurrences(of: "SET lock_timeout = '5s';", with: "SET lock_timeout = '500ms';").utf8).write(to: file)
        let blocked = try project.cluster.psqlResult(database: project.database, file: file.path)
        XCTAssertNotEqual(blocked.status, 0)
        XCTAssertTrue(blocked.stderr.contains("lock timeout"), blocked.stderr)
        XCTAssertEqual(try project.psql("SELECT count(*) FROM pg_views WHERE viewname IN ('reads_b', 'reads_reads_b')"), "2", "views stayed")
        holder.terminate()
        holder.waitUntilExit()
        try project.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")

        try project.migrate()
        try project.assertInSync("after the type change")
        XCTAssertEqual(try project.psql("SELECT n FROM reads_reads_b"), "1")
        XCTAssertEqual(try project.psql("SELECT count(*) FROM a_snapshot"), "1", "the materialized view kept its rows")
    }
}

extension LiveSafetyTests {
    /// Item 14 of issue 12: with `--format json` every line schemac prints,
    /// on stdout and on stderr, is one JSON object: refusals, connection
    /// errors and write errors included, and the migration one statement a line.
    func testFormatJSONIsOneObjectALineForEverything() throws {
        func objects(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
            try text.split(separator: "\n").map {
                try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "not one JSON object: \($0)", file: file, line: line)
            }
        }
        let project = try Project("json_everywhere", files: ["a.yaml": Self.publicTable, "billing.yaml": Self.billing])
        let plan = try project.diff(["--format", "json"])
        XCTAssertEqual(plan.status, 0, plan.stderr)
        var statements = try objects(plan.stdout)
        // Against a live database the last line is the fingerprint of what was inspected.
        XCTAssertEqual(statements.popLast()?["kind"] as? String, "fingerprint")
        XCTAssertTrue(statements.contains { $0["kind"] as? String == "create_table" && $0["target"] as? String == "billing.invoices" })
        XCTAssertTrue(statements.allSatisfy { $0["sql"] is String && $0["hazards"] is [Any] && $0.keys.contains("transaction") })
        try project.migrate()

        try project.write(["a.yaml": Self.publicTable])
        let refused = try project.diff(["--format", "json"])
        XCTAssertEqual(refused.status, 1)
        let errors = try objects(refused.stderr)
        XCTAssertFalse(errors.isEmpty)
        XCTAssertTrue(errors.allSatisfy { $0["id"] as? String == "destructive-change" && $0["severity"] as? String == "error" && $0["file"] is NSNull })

        let binary = try Repo.binary
        let unreachable = try Shell.run(binary, ["diff", "--format", "json", "--against", "postgresql://u:sekrit@127.0.0.1:1/db"], cwd: project.directory)
        XCTAssertEqual(unreachable.status, 1)
        XCTAssertEqual(try objects(unreachable.stderr).first?["id"] as? String, "connection-failed")
        XCTAssertFalse(unreachable.stderr.contains("sekrit"))

        // A migrations folder that cannot be made: a file stands where it would be.
        try Data("x".utf8).write(to: project.directory.appendingPathComponent("postgresql"))
        try project.write(["a.yaml": Self.publicTable, "billing.yaml": Self.billing])
        try project.psql("DROP SCHEMA billing CASCADE")
        let write = try project.diff(["--format", "json", "--write"])
        XCTAssertEqual(write.status, 1, write.stdout)
        XCTAssertEqual(try objects(write.stderr).first?["id"] as? String, "write-failed", write.stderr)
    }
}

extension LiveSafetyTests {
    /// Rough edges of issue 12, plans that did extra work: an expression index
    /// PostgreSQL rewrote for a renamed column stays; a changed tenancy
    /// setting alters the policies in place; a renamed table's identity
    /// sequence follows its name.
    func testPlansDoNoExtraWork() throws {
        func definitions(table: String, column: String, setting: String) -> String {
            """
            postgres:
              tenancy: { column: org_id, setting: \(setting) }
              tables:
                \(table):
                  \(table == "people" ? "" : "renamed_from: people")
                  tenant: true
                  columns:
                    id:     { type: bigint, primary_key: true, identity: by_default }
                    org_id: uuid
                    \(column): { type: text, \(column == "email" ? "" : "renamed_from: email, ")check: "length(\(column)) > 3" }
                  indexes:
                    - { name: people_lower_email, expression: "lower(\(column))", unique: true }

            """
        }
        let project = try Project("no_extra_work", files: ["p.yaml": definitions(table: "people", column: "email", setting: "app.org")])
        try project.migrate()
        try project.psql("INSERT INTO people (org_id, email) VALUES ('00000000-0000-0000-0000-000000000001', 'a@a.test')")
        try project.write(["p.yaml": definitions(table: "members", column: "mail", setting: "app.tenant")])
        let plan = try project.diff([])
        XCTAssertEqual(plan.status, 0, plan.stderr)
        XCTAssertFalse(plan.stdout.contains("DROP INDEX"), plan.stdout)
        XCTAssertFalse(plan.stdout.contains("DROP CONSTRAINT"), plan.stdout)
        XCTAssertFalse(plan.stdout.contains("DROP POLICY"), plan.stdout)
        XCTAssertTrue(plan.stdout.contains("ALTER POLICY \"tenant_isolation\" ON \"public\".\"members\""), plan.stdout)
        XCTAssertTrue(plan.stdout.contains("ALTER SEQUENCE \"public\".\"people_id_seq\" RENAME TO \"members_id_seq\""), plan.stdout)
        try project.migrate()
        try project.assertInSync("after the renames")
        XCTAssertEqual(try project.psql("SELECT pg_get_serial_sequence('public.members', 'id')"), "public.members_id_seq")
        XCTAssertEqual(try project.psql("INSERT INTO members (org_id, mail) VALUES ('00000000-0000-0000-0000-000000000001', 'b@b.test') RETURNING id"), "2")
    }
}

extension LiveSafetyTests {
    /// Item 11 of issue 12: what only the server finds wrong (a function
    /// that does not exist in a view) is an error at the view's place, and
    /// nothing is planned.
    func testWhatTheServerRefusesIsALocatedError() throws {
        let project = try Project("server_refuses", files: ["v.yaml": """
            postgres:
              tables:
                t:
                  columns:
                    id: { type: bigint, primary_key: true }
              views:
                broken:
                  sql: SELECT no_such_function(id) AS x FROM t

            """])
        let run = try project.diff()
        XCTAssertEqual(run.status, 1, run.stdout)
        XCTAssertEqual(run.stdout, "")
        XCTAssertTrue(run.stderr.contains("definitions/v.yaml:7:5: error: the server refuses"), run.stderr)
        XCTAssertTrue(run.stderr.contains("no_such_function"), run.stderr)
        XCTAssertTrue(run.stderr.contains("[server-refuses]"), run.stderr)
    }
}
