import Foundation
import SchemacCore
import SchemacDiagnostics
import SchemacLoader
import SchemacModel
import SchemacPostgres
import SchemacPostgresDriver
import XCTest

/// `schemac pull` on real databases: what it writes loads without a word,
/// plans empty against the database it came from, and builds a database
/// that pulls to the same bytes; what it cannot write, it names.
final class PullTests: XCTestCase {
    /// The outcome of one pull into a folder of its own.
    struct Pulled {
        var folder: URL
        var result: CommandResult
        /// The files written, by name, as text.
        var texts: [String: String]
        var warnings: [Diagnostic] { result.diagnostics.filter { $0.id == .pullUnsupported } }
    }

    static func connection(_ cluster: PostgresCluster, _ db: String) -> String {
        "host=\(cluster.socketDirectory) dbname=\(db) user=postgres"
    }

    static func pull(_ request: Commands.PullRequest, label: String) throws -> Pulled {
        let root = try Repo.temporaryDirectory("pull-\(label)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let (paths, _) = ProjectPaths.load(root: root)
        let result = Commands.pull(paths, request, relativeTo: root)
        let folder = paths.definitionsURL.appendingPathComponent("postgres")
        var texts: [String: String] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] {
            texts[name] = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        }
        return Pulled(folder: root, result: result, texts: texts)
    }

    /// `check`: as `--check`, which the round trips use so that what pull
    /// says of its own output is tested too.
    static func pull(from connection: String, label: String, check: Bool = true) throws -> Pulled {
        var request = Commands.PullRequest()
        request.from = connection
        request.check = check
        return try pull(request, label: label)
    }

    /// The round trip of one database: pull, load, plan against the source,
    /// build a new database from the pulled definitions and pull that.
    /// Returns the pulled definitions' model.
    @discardableResult
    func assertRoundTrip(_ cluster: PostgresCluster, database db: String, label: String, allowingSkips: Bool = false,
                         file: StaticString = #filePath, line: UInt = #line) throws -> PostgresSchema? {
        let source = Self.connection(cluster, db)
        let first = try Self.pull(from: source, label: label)
        defer { try? FileManager.default.removeItem(at: first.folder) }
        let unchecked = try Self.pull(from: source, label: label + "_unchecked", check: false)
        defer { try? FileManager.default.removeItem(at: unchecked.folder) }
        XCTAssertEqual(unchecked.texts, first.texts, "\(label): --check changes what is written", file: file, line: line)
        let problems = first.result.diagnostics.filter { $0.id != .pullUnsupported }
        XCTAssertEqual(problems.map(\.description), [], "\(label): pull says more than what it skipped", file: file, line: line)
        XCTAssertEqual(first.result.status, 0, "\(label): pull fails", file: file, line: line)
        if !allowingSkips {
            // Built from definitions, a database holds nothing the language cannot say.
            XCTAssertEqual(first.warnings.map(\.description), [], "\(label): pull skips what the language holds", file: file, line: line)
        }
        let loaded = first.texts.isEmpty ? nil
            : DefinitionsLoader.load(directory: first.folder.appendingPathComponent("definitions"), displayPrefix: "definitions")
        XCTAssertEqual(loaded?.diagnostics.map(\.description) ?? [], [], "\(label): the pulled definitions load with diagnostics", file: file, line: line)
        guard let pulled = loaded.map({ $0.definitions?.postgres }) ?? PostgresSchema() else {
            XCTFail("\(label): the pulled definitions have no postgres section", file: file, line: line)
            return nil
        }
        // What was skipped may show in the plan; nothing else may.
        let changes = try PostgresPlanning.liveChanges(connection: source, to: pulled)
            .mapError { TestFailure($0.diagnostics.map(\.description).joined(separator: "\n")) }.get()
        if first.warnings.isEmpty {
            XCTAssertEqual(changes, [], "\(label): the pulled definitions do not plan empty against their source:\n\(first.texts.values.sorted().joined())",
                           file: file, line: line)
        }
        // Built fresh, the pulled definitions make a database that pulls to the same bytes.
        let schemaFile = first.folder.appendingPathComponent("schema.sql")
        try Data(PostgresRenderer.schemaFile(for: pulled, sourceFiles: []).utf8).write(to: schemaFile)
        let rebuilt = try cluster.databaseFromSchema(schemaFile, label: "rebuilt_\(label)")
        let second = try Self.pull(from: Self.connection(cluster, rebuilt), label: label + "_again")
        defer { try? FileManager.default.removeItem(at: second.folder) }
        if first.warnings.isEmpty {
            XCTAssertEqual(second.texts, first.texts, "\(label): the rebuilt database pulls differently", file: file, line: line)
        }
        return pulled
    }

