import Foundation
import SchemacCore
import SchemacDiagnostics
import SchemacLoader
import SchemacModel
import SchemacPostgres
import SchemacPostgresDriver
import XCTest

/// Other projects' schema changes (`../shared/outside`, read at run time):
/// `before.sql` into a database, `after.sql` imported with `pull --sql …
/// --dev-url`, `diff` against the database applied with `psql -f`, and the
/// database then compared with one built from `after.sql`. Each case ends
///
/// - **converged**: the same objects, the same model, a second diff empty;
/// - **refused**: pull or diff named, with an id, what it cannot express or
///   migrate (a difference left is one pull named);
/// - **wrong**: anything else.
///
/// `SCHEMAC_OUTSIDE_DIFF_CASES` sets the sample (default 120, `all` for
/// every case, or case names separated by commas), taken evenly from the
/// sorted list. The cases known to be
/// wrong are listed with their reason in `Tests/outside-known-wrong.tsv`:
/// a case wrong and not listed fails the run, and so does a listed case
/// that is no longer wrong, so the list only shrinks.
final class OutsideDiffTests: XCTestCase {
    enum Outcome: String, CaseIterable { case converged, refused, wrong }

    struct Result {
        var name: String
        var outcome: Outcome
        var why: String
    }

    static func sample() throws -> [String] {
        let index = try String(contentsOf: PullOutsideTests.corpus.appendingPathComponent("INDEX.tsv"), encoding: .utf8)
        let cases = index.split(separator: "\n").dropFirst().compactMap { $0.split(separator: "\t").first.map(String.init) }
        let wanted = ProcessInfo.processInfo.environment["SCHEMAC_OUTSIDE_DIFF_CASES"] ?? "120"
        if wanted == "all" { return cases }
        // Named cases, comma-separated, to look at one.
        if wanted.contains("__") { return wanted.split(separator: ",").map(String.init) }
        let step = max(1, cases.count / max(1, Int(wanted) ?? 120))
        return cases.enumerated().filter { $0.offset % step == 0 }.map(\.element)
    }

