import Foundation
import SchemacCore
import SchemacModel
import SchemacPostgres
import XCTest

/// `schemac migrate` against a real server, through the binary: the seeds'
/// workflow end to end, a runner killed in a long statement, two runners at
/// once, a failing statement fixed, an edited migration.
final class MigrateTests: XCTestCase {
    /// A project folder with a migrations folder and a database of its own.
    struct Project {
        let dir: URL
        let cluster: PostgresCluster
        let database: String
        var url: String { "host=\(cluster.socketDirectory) dbname=\(database) user=postgres" }
        var migrations: URL { dir.appendingPathComponent("postgresql/migrations") }

        init(_ label: String) throws {
            cluster = try PostgresCluster.get()
            dir = try Repo.temporaryDirectory(label)
            database = try cluster.createDatabase(label)
            try FileManager.default.createDirectory(at: migrations, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("definitions"), withIntermediateDirectories: true)
        }

        func write(_ name: String, _ text: String) throws {
            try Data(text.utf8).write(to: migrations.appendingPathComponent(name))
        }

        func schemac(_ arguments: [String]) throws -> Shell.Result {
            try Shell.run(try Repo.binary, arguments, cwd: dir)
        }

        func migrate(_ arguments: [String]) throws -> Shell.Result {
            try schemac(["migrate"] + arguments + ["--url", url])
        }

        func sql(_ query: String) throws -> String {
            try cluster.psql(database: database, sql: query).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// `version state steps_done/steps_total` a line, from the history table.
        func history() throws -> String {
            try sql("SELECT string_agg(version || ' ' || state || ' ' || steps_done || '/' || steps_total, E'\\n' ORDER BY version) FROM schemac.schema_migrations")
        }
    }

    func testTheSeedsWorkflowEndToEnd() throws {
        let p = try Project("migrate_seeds")
        defer { try? FileManager.default.removeItem(at: p.dir) }
        // The team's database, built from its first migration, taken over by pull.
        let fixture = Repo.root.appendingPathComponent("Tests/Fixtures/001_init_schema.sql")
        try p.cluster.psql(database: p.database, file: fixture.path)
        try FileManager.default.copyItem(at: fixture, to: p.migrations.appendingPathComponent("001_init_schema.sql"))
        let pulled = try p.schemac(["pull", "--from", p.url])
        XCTAssertEqual(pulled.status, 0, pulled.stderr)
        XCTAssertEqual(try p.migrate(["baseline", "1"]).status, 0)

        // Three edits, each saved as a migration against the definitions before it.
        let definitions = p.dir.appendingPathComponent("definitions/postgres/public.yaml")
        var text = try String(contentsOf: definitions, encoding: .utf8)
        // The pulled file ends with its last table, so a table appended is one more table.
        let steps: [(name: String, edit: (inout String) -> Void)] = [
            ("add notes table", { $0 += "    migrate_notes:\n      columns:\n        id: {type: bigint, primary_key: true}\n        body: text?\n" }),
            ("add a column", { $0 += "        pinned: {type: boolean, default: false}\n" }),
            ("index the column", { $0 += "      indexes:\n      - {columns: [pinned]}\n" }),
        ]
        for (index, step) in steps.enumerated() {
            let before = p.dir.appendingPathComponent("before_\(index)")
            try Repo.copy(p.dir.appendingPathComponent("definitions"), to: before)
            step.edit(&text)
            try Data(text.utf8).write(to: definitions)
            let written = try p.schemac(["diff", "--against", before.path, "--write", "--name", step.name])
            XCTAssertEqual(written.status, 0, "\(step.name): \(written.stderr)\n\(text)")
            XCTAssertTrue(written.stdout.contains(String(format: "%03d_", index + 2)), written.stdout)
        }
        XCTAssertEqual(try p.schemac(["check"]).stderr.contains("migration-edited"), false)

        let up = try p.migrate(["up"])
        XCTAssertEqual(up.status, 0, up.stderr)
        let expected = try (2...4).map { "\($0) applied \(try stepsOf(p, $0))" }
        XCTAssertEqual(try p.history(), (["1 baseline 1/1"] + expected).joined(separator: "\n"))
        let status = try p.migrate(["status", "--detailed-exitcode"])
        XCTAssertEqual(status.status, 0, status.stdout + status.stderr)
        let inSync = try p.schemac(["diff", "--against", p.url, "--detailed-exitcode"])
        XCTAssertEqual(inSync.status, 0, inSync.stdout + inSync.stderr)

        let down = try p.migrate(["down"])
        XCTAssertEqual(down.status, 0, down.stderr)
        XCTAssertEqual(try p.sql("SELECT count(*) FROM pg_indexes WHERE tablename = 'migrate_notes' AND indexdef LIKE '%pinned%'"), "0")
        XCTAssertEqual(try p.migrate(["status", "--detailed-exitcode"]).status, 2)
        XCTAssertEqual(try p.migrate(["up"]).status, 0)
        XCTAssertEqual(try p.schemac(["diff", "--against", p.url, "--detailed-exitcode"]).status, 0)
    }

