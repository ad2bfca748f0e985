import Foundation
import SchemacCore
import SchemacDiagnostics
import SchemacLoader
import SchemacModel
import SchemacPostgres
import SchemacPostgresDriver
import XCTest

/// Migration reference cases: Tests/Migrations/<case>/{before,after}/ hold two
/// definition sets and expected.sql the migration between them (or the changes
/// that cannot be migrated yet). Every migratable case must converge on a real
/// server: "before" plus the migration inspects the same as "after" built fresh.
final class MigrationTests: XCTestCase {
    struct Case {
        let name: String
        let directory: URL
        var expectedFile: URL { directory.appendingPathComponent("expected.sql") }

        func load(_ side: String) throws -> PostgresSchema {
            let result = DefinitionsLoader.load(directory: directory.appendingPathComponent(side), displayPrefix: side)
            guard let set = result.definitions else { throw TestFailure("\(name)/\(side): \(result.diagnostics)") }
            return set.postgres ?? .empty
        }
    }

    static func cases() throws -> [Case] {
        let root = Repo.root.appendingPathComponent("Tests/Migrations")
        return try FileManager.default.contentsOfDirectory(atPath: root.path).sorted().map {
            Case(name: $0, directory: root.appendingPathComponent($0))
        }
    }

    /// The migration text of a case, or its unsupported changes: planned as
    /// `schemac diff --against before --allow-destructive` plans it from `after/`.
    static func migration(_ c: Case) throws -> (text: String, migratable: Bool) {
        let (paths, _) = ProjectPaths.load(root: c.directory, definitions: "after", output: "generated")
        let planned = PostgresPlanning.plan(paths, against: .definitionsFolder(c.directory.appendingPathComponent("before"), display: "before"),
                                            options: .init(allowDestructive: true))
        let unsupported = planned.diagnostics.filter { $0.id == .unsupportedChange }
        if !unsupported.isEmpty { return (unsupported.map { "-- \($0.message)\n" }.joined(), false) }
        guard let plan = planned.value else { throw TestFailure("\(c.name): \(planned.diagnostics)") }
        return (PostgresRenderer.migration(plan), true)
    }

    func testMigrationsMatchExpectedAndConverge() throws {
        let cases = try Self.cases()
        XCTAssertGreaterThanOrEqual(cases.count, 10)
        let cluster = try PostgresCluster.get()
        for c in cases {
            let before = try c.load("before"), after = try c.load("after")
            let (text, migratable) = try Self.migration(c)
            if ReferenceCase.recording {
                try Data(text.utf8).write(to: c.expectedFile)
            } else {
                let expected = (try? String(contentsOf: c.expectedFile, encoding: .utf8)) ?? "<missing expected.sql>"
                if expected != text { XCTFail("\(c.name): expected.sql differs at \(firstDifference(expected, text))") }
            }
            guard migratable else { continue }

            let dir = try Repo.temporaryDirectory("migration")
            defer { try? FileManager.default.removeItem(at: dir) }
            let beforeSQL = dir.appendingPathComponent("before.sql"), afterSQL = dir.appendingPathComponent("after.sql")
            let migrationSQL = dir.appendingPathComponent("migration.sql")
            try Data(PostgresRenderer.schemaFile(for: before, sourceFiles: []).utf8).write(to: beforeSQL)
            try Data(PostgresRenderer.schemaFile(for: after, sourceFiles: []).utf8).write(to: afterSQL)
            try Data(text.utf8).write(to: migrationSQL)

            let migrated = try cluster.databaseFromSchema(beforeSQL, label: "migrated_\(c.name)")
            let applied = try cluster.psqlResult(database: migrated, file: migrationSQL.path)
            XCTAssertEqual(applied.status, 0, "\(c.name): the migration does not apply:\n\(applied.stderr)")
            let fresh = try cluster.databaseFromSchema(afterSQL, label: "fresh_\(c.name)")
            let schemas = Array(Set(["public"] + after.schemas + before.schemas)).sorted()
            let b = try PostgresInspector.inspect(try connect(cluster, fresh), schemas: schemas)
            try assertSame(migrated, as: b, schemas: schemas, cluster, "\(c.name)")
            // Run again whole, the migration finds its work done and changes nothing.
            let again = try cluster.psqlResult(database: migrated, file: migrationSQL.path)
            XCTAssertEqual(again.status, 0, "\(c.name): the migration does not run a second time:\n\(again.stderr)")
            try assertSame(migrated, as: b, schemas: schemas, cluster, "\(c.name), run twice")
        }
    }

