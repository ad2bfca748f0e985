import Foundation
import SchemacCore
import SchemacLoader
import SchemacModel
import SchemacPostgres
import SchemacPostgresDriver
import XCTest

/// `schemac diff` against real databases: no false differences, convergence,
/// a target left as it was, and migrations that give up on a held lock.
final class LiveDiffTests: XCTestCase {
    /// The migration from a live database to `desired`, as `schemac diff` computes it.
    static func liveChanges(_ connection: PostgresConnection, to desired: PostgresSchema) throws -> [SchemaChange] {
        try PostgresPlanning.liveChanges(connection: connection.target, to: desired)
            .mapError { TestFailure($0.diagnostics.map(\.description).joined(separator: "\n")) }.get()
    }

    func connect(_ cluster: PostgresCluster, _ db: String) throws -> PostgresConnection {
        try PostgresConnection("host=\(cluster.socketDirectory) dbname=\(db) user=postgres")
    }

    func testNoFalseDifferencesForAnyCase() throws {
        let cluster = try PostgresCluster.get()
        var projects: [(String, URL, URL)] = [
            ("definitions", Repo.root.appendingPathComponent("definitions"), Repo.root.appendingPathComponent("generated/postgres/schema.sql")),
            ("attribution", Repo.root.appendingPathComponent("examples/attribution/definitions"),
             Repo.root.appendingPathComponent("examples/attribution/generated/postgres/schema.sql")),
        ]
        for c in try ReferenceCase.all() {
            let file = c.expectedDirectory.appendingPathComponent("postgres/schema.sql")
            if FileManager.default.fileExists(atPath: file.path) {
                projects.append((c.name, c.directory.appendingPathComponent("definitions"), file))
            }
        }
        for (name, definitions, schemaFile) in projects {
            let desired = try XCTUnwrap(DefinitionsLoader.load(directory: definitions, displayPrefix: "definitions").definitions?.postgres, name)
            let db = try cluster.databaseFromSchema(schemaFile, label: "insync_\(name)")
            let connection = try connect(cluster, db)
            let changes = try Self.liveChanges(connection, to: desired)
            XCTAssertEqual(changes, [], "\(name): a database built from its own schema must be in sync")
            XCTAssertEqual(try PostgresNormalizer.normalize(desired, on: connection).unnormalized, [],
                           "\(name): the server must print every text of the definitions")
        }
    }

    /// Equal text in an equal context is printed once: the scratch build for
    /// forty tables of one shape is no bigger than for three.
    func testTheScratchBuildDoesNotGrowWithRepeatedShapes() throws {
        func definitions(_ count: Int) throws -> PostgresSchema {
            var yaml = """
                postgres:
                  tenancy: { column: org_id, setting: app.org_id }
                  tables:
                    orgs:
                      columns:
                        id: { type: uuid, primary_key: true, default_sql: gen_random_uuid() }

                """
            for i in 0..<count {
                yaml += """
                        t\(i):
                          tenant: true
                          columns:
                            id:         { type: uuid, primary_key: true, default_sql: gen_random_uuid() }
                            org_id:     { type: uuid, references: orgs.id }
                            status:     { type: varchar(32), default: active, check: "status <> ''" }
                            created_at: { type: timestamptz, default_sql: now() }
                          indexes:
                            - { columns: [created_at], where: "status = 'active'" }

                    """
            }
            return try XCTUnwrap(DefinitionsLoader.load([DefinitionSource(displayPath: "t.yaml", text: yaml)]).definitions?.postgres)
        }
        let cluster = try PostgresCluster.get()
        let connection = try connect(cluster, try cluster.createDatabase("scratch_size"))
        let few = try PostgresNormalizer.normalize(try definitions(3), on: connection)
        let many = try PostgresNormalizer.normalize(try definitions(40), on: connection)
        XCTAssertEqual(few.unnormalized, [])
        XCTAssertEqual(many.unnormalized, [])
        XCTAssertEqual(few.scratchStatements, many.scratchStatements)
        let policy = try XCTUnwrap(many.schema.tables.last?.policies.first?.using)
        XCTAssertEqual(policy, "org_id = NULLIF(current_setting('app.org_id'::text, true), ''::text)::uuid", "printed as the server prints it")
    }