    /// Every reference case and every migration case's after side, built and pulled.
    func testEveryCaseRoundTrips() throws {
        let cluster = try PostgresCluster.get()
        var sources: [(String, URL)] = []
        for c in try ReferenceCase.all() {
            let file = c.expectedDirectory.appendingPathComponent("postgres/schema.sql")
            if FileManager.default.fileExists(atPath: file.path) { sources.append((c.name, file)) }
        }
        let scratch = try Repo.temporaryDirectory("pull-migrations")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        for c in try MigrationTests.cases() {
            let after = try c.load("after")
            let file = scratch.appendingPathComponent("\(c.name).sql")
            try Data(PostgresRenderer.schemaFile(for: after, sourceFiles: []).utf8).write(to: file)
            sources.append(("migration_\(c.name)", file))
        }
        XCTAssertGreaterThan(sources.count, 60)
        for (name, file) in sources {
            let db = try cluster.databaseFromSchema(file, label: "pull_\(name)")
            try assertRoundTrip(cluster, database: db, label: name)
        }
    }

    /// The bundled projects pull to their own model: the same tables,
    /// columns, keys, policies and partitions under the same names.
    func testBundledProjectsPullToTheirModel() throws {
        let cluster = try PostgresCluster.get()
        for (name, folder) in [("definitions", Repo.root), ("attribution", Repo.root.appendingPathComponent("examples/attribution"))] {
            let bundled = try XCTUnwrap(DefinitionsLoader.load(directory: folder.appendingPathComponent("definitions"), displayPrefix: "definitions")
                .definitions?.postgres)
            let db = try cluster.databaseFromSchema(folder.appendingPathComponent("generated/postgres/schema.sql"), label: "bundled_\(name)")
            let pulled = try XCTUnwrap(try assertRoundTrip(cluster, database: db, label: name))
            let (got, want) = (Self.shape(pulled), Self.shape(bundled))
            XCTAssertEqual(got.filter { !want.contains($0) }, [], "\(name): pulled but not bundled")
            XCTAssertEqual(want.filter { !got.contains($0) }, [], "\(name): bundled but not pulled")
            XCTAssertEqual(got, want, "\(name): columns in another order")
        }
    }

    /// What a model is made of, its expressions' spelling aside.
    static func shape(_ s: PostgresSchema) -> [String] {
        var lines = (s.enums.map { "enum \($0.name) \($0.values)" } + s.functions.map { "function \($0.name)(\($0.arguments)) \($0.returns)" }).sorted()
        for t in s.tables.sorted(by: { $0.name < $1.name }) {
            lines.append("table \(t.name) rls \(t.rowLevelSecurity) \(t.forceRowLevelSecurity) \(t.comment ?? "")")
            lines += t.columns.map { "  column \($0.name) \($0.type.sql) \($0.nullable) \($0.identity?.rawValue ?? "") \($0.defaultSQL != nil) \($0.generated != nil)" }
            lines += [t.primaryKey.map { "  pk \($0.name) \($0.columns)" } ?? "  no pk"]
            lines += t.uniques.map { "  unique \($0.name) \($0.columns)" }.sorted() + t.checks.map { "  check \($0.name)" }.sorted()
            lines += t.foreignKeys.map { "  fk \($0.name) \($0.columns) \($0.referencedTable) \($0.referencedColumns) \($0.onDelete) \($0.deferrable)" }.sorted()
            lines += t.indexes.map { "  index \($0.name) \($0.keys.count) \($0.unique) \($0.method)" }.sorted()
            lines += t.policies.map { "  policy \($0.name) \($0.command) \($0.roles)" }.sorted()
            lines += t.grants.map { "  grant \($0.role) \($0.privileges)" }.sorted() + t.triggers.map { "  trigger \($0.name) \($0.function)" }.sorted()
            lines += t.partitions.map { "  partition \($0.name)" }.sorted()
        }
        lines += s.views.map { "view \($0.name) \($0.materialized) \($0.securityInvoker)" }.sorted()
        return lines
    }