    static var knownWrong: [String: String] {
        let file = Repo.root.appendingPathComponent("Tests/outside-known-wrong.tsv")
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
            if let name = parts.first { out[name] = parts.count > 1 ? parts[1] : "" }
        }
        return out
    }

    func testOutsideChangesConvergeOrAreRefusedNeverWrong() throws {
        guard FileManager.default.fileExists(atPath: PullOutsideTests.corpus.path) else {
            throw XCTSkip("no outside corpus at \(PullOutsideTests.corpus.path)")
        }
        let cluster = try PostgresCluster.get()
        let cases = try Self.sample()
        // Two cases at a time, each in databases of its own.
        let outcomes = parallelMap(cases) { name in Swift.Result { try run(name, cluster) } }
        let results = try outcomes.map { try $0.get() }
        report(results)
        let known = Self.knownWrong
        let wrong = results.filter { $0.outcome == .wrong }
        for r in wrong where known[r.name] == nil { XCTFail("\(r.name) is wrong: \(r.why)") }
        for r in results where r.outcome != .wrong && known[r.name] != nil {
            XCTFail("\(r.name) is listed as wrong in Tests/outside-known-wrong.tsv but is \(r.outcome.rawValue) now: take it off the list")
        }
    }

    /// Counts by outcome, per source and per feature.
    func report(_ results: [Result]) {
        func counts(_ rs: [Result]) -> String {
            Outcome.allCases.map { o in "\(o.rawValue) \(rs.filter { $0.outcome == o }.count)" }.joined(separator: ", ")
        }
        var lines = ["outside diff: \(results.count) cases: \(counts(results))"]
        let sources = Dictionary(grouping: results) { String($0.name.split(separator: "_").first ?? "") }
        for (source, rs) in sources.sorted(by: { $0.key < $1.key }) { lines.append("  \(source): \(counts(rs))") }
        // Per feature, as INDEX.tsv lists each case's: a case counts under each of its features.
        let index = (try? String(contentsOf: PullOutsideTests.corpus.appendingPathComponent("INDEX.tsv"), encoding: .utf8)) ?? ""
        var features: [String: [String]] = [:]
        for line in index.split(separator: "\n").dropFirst() {
            let parts = line.split(separator: "\t").map(String.init)
            if parts.count > 1 { features[parts[0]] = parts[1].split(separator: ",").map(String.init) }
        }
        let byFeature = Dictionary(grouping: results.flatMap { r in (features[r.name] ?? ["(none)"]).map { ($0, r) } }, by: \.0)
        lines.append("  per feature:")
        for (feature, pairs) in byFeature.sorted(by: { $0.key < $1.key }) { lines.append("    \(feature): \(counts(pairs.map(\.1)))") }
        for r in results where r.outcome != .converged { lines.append("  \(r.outcome.rawValue) \(r.name): \(r.why.prefix(300))") }
        print(lines.joined(separator: "\n"))
    }

    func run(_ name: String, _ cluster: PostgresCluster) throws -> Result {
        let folder = PullOutsideTests.corpus.appendingPathComponent(name)
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("meta.json"))) as? [String: Any]
        for role in meta?["roles"] as? [String] ?? [] {
            try cluster.psql(database: "postgres", sql: """
                DO $$ BEGIN CREATE ROLE \(SQLText.identifier(role)); EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
                """)
        }
        let target = try cluster.createDatabase("outside_a"), fresh = try cluster.createDatabase("outside_b")
        let dev = try cluster.createDatabase("outside_dev")
        defer {
            for db in [target, fresh, dev] { _ = try? cluster.psql(database: "postgres", sql: "DROP DATABASE \"\(db)\";") }
        }
        guard try cluster.psqlResult(database: target, file: folder.appendingPathComponent("before.sql").path).status == 0,
              try cluster.psqlResult(database: fresh, file: folder.appendingPathComponent("after.sql").path).status == 0 else {
            return Result(name: name, outcome: .refused, why: "the case does not load here")
        }
        var request = Commands.PullRequest()
        request.sql = [folder.appendingPathComponent("after.sql").path]
        request.devURL = PullTests.connection(cluster, dev)
        let pulled = try PullTests.pull(request, label: "outside_diff")
        defer { try? FileManager.default.removeItem(at: pulled.folder) }
        return try migrate(name, pulled, target: target, fresh: fresh, cluster)
    }

    /// The pulled definitions planned against the target, applied, and
    /// compared with the database `after.sql` built.
    func migrate(_ name: String, _ pulled: PullTests.Pulled, target: String, fresh: String, _ cluster: PostgresCluster) throws -> Result {
        let errors = pulled.result.diagnostics.filter { $0.severity == .error }
        if errors.contains(where: { $0.id == .pullInvalid }) { return Result(name: name, outcome: .wrong, why: "pull-invalid: \(errors)") }
        if !errors.isEmpty { return Result(name: name, outcome: .refused, why: errors.map(\.description).joined(separator: "; ")) }
        if pulled.texts.isEmpty {
            // Nothing to pull: definitions with no objects, which a diff reads as "drop everything".
            let definitions = pulled.folder.appendingPathComponent("definitions")
            try FileManager.default.createDirectory(at: definitions, withIntermediateDirectories: true)
            try Data("postgres:\n  tables: {}\n".utf8).write(to: definitions.appendingPathComponent("empty.yaml"))
        }
        // SQL only: a type with no Swift mapping is the Swift target's refusal, not the diff's.
        try Data("targets: [postgres]\n".utf8).write(to: pulled.folder.appendingPathComponent("schemac.yaml"))
        let (paths, _) = ProjectPaths.load(root: pulled.folder)
        let connection = PullTests.connection(cluster, target)
        let planned = PostgresPlanning.plan(paths, against: .postgres(connection: connection), options: .init(allowDestructive: true))
        guard let plan = planned.value, !planned.failed else {
            let said = planned.diagnostics.filter { $0.severity == .error }
            let named: Set<DiagnosticID> = [.unsupportedChange, .dataRefusesMigration, .serverUnsupported]
            let outcome: Outcome = said.allSatisfy { named.contains($0.id) } && !said.isEmpty ? .refused : .wrong
            return Result(name: name, outcome: outcome, why: said.map(\.description).joined(separator: "; "))
        }
        let leftAlone = planned.diagnostics.filter { $0.id == .unmanagedObjects }.flatMap(\.notes)
        let file = pulled.folder.appendingPathComponent("migration.sql")
        try Data(PostgresRenderer.migration(plan).utf8).write(to: file)
        let applied = try cluster.psqlResult(database: target, file: file.path)
        guard applied.status == 0 else { return Result(name: name, outcome: .wrong, why: "the plan fails: \(applied.stderr)") }
        let again = PostgresPlanning.plan(paths, against: .postgres(connection: connection), options: .init(allowDestructive: true))
        guard let left = again.value, left.isEmpty else {
            let rest = again.value.map { $0.statements.map(\.sql).joined(separator: " ") } ?? "\(again.diagnostics)"
            return Result(name: name, outcome: .wrong, why: "a second diff is not empty: \(rest)")
        }
        return try compare(name, pulled, leftAlone: leftAlone, target: target, fresh: fresh, cluster)
    }

    /// Each object as the server prints it, one record each (`kind name<TAB>text`,
    /// ended by U+0001): functions, views, constraints, indexes, triggers,
    /// policies, columns and enums, whatever order the columns came in. A
    /// function's text compares without its white space (the definitions put
    /// a body on lines of its own), and a default that is a quoted number
    /// cast to a number type (`'2'::bigint`) as the number it is.
    static let definitionsQuery = """
        WITH nsp AS (SELECT oid, nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'),
        ext AS (SELECT classid, objid FROM pg_depend WHERE deptype = 'e')
        SELECT line || chr(1) FROM (
        SELECT 'function ' || n.nspname || '.' || p.proname || E'\t' || regexp_replace(pg_get_functiondef(p.oid), '\\s+', '', 'g') AS line
          FROM pg_proc p JOIN nsp n ON n.oid = p.pronamespace
         WHERE p.prokind IN ('f', 'p') AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_proc'::regclass AND ext.objid = p.oid)
        UNION ALL SELECT 'view ' || n.nspname || '.' || c.relname || E'\t' || pg_get_viewdef(c.oid)
          FROM pg_class c JOIN nsp n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm')
           AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_class'::regclass AND ext.objid = c.oid)
        UNION ALL SELECT 'constraint ' || n.nspname || '.' || coalesce(c.relname, t.typname) || '.' || k.conname || E'\t' || pg_get_constraintdef(k.oid)
          FROM pg_constraint k JOIN nsp n ON n.oid = k.connamespace LEFT JOIN pg_class c ON c.oid = k.conrelid
          LEFT JOIN pg_type t ON t.oid = k.contypid WHERE k.contype <> 'n'
        UNION ALL SELECT 'index ' || n.nspname || '.' || t.relname || '.' || c.relname || E'\t' || pg_get_indexdef(c.oid)
          FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid JOIN nsp n ON n.oid = c.relnamespace
         WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_class'::regclass AND ext.objid = t.oid)
        UNION ALL SELECT 'trigger ' || n.nspname || '.' || c.relname || '.' || g.tgname || E'\t' || pg_get_triggerdef(g.oid)
          FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN nsp n ON n.oid = c.relnamespace WHERE NOT g.tgisinternal
        UNION ALL SELECT 'policy ' || n.nspname || '.' || c.relname || '.' || p.polname || E'\t' || p.polcmd::text || ' ' || p.polpermissive::text
                         || ' ' || coalesce(pg_get_expr(p.polqual, p.polrelid), '') || ' ' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '')
          FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN nsp n ON n.oid = c.relnamespace
        UNION ALL SELECT 'column ' || n.nspname || '.' || c.relname || '.' || a.attname || E'\t' || format_type(a.atttypid, a.atttypmod)
                         || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END || ' ' || a.attidentity::text || a.attgenerated::text
                         || coalesce(' default ' || regexp_replace(pg_get_expr(d.adbin, d.adrelid),
                                                    '^''(-?[0-9.]+)''::(bigint|integer|smallint|numeric|real|double precision)$', '\\1'), '')
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN nsp n ON n.oid = c.relnamespace
          LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
           AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_class'::regclass AND ext.objid = c.oid)
        UNION ALL SELECT 'type ' || n.nspname || '.' || t.typname || E'\t' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
          FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN nsp n ON n.oid = t.typnamespace GROUP BY n.nspname, t.typname
        ) lines ORDER BY 1
        """

    /// The same objects on both sides, but for those pull named.
    func compare(_ name: String, _ pulled: PullTests.Pulled, leftAlone: [String], target: String, fresh: String,
                 _ cluster: PostgresCluster) throws -> Result {
        let a = Set(try cluster.psql(database: target, sql: PullOutsideTests.inventoryQuery).split(separator: "\n").map(String.init))
        let b = Set(try cluster.psql(database: fresh, sql: PullOutsideTests.inventoryQuery).split(separator: "\n").map(String.init))
        // Named by pull (what it could not write) or by diff (what it leaves alone in the target).
        let said = (pulled.warnings.map(\.message) + leftAlone).joined(separator: "\n")
        let differences = a.symmetricDifference(b).sorted()
        let unnamed = differences.filter { line in !PullOutsideTests.names(ofLine: line).contains { said.contains($0) } }
        if !unnamed.isEmpty {
            return Result(name: name, outcome: .wrong, why: "differs without a word: " + unnamed.map { (a.contains($0) ? "extra " : "missing ") + $0 }.joined(separator: ", "))
        }
        if !differences.isEmpty { return Result(name: name, outcome: .refused, why: "pull named: \(differences.joined(separator: ", "))") }
        // The server's own account of each object, apart from schemac's reading of it.
        let defA = Set(try cluster.psql(database: target, sql: Self.definitionsQuery).split(separator: "\u{1}").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) })
        let defB = Set(try cluster.psql(database: fresh, sql: Self.definitionsQuery).split(separator: "\u{1}").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) })
        let unsaid = defA.symmetricDifference(defB).filter { line in !PullOutsideTests.names(ofLine: line).contains { said.contains($0) } }.sorted()
        if let first = unsaid.first {
            return Result(name: name, outcome: .wrong, why: "the server defines it differently: \((defA.contains(first) ? "target " : "expected ") + first)")
        }
        // Defined differently where pull said it could not write what the case has: refused, not converged.
        let named = defA.symmetricDifference(defB).map { $0.split(separator: "\t", maxSplits: 1).first.map(String.init) ?? $0 }
        if !named.isEmpty { return Result(name: name, outcome: .refused, why: "pull named: \(Set(named).sorted().joined(separator: ", "))") }
        // The objects agree; their definitions too, as schemac reads them (unless pull left something out).
        guard pulled.warnings.isEmpty, leftAlone.isEmpty else { return Result(name: name, outcome: .converged, why: "") }
        let schemas = ["public"] + a.filter { $0.hasPrefix("schema ") }.map { String($0.dropFirst("schema ".count)) }.sorted()
        let modelA = InspectTests.dump(try PostgresInspector.inspect(try PostgresConnection(PullTests.connection(cluster, target)), schemas: schemas))
        let modelB = InspectTests.dump(try PostgresInspector.inspect(try PostgresConnection(PullTests.connection(cluster, fresh)), schemas: schemas))
        if modelA != modelB { return Result(name: name, outcome: .wrong, why: "the definitions differ at \(firstDifference(modelB, modelA))") }
        return Result(name: name, outcome: .converged, why: "")
    }
}