    /// Texts that are each their own (a check on a column of its own, a
    /// predicate and a default literal each) share scratch tables: forty
    /// tables are built in a few statements, and print as the server
    /// prints them on the tables themselves. A predicate that only an index
    /// refuses (a function that is not immutable) is still refused, once, at
    /// its index; a bare `true`, which the server drops from an index, is no
    /// difference.
    func testVariedTextsShareScratchTablesAndStillPrintAsTheServerDoes() throws {
        var yaml = Self.variedTables(40)
        yaml += """
                flags:
                  columns:
                    id:      { type: bigint, primary_key: true }
                    created: timestamptz
                  indexes:
                    - { columns: [created], where: "true", name: flags_all }

            """
        let desired = try XCTUnwrap(DefinitionsLoader.load([DefinitionSource(displayPath: "t.yaml", text: yaml)]).definitions?.postgres)
        let cluster = try PostgresCluster.get()
        let dir = try Repo.temporaryDirectory("varied")
        defer { try? FileManager.default.removeItem(at: dir) }
        let schemaFile = dir.appendingPathComponent("schema.sql")
        try Data(PostgresRenderer.schemaFile(for: desired, sourceFiles: []).utf8).write(to: schemaFile)
        let connection = try connect(cluster, try cluster.databaseFromSchema(schemaFile, label: "varied_texts"))
        XCTAssertEqual(try Self.liveChanges(connection, to: desired), [], "built from its own schema, it is in sync")
        let normalized = try PostgresNormalizer.normalize(desired, on: connection)
        XCTAssertEqual(normalized.unnormalized, [])
        XCTAssertLessThanOrEqual(normalized.scratchStatements, 12, "a scratch table holds many contexts")
        let index = try XCTUnwrap(normalized.schema.tables.first { $0.name.name == "v7" }?.indexes.first { $0.predicate != nil })
        XCTAssertEqual(index.predicate, "status::text <> 'deleted7'::text AND n7 > 7")

        var mutable = desired
        let t = try XCTUnwrap(mutable.tables.firstIndex { $0.name.name == "v3" })
        mutable.tables[t].indexes[0].predicate = "created > now()"
        let refused = try PostgresNormalizer.normalize(mutable, on: connection).unnormalized
        XCTAssertEqual(refused.map(\.target), ["index \(mutable.tables[t].indexes[0].name) of public.v3"])
        XCTAssertTrue(refused.first?.reason.contains("IMMUTABLE") ?? false, "\(refused)")
    }