    /// Objects the language does not hold are named, each with its kind, and
    /// --strict fails on them; what the language holds still round-trips.
    func testWhatCannotBePulledIsNamed() throws {
        let cluster = try PostgresCluster.get()
        let db = try cluster.createDatabase("pull_unheld")
        try cluster.psql(database: db, sql: """
            CREATE EXTENSION btree_gist;
            CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
            CREATE TYPE pair AS (a integer, b integer);
            CREATE SEQUENCE invoice_numbers;
            CREATE TABLE rooms (id integer PRIMARY KEY, size positive, during tstzrange,
                                EXCLUDE USING gist (id WITH =, during WITH &&));
            CREATE TABLE counters (id serial PRIMARY KEY, n integer NOT NULL DEFAULT 0);
            CREATE RULE no_delete AS ON DELETE TO counters DO INSTEAD NOTHING;
            CREATE PUBLICATION everything FOR ALL TABLES;
            DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'auditor') THEN CREATE ROLE auditor NOLOGIN; END IF; END $$;
            GRANT SELECT (n) ON counters TO auditor;
            CREATE UNLOGGED TABLE scratchpad (note text);
            """)
        let pulled = try Self.pull(from: Self.connection(cluster, db), label: "unheld")
        defer { try? FileManager.default.removeItem(at: pulled.folder) }
        XCTAssertEqual(pulled.result.status, 0)
        let said = pulled.warnings.map(\.message).joined(separator: "\n")
        for expected in ["composite type public.pair",
                         "rule public.counters.no_delete",
                         "publication everything", "column grant public.counters.n", "unlogged table public.scratchpad"] {
            XCTAssertTrue(said.contains(expected), "not named: \(expected) in\n\(said)")
        }
        // Domains and sequences are the language's: a serial column is its sequence, owned by it, and its default.
        let text = pulled.texts.values.joined(separator: "\n")
        for expected in ["rooms_id_during_excl: USING gist (id WITH =, during WITH &&)", "positive: {type: integer, check: VALUE > 0}", "size: positive?", "invoice_numbers: {}", "counters_id_seq: {type: integer, owned_by: counters.id}", "default_sql: 'nextval("] {
            XCTAssertTrue(text.contains(expected), "not pulled: \(expected) in\n\(text)")
        }
        XCTAssertFalse(said.contains("sequence"), said)
        XCTAssertTrue(pulled.warnings.allSatisfy { $0.location?.file == "definitions/postgres/public.yaml" }, said)
        var strict = Commands.PullRequest()
        strict.from = Self.connection(cluster, db)
        strict.strict = true
        let refused = try Self.pull(strict, label: "unheld_strict")
        defer { try? FileManager.default.removeItem(at: refused.folder) }
        XCTAssertEqual(refused.result.status, 1)
    }

    /// Pull refuses to replace files, writes nothing then, and replaces them with --force.
    func testPullRefusesToOverwriteUnlessForced() throws {
        let cluster = try PostgresCluster.get()
        let db = try cluster.createDatabase("pull_force")
        try cluster.psql(database: db, sql: "CREATE TABLE notes (id bigint PRIMARY KEY, body text);")
        var request = Commands.PullRequest()
        request.from = Self.connection(cluster, db)
        let root = try Repo.temporaryDirectory("pull-force")
        let folder = root.appendingPathComponent("definitions/postgres")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try Data("# mine\n".utf8).write(to: folder.appendingPathComponent("public.yaml"))
        let (paths, _) = ProjectPaths.load(root: root)
        let refused = Commands.pull(paths, request, relativeTo: root)
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.diagnostics.map(\.id), [.pullWouldOverwrite])
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("public.yaml"), encoding: .utf8), "# mine\n")
        // Another file that declares tables of the schema is named too.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("public.yaml"))
        try Data("postgres:\n  tables:\n    notes:\n      columns: { id: bigint }\n".utf8).write(to: root.appendingPathComponent("definitions/app.yaml"))
        let held = Commands.pull(paths, request, relativeTo: root)
        XCTAssertEqual(held.diagnostics.map(\.notes), [["definitions/app.yaml"]])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("public.yaml").path))
        try FileManager.default.removeItem(at: root.appendingPathComponent("definitions/app.yaml"))
        try Data("# mine\n".utf8).write(to: folder.appendingPathComponent("public.yaml"))
        request.force = true
        let forced = Commands.pull(paths, request, relativeTo: root)
        XCTAssertEqual(forced.status, 0, forced.diagnostics.map(\.description).joined(separator: "\n"))
        XCTAssertTrue(try String(contentsOf: folder.appendingPathComponent("public.yaml"), encoding: .utf8).contains("notes:"))
    }
}