    /// The migrated database inspects as `fresh` does, defaults and checks
    /// spelled alike too (column order aside).
    func assertSame(_ migrated: String, as fresh: PostgresSchema, schemas: [String], _ cluster: PostgresCluster, _ label: String) throws {
        let a = try PostgresInspector.inspect(try connect(cluster, migrated), schemas: schemas)
        let migratedDump = InspectTests.dump(a), freshDump = InspectTests.dump(fresh)
        if migratedDump != freshDump {
            XCTFail("\(label): migrated database differs from a fresh one at \(firstDifference(freshDump, migratedDump))")
        }
        XCTAssertEqual(Self.expressions(a), Self.expressions(fresh), label)
    }

    /// No migration breaks a rule of the outside linter that guards running
    /// databases: neither as written (guards and all) nor with its guards taken
    /// away, so that what runs inside a guard is linted too.
    func testSquawkFindsNothingForbiddenInAnyMigration() throws {
        let dir = try Repo.temporaryDirectory("squawk")
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [URL] = []
        for c in try Self.cases() {
            let (paths, _) = ProjectPaths.load(root: c.directory, definitions: "after", output: "generated")
            let planned = PostgresPlanning.plan(paths, against: .definitionsFolder(c.directory.appendingPathComponent("before"), display: "before"),
                                                options: .init(allowDestructive: true))
            guard let plan = planned.value, !plan.isEmpty else { continue }
            for (suffix, rerunnable) in [("", true), ("_unguarded", false)] {
                let file = dir.appendingPathComponent("\(c.name)\(suffix).sql")
                try Data(PostgresRenderer.migration(plan, rerunnable: rerunnable).utf8).write(to: file)
                files.append(file)
            }
        }
        XCTAssertGreaterThan(files.count, 40)
        // Robustness is the guards' work: without them, only the rules on locks and scans apply.
        let all = try Squawk.findings(files)
        XCTAssertTrue(all.contains { $0.rule == "ban-drop-column" }, "squawk reports no dropped column: is it reading the files?")
        // PostgreSQL has no NOT VALID for an exclusion constraint: its index is built under the lock, which the
        // statement's long_lock hazard says (checked below with the others squawk reports).
        let findings = all.filter {
            Squawk.forbiddenRules.contains($0.rule) && !($0.file.hasSuffix("_unguarded.sql") && $0.rule == "prefer-robust-stmts")
                && !($0.rule == "constraint-missing-not-valid" && $0.statement.contains(" EXCLUDE "))
        }
        XCTAssertTrue(findings.isEmpty, findings.map(\.description).joined(separator: "\n"))
        // What squawk reports of a change the definitions asked for, the statement says in its hazards.
        let asked: [String: String] = ["renaming-table": "breaks_clients", "renaming-column": "breaks_clients",
                                       "constraint-missing-not-valid": "long_lock",
                                       "ban-drop-table": "data_loss", "ban-drop-column": "", "changing-column-type": "long_lock"]
        var said = 0
        for finding in all where finding.file.hasSuffix("_unguarded.sql") {
            guard let hazard = asked[finding.rule] else { continue }
            let lines = try String(contentsOfFile: finding.file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            let above = lines[..<(finding.line - 1)].reversed().prefix { $0.hasPrefix("-- hazard ") }
            XCTAssertTrue(above.contains { $0.hasPrefix("-- hazard \(hazard)") }, "\(finding): no \(hazard.isEmpty ? "hazard" : hazard) said above it")
            said += 1
        }
        XCTAssertGreaterThan(said, 10)
    }

    /// Each case the other two ways: its migration file through `migrate
    /// up`, and `apply` planning against the database itself; both converge.
    func testEveryMigrationConvergesThroughMigrateUpAndThroughApply() throws {
        let cluster = try PostgresCluster.get()
        let binary = try Repo.binary
        for c in try Self.cases() {
            let (text, migratable) = try Self.migration(c)
            guard migratable, !text.isEmpty else { continue }
            let before = try c.load("before"), after = try c.load("after")
            let dir = try Repo.temporaryDirectory("ways")
            defer { try? FileManager.default.removeItem(at: dir) }
            let beforeSQL = dir.appendingPathComponent("before.sql"), afterSQL = dir.appendingPathComponent("after.sql")
            try Data(PostgresRenderer.schemaFile(for: before, sourceFiles: []).utf8).write(to: beforeSQL)
            try Data(PostgresRenderer.schemaFile(for: after, sourceFiles: []).utf8).write(to: afterSQL)
            let migrations = dir.appendingPathComponent("postgresql/migrations")
            try FileManager.default.createDirectory(at: migrations, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: migrations.appendingPathComponent("001_case.sql"))
            let schemas = Array(Set(["public"] + after.schemas + before.schemas)).sorted()
            let fresh = try PostgresInspector.inspect(try connect(cluster, try cluster.databaseFromSchema(afterSQL, label: "ways_fresh")), schemas: schemas)

            let migrated = try cluster.databaseFromSchema(beforeSQL, label: "ways_up_\(c.name)")
            let url = "host=\(cluster.socketDirectory) dbname=\(migrated) user=postgres"
            let up = try Shell.run(binary, ["migrate", "up", "--url", url, "--allow-destructive"], cwd: dir)
            XCTAssertEqual(up.status, 0, "\(c.name): migrate up: \(up.stderr)")
            try assertSame(migrated, as: fresh, schemas: schemas, cluster, "\(c.name), through migrate up")

            let applied = try cluster.databaseFromSchema(beforeSQL, label: "ways_apply_\(c.name)")
            let target = "host=\(cluster.socketDirectory) dbname=\(applied) user=postgres"
            let run = try Shell.run(binary, ["apply", "-C", c.directory.path, "--definitions", "after", "--against", target,
                                             "--auto-approve", "--allow-destructive"], cwd: dir)
            XCTAssertEqual(run.status, 0, "\(c.name): apply: \(run.stderr)")
            XCTAssertTrue(run.stdout.hasSuffix("applied: the database is in sync with the definitions\n"), "\(c.name): \(run.stdout)")
            try assertSame(applied, as: fresh, schemas: schemas, cluster, "\(c.name), through apply")
        }
    }

    /// apply refuses without a terminal and without --auto-approve, and
    /// refuses a reviewed plan once the database has changed under it.
    func testApplyAsksAndRefusesAStalePlan() throws {
        let cluster = try PostgresCluster.get()
        let binary = try Repo.binary
        let c = Repo.root.appendingPathComponent("Tests/Migrations/add_columns")
        let dir = try Repo.temporaryDirectory("apply")
        defer { try? FileManager.default.removeItem(at: dir) }
        let beforeSQL = dir.appendingPathComponent("before.sql")
        try Data(PostgresRenderer.schemaFile(for: try Case(name: "add_columns", directory: c).load("before"), sourceFiles: []).utf8).write(to: beforeSQL)
        let db = try cluster.databaseFromSchema(beforeSQL, label: "apply_stale")
        let url = "host=\(cluster.socketDirectory) dbname=\(db) user=postgres"
        let project = ["-C", c.path, "--definitions", "after"]

        let unasked = try Shell.run(binary, ["apply"] + project + ["--against", url], cwd: dir)
        XCTAssertEqual(unasked.status, 1)
        XCTAssertTrue(unasked.stderr.contains("there is no terminal to ask") && unasked.stdout.contains("ADD COLUMN IF NOT EXISTS"), unasked.stderr)
        XCTAssertEqual(try cluster.psql(database: db, sql: "SELECT count(*) FROM pg_attribute WHERE attname = 'note'").trimmingCharacters(in: .whitespacesAndNewlines), "0")

        let plan = try Shell.run(binary, ["diff"] + project + ["--against", url, "--format", "json"], cwd: dir)
        XCTAssertEqual(plan.status, 0, plan.stderr)
        XCTAssertTrue(plan.stdout.split(separator: "\n").last?.contains("\"kind\": \"fingerprint\"") ?? false, plan.stdout)
        let planFile = dir.appendingPathComponent("plan.json")
        try Data(plan.stdout.utf8).write(to: planFile)
        try cluster.psql(database: db, sql: "CREATE TABLE public.sneaked_in (x int);")
        let stale = try Shell.run(binary, ["apply"] + project + ["--against", url, "--plan", planFile.path, "--auto-approve"], cwd: dir)
        XCTAssertEqual(stale.status, 1)
        XCTAssertTrue(stale.stderr.contains("the database changed since") && stale.stderr.contains("nothing was run"), stale.stderr)
        try cluster.psql(database: db, sql: "DROP TABLE public.sneaked_in;")
        let reviewed = try Shell.run(binary, ["apply"] + project + ["--against", url, "--plan", planFile.path, "--auto-approve"], cwd: dir)
        XCTAssertEqual(reviewed.status, 0, reviewed.stderr)
        XCTAssertTrue(reviewed.stdout.hasSuffix("applied: the database is in sync with the definitions\n"), reviewed.stdout)
    }

    /// Up, then down: every case whose way back can be planned gives back
    /// the "before" catalog, and the rows of a table that lives through
    /// both directions are still there.
    func testEveryMigrationUpThenDownGivesBackTheBeforeCatalog() throws {
        let cluster = try PostgresCluster.get()
        var reverted = 0, filled = 0
        for c in try Self.cases() {
            let (paths, _) = ProjectPaths.load(root: c.directory, definitions: "after", output: "generated")
            let planned = PostgresPlanning.plans(paths, against: .definitionsFolder(c.directory.appendingPathComponent("before"), display: "before"),
                                                 options: .init(allowDestructive: true), down: true)
            guard let plans = planned.value, let down = plans.down, !plans.up.isEmpty else { continue }
            let before = try c.load("before"), after = try c.load("after")
            let dir = try Repo.temporaryDirectory("down")
            defer { try? FileManager.default.removeItem(at: dir) }
            let beforeSQL = dir.appendingPathComponent("before.sql"), upSQL = dir.appendingPathComponent("up.sql")
            let downSQL = dir.appendingPathComponent("down.sql")
            try Data(PostgresRenderer.schemaFile(for: before, sourceFiles: []).utf8).write(to: beforeSQL)
            try Data(PostgresRenderer.migration(plans.up).utf8).write(to: upSQL)
            try Data(PostgresRenderer.migration(down).utf8).write(to: downSQL)
            let db = try cluster.databaseFromSchema(beforeSQL, label: "down_\(c.name)")
            let fresh = try cluster.databaseFromSchema(beforeSQL, label: "down_fresh_\(c.name)")
            let schemas = Array(Set(["public"] + after.schemas + before.schemas)).sorted()
            // A row in every table that lives through both ways (the same name before and after), where one goes in:
            // not where a statement needs the table empty or a column without NULLs (the planner refuses it on a live
            // target), nor a partitioned table that loses a partition (and its rows, as asked).
            let statements = plans.up.statements + down.statements
            let refusing = Set(statements.compactMap { $0.precondition?.table })
            let dropped = Set(statements.filter { $0.kind == .dropTable }.map(\.target))
            let kept = PostgresPlanner.foreignKeyOrder(before.tables).filter { t in
                after.tables.contains { $0.name == t.name && $0.renamedFrom == nil } && !refusing.contains(t.name)
                    && !(before.tables + after.tables).filter({ $0.name == t.name }).flatMap(\.partitions).contains { dropped.contains($0.name.description) }
            }
            for t in kept { _ = try? cluster.psql(database: db, sql: Self.sampleRow(t)) }
            let rows = try kept.map { try cluster.psql(database: db, sql: "SELECT count(*) FROM \(SQL.qualified($0.name));") }
            filled += rows.filter { $0.trimmingCharacters(in: .whitespacesAndNewlines) != "0" }.count
            for (label, file) in [("up", upSQL), ("down", downSQL)] {
                let run = try cluster.psqlResult(database: db, file: file.path)
                XCTAssertEqual(run.status, 0, "\(c.name): \(label) does not apply:\n\(run.stderr)")
            }
            let b = try PostgresInspector.inspect(try connect(cluster, fresh), schemas: schemas)
            try assertSame(db, as: b, schemas: schemas, cluster, "\(c.name), up then down")
            XCTAssertEqual(try kept.map { try cluster.psql(database: db, sql: "SELECT count(*) FROM \(SQL.qualified($0.name));") }, rows,
                           "\(c.name): rows lost on the way there and back")
            reverted += 1
        }
        XCTAssertGreaterThan(reverted, 20)
        XCTAssertGreaterThan(filled, 20, "too few tables held a row: the row check checks little")
    }

    /// One row for `t`: a value of its type for each column that needs one
    /// (NOT NULL, no default, not generated or identity).
    static func sampleRow(_ t: Table) -> String {
        let needed = t.columns.filter { !$0.nullable && $0.defaultSQL == nil && $0.identity == nil && $0.generated == nil }
        guard !needed.isEmpty else { return "INSERT INTO \(SQL.qualified(t.name)) DEFAULT VALUES;" }
        let values = needed.map { c -> String in
            if c.type.isArray { return "'{}'" }
            switch c.type.builtin {
            case .smallint, .integer, .bigint, .numeric, .real, .doublePrecision: return "1"
            case .boolean: return "true"
            case .uuid: return "'00000000-0000-0000-0000-000000000001'"
            case .jsonb, .json: return "'{}'"
            case .date, .timestamp, .timestamptz: return "'2026-01-15'"
            case .none: return "(pg_catalog.enum_range(NULL::\(c.type.sql)))[1]"
            default: return "'x'"
            }
        }
        return "INSERT INTO \(SQL.qualified(t.name)) (\(SQL.identifierList(needed.map(\.name)))) VALUES (\(values.joined(separator: ", ")));"
    }

    /// A migration stopped after any statement (a failure, a kill: what
    /// its open transaction did is rolled back) is finished by running the
    /// file again whole, as `psql -f` runs it.
    func testEveryMigrationCutAfterAnyStatementConvergesWhenRunAgain() throws {
        let cluster = try PostgresCluster.get()
        var cuts = 0
        for c in try Self.cases() {
            let (text, migratable) = try Self.migration(c)
            guard migratable else { continue }
            let before = try c.load("before"), after = try c.load("after")
            let dir = try Repo.temporaryDirectory("cut")
            defer { try? FileManager.default.removeItem(at: dir) }
            let beforeSQL = dir.appendingPathComponent("before.sql"), afterSQL = dir.appendingPathComponent("after.sql")
            let migrationSQL = dir.appendingPathComponent("migration.sql")
            try Data(PostgresRenderer.schemaFile(for: before, sourceFiles: []).utf8).write(to: beforeSQL)
            try Data(PostgresRenderer.schemaFile(for: after, sourceFiles: []).utf8).write(to: afterSQL)
            try Data(text.utf8).write(to: migrationSQL)
            let template = try cluster.databaseFromSchema(beforeSQL, label: "cut_before_\(c.name)")
            let schemas = Array(Set(["public"] + after.schemas + before.schemas)).sorted()
            let fresh = try PostgresInspector.inspect(try connect(cluster, try cluster.databaseFromSchema(afterSQL, label: "cut_fresh")), schemas: schemas)
            let statements = try SQLScript(text).statements
            let header = statements.prefix { $0.sql.hasPrefix("SET ") }.count
            for cut in header..<statements.count where statements[cut].sql != "BEGIN" {
                let db = try cluster.createDatabase("cut_\(c.name)", template: template)
                let prefix = statements[..<(cut + 1)].map { $0.sql + ";\n" }.joined()
                let partial = try cluster.psqlResult(database: db, sql: prefix)
                XCTAssertEqual(partial.status, 0, "\(c.name), the first \(cut + 1) statements:\n\(partial.stderr)")
                let rerun = try cluster.psqlResult(database: db, file: migrationSQL.path)
                XCTAssertEqual(rerun.status, 0, "\(c.name), run again after statement \(cut + 1) (line \(statements[cut].line)):\n\(rerun.stderr)")
                try assertSame(db, as: fresh, schemas: schemas, cluster, "\(c.name), run again after statement \(cut + 1) (line \(statements[cut].line))")
                try cluster.psql(database: "postgres", sql: "DROP DATABASE \"\(db)\";")
                cuts += 1
            }
        }
        XCTAssertGreaterThan(cuts, 100)
    }

    func connect(_ cluster: PostgresCluster, _ db: String) throws -> PostgresConnection {
        try PostgresConnection("host=\(cluster.socketDirectory) dbname=\(db) user=postgres")
    }

    static func expressions(_ s: PostgresSchema) -> [String] {
        s.tables.flatMap { t in
            t.columns.map { "\(t.name).\($0.name) default=\($0.defaultSQL ?? "-") generated=\($0.generated ?? "-")" } + t.checks.map { "\(t.name) check \($0.name) \($0.expression)" }
        }.sorted()
    }

    func testDiffCommandExitCodes() throws {
        let binary = try Repo.binary
        let root = Repo.root.appendingPathComponent("Tests/Migrations")
        func diff(_ name: String, _ extra: [String]) throws -> Shell.Result {
            try Shell.run(binary, ["diff", "--definitions", "after", "--against", "before"] + extra, cwd: root.appendingPathComponent(name))
        }
        let inSync = try diff("in_sync", ["--detailed-exitcode"])
        XCTAssertEqual(inSync.status, 0, inSync.stderr)
        XCTAssertEqual(inSync.stdout, "")
        let changes = try diff("add_columns", ["--detailed-exitcode"])
        XCTAssertEqual(changes.status, 2, changes.stderr)
        XCTAssertTrue(changes.stdout.contains("ADD COLUMN IF NOT EXISTS \"note\" text;"), changes.stdout)
        XCTAssertEqual(try diff("add_columns", []).status, 0)

        let refused = try diff("drop_column_and_table", [])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stdout, "")
        XCTAssertTrue(refused.stderr.contains("[destructive-change]"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("drop_table public.legacy"), refused.stderr)
        let allowed = try diff("drop_column_and_table", ["--allow-destructive"])
        XCTAssertEqual(allowed.status, 0, allowed.stderr)
        XCTAssertTrue(allowed.stdout.contains("DROP TABLE IF EXISTS \"public\".\"legacy\";"))

        let json = try diff("indexes", ["--format", "json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let statements = try json.stdout.split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], String($0))
        }
        XCTAssertTrue(statements.contains { ($0["hazards"] as? [String])?.contains("index_build") == true && $0["transactional"] as? Bool == false })

        let unsupported = try diff("unsupported_repartition", [])
        XCTAssertEqual(unsupported.status, 1)
        XCTAssertTrue(unsupported.stderr.contains("cannot migrate yet: partitioning of table public.logs"), unsupported.stderr)

        let live = try Shell.run(binary, ["diff", "--definitions", "after", "--against", "postgresql://u:hunter2@localhost/db"],
                                 cwd: root.appendingPathComponent("in_sync"))
        XCTAssertEqual(live.status, 1)
        XCTAssertFalse(live.stderr.contains("hunter2"), live.stderr)
        // A connection error, said as one, not some other failure with the same exit status.
        XCTAssertTrue(live.stderr.hasPrefix("schemac: error: cannot connect to postgresql://u:****@localhost/db: "), live.stderr)
        XCTAssertTrue(live.stderr.hasSuffix(" [connection-failed]\n"), live.stderr)
        XCTAssertEqual(live.stderr.split(separator: "\n").count, 1, live.stderr)
    }
}

extension MigrationTests {
    func testWriteSavesTheNextNumberedMigration() throws {
        let binary = try Repo.binary
        let dir = try Repo.temporaryDirectory("write")
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = Repo.root.appendingPathComponent("Tests/Migrations/add_columns")
        try Repo.copy(source.appendingPathComponent("before"), to: dir.appendingPathComponent("before"))
        try Repo.copy(source.appendingPathComponent("after"), to: dir.appendingPathComponent("definitions"))
        let migrations = dir.appendingPathComponent("postgresql/migrations")
        try FileManager.default.createDirectory(at: migrations, withIntermediateDirectories: true)
        try Data("-- by hand\n".utf8).write(to: migrations.appendingPathComponent("007_seed.sql"))
        let run = try Shell.run(binary, ["diff", "--against", "before", "--write", "--name", "Add notes & tiers"], cwd: dir)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "postgresql/migrations/008_add_notes_tiers.sql\npostgresql/migrations/008_add_notes_tiers.down.sql\n")
        let written = try String(contentsOf: migrations.appendingPathComponent("008_add_notes_tiers.sql"), encoding: .utf8)
        XCTAssertTrue(written.contains("ADD COLUMN IF NOT EXISTS \"note\" text;"))
        // The way back drops what the way there added, and says so in its header.
        let down = try String(contentsOf: migrations.appendingPathComponent("008_add_notes_tiers.down.sql"), encoding: .utf8)
        XCTAssertTrue(down.contains("-- schemac: destructive: it loses data") && down.contains("DROP COLUMN IF EXISTS \"note\""), down)
        // The same migration again, before the first was applied: nothing new.
        let twice = try Shell.run(binary, ["diff", "--against", "before", "--write", "--name", "Add notes & tiers"], cwd: dir)
        XCTAssertEqual(twice.status, 0, twice.stderr)
        XCTAssertEqual(twice.stdout, "")
        XCTAssertTrue(twice.stderr.contains("postgresql/migrations/008_add_notes_tiers.sql already holds this migration"), twice.stderr)
        // In sync: nothing written.
        let again = try Shell.run(binary, ["diff", "--against", "definitions", "--write"], cwd: dir)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.stdout, "")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: migrations.path).sorted(),
                       ["007_seed.sql", "008_add_notes_tiers.down.sql", "008_add_notes_tiers.sql", "schemac.sum"])
        XCTAssertEqual(try Shell.run(binary, ["migrate", "hash"], cwd: dir).status, 0)

        // A new enum value of a type a view reads has no way back (the type would be made again, and the view
        // with it): no down file, and a warning saying why.
        for (folder, values) in [("before", "[open, closed]"), ("definitions", "[open, closed, archived]")] {
            let place = dir.appendingPathComponent(folder)
            try FileManager.default.removeItem(at: place)
            try FileManager.default.createDirectory(at: place, withIntermediateDirectories: true)
            try Data("""
                postgres:
                  enums:
                    status: \(values)
                  tables:
                    tickets:
                      columns:
                        id: { type: bigint, primary_key: true }
                        status: status
                  views:
                    open_tickets: { sql: "SELECT id, status FROM tickets WHERE status = 'open'" }

                """.utf8).write(to: place.appendingPathComponent("schema.yaml"))
        }
        let oneWay = try Shell.run(binary, ["diff", "--against", "before", "--write", "--name", "statuses"], cwd: dir)
        XCTAssertEqual(oneWay.status, 0, oneWay.stderr)
        XCTAssertEqual(oneWay.stdout, "postgresql/migrations/009_statuses.sql\n")
        XCTAssertTrue(oneWay.stderr.contains("no down migration written: the way back cannot be migrated [no-down-migration]"), oneWay.stderr)
    }
}