    /// Texts the server printed in an earlier run are not built again, and
    /// read as they were printed; an edited text is built and printed; what
    /// printing depends on beyond the text (here the session's time zone,
    /// which prints timestamp literals) is part of the environment they are
    /// kept under.
    func testTextsPrintedBeforeAreNotBuiltAgain() throws {
        let yaml = Self.variedTables(12) + """
                stamped:
                  columns:
                    id: { type: bigint, primary_key: true }
                    at: { type: timestamptz, default_sql: "'2024-01-01 12:00'", check: "at > '2020-01-01'" }

            """
        let desired = try XCTUnwrap(DefinitionsLoader.load([DefinitionSource(displayPath: "t.yaml", text: yaml)]).definitions?.postgres)
        let cluster = try PostgresCluster.get()
        let connection = try connect(cluster, try cluster.createDatabase("printed_before"))
        let first = try PostgresNormalizer.normalize(desired, on: connection)
        let second = try PostgresNormalizer.normalize(desired, on: connection, printedBefore: first.printed)
        XCTAssertEqual(second.schema, first.schema)
        XCTAssertEqual(second.printed, first.printed)
        XCTAssertLessThan(second.scratchStatements, first.scratchStatements)
        XCTAssertEqual(second.scratchStatements, 2, "the scratch schemas and nothing else")

        var edited = desired
        let t = try XCTUnwrap(edited.tables.firstIndex { $0.name.name == "v3" })
        edited.tables[t].checks[0].expression = "n3 BETWEEN 1 AND 9"
        let third = try PostgresNormalizer.normalize(edited, on: connection, printedBefore: first.printed)
        XCTAssertEqual(third.schema.tables[t].checks[0].expression, "n3 >= 1 AND n3 <= 9")
        XCTAssertGreaterThan(third.scratchStatements, 2)
        XCTAssertEqual(third.printed.count, first.printed.count, "the old text's entry gives way to the new one's")

        let environment = try PostgresNormalizer.printingEnvironment(desired, on: connection)
        try connection.execute("SET TimeZone = 'Asia/Tokyo'")
        XCTAssertNotEqual(try PostgresNormalizer.printingEnvironment(desired, on: connection), environment)
        let tokyo = try PostgresNormalizer.normalize(desired, on: connection)
        let stamped = try XCTUnwrap(tokyo.schema.tables.first { $0.name.name == "stamped" })
        XCTAssertEqual(stamped.checks.first?.expression, "at > '2020-01-01 00:00:00+09'::timestamp with time zone",
                       "a timestamp literal prints in the session's zone, so texts printed in another zone are not reused")
    }

    /// Forty tables, each with a check on a column of its own, a default
    /// literal and an index predicate of its own.
    static func variedTables(_ count: Int) -> String {
        var yaml = "postgres:\n  tables:\n"
        for i in 0..<count {
            yaml += """
                    v\(i):
                      columns:
                        id:       { type: bigint, primary_key: true }
                        n\(i):     { type: integer, default: \(i), check: "n\(i) >= \(i % 7) AND n\(i) < 100 + \(i)" }
                        status:   { type: varchar(32), default: active\(i) }
                        created:  timestamptz
                      indexes:
                        - { columns: [created], where: "status <> 'deleted\(i)' AND n\(i) > \(i)" }

                """
        }
        return yaml
    }

    func testMigrationsFromLiveDatabasesConvergeAndKeepRows() throws {
        let cluster = try PostgresCluster.get()
        for c in try MigrationTests.cases() {
            let before = try c.load("before"), after = try c.load("after")
            guard PostgresDiff.unsupported(PostgresDiff.changes(from: before, to: after)).isEmpty else { continue }
            let dir = try Repo.temporaryDirectory("live")
            defer { try? FileManager.default.removeItem(at: dir) }
            let beforeSQL = dir.appendingPathComponent("before.sql")
            try Data(PostgresRenderer.schemaFile(for: before, sourceFiles: []).utf8).write(to: beforeSQL)
            let db = try cluster.databaseFromSchema(beforeSQL, label: "live_\(c.name)")
            let connection = try connect(cluster, db)
            let changes = try Self.liveChanges(connection, to: after)
            XCTAssertEqual(PostgresDiff.unsupported(changes), [], c.name)
            let migration = dir.appendingPathComponent("migration.sql")
            try Data(PostgresRenderer.migration(PostgresPlanner.plan(changes)).utf8).write(to: migration)
            let applied = try cluster.psqlResult(database: db, file: migration.path)
            XCTAssertEqual(applied.status, 0, "\(c.name): \(applied.stderr)")
            XCTAssertEqual(try Self.liveChanges(connection, to: after), [], "\(c.name): a second diff must be empty")
        }
    }