/// `pull --sql`: files run on a dev database inside a transaction that is
/// rolled back; refusals name their file and line.
extension PullTests {
    /// Everything a database holds, to tell that the dev database is unchanged.
    static let everything = "SELECT count(*) FROM pg_class UNION ALL SELECT count(*) FROM pg_namespace UNION ALL SELECT count(*) FROM pg_extension UNION ALL SELECT count(*) FROM pg_proc UNION ALL SELECT count(*) FROM pg_type"

    func testSeedStyleFixturesPullLikeTheDatabaseTheyBuild() throws {
        let cluster = try PostgresCluster.get()
        for fixture in ["001_init_schema.sql", "attribution_schema.sql"] {
            let file = Repo.root.appendingPathComponent("Tests/Fixtures/\(fixture)")
            let dev = try cluster.createDatabase("pull_dev")
            let before = try cluster.psql(database: dev, sql: Self.everything)
            var request = Commands.PullRequest()
            request.sql = [file.path]
            request.devURL = PullTests.connection(cluster, dev)
            request.check = true
            let imported = try PullTests.pull(request, label: "sql")
            defer { try? FileManager.default.removeItem(at: imported.folder) }
            XCTAssertEqual(imported.result.diagnostics.map(\.description), [], fixture)
            XCTAssertEqual(imported.result.status, 0, fixture)
            XCTAssertEqual(try cluster.psql(database: dev, sql: Self.everything), before, "\(fixture): the dev database changed")
            // The same files loaded for real pull to the same bytes, and round-trip.
            let source = try cluster.databaseFromSchema(file, label: "pull_seed")
            let direct = try PullTests.pull(from: PullTests.connection(cluster, source), label: "seed")
            defer { try? FileManager.default.removeItem(at: direct.folder) }
            XCTAssertEqual(imported.texts, direct.texts, fixture)
            try assertRoundTrip(cluster, database: source, label: "seed_\(fixture)")
        }
    }

    func testRefusalsNameTheirFileAndLine() throws {
        let cluster = try PostgresCluster.get()
        let dev = try cluster.createDatabase("pull_dev_refusals")
        let before = try cluster.psql(database: dev, sql: Self.everything)
        let folder = try Repo.temporaryDirectory("pull-sql")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func write(_ name: String, _ text: String) throws -> String {
            try Data(text.utf8).write(to: folder.appendingPathComponent(name))
            return name
        }
        let good = try write("001_tables.sql", """
            BEGIN;
            CREATE TABLE teams (id bigint PRIMARY KEY, name text NOT NULL);
            CREATE INDEX CONCURRENTLY teams_name ON teams (name);
            COMMENT ON TABLE teams IS 'it''s; not a split';
            CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;
            COMMIT;
            """)
        let bad = try write("002_bad.sql", "-- a comment\nCREATE TABLE members (id bigint);\n\nCREATE TABLE members (id bigint);\n")
        let meta = try write("003_meta.sql", "CREATE TABLE x (id int);\n\\connect other\n")
        func pull(_ files: [String]) -> CommandResult {
            var request = Commands.PullRequest()
            request.sql = files
            request.devURL = PullTests.connection(cluster, dev)
            request.check = true
            let (paths, _) = ProjectPaths.load(root: folder)
            return Commands.pull(paths, request, relativeTo: folder)
        }
        let refused = pull([good, bad])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.diagnostics.map(\.id), [.sqlRefused])
        XCTAssertEqual(refused.diagnostics.first?.location?.description, "002_bad.sql:4:1")
        XCTAssertTrue(refused.diagnostics.first?.message.contains("already exists") == true, "\(refused.diagnostics)")
        let metaRefused = pull([meta])
        XCTAssertEqual(metaRefused.diagnostics.map(\.description), [
            "003_meta.sql:2:1: error: \\connect other is a psql meta-command, which the server cannot run; remove it or run the file through psql into a database and pull --from that [sql-refused]",
        ])
        XCTAssertEqual(try cluster.psql(database: dev, sql: Self.everything), before, "the dev database changed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("definitions").path), "a refused pull wrote files")
        let pulled = pull([good])
        XCTAssertEqual(pulled.diagnostics.map(\.description), [])
        let text = try String(contentsOf: folder.appendingPathComponent("definitions/postgres/public.yaml"), encoding: .utf8)
        XCTAssertTrue(text.contains("teams:") && text.contains("comment: it's; not a split") && text.contains("name: teams_name"), text)
        XCTAssertEqual(try cluster.psql(database: dev, sql: Self.everything), before, "the dev database changed")
    }
}
