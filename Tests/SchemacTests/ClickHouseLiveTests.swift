import Foundation
import SchemacClickHouse
import SchemacClickHouseDriver
import SchemacCore
import SchemacDiagnostics
import SchemacLoader
import SchemacMigrate
import SchemacModel
import XCTest

/// ClickHouse as a live target, on the real engine (chdb behind the
/// test-only HTTP front): the driver, the inspection in the engine's
/// spelling, the plans of Tests/ClickHouseMigrations, diff and apply.
final class ClickHouseLiveTests: XCTestCase {
    // MARK: The driver

    func testEndpointsParseAndNeverShowThePassword() throws {
        let a = try ClickHouseEndpoint("clickhouse://app:s%40cret@db.example:9000/analytics", environment: [:])
        XCTAssertEqual(a.base.absoluteString, "http://db.example:9000/")
        XCTAssertEqual(a.user, "app")
        XCTAssertEqual(a.password, "s@cret")
        XCTAssertEqual(a.database, "analytics")
        XCTAssertFalse(a.description.contains("cret"), a.description)
        let b = try ClickHouseEndpoint("clickhouses://db.example", environment: ["CLICKHOUSE_USER": "env", "CLICKHOUSE_PASSWORD": "pw"])
        XCTAssertEqual(b.base.absoluteString, "https://db.example:8443/")
        XCTAssertEqual(b.user, "env")
        XCTAssertEqual(b.password, "pw")
        XCTAssertNil(b.database)
        XCTAssertEqual(try ClickHouseEndpoint("clickhouse://h", environment: [:]).base.absoluteString, "http://h:8123/")
        XCTAssertEqual(try ClickHouseEndpoint("https://h.example/", environment: [:]).base.absoluteString, "https://h.example/")
        XCTAssertThrowsError(try ClickHouseEndpoint("mysql://u:topsecret@h", environment: [:])) { error in
            XCTAssertFalse("\(error)".contains("topsecret"), "\(error)")
        }
    }

    func testTheDriverQueriesAndPassesTheEnginesErrorThroughInOneLine() throws {
        let server = try ClickHouseServer.get()
        let c = try server.connection()
        try c.ping()
        XCTAssertEqual(try c.rows("SELECT 1 + 1, 'a\tb', [1, 2]"), [["2", "a\tb", "[1,2]"]])
        XCTAssertThrowsError(try c.rows("SELECT * FROM no_such_database.t")) { error in
            let e = error as? ClickHouseError
            XCTAssertEqual(e?.code, 81, "\(error)")
            XCTAssertTrue("\(error)".hasPrefix("Code: 81. DB::Exception:"), "\(error)")
            XCTAssertFalse("\(error)".contains("\n"), "\(error)")
        }
        // A closed port: the way there fails, and says where.
        let closed = try ClickHouseConnection(url: "clickhouse://127.0.0.1:9")
        XCTAssertThrowsError(try closed.ping()) { XCTAssertTrue("\($0)".contains("cannot reach ClickHouse at http://127.0.0.1:9"), "\($0)") }
    }

    func testCredentialsGoInHeadersAndAWrongPasswordIsRefusedWithoutShowingIt() throws {
        let server = try ClickHouseServer(user: "app", password: "p@ss w0rd")
        XCTAssertEqual(try server.connection().rows("SELECT 7"), [["7"]])
        let wrong = try ClickHouseConnection(url: "clickhouse://app:hunter2@127.0.0.1:\(server.port)")
        XCTAssertThrowsError(try wrong.rows("SELECT 1")) { error in
            XCTAssertEqual((error as? ClickHouseError)?.code, 516)
            XCTAssertFalse("\(error)".contains("hunter2"), "\(error)")
        }
        // Through the command: exit 1, the engine's message, no password.
        let project = try Self.project(database: "cred", yaml: "tables: { t: { columns: { a: UInt8 }, order_by: [a] } }")
        let result = Self.diff(project, against: "clickhouse://app:hunter2@127.0.0.1:\(server.port)")
        XCTAssertEqual(result.status, 1)
        let shown = result.diagnostics.map(\.message).joined(separator: "\n")
        XCTAssertTrue(shown.contains("AUTHENTICATION_FAILED"), shown)
        XCTAssertFalse(shown.contains("hunter2"), shown)
    }