    func testDiffLeavesTheTargetAsItWas() throws {
        let cluster = try PostgresCluster.get()
        let db = try cluster.createDatabase("untouched")
        let snapshot = """
            SELECT (SELECT count(*) FROM pg_namespace), (SELECT count(*) FROM pg_class), (SELECT count(*) FROM pg_roles),
                   (SELECT count(*) FROM pg_type), (SELECT count(*) FROM pg_proc);
            """
        let before = try cluster.psql(database: db, sql: snapshot)
        let binary = try Repo.binary
        let run = try Shell.run(binary, ["diff", "--against", "postgresql://postgres@/\(db)?host=\(cluster.socketDirectory)", "--detailed-exitcode"],
                                cwd: Repo.root)
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertTrue(run.stdout.contains("CREATE TABLE IF NOT EXISTS \"public\".\"campaigns\""))
        XCTAssertEqual(try cluster.psql(database: db, sql: snapshot), before, "diff must not change the target")

        // The bundled definitions, applied through schemac's own migration, converge.
        let file = try Repo.temporaryDirectory("bundled").appendingPathComponent("m.sql")
        try Data(run.stdout.utf8).write(to: file)
        let applied = try cluster.psqlResult(database: db, file: file.path)
        XCTAssertEqual(applied.status, 0, applied.stderr)
        let again = try Shell.run(binary, ["diff", "--against", "host=\(cluster.socketDirectory) dbname=\(db) user=postgres", "--detailed-exitcode"],
                                  cwd: Repo.root)
        XCTAssertEqual(again.status, 0, again.stderr + again.stdout)
        XCTAssertEqual(again.stdout, "")
    }

    func testAMigrationGivesUpOnAHeldLockInsteadOfQueueing() throws {
        let cluster = try PostgresCluster.get()
        let db = try cluster.createDatabase("locked")
        try cluster.psql(database: db, sql: "CREATE TABLE accounts (email text);")
        // Another session holds the table for 30 seconds.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: cluster.psqlPath)
        holder.arguments = ["-X", "-q", "-h", cluster.socketDirectory, "-U", "postgres", "-d", db,
                            "-c", "BEGIN; LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(30); COMMIT;"]
        holder.standardOutput = FileHandle.nullDevice
        holder.standardError = FileHandle.nullDevice
        try holder.run()
        defer { holder.terminate() }
        // Wait until the lock is really held.
        var held = false
        for _ in 0..<100 where !held {
            held = (try? cluster.psql(database: db, sql: "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'accounts' AND l.mode = 'AccessExclusiveLock' AND l.granted;"))?
                .trimmingCharacters(in: .whitespacesAndNewlines) == "1"
            if !held { usleep(100_000) }
        }
        XCTAssertTrue(held, "the lock holder did not start")
        let plan = PostgresPlanner.plan([.addColumn(QualifiedName(schema: "public", name: "accounts"), Column(name: "note", type: PostgresType(base: .builtin(.text)), nullable: true))])
        let migration = try Repo.temporaryDirectory("lock").appendingPathComponent("m.sql")
        try Data(PostgresRenderer.migration(plan, lockTimeout: "1s").utf8).write(to: migration)
        let start = Date()
        let run = try cluster.psqlResult(database: db, file: migration.path)
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("lock timeout"), run.stderr)
        XCTAssertLessThan(elapsed, 10, "the migration queued behind the lock instead of giving up")
    }
}

