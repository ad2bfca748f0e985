import Foundation
import SchemacCore
import SchemacLoader
import SchemacModel
import SchemacPostgres
import XCTest

/// Schemas other projects wrote (`../shared/outside`, read at run time):
/// each `after.sql` of a sample, pulled, either round-trips or names what it
/// skipped. An object of the source missing from the database rebuilt from
/// the pulled definitions must be named by a warning: nothing is lost in
/// silence. `SCHEMAC_PULL_OUTSIDE_CASES` sets the sample's size (`all` for
/// every case); cases are taken evenly from each source.
final class PullOutsideTests: XCTestCase {
    /// `SCHEMAC_OUTSIDE_DIR`, else `../shared/outside` beside the repository,
    /// else the workplace's copy (a clone elsewhere has no `../shared`).
    static var corpus: URL {
        let candidates = [ProcessInfo.processInfo.environment["SCHEMAC_OUTSIDE_DIR"].map(URL.init(fileURLWithPath:)),
                          Repo.root.deletingLastPathComponent().appendingPathComponent("shared/outside"),
                          URL(fileURLWithPath: "/work/shared/outside")].compactMap { $0 }
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("INDEX.tsv").path) } ?? candidates[0]
    }

    /// Every `kind schema.name` a database holds that people made.
    static let inventoryQuery = """
        WITH nsp AS (SELECT oid, nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'),
        ext AS (SELECT classid, objid FROM pg_depend WHERE deptype = 'e')
        SELECT CASE WHEN c.relkind = 'i' THEN 'index ' || n.nspname || '.' || (SELECT t.relname FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid
                                                                       WHERE x.indexrelid = c.oid) || '.' || c.relname
                    ELSE 'relation ' || n.nspname || '.' || c.relname END
          FROM pg_class c JOIN nsp n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'i', 'S', 'f', 'c')
           AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_class'::regclass AND ext.objid = c.oid)
           AND NOT (c.relkind = 'i' AND EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid AND k.contype IN ('p', 'u', 'x')))
        UNION SELECT 'constraint ' || n.nspname || '.' || c.relname || '.' || k.conname
          FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN nsp n ON n.oid = c.relnamespace WHERE k.contype <> 'n'
        UNION SELECT 'trigger ' || n.nspname || '.' || c.relname || '.' || t.tgname
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN nsp n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal
        UNION SELECT 'policy ' || n.nspname || '.' || c.relname || '.' || p.polname
          FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN nsp n ON n.oid = c.relnamespace
        UNION SELECT 'function ' || n.nspname || '.' || p.proname FROM pg_proc p JOIN nsp n ON n.oid = p.pronamespace
         WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_proc'::regclass AND ext.objid = p.oid)
        UNION SELECT 'type ' || n.nspname || '.' || t.typname FROM pg_type t JOIN nsp n ON n.oid = t.typnamespace
         WHERE t.typtype IN ('e', 'd', 'r') AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_type'::regclass AND ext.objid = t.oid)
        UNION SELECT 'schema ' || nspname FROM nsp WHERE nspname <> 'public'
          AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_namespace'::regclass AND ext.objid = nsp.oid)
        UNION SELECT 'column ' || n.nspname || '.' || c.relname || '.' || a.attname
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN nsp n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
           AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_class'::regclass AND ext.objid = c.oid)
        ORDER BY 1
        """

    static func sample() throws -> [String] {
        let index = try String(contentsOf: corpus.appendingPathComponent("INDEX.tsv"), encoding: .utf8)
        let cases = index.split(separator: "\n").dropFirst().compactMap { $0.split(separator: "\t").first.map(String.init) }
        let wanted = ProcessInfo.processInfo.environment["SCHEMAC_PULL_OUTSIDE_CASES"] ?? "120"
        if wanted == "all" { return cases }
        let size = max(1, Int(wanted) ?? 120)
        let step = max(1, cases.count / size)
        // Every step-th case of the sorted list: each source in proportion to its size.
        return cases.enumerated().filter { $0.offset % step == 0 }.map(\.element)
    }

    func testOutsideSchemasRoundTripOrNameWhatTheySkip() throws {
        guard FileManager.default.fileExists(atPath: Self.corpus.path) else {
            throw XCTSkip("no outside corpus at \(Self.corpus.path)")
        }
        let cluster = try PostgresCluster.get()
        let cases = try Self.sample()
        var exact = 0
        for name in cases {
            let folder = Self.corpus.appendingPathComponent(name)
            let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("meta.json"))) as? [String: Any]
            for role in meta?["roles"] as? [String] ?? [] {
                try cluster.psql(database: "postgres", sql: """
                    DO $$ BEGIN CREATE ROLE \(SQLText.identifier(role)); EXCEPTION WHEN duplicate_object THEN NULL; END $$;
                    """)
            }
            let source = try cluster.createDatabase("outside")
            guard try cluster.psqlResult(database: source, file: folder.appendingPathComponent("after.sql").path).status == 0 else { continue }
            if try Self.roundTrip(cluster, source: source, label: name) { exact += 1 }
        }
        print("pull: \(exact) of \(cases.count) outside schemas round-trip exactly; the others name what they skip")
    }

    /// Whether the case round-tripped with nothing skipped.
    static func roundTrip(_ cluster: PostgresCluster, source: String, label: String) throws -> Bool {
        let pulled = try PullTests.pull(from: PullTests.connection(cluster, source), label: "outside")
        defer { try? FileManager.default.removeItem(at: pulled.folder) }
        let others = pulled.result.diagnostics.filter { $0.id != .pullUnsupported }
        XCTAssertEqual(others.map(\.description), [], "\(label): pull says more than what it skipped")
        guard others.isEmpty else { return false }
        var model = PostgresSchema()
        if !pulled.texts.isEmpty {
            let loaded = DefinitionsLoader.load(directory: pulled.folder.appendingPathComponent("definitions"), displayPrefix: "definitions")
            XCTAssertFalse(loaded.hasErrors, "\(label): \(loaded.diagnostics)")
            model = loaded.definitions?.postgres ?? model
        }
        let schemaFile = pulled.folder.appendingPathComponent("schema.sql")
        try Data(SchemacPostgres.PostgresRenderer.schemaFile(for: model, sourceFiles: []).utf8).write(to: schemaFile)
        let rebuilt: String
        do {
            rebuilt = try cluster.databaseFromSchema(schemaFile, label: "outside_rebuilt")
        } catch {
            XCTFail("\(label): the pulled definitions do not build a database: \(error)\n\(pulled.texts.values.joined())")
            return false
        }
        let before = Set(try cluster.psql(database: source, sql: Self.inventoryQuery).split(separator: "\n").map(String.init))
        let after = Set(try cluster.psql(database: rebuilt, sql: Self.inventoryQuery).split(separator: "\n").map(String.init))
        let said = pulled.warnings.map(\.message).joined(separator: "\n")
        for lost in before.subtracting(after).sorted() {
            // `kind schema.table.part`: named by a warning on it, or on what holds it.
            let names = Self.names(ofLine: lost)
            XCTAssertTrue(names.contains { said.contains($0) }, "\(label): \(lost) is lost without a word; warnings:\n\(said)")
        }
        return pulled.warnings.isEmpty
    }

    /// `a.b.c`, `a.b` and the names' own last parts: what a warning may name.
    /// An index (`index schema.table.index`) is named by its schema and own name too.
    static func prefixes(of dotted: String, index: Bool = false) -> [String] {
        let parts = dotted.split(separator: ".").map(String.init)
        var out: [String] = []
        for k in stride(from: parts.count, through: 2, by: -1) { out.append(parts.prefix(k).joined(separator: ".")) }
        if parts.count == 1 { out.append(parts[0]) }
        if index, parts.count == 3 { out.append(parts[0] + "." + parts[2]) }
        return out
    }

    /// What a warning may name for one line of `inventoryQuery` or of a definitions query.
    static func names(ofLine line: String) -> [String] {
        let object = line.split(separator: "\t", maxSplits: 1).first.map(String.init) ?? line
        let dotted = object.split(separator: " ", maxSplits: 1).last.map(String.init) ?? object
        return prefixes(of: dotted, index: object.hasPrefix("index "))
    }
}

/// Identifier quoting for the test's own SQL.
enum SQLText {
    static func identifier(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
