import Foundation
import SchemacClickHouse
import SchemacCore
import SchemacLoader
import SchemacModel
import XCTest

/// Every generated ClickHouse schema runs in a real ClickHouse engine (chdb,
/// in process, driven by Tests/clickhouse/chdb_check.py), and the engine's own
/// catalog must agree with the definitions: engines, keys, TTLs, column types,
/// defaults, codecs, skip indexes; rows reach the tables materialized views
/// write to. A schema with a cluster cannot run there (chdb has no cluster and
/// no Keeper): its statements go through the engine's parser, and its reference
/// case fixes the text.
final class ClickHouseTests: XCTestCase {
    func testEveryGeneratedClickHouseSchemaRunsInClickHouse() throws {
        var projects: [(String, URL, String)] = [
            ("definitions", Repo.root, "generated"),
            ("examples/attribution", Repo.root.appendingPathComponent("examples/attribution"), "generated"),
        ]
        for c in try ReferenceCase.all() {
            projects.append(("case \(c.name)", c.directory, "expected"))
        }
        var checked = 0
        for (label, root, output) in projects {
            let schemaFile = root.appendingPathComponent(output).appendingPathComponent("clickhouse/schema.sql")
            guard FileManager.default.fileExists(atPath: schemaFile.path) else { continue }
            let loaded = DefinitionsLoader.load(directory: root.appendingPathComponent("definitions"), displayPrefix: "definitions")
            let schema = try XCTUnwrap(loaded.definitions?.clickhouse, label)
            if schema.cluster != nil {
                // No cluster and no Keeper in chdb: the engine's parser reads every statement.
                let report = try Shell.run(try Self.python(), [Self.script, "--parse-only", schemaFile.path])
                XCTAssertEqual(report.status, 0, "\(label):\n\(report.stdout)\(report.stderr)")
                XCTAssertTrue(report.stdout.hasPrefix("ok:"), "\(label): \(report.stdout)")
                continue
            }
            let report = try Self.check(schemaFile, schema)
            XCTAssertEqual(report.status, 0, "\(label):\n\(report.stdout)\(report.stderr)")
            XCTAssertTrue(report.stdout.hasPrefix("ok:"), "\(label): \(report.stdout)")
            // Every view here aggregates without a filter: each must deliver.
            XCTAssertTrue(report.stdout.contains("(\(schema.materializedViews.count) delivered"), "\(label): \(report.stdout)")
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 15)
    }

    /// The check itself must be able to fail: a schema whose engine disagrees
    /// with the definitions is reported.
    func testTheEngineCheckReportsADisagreement() throws {
        let loaded = DefinitionsLoader.load([DefinitionSource(displayPath: "definitions/t.yaml", text: """
            clickhouse:
              database: probe
              tables:
                events:
                  columns: { at: DateTime, kind: String }
                  order_by: [kind, at]
                  ttl: at + INTERVAL 7 DAY
            """)])
        var schema = try XCTUnwrap(loaded.definitions?.clickhouse, "\(loaded.diagnostics)")
        let dir = try Repo.temporaryDirectory("chdb-probe")
        let file = dir.appendingPathComponent("schema.sql")
        try ClickHouseRenderer.schemaFile(for: schema, sourceFiles: []).write(to: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try Self.check(file, schema).status, 0)
        schema.tables[0].ttl[0].expression = "at + INTERVAL 8 DAY"
        schema.tables[0].columns[1].type = .lowCardinality(.plain("String"))
        let report = try Self.check(file, schema)
        XCTAssertEqual(report.status, 1)
        XCTAssertTrue(report.stdout.contains("TTL"), report.stdout)
        XCTAssertTrue(report.stdout.contains("column events.kind type"), report.stdout)
    }

    // MARK: Driving the engine

    static func check(_ schemaFile: URL, _ schema: ClickHouseSchema) throws -> Shell.Result {
        let dir = try Repo.temporaryDirectory("chdb-check")
        let expectations = dir.appendingPathComponent("expected.json")
        try JSONSerialization.data(withJSONObject: expectationsObject(schema), options: [.sortedKeys]).write(to: expectations)
        return try Shell.run(try python(), [script, schemaFile.path, expectations.path])
    }

    static var script: String { Repo.root.appendingPathComponent("Tests/clickhouse/chdb_check.py").path }

    static func python() throws -> String { try Oracles.python(with: "chdb") }

    /// What the engine should report, from the model.
    static func expectationsObject(_ schema: ClickHouseSchema) -> [String: Any] {
        let tables: [[String: Any]] = schema.tables.map { t in
            [
                "name": t.name,
                "engine": t.engine.name,
                "partition_key": t.partitionBy ?? "",
                // VersionedCollapsingMergeTree sorts by its version last, unasked.
                "sorting_key": { () -> [String] in
                    if case .versionedCollapsingMergeTree(_, let version) = t.engine, !t.orderBy.contains(version) { return t.orderBy + [version] }
                    return t.orderBy
                }(),
                "primary_key": t.primaryKey ?? t.orderBy,
                "sampling_key": t.sampleBy ?? "",
                "ttl": t.ttl.map(ClickHouseRenderer.ttlRule).joined(separator: ", "),
                "columns": t.columns.map { c -> [String: Any] in
                    [
                        "name": c.name, "type": c.type.sql, "default_kind": c.defaultKind?.rawValue ?? "",
                        "default_expression": c.defaultExpression ?? "", "codec": c.codec.map(ClickHouseRenderer.codecClause) ?? "",
                        "comment": c.comment ?? "",
                    ]
                },
                "indexes": t.indexes.map { ["name": $0.name, "type": $0.type, "expression": $0.expression, "granularity": $0.granularity] },
            ]
        }
        let usesPostgres = schema.dictionaries.contains { if case .postgres = $0.source { true } else { false } }
        return [
            "database": schema.database,
            "tables": tables,
            "views": schema.materializedViews.map { ["name": $0.name, "to": $0.to, "select": $0.select] },
            "dictionaries": schema.dictionaries.map(\.name),
            "named_collections": usesPostgres ? [schema.postgresCollection] : [],
        ]
    }
}