extension LiveDiffTests {
    /// The bundled definitions take over a database built from a hand-written
    /// schema in the seeds' style: renamed table and column, widened and retyped
    /// columns, new tenant tables, RLS; rows survive and a second diff is empty.
    func testTheAttributionExampleTakesOverAHandWrittenSchemaAndAnEmptyDatabase() throws {
        let cluster = try PostgresCluster.get()
        let project = Repo.root.appendingPathComponent("examples/attribution")
        let desired = try XCTUnwrap(DefinitionsLoader.load(directory: project.appendingPathComponent("definitions"), displayPrefix: "definitions").definitions?.postgres)
        for start in ["Tests/Fixtures/attribution_schema.sql", nil] {
            let db = try start.map { try cluster.databaseFromSchema(Repo.root.appendingPathComponent($0), label: "attribution_fixture") }
                ?? cluster.createDatabase("attribution_empty")
            let connection = try connect(cluster, db)
            let changes = try Self.liveChanges(connection, to: desired)
            XCTAssertEqual(PostgresDiff.unsupported(changes), [], start ?? "empty")
            let file = try Repo.temporaryDirectory("attribution").appendingPathComponent("m.sql")
            try Data(PostgresRenderer.migration(PostgresPlanner.plan(changes)).utf8).write(to: file)
            let applied = try cluster.psqlResult(database: db, file: file.path)
            XCTAssertEqual(applied.status, 0, applied.stderr)
            XCTAssertEqual(try Self.liveChanges(connection, to: desired), [], "\(start ?? "empty"): a second diff must be empty")
            if start != nil {
                let rows = try cluster.psql(database: db, sql: "SELECT u.email, u.role, a.bundle_id, a.platform, (SELECT count(*) FROM user_sessions) FROM users u, apps a;")
                XCTAssertEqual(rows.trimmingCharacters(in: .whitespacesAndNewlines), "Owner@Pilot.test|admin|com.pilot.app|ios|1")
            }
        }
    }

    func testBundledDefinitionsTakeOverAHandWrittenSchema() throws {
        let cluster = try PostgresCluster.get()
        let db = try cluster.databaseFromSchema(Repo.root.appendingPathComponent("Tests/Fixtures/001_init_schema.sql"), label: "fixture")
        let desired = try XCTUnwrap(DefinitionsLoader.load(directory: Repo.root.appendingPathComponent("definitions"), displayPrefix: "definitions").definitions?.postgres)
        let connection = try connect(cluster, db)
        let changes = try Self.liveChanges(connection, to: desired)
        XCTAssertEqual(PostgresDiff.unsupported(changes), [])
        XCTAssertTrue(changes.contains(.renameTable(from: QualifiedName(schema: "public", name: "dsp_integrations"), to: QualifiedName(schema: "public", name: "dsp_connectors"))))
        XCTAssertTrue(changes.contains(.renameColumn(QualifiedName(schema: "public", name: "campaigns"), from: "dsp_campaign_id", to: "external_id")))
        let file = try Repo.temporaryDirectory("fixture").appendingPathComponent("m.sql")
        try Data(PostgresRenderer.migration(PostgresPlanner.plan(changes)).utf8).write(to: file)
        let applied = try cluster.psqlResult(database: db, file: file.path)
        XCTAssertEqual(applied.status, 0, applied.stderr)
        XCTAssertEqual(try Self.liveChanges(connection, to: desired), [], "a second diff must be empty")

        // The rows are all there, renamed column and retyped status included.
        let rows = try cluster.psql(database: db, sql: """
            SELECT (SELECT count(*) FROM users), c.external_id, c.status, c.budget, d.name
              FROM campaigns c JOIN dsp_connectors d ON d.id = c.dsp_connector_id;
            """)
        XCTAssertEqual(rows.trimmingCharacters(in: .whitespacesAndNewlines), "2|ext-1|active|5000.00|Test DV360")

        // And the catalog matches a database built fresh from the definitions, column order aside.
        let fresh = try cluster.databaseFromSchema(Repo.root.appendingPathComponent("generated/postgres/schema.sql"), label: "fixture_fresh")
        let a = try PostgresInspector.inspect(connection, schemas: ["public"])
        let b = try PostgresInspector.inspect(try connect(cluster, fresh), schemas: ["public"])
        let migrated = InspectTests.dump(a).split(separator: "\n").sorted(), built = InspectTests.dump(b).split(separator: "\n").sorted()
        XCTAssertEqual(migrated, built)
    }
}