    func stepsOf(_ p: Project, _ version: Int) throws -> String {
        let name = try FileManager.default.contentsOfDirectory(atPath: p.migrations.path)
            .first { $0.hasPrefix(String(format: "%03d_", version)) && !$0.hasSuffix(".down.sql") }!
        let steps = try MigrationSteps(try String(contentsOf: p.migrations.appendingPathComponent(name), encoding: .utf8)).steps.count
        return "\(steps)/\(steps)"
    }

    /// Killed in a long statement of a multi-file run: the next `up` goes
    /// on where it stopped, and the history says exactly what ran.
    func testARunnerKilledInALongStatementIsResumed() throws {
        let p = try Project("migrate_kill")
        defer { try? FileManager.default.removeItem(at: p.dir) }
        // The long statement sleeps as long as the table says: an hour the first time, no time once resumed.
        try p.write("001_a.sql", "CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\nCREATE TABLE sleep_for (s float);\nINSERT INTO sleep_for VALUES (3600);\n")
        try p.write("002_b.sql", "BEGIN;\nCREATE TABLE b (id int);\nCOMMIT;\nBEGIN;\nINSERT INTO a VALUES (2);\nSELECT pg_sleep((SELECT s FROM sleep_for));\nCOMMIT;\n")
        try p.write("003_c.sql", "ALTER TABLE a ADD COLUMN note text;\n")
        let runner = Process()
        runner.executableURL = URL(fileURLWithPath: try Repo.binary)
        runner.arguments = ["migrate", "up", "--url", p.url]
        runner.currentDirectoryURL = p.dir
        runner.standardOutput = FileHandle.nullDevice
        runner.standardError = FileHandle.nullDevice
        try runner.run()
        try waitFor("the sleep to start") { try p.sql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep((SELECT s%'") == "1" }
        kill(runner.processIdentifier, SIGKILL)
        runner.waitUntilExit()
        _ = try p.sql("UPDATE sleep_for SET s = 0")

        XCTAssertEqual(try p.history(), "1 applied 1/1\n2 running 1/2")
        let status = try p.migrate(["status", "--detailed-exitcode"])
        XCTAssertEqual(status.status, 2, status.stderr)
        XCTAssertTrue(status.stdout.contains("002_b                             partial: 1 of 2 steps done"), status.stdout)
        let up = try p.migrate(["up"])
        XCTAssertEqual(up.status, 0, up.stderr)
        XCTAssertTrue(up.stdout.contains("going on with 002_b.sql from step 2 of 2"), up.stdout)
        XCTAssertEqual(try p.history(), "1 applied 1/1\n2 applied 2/2\n3 applied 1/1")
        XCTAssertEqual(try p.sql("SELECT string_agg(id::text, ',' ORDER BY id) FROM a"), "1,2")
    }

    /// Two runners at once: one applies, the other waits and finds nothing
    /// to do, or, told not to wait, fails saying why; nothing runs twice.
    func testTwoRunnersNeverRunAFileTwice() throws {
        let p = try Project("migrate_two")
        defer { try? FileManager.default.removeItem(at: p.dir) }
        try p.write("001_runs.sql", "CREATE TABLE runs (n int);\n")
        try p.write("002_slow.sql", "INSERT INTO runs VALUES (2);\nSELECT pg_sleep(2);\n")
        try p.write("003_last.sql", "INSERT INTO runs VALUES (3);\n")
        let group = DispatchGroup()
        let results = ResultBox()
        for wait in ["60", "60"] {
            group.enter()
            DispatchQueue.global().async {
                defer { group.leave() }
                results.append(Result { try p.migrate(["up", "--lock-wait", wait]) })
            }
        }
        group.wait()
        let both = try results.all.map { try $0.get() }
        XCTAssertEqual(both.map(\.status), [0, 0], both.map(\.stderr).joined())
        XCTAssertEqual(both.filter { $0.stdout.contains("nothing to apply") }.count, 1, both.map(\.stdout).joined())
        XCTAssertEqual(try p.sql("SELECT string_agg(n::text, ',' ORDER BY n) FROM runs"), "2,3")

        // Told not to wait, the second fails with the lock's message.
        try p.write("004_slow.sql", "SELECT pg_sleep(3);\n")
        let first = Process()
        first.executableURL = URL(fileURLWithPath: try Repo.binary)
        first.arguments = ["migrate", "up", "--url", p.url]
        first.currentDirectoryURL = p.dir
        first.standardOutput = FileHandle.nullDevice
        try first.run()
        try waitFor("the first runner's sleep") { try p.sql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(3)%'") == "1" }
        let second = try p.migrate(["up", "--lock-wait", "0.2"])
        first.waitUntilExit()
        XCTAssertEqual(second.status, 1)
        XCTAssertTrue(second.stderr.contains("another schemac migrate is running on this database") && second.stderr.contains("[migration-locked]"),
                      second.stderr)
        XCTAssertEqual(try p.history(), "1 applied 1/1\n2 applied 1/1\n3 applied 1/1\n4 applied 1/1")
        XCTAssertEqual(MigrationRunner.lockKey, 32478922351141219, "the key README documents")
    }

    /// The estimate's rules, statement by statement: a table is three
    /// relations and one more for each key or sequence it makes; an ALTER of
    /// a table the transaction did not create locks that table; case and
    /// line breaks do not matter.
    func testTheLockEstimateCountsWhatEachStatementLocks() {
        XCTAssertEqual(LockFootprint.relations(["create table a(id serial primary key, b text UNIQUE)"]), 3 + 3)
        XCTAssertEqual(LockFootprint.relations(["CREATE TABLE IF NOT EXISTS s.a (id int)", "ALTER TABLE s.a\tADD PRIMARY KEY (id)"]), 3 + 1)
        XCTAssertEqual(LockFootprint.relations(["ALTER TABLE ONLY b\n  ADD CONSTRAINT u UNIQUE (x)"]), 1 + 1)
        XCTAssertEqual(LockFootprint.relations(["CREATE UNIQUE INDEX i ON a (x)", "create index j on a (y)", "CREATE OR REPLACE VIEW v AS SELECT 1",
                                                "CREATE MATERIALIZED VIEW m AS SELECT 1", "COMMENT ON TABLE a IS 'CREATE TABLE'", ""]), 1 + 1 + 1 + 3)
    }

    /// A transaction that locks more relations than the server's lock table
    /// holds is refused before it begins, naming the setting and its value;
    /// one that fits runs.
    func testATransactionTooBigForTheLockTableIsRefusedBeforeItBegins() throws {
        let p = try Project("migrate_locks")
        defer { try? FileManager.default.removeItem(at: p.dir) }
        let settings = try XCTUnwrap(LockFootprint.Settings(row: try p.sql(LockFootprint.Settings.query.replacingOccurrences(of: "\n", with: " "))
            .split(separator: "|").map { String($0) }))
        // Six relations a table: itself, its TOAST table and index, its key and two indexes.
        let tables = settings.limit / 6 + 100
        let statements = (0..<tables).map { i in
            "CREATE TABLE t\(i) (id uuid PRIMARY KEY, org_id uuid, status varchar(32), payload jsonb);\n"
                + "CREATE INDEX t\(i)_a ON t\(i) (org_id, status);\nCREATE INDEX t\(i)_b ON t\(i) (status) WHERE status <> 'x';\n"
        }
        XCTAssertGreaterThan(LockFootprint.relations(statements.flatMap { $0.split(separator: "\n").map(String.init) }), settings.limit)
        try p.write("001_many.sql", "BEGIN;\n" + statements.joined() + "COMMIT;\n")
        let refused = try p.migrate(["up"])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("001_many.sql runs a transaction the server cannot hold"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("set max_locks_per_transaction = \(settings.neededSetting(relations: tables * 6))"), refused.stderr)
        XCTAssertEqual(try p.sql("SELECT count(*) FROM pg_class WHERE relname LIKE 't%' AND relnamespace = 'public'::regnamespace"), "0")
        // The same file cut in half fits: more than the table is sized for, less than it holds.
        try p.write("001_many.sql", "BEGIN;\n" + statements.prefix(tables / 2).joined() + "COMMIT;\n")
        let half = try p.migrate(["up"])
        XCTAssertEqual(half.status, 0, half.stderr)
    }

    func testAFailedStatementIsRecordedAndTheFixedFileApplies() throws {
        let p = try Project("migrate_fail")
        defer { try? FileManager.default.removeItem(at: p.dir) }
        try p.write("001_t.sql", "CREATE TABLE t (id int);\n")
        try p.write("002_bad.sql", "BEGIN;\nALTER TABLE t ADD COLUMN a int;\nCOMMIT;\nBEGIN;\nALTER TABLE nope ADD COLUMN b int;\nCOMMIT;\n")
        let failed = try p.migrate(["up"])
        XCTAssertEqual(failed.status, 1)
        XCTAssertTrue(failed.stderr.contains("postgresql/migrations/002_bad.sql:5:1: error: relation \"nope\" does not exist [migration-failed]"),
                      failed.stderr)
        XCTAssertEqual(try p.history(), "1 applied 1/1\n2 failed 1/2")
        let status = try p.migrate(["status"])
        XCTAssertEqual(status.status, 1)
        XCTAssertTrue(status.stdout.contains("failed: step 2 of 2 failed at line 5: relation \"nope\" does not exist"), status.stdout)

        try p.write("002_bad.sql", "BEGIN;\nALTER TABLE t ADD COLUMN IF NOT EXISTS a int;\nCOMMIT;\nBEGIN;\nALTER TABLE t ADD COLUMN b int;\nCOMMIT;\n")
        let fixed = try p.migrate(["up"])
        XCTAssertEqual(fixed.status, 0, fixed.stderr)
        XCTAssertEqual(try p.history(), "1 applied 1/1\n2 applied 2/2")
        XCTAssertEqual(try p.sql("SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0"), "id,a,b")
    }

    func testAnEditedMigrationIsReportedByStatusUpAndCheck() throws {
        let p = try Project("migrate_edited")
        defer { try? FileManager.default.removeItem(at: p.dir) }
        try p.write("001_t.sql", "CREATE TABLE t (id int);\n")
        try Data("postgres:\n  tables:\n    t:\n      columns:\n        id: integer?\n".utf8).write(to: p.dir.appendingPathComponent("definitions/t.yaml"))
        XCTAssertEqual(try p.migrate(["hash"]).status, 0)
        XCTAssertEqual(try p.migrate(["up"]).status, 0)
        try p.write("001_t.sql", "CREATE TABLE t (id bigint);\n")
        try p.write("002_u.sql", "CREATE TABLE u (id int);\n")

        let status = try p.migrate(["status"])
        XCTAssertEqual(status.status, 1)
        XCTAssertTrue(status.stdout.contains("001_t                             changed: the file was edited after it was applied"), status.stdout)
        let up = try p.migrate(["up"])
        XCTAssertEqual(up.status, 1)
        XCTAssertTrue(up.stderr.contains("postgresql/migrations/001_t.sql was edited after it was applied here"), up.stderr)
        XCTAssertEqual(try p.sql("SELECT to_regclass('u') IS NULL"), "t", "up must run nothing")
        let check = try p.schemac(["check"])
        XCTAssertEqual(check.status, 1)
        XCTAssertTrue(check.stderr.contains("error: postgresql/migrations/001_t.sql was edited after postgresql/migrations/schemac.sum pinned it"),
                      check.stderr)
    }

    /// A unique key whose concurrent build fails on duplicates leaves an
    /// INVALID index; once the rows are fixed, `up` drops it and builds it
    /// again, and the key is there, valid.
    func testAnInvalidIndexLeftByAFailedBuildIsRebuilt() throws {
        let p = try Project("migrate_invalid")
        defer { try? FileManager.default.removeItem(at: p.dir) }
        let definitions = p.dir.appendingPathComponent("definitions/t.yaml")
        let before = "postgres:\n  tables:\n    accounts:\n      columns:\n        id: {type: bigint, primary_key: true}\n        email: text\n"
        try Data(before.utf8).write(to: definitions)
        _ = try p.sql("CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL); INSERT INTO accounts VALUES (1, 'a'), (2, 'a');")
        try Data((before + "      unique:\n      - [email]\n").utf8).write(to: definitions)
        let written = try p.schemac(["diff", "--against", p.url, "--write", "--name", "unique email"])
        XCTAssertEqual(written.status, 0, written.stderr)

        let failed = try p.migrate(["up"])
        XCTAssertEqual(failed.status, 1)
        XCTAssertTrue(failed.stderr.contains("could not create unique index") && failed.stderr.contains("[migration-failed]"), failed.stderr)
        XCTAssertEqual(try p.sql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'accounts_email_key'::regclass"), "f")

        _ = try p.sql("UPDATE accounts SET email = 'b' WHERE id = 2")
        let fixed = try p.migrate(["up"])
        XCTAssertEqual(fixed.status, 0, fixed.stderr)
        XCTAssertEqual(try p.sql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'accounts_email_key'::regclass"), "t")
        XCTAssertEqual(try p.sql("SELECT contype FROM pg_constraint WHERE conname = 'accounts_email_key'"), "u")
        XCTAssertEqual(try p.schemac(["diff", "--against", p.url, "--detailed-exitcode"]).status, 0)
    }

    /// On a terminal, a long index build shows its progress; in a log
    /// (no terminal) it does not, and `--format json` says each statement.
    func testALongStatementShowsItsProgressOnATerminal() throws {
        guard let script = Shell.which("script") else { throw XCTSkip("script (util-linux) is not installed") }
        let p = try Project("migrate_progress")
        defer { try? FileManager.default.removeItem(at: p.dir) }
        // Each row costs the build 20 ms: 150 rows, three seconds of building.
        try p.write("001_slow.sql", """
            CREATE FUNCTION slow(n int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.02); RETURN n; END $$;
            CREATE TABLE items AS SELECT g AS n FROM generate_series(1, 150) g;
            CREATE INDEX CONCURRENTLY items_slow ON items (slow(n));

            """)
        let command = [try Repo.binary, "migrate", "up", "--url", "'\(p.url)'"].joined(separator: " ")
        let terminal = try Shell.run(script, ["-qec", command, "/dev/null"], cwd: p.dir)
        XCTAssertEqual(terminal.status, 0, terminal.stdout + terminal.stderr)
        XCTAssertTrue(terminal.stdout.contains("building index: "), terminal.stdout)

        try p.write("002_slow_again.sql", "CREATE INDEX CONCURRENTLY items_slow_again ON items (slow(n));\n")
        let log = try p.migrate(["up", "--format", "json"])
        XCTAssertEqual(log.status, 0, log.stderr)
        XCTAssertFalse(log.stdout.contains("building index") || log.stderr.contains("building index"), log.stdout + log.stderr)
        XCTAssertTrue(log.stdout.contains("\"kind\": \"statement\", \"name\": \"002_slow_again\", \"step\": 1, \"line\": 1"), log.stdout)
    }

    /// The checksums are SHA-256: the standard's examples, and `sha256sum`
    /// on every length around the block boundaries.
    func testSHA256AgreesWithTheStandardAndWithSha256sum() throws {
        XCTAssertEqual(Digests.sha256Hex(Array("".utf8)), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(Digests.sha256Hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(Digests.sha256Hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        guard let sha256sum = Shell.which("sha256sum") else { throw XCTSkip("sha256sum is not installed") }
        let dir = try Repo.temporaryDirectory("sha")
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SystemRandomNumberGenerator()
        for length in [1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 65_537] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let file = dir.appendingPathComponent("\(length)")
            try Data(bytes).write(to: file)
            let expected = try Shell.run(sha256sum, [file.path]).stdout.prefix(64)
            XCTAssertEqual(Digests.sha256Hex(bytes), String(expected), "\(length) bytes")
        }
    }

    /// A running SHA-256 fed in pieces gives the digest of the whole; a copy
    /// goes on from where it was taken and leaves the original as it was.
    /// SHA-1 (what Redis names a script by): the standard's examples.
    func testRunningDigestsAndSHA1() throws {
        let text = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        var running = Digests.Running()
        running.add(String(text.prefix(10)))
        var copy = running
        running.add(String(text.dropFirst(10)))
        XCTAssertEqual(Digests.hex(running.finish()), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(Digests.hex(running.finish()), Digests.sha256Hex(Array(text.utf8)), "finish leaves the digest as it was")
        XCTAssertEqual(Digests.hex(copy.finish()), Digests.sha256Hex(Array(text.prefix(10).utf8)))
        copy.add("")
        Array("xyz".utf8).withUnsafeBytes { copy.add($0) }
        XCTAssertEqual(Digests.hex(copy.finish()), Digests.sha256Hex(Array((text.prefix(10) + "xyz").utf8)))
        XCTAssertEqual(Digests.sha1Hex(Array("".utf8)), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        XCTAssertEqual(Digests.sha1Hex(Array("abc".utf8)), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(Digests.sha1Hex(Array(text.utf8)), "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
    }

    func waitFor(_ what: String, timeout: TimeInterval = 30, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestFailure("timed out waiting for \(what)")
    }
}

final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<Shell.Result, Error>] = []
    func append(_ r: Result<Shell.Result, Error>) { lock.lock(); results.append(r); lock.unlock() }
    var all: [Result<Shell.Result, Error>] { lock.lock(); defer { lock.unlock() }; return results }
}