    // MARK: No false differences

    /// Every schema schemac generates, built on the engine by its own plan,
    /// then planned again: nothing is left, whatever the spelling of its
    /// expressions (intervals, codecs without parameters, unqualified names
    /// in view queries).
    func testEverySchemaBuiltByItsPlanPlansNothingMore() throws {
        let server = try ClickHouseServer.get()
        let c = try server.connection()
        try Self.namedCollection(on: c)
        var schemas: [(String, ClickHouseSchema)] = []
        for (label, root) in [("definitions", Repo.root), ("examples/attribution", Repo.root.appendingPathComponent("examples/attribution"))] {
            let loaded = DefinitionsLoader.load(directory: root.appendingPathComponent("definitions"), displayPrefix: "definitions")
            schemas.append((label, try XCTUnwrap(loaded.definitions?.clickhouse, label)))
        }
        for rc in try ReferenceCase.all() {
            let loaded = DefinitionsLoader.load(directory: rc.directory.appendingPathComponent("definitions"), displayPrefix: "definitions")
            guard let schema = loaded.definitions?.clickhouse, schema.cluster == nil, !loaded.diagnostics.contains(where: { $0.severity == .error }),
                  !schema.tables.isEmpty else { continue }
            schemas.append(("case \(rc.name)", schema))
        }
        var checked = 0
        for (label, original) in schemas {
            var schema = original
            schema.database = server.freshDatabase("sync")
            try Self.build(schema, on: c)
            let again = try ClickHousePlanner.plan(schema, on: c)
            XCTAssertEqual(again.unsupported, [], label)
            XCTAssertEqual(ClickHousePlanText.migration(again.plan), "", label)
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 10)
    }

    // MARK: Migration cases

    func testMigrationCasesMatchExpectedAndConvergeWithRows() throws {
        let server = try ClickHouseServer.get()
        let c = try server.connection()
        let root = Repo.root.appendingPathComponent("Tests/ClickHouseMigrations")
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        XCTAssertGreaterThanOrEqual(names.count, 8)
        var kinds = Set<HazardKind>()
        for name in names {
            kinds.formUnion(try ClickHouseMigrationCase(name: name, directory: root.appendingPathComponent(name)).run(on: c, server: server))
        }
        XCTAssertTrue(kinds.isSuperset(of: ClickHouseMigrationCase.clickHouseOnlyHazards.union([.dataLoss, .breaksClients])), "\(kinds)")
    }

    // MARK: Pull

