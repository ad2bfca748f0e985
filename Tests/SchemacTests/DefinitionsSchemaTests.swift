import Foundation
import SchemacCore
import SchemacLoader
import XCTest

/// The JSON Schema of the definition language: committed as `schemac schema`
/// prints it; every definitions file of the repository and of the cases that
/// mean to be valid validates (checked by Python's jsonschema, an independent
/// reader), and documents with a wrong key or value do not.
final class DefinitionsSchemaTests: XCTestCase {
    func testTheCommittedSchemaIsWhatSchemacPrints() throws {
        let committed = try String(contentsOf: Repo.root.appendingPathComponent("schema/definitions.schema.json"), encoding: .utf8)
        XCTAssertEqual(committed, DefinitionsSchema.text, "run `schemac schema > schema/definitions.schema.json`")
        let printed = try Shell.run(try Repo.binary, ["schema"])
        XCTAssertEqual(printed.stdout, DefinitionsSchema.text)
    }

    func testDefinitionsValidateAndInvalidDocumentsDoNot() throws {
        let dir = try Repo.temporaryDirectory("schema-check")
        defer { try? FileManager.default.removeItem(at: dir) }
        let valid = dir.appendingPathComponent("valid"), invalid = dir.appendingPathComponent("invalid")
        try FileManager.default.createDirectory(at: valid, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: invalid, withIntermediateDirectories: true)

        var folders = [Repo.root.appendingPathComponent("definitions"), Repo.root.appendingPathComponent("examples/attribution/definitions")]
        for c in try ReferenceCase.all() where c.definitionsAreValid {
            folders.append(c.directory.appendingPathComponent("definitions"))
        }
        var count = 0
        for folder in folders {
            for source in DefinitionsLoader.sources(in: folder, displayPrefix: folder.path).sources {
                let json = try XCTUnwrap(DefinitionsLoader.jsonDocument(source), source.displayPath)
                let labelled = !json.hasPrefix("{") || json == "{}" ? json : "{\"__source__\":" + jsonLiteral(source.displayPath) + "," + json.dropFirst()
                try Data(labelled.utf8).write(to: valid.appendingPathComponent("\(count).json"))
                count += 1
            }
        }
        XCTAssertGreaterThanOrEqual(count, 70)

        let wrong = [
            "postgress:\n  tables: {}\n",
            "postgres:\n  tables:\n    t:\n      columns:\n        id: { tpye: integer }\n",
            "postgres:\n  tables:\n    t:\n      colums: { id: integer }\n",
            "postgres:\n  tables:\n    t:\n      columns: { id: integer }\n      policies:\n        p: { for: upsert }\n",
            "clickhouse:\n  tables:\n    t:\n      columns: { a: String }\n",
            "clickhouse:\n  tables:\n    t:\n      columns: { a: String }\n      order_by: a\n      engine: MergeTre\n",
            "redis:\n  keys:\n    k: { pattern: \"k:{id}\", type: sortedset, ttl: 1h }\n",
            "redis:\n  keys:\n    k: { pattern: \"k:{id}\", type: string, ttl: 1 week }\n",
            "redis:\n  scripts:\n    s: { keys: [k] }\n",
        ]
        for (i, text) in wrong.enumerated() {
            let json = try XCTUnwrap(DefinitionsLoader.jsonDocument(DefinitionSource(displayPath: "wrong-\(i).yaml", text: text)))
            try Data(("{\"__source__\":\"wrong-\(i).yaml\"," + json.dropFirst()).utf8).write(to: invalid.appendingPathComponent("\(i).json"))
        }
        let run = try Shell.run(try Oracles.python(with: "jsonschema"), [Repo.root.appendingPathComponent("Tests/definitions/schema_check.py").path,
                                                              Repo.root.appendingPathComponent("schema/definitions.schema.json").path,
                                                              valid.path, invalid.path])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertEqual(run.stdout, "ok: \(count) valid, \(wrong.count) invalid\n")
    }

    private func jsonLiteral(_ s: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [s]), as: UTF8.self).dropFirst().dropLast().description
    }
}
