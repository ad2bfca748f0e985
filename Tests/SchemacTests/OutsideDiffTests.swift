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
        var results: [Result] = []
        for name in cases {
            let result = try run(name, cluster)
            results.append(result)
        }
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
        for r in results where r.outcome != .converged { lines.append("  \(r.outcome.rawValue) \(r.name): \(r.why.prefix(300))") }
        print(lines.joined(separator: "\n"))
    }

    func run(_ name: String, _ cluster: PostgresCluster) throws -> Result {
        let folder = PullOutsideTests.corpus.appendingPathComponent(name)
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("meta.json"))) as? [String: Any]
        for role in meta?["roles"] as? [String] ?? [] {
            try cluster.psql(database: "postgres", sql: """
                DO $$ BEGIN CREATE ROLE \(SQLText.identifier(role)); EXCEPTION WHEN duplicate_object THEN NULL; END $$;
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

    /// The same objects on both sides, but for those pull named.
    func compare(_ name: String, _ pulled: PullTests.Pulled, leftAlone: [String], target: String, fresh: String,
                 _ cluster: PostgresCluster) throws -> Result {
        let a = Set(try cluster.psql(database: target, sql: PullOutsideTests.inventoryQuery).split(separator: "\n").map(String.init))
        let b = Set(try cluster.psql(database: fresh, sql: PullOutsideTests.inventoryQuery).split(separator: "\n").map(String.init))
        // Named by pull (what it could not write) or by diff (what it leaves alone in the target).
        let said = (pulled.warnings.map(\.message) + leftAlone).joined(separator: "\n")
        let differences = a.symmetricDifference(b).sorted()
        let unnamed = differences.filter { object in
            let dotted = object.split(separator: " ", maxSplits: 1).last.map(String.init) ?? object
            return !PullOutsideTests.prefixes(of: dotted).contains { said.contains($0) }
        }
        if !unnamed.isEmpty {
            return Result(name: name, outcome: .wrong, why: "differs without a word: " + unnamed.map { (a.contains($0) ? "extra " : "missing ") + $0 }.joined(separator: ", "))
        }
        if !differences.isEmpty { return Result(name: name, outcome: .refused, why: "pull named: \(differences.joined(separator: ", "))") }
        // The objects agree; their definitions too, as schemac reads them (unless pull left something out).
        guard pulled.warnings.isEmpty, leftAlone.isEmpty else { return Result(name: name, outcome: .converged, why: "") }
        let schemas = ["public"] + a.filter { $0.hasPrefix("schema ") }.map { String($0.dropFirst("schema ".count)) }.sorted()
        let modelA = InspectTests.dump(try PostgresInspector.inspect(try PostgresConnection(PullTests.connection(cluster, target)), schemas: schemas))
        let modelB = InspectTests.dump(try PostgresInspector.inspect(try PostgresConnection(PullTests.connection(cluster, fresh)), schemas: schemas))
        if modelA != modelB { return Result(name: name, outcome: .wrong, why: "the definitions differ at \(firstDifference(modelB, modelA))") }
        return Result(name: name, outcome: .converged, why: "")
    }
}