    /// Both bundled projects, built on the engine and pulled back: the pulled
    /// section loads beside the project's other definitions, plans nothing
    /// against the server (pull would warn otherwise), and holds the same
    /// objects with the same types, engines and keys as the project's own.
    func testBothBundledProjectsPullBackToTheirOwnClickHouseModel() throws {
        let server = try ClickHouseServer.get()
        let c = try server.connection()
        try Self.namedCollection(on: c)
        for project in ["", "examples/attribution"] {
            let source = Repo.root.appendingPathComponent(project)
            let loaded = DefinitionsLoader.load(directory: source.appendingPathComponent("definitions"), displayPrefix: "definitions")
            let original = try XCTUnwrap(loaded.definitions?.clickhouse, project)
            try Self.build(original, on: c)
            // A project with the same definitions but its clickhouse section, which pull writes again.
            let root = try Repo.temporaryDirectory("ch-pull")
            try Repo.copy(source.appendingPathComponent("definitions"), to: root.appendingPathComponent("definitions"))
            for (name, location) in loaded.definitions?.locations ?? [:] where name.hasPrefix("clickhouse") || location.file.contains("clickhouse") {
                _ = name
                try? FileManager.default.removeItem(at: root.appendingPathComponent(location.file))
            }
            for file in try FileManager.default.subpathsOfDirectory(atPath: root.appendingPathComponent("definitions").path) {
                let url = root.appendingPathComponent("definitions").appendingPathComponent(file)
                if let text = try? String(contentsOf: url, encoding: .utf8), text.split(separator: "\n").contains(where: { $0.hasPrefix("clickhouse:") }) {
                    try FileManager.default.removeItem(at: url)
                }
            }
            let paths = ProjectPaths.load(root: root).0
            var request = Commands.PullRequest()
            request.from = server.url(database: original.database)
            let result = Commands.pull(paths, request, relativeTo: root)
            XCTAssertEqual(result.status, 0, "\(project): \(result.diagnostics)")
            XCTAssertEqual(result.diagnostics.map(\.description), [], project)
            XCTAssertEqual(result.stdout, "definitions/clickhouse/\(original.database).yaml\n")
            let back = DefinitionsLoader.load(directory: root.appendingPathComponent("definitions"), displayPrefix: "definitions")
            let pulled = try XCTUnwrap(back.definitions?.clickhouse, "\(project): \(back.diagnostics)")
            XCTAssertEqual(pulled.tables.map(\.name).sorted(), original.tables.map(\.name).sorted(), project)
            for t in original.tables {
                let p = try XCTUnwrap(pulled.tables.first { $0.name == t.name })
                XCTAssertEqual(p.columns.map(\.name), t.columns.map(\.name), "\(project) \(t.name)")
                XCTAssertEqual(p.columns.map(\.type), t.columns.map(\.type), "\(project) \(t.name)")
                XCTAssertEqual(p.columns.map(\.defaultKind), t.columns.map(\.defaultKind), "\(project) \(t.name)")
                XCTAssertEqual(p.engine, t.engine, "\(project) \(t.name)")
                XCTAssertEqual(p.indexes.map(\.name), t.indexes.map(\.name), "\(project) \(t.name)")
                XCTAssertEqual(p.ttl.count, t.ttl.count, "\(project) \(t.name)")
                XCTAssertEqual(p.comment, t.comment, "\(project) \(t.name)")
            }
            XCTAssertEqual(pulled.materializedViews.map(\.name).sorted(), original.materializedViews.map(\.name).sorted(), project)
            XCTAssertEqual(pulled.materializedViews.map(\.to).sorted(), original.materializedViews.map(\.to).sorted(), project)
            XCTAssertEqual(pulled.dictionaries.map(\.name).sorted(), original.dictionaries.map(\.name).sorted(), project)
            XCTAssertEqual(Set(pulled.dictionaries.map(\.source)), Set(original.dictionaries.map(\.source)), project)
            // Pulled again over what it wrote: refused without --force.
            XCTAssertEqual(Commands.pull(paths, request, relativeTo: root).diagnostics.map(\.id), [.pullWouldOverwrite])
        }
    }