extension MigrationTests {
    func testDiffAgainstAGitRevisionNeedsNoDatabase() throws {
        let binary = try Repo.binary
        guard let git = Shell.which("git") else { throw XCTSkip("git is not installed") }
        let dir = try Repo.temporaryDirectory("git")
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = Repo.root.appendingPathComponent("Tests/Migrations/rename_table_and_column")
        try Repo.copy(source.appendingPathComponent("before"), to: dir.appendingPathComponent("definitions"))
        for args in [["init", "-q"], ["add", "-A"], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "before"]] {
            XCTAssertEqual(try Shell.run(git, args, cwd: dir).status, 0)
        }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("definitions"))
        try Repo.copy(source.appendingPathComponent("after"), to: dir.appendingPathComponent("definitions"))
        let run = try Shell.run(binary, ["diff", "--against", "git:HEAD", "--detailed-exitcode"], cwd: dir)
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertEqual(run.stdout, try String(contentsOf: source.appendingPathComponent("expected.sql"), encoding: .utf8))
        let bad = try Shell.run(binary, ["diff", "--against", "git:no-such-rev"], cwd: dir)
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderr, "schemac: error: git cannot read revision 'no-such-rev' [git-failed]\n")
    }
}

extension MigrationTests {
    /// Item 9 of issue 12: a git revision's definitions read their Redis
    /// scripts from that revision too, also when the project is a folder of
    /// a larger repository.
    func testDiffAgainstAGitRevisionReadsItsScripts() throws {
        let binary = try Repo.binary
        guard let git = Shell.which("git") else { throw XCTSkip("git is not installed") }
        let repo = try Repo.temporaryDirectory("git_scripts")
        defer { try? FileManager.default.removeItem(at: repo) }
        let project = repo.appendingPathComponent("services/api")
        try Repo.copy(Repo.casesRoot.appendingPathComponent("redis_scripts/definitions"), to: project.appendingPathComponent("definitions"))
        try Data("postgres:\n  tables:\n    t:\n      columns:\n        id: { type: bigint, primary_key: true }\n".utf8)
            .write(to: project.appendingPathComponent("definitions/t.yaml"))
        for args in [["init", "-q"], ["add", "-A"], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "scripts"]] {
            XCTAssertEqual(try Shell.run(git, args, cwd: repo).status, 0)
        }
        // The script is gone from the working tree: only the revision has it.
        try FileManager.default.removeItem(at: project.appendingPathComponent("definitions/redis/limit.lua"))
        try FileManager.default.removeItem(at: project.appendingPathComponent("definitions/r.yaml"))
        let run = try Shell.run(binary, ["diff", "--against", "git:HEAD", "--detailed-exitcode"], cwd: project)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stderr, "")
    }
}