    /// What the section cannot say is a located warning, and the rest is pulled.
    func testPullNamesWhatTheDefinitionsCannotSay() throws {
        let server = try ClickHouseServer.get()
        let c = try server.connection()
        let database = server.freshDatabase("pullskip")
        try c.execute("CREATE DATABASE \(database)")
        try c.execute("CREATE TABLE \(database).kept (a UInt8, b String) ENGINE = MergeTree ORDER BY a")
        try c.execute("CREATE TABLE \(database).memory (a UInt8) ENGINE = Memory")
        try c.execute("CREATE TABLE \(database).checked (a UInt8, CONSTRAINT positive CHECK a > 0) ENGINE = MergeTree ORDER BY a")
        try c.execute("CREATE VIEW \(database).plain_view AS SELECT a FROM \(database).kept")
        let root = try Repo.temporaryDirectory("ch-pull-skip")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("definitions"), withIntermediateDirectories: true)
        var request = Commands.PullRequest()
        request.from = server.url(database: database)
        let result = Commands.pull(ProjectPaths.load(root: root).0, request, relativeTo: root)
        XCTAssertEqual(result.status, 0, "\(result.diagnostics)")
        let warnings = result.diagnostics.map(\.description).joined(separator: "\n")
        XCTAssertTrue(warnings.contains("definitions/clickhouse/\(database).yaml: warning: table \(database).memory not pulled: engine Memory"), warnings)
        XCTAssertTrue(warnings.contains("table \(database).plain_view not pulled: engine View"), warnings)
        XCTAssertTrue(warnings.contains("CONSTRAINT positive CHECK a > 0 is not pulled"), warnings)
        XCTAssertTrue(warnings.contains("[pull-unsupported]"), warnings)
        let text = try String(contentsOf: root.appendingPathComponent("definitions/clickhouse/\(database).yaml"), encoding: .utf8)
        XCTAssertTrue(text.contains("kept:"), text)
        // No database named: a usage error, nothing read.
        request.from = server.url()
        XCTAssertEqual(Commands.pull(ProjectPaths.load(root: root).0, request, relativeTo: root).status, 64)
    }

    /// Killed after any statement, a plan run again ends where an unbroken one does.
    func testEveryMigrationCaseCutAfterAnyStatementConvergesWhenPlannedAgain() throws {
        let server = try ClickHouseServer.get()
        let c = try server.connection()
        let root = Repo.root.appendingPathComponent("Tests/ClickHouseMigrations")
        for name in try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() {
            try ClickHouseMigrationCase(name: name, directory: root.appendingPathComponent(name)).runCutAfterEveryStatement(on: c)
        }
    }

    // MARK: Commands

    func testDiffAndApplyCommandsAgainstClickHouse() throws {
        let server = try ClickHouseServer.get()
        let database = server.freshDatabase("cmd")
        let project = try Self.project(database: database, yaml: """
            tables:
              events:
                columns: { at: DateTime, kind: LowCardinality(String), n: UInt32 }
                order_by: [kind, at]
            """)
        let url = server.url()
        var result = Self.diff(project, against: url, detailed: true)
        XCTAssertEqual(result.status, 2, "\(result.diagnostics)")
        XCTAssertTrue(result.stdout.contains("CREATE DATABASE IF NOT EXISTS \(database)"), result.stdout)
        var request = Commands.ApplyRequest(against: url)
        request.autoApprove = true
        let applied = Commands.apply(project.paths, request, relativeTo: project.root, confirm: { false }, say: { _, _ in })
        XCTAssertEqual(applied.status, 0, "\(applied.diagnostics)")
        XCTAssertEqual(applied.stdout, "applied: the database is in sync with the definitions\n")
        result = Self.diff(project, against: url, detailed: true)
        XCTAssertEqual(result.status, 0, "\(result.diagnostics)")
        XCTAssertEqual(result.stdout, "")

        // A column added and one dropped: the drop is refused without --allow-destructive.
        try Self.write(project, database: database, yaml: """
            tables:
              events:
                columns: { at: DateTime, kind: LowCardinality(String), source: { type: String, default: "'web'" } }
                order_by: [kind, at]
            """)
        result = Self.diff(project, against: url, detailed: true)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.diagnostics.map(\.id), [.destructiveChange], "\(result.diagnostics)")
        result = Self.diff(project, against: url, detailed: true, allowDestructive: true, json: true)
        XCTAssertEqual(result.status, 2, "\(result.diagnostics)")
        let lines = result.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertEqual(lines.map { $0["kind"] as? String }, ["add_column", "drop_column"])
        XCTAssertEqual(lines.last?["hazards"] as? [String], ["data_loss"])
        // Without a terminal and without --auto-approve, apply refuses and changes nothing.
        var asking = Commands.ApplyRequest(against: url)
        asking.allowDestructive = true
        let refused = Commands.apply(project.paths, asking, relativeTo: project.root, confirm: { true }, say: { _, _ in })
        XCTAssertEqual(refused.diagnostics.map(\.id), [.migrationRefused])
        asking.autoApprove = true
        // Another runner's lease: apply waits for it, then gives up and changes nothing.
        let c = try server.connection()
        try c.execute("CREATE DATABASE IF NOT EXISTS default")
        try c.execute("CREATE TABLE IF NOT EXISTS default.schemac_migrations_lock (name String, owner String, expires DateTime64(3), seq UInt64) "
                      + "ENGINE = ReplacingMergeTree(seq) ORDER BY name")
        try c.execute("INSERT INTO default.schemac_migrations_lock SELECT 'lock', 'another-runner', now64(3) + INTERVAL 1 HOUR, toUInt64(9e18)")
        asking.lockWait = 1
        XCTAssertEqual(Commands.apply(project.paths, asking, relativeTo: project.root, confirm: { false }, say: { _, _ in }).diagnostics.map(\.id),
                       [.migrationLocked])
        try c.execute("INSERT INTO default.schemac_migrations_lock SELECT 'lock', '', now64(3), toUInt64(9.1e18)")
        XCTAssertEqual(Commands.apply(project.paths, asking, relativeTo: project.root, confirm: { false }, say: { _, _ in }).status, 0)
        XCTAssertEqual(Self.diff(project, against: url, detailed: true).status, 0)
    }

    /// A type change whose values do not all convert is refused before
    /// anything runs (the mutation would retry them for ever), naming how many.
    func testATypeChangeTheRowsRefuseIsRefusedBeforeItRuns() throws {
        let server = try ClickHouseServer.get()
        let database = server.freshDatabase("cast")
        let project = try Self.project(database: database, yaml: "tables: { t: { columns: { k: UInt8, v: String }, order_by: [k] } }")
        let url = server.url()
        var request = Commands.ApplyRequest(against: url)
        request.autoApprove = true
        XCTAssertEqual(Commands.apply(project.paths, request, relativeTo: project.root, confirm: { false }, say: { _, _ in }).status, 0)
        let c = try server.connection()
        try c.execute("INSERT INTO \(database).t VALUES (1, '12'), (2, 'twelve'), (3, '300')")
        try Self.write(project, database: database, yaml: "tables: { t: { columns: { k: UInt8, v: UInt8 }, order_by: [k] } }")
        let refused = Self.diff(project, against: url)
        XCTAssertEqual(refused.diagnostics.map(\.id), [.dataRefusesMigration], "\(refused.diagnostics)")
        XCTAssertTrue(refused.diagnostics.first?.message.contains("2 value(s) of column v") ?? false, "\(refused.diagnostics)")
        try c.execute("ALTER TABLE \(database).t DELETE WHERE k != 1 SETTINGS mutations_sync = 2")
        XCTAssertEqual(Commands.apply(project.paths, request, relativeTo: project.root, confirm: { false }, say: { _, _ in }).status, 0)
        XCTAssertEqual(try c.rows("SELECT v FROM \(database).t"), [["12"]])
    }

    /// Definitions without a clickhouse section, against ClickHouse: said, nothing read.
    func testDefinitionsWithoutAClickHouseSectionAreNamed() throws {
        let root = try Repo.temporaryDirectory("ch-none")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("definitions"), withIntermediateDirectories: true)
        try "postgres:\n  tables:\n    t:\n      columns: { id: { type: integer, primary_key: true } }\n"
            .write(to: root.appendingPathComponent("definitions/pg.yaml"), atomically: true, encoding: .utf8)
        let result = Commands.diff(ProjectPaths.load(root: root).0, Commands.DiffRequest(against: "clickhouse://127.0.0.1:9"), relativeTo: root)
        XCTAssertEqual(result.diagnostics.map(\.id), [.noClickHouseSection])
        XCTAssertEqual(result.status, 1)
    }

    /// Definitions for a cluster against a server that does not know it: said before anything is read or run.
    func testAClusterTheServerDoesNotKnowIsNamed() throws {
        let server = try ClickHouseServer.get()
        let project = try Self.project(database: server.freshDatabase("cl"), yaml: """
            cluster: main_cluster
            tables: { t: { columns: { k: UInt8 }, order_by: [k], shard_by: rand() } }
            """)
        let result = Self.diff(project, against: server.url())
        XCTAssertEqual(result.diagnostics.map(\.id), [.unsupportedTarget])
        XCTAssertTrue(result.diagnostics.first?.message.contains("cluster main_cluster, which the server does not know") ?? false,
                      "\(result.diagnostics)")
    }

    // MARK: Migrate

    /// `diff --write` saves the plan in clickhouse.migrations, `migrate up`
    /// runs it with its history in the server; a failed statement stops the
    /// file at its line, and the run after the fix goes on from that
    /// statement (the ones before are not run twice); an edited file that
    /// ran is refused; another runner's lease makes a runner wait, then give up.
    func testMigrateRunsClickHouseFilesStatementByStatementAndResumes() throws {
        let server = try ClickHouseServer.get()
        let database = server.freshDatabase("mig")
        let project = try Self.project(database: database, yaml: """
            tables:
              events:
                columns: { at: DateTime, kind: String }
                order_by: [kind, at]
            """)
        let url = server.url(database: database)
        var diff = Commands.DiffRequest(against: url)
        diff.write = true
        diff.name = "events"
        let written = Commands.diff(project.paths, diff, relativeTo: project.root)
        XCTAssertEqual(written.stdout, "clickhouse/migrations/001_events.sql\n", "\(written.diagnostics)")
        let lines = Lines()
        func migrate(_ action: Commands.MigrateRequest.Action, lockWait: Double = 5) -> CommandResult {
            var request = Commands.MigrateRequest(action)
            request.url = url
            request.lockWait = lockWait
            return Commands.migrate(project.paths, request, say: { text, _ in lines.add(text) })
        }
        XCTAssertEqual(migrate(.up(to: nil, dryRun: false)).status, 0)
        XCTAssertEqual(Self.diff(project, against: url, detailed: true).status, 0)

        let folder = project.root.appendingPathComponent("clickhouse/migrations")
        try """
            -- rows, then a statement the engine refuses
            INSERT INTO events (at, kind) VALUES (now(), 'a; not the end');
            ALTER TABLE events ADD COLUMN broken NoSuchType;
            /* last */ ALTER TABLE events ADD COLUMN n UInt8;
            """.write(to: folder.appendingPathComponent("002_rows.sql"), atomically: true, encoding: .utf8)
        let failed = migrate(.up(to: nil, dryRun: false))
        XCTAssertEqual(failed.diagnostics.map(\.id), [.migrationFailed])
        XCTAssertEqual(failed.diagnostics.first?.location?.line, 3, "\(failed.diagnostics)")
        XCTAssertTrue(migrate(.status).stdout.contains("002_rows                          failed: step 2 of 3 failed at line 3"), migrate(.status).stdout)
        try String(contentsOf: folder.appendingPathComponent("002_rows.sql"), encoding: .utf8).replacing("NoSuchType", with: "String")
            .write(to: folder.appendingPathComponent("002_rows.sql"), atomically: true, encoding: .utf8)
        // The statement before the one fixed is the same: it is not run again.
        XCTAssertEqual(migrate(.up(to: nil, dryRun: false)).status, 0)
        XCTAssertEqual(try server.connection(database: database).rows("SELECT count() FROM events"), [["1"]])
        XCTAssertTrue(lines.text.contains("going on with 002_rows.sql from statement 2 of 3"), lines.text)

        // A file that stopped after its first statement (its history says so) goes on from the second.
        try "INSERT INTO events (at, kind) VALUES (now(), 'b');\nALTER TABLE events ADD COLUMN m UInt8;\n"
            .write(to: folder.appendingPathComponent("003_more.sql"), atomically: true, encoding: .utf8)
        let c = try server.connection(database: database)
        try c.execute("INSERT INTO events (at, kind) VALUES (now(), 'b')")
        let checksum = MigrationFolder.checksum(try Data(contentsOf: folder.appendingPathComponent("003_more.sql")))
        try c.execute("INSERT INTO schemac_migrations (version, name, checksum, state, steps_done, steps_total, seq) "
                      + "VALUES (3, '003_more', '\(checksum)', 'running', 1, 2, 1)")
        _ = checksum
        XCTAssertTrue(migrate(.up(to: nil, dryRun: true)).stdout.contains("statements 2 to 2"))
        XCTAssertEqual(migrate(.up(to: nil, dryRun: false)).status, 0)
        XCTAssertTrue(lines.text.contains("going on with 003_more.sql from statement 2 of 2"), lines.text)
        XCTAssertEqual(try c.rows("SELECT count() FROM events"), [["2"]])
        XCTAssertEqual(migrate(.up(to: nil, dryRun: false)).stdout, "nothing to apply: the database has every migration\n")

        try "ALTER TABLE events ADD COLUMN n UInt16;\n".write(to: folder.appendingPathComponent("001_events.sql"), atomically: true, encoding: .utf8)
        XCTAssertEqual(migrate(.up(to: nil, dryRun: false)).diagnostics.map(\.id), [.migrationEdited])
        XCTAssertEqual(migrate(.status).status, 1)

        try c.execute("INSERT INTO schemac_migrations_lock (name, owner, expires, seq) SELECT 'lock', 'someone-else', now64(3) + INTERVAL 1 HOUR, "
                      + "toUInt64(9e18)")
        XCTAssertEqual(migrate(.up(to: nil, dryRun: false), lockWait: 1).diagnostics.map(\.id), [.migrationLocked])
    }

    final class Lines: @unchecked Sendable {
        private var lines: [String] = []
        private let lock = NSLock()
        func add(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
        var text: String { lock.lock(); defer { lock.unlock() }; return lines.joined() }
    }

    /// Through the binary: the flags reach the planner, the exit codes are diff's, the password is not printed.
    func testTheBinaryPlansAndRebuildsAgainstClickHouse() throws {
        let server = try ClickHouseServer(user: "ops", password: "s3cret-pw")
        let database = "bin_\(getpid())"
        let project = try Self.project(database: database, yaml: "tables: { t: { columns: { k: UInt8, v: String }, order_by: [k] } }")
        let url = server.url()
        let binary = try Repo.binary
        let first = try Shell.run(binary, ["apply", "-C", project.root.path, "--against", url, "--auto-approve"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertFalse((first.stdout + first.stderr).contains("s3cret-pw"))
        try Self.write(project, database: database, yaml: "tables: { t: { columns: { k: UInt8, v: String }, order_by: [v, k] } }")
        let refused = try Shell.run(binary, ["diff", "-C", project.root.path, "--against", url, "--detailed-exitcode"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("[unsupported-change]") && refused.stderr.contains("--allow-recreate"), refused.stderr)
        let planned = try Shell.run(binary, ["diff", "-C", project.root.path, "--against", url, "--detailed-exitcode", "--allow-recreate"])
        XCTAssertEqual(planned.status, 2, planned.stderr)
        XCTAssertTrue(planned.stdout.contains("EXCHANGE TABLES \(database).t_schemac_new AND \(database).t"), planned.stdout)
        let applied = try Shell.run(binary, ["apply", "-C", project.root.path, "--against", url, "--auto-approve", "--allow-recreate"])
        XCTAssertEqual(applied.status, 0, applied.stderr)
        let after = try Shell.run(binary, ["diff", "-C", project.root.path, "--against", url, "--detailed-exitcode", "--format", "json"])
        XCTAssertEqual(after.status, 0, after.stderr)
        XCTAssertTrue(after.stderr.contains("unmanaged"), after.stderr)
        XCTAssertFalse((planned.stdout + planned.stderr + applied.stdout + applied.stderr + after.stderr).contains("s3cret-pw"))
    }

    // MARK: Helpers

    struct Project {
        var root: URL
        var paths: ProjectPaths
    }

    static func project(database: String, yaml: String) throws -> Project {
        let root = try Repo.temporaryDirectory("ch-project")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("definitions"), withIntermediateDirectories: true)
        let project = Project(root: root, paths: ProjectPaths.load(root: root).0)
        try write(project, database: database, yaml: yaml)
        return project
    }

    static func write(_ project: Project, database: String, yaml: String) throws {
        let text = "clickhouse:\n  database: \(database)\n" + yaml.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n") + "\n"
        try text.write(to: project.root.appendingPathComponent("definitions/analytics.yaml"), atomically: true, encoding: .utf8)
    }

    static func diff(_ project: Project, against url: String, detailed: Bool = false, allowDestructive: Bool = false,
                     json: Bool = false) -> CommandResult {
        var request = Commands.DiffRequest(against: url)
        request.detailedExitcode = detailed
        request.allowDestructive = allowDestructive
        request.format = json ? .json : .sql
        return Commands.diff(project.paths, request, relativeTo: project.root)
    }

    /// The named collection dictionaries read PostgreSQL through: made, never connected to.
    static func namedCollection(on c: ClickHouseConnection) throws {
        try c.execute("CREATE NAMED COLLECTION IF NOT EXISTS postgres AS host = '127.0.0.1', port = 5432, user = 'schemac', password = '', "
                      + "database = 'schemac'")
    }

    /// `schema` built from nothing by its own plan.
    static func build(_ schema: ClickHouseSchema, on c: ClickHouseConnection) throws {
        try c.execute("DROP DATABASE IF EXISTS \(ClickHouseSQL.identifier(schema.database)) SYNC")
        let plan = try ClickHousePlanner.plan(schema, on: c)
        XCTAssertEqual(plan.unsupported, [])
        try ClickHousePlanning.run(plan.plan, on: c, database: schema.database, say: { _ in })
    }
}
