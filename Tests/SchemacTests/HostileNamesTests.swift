import Foundation
import SchemacLoader
import SchemacModel
import XCTest

/// Names and text built to break quoting reach the catalog exactly as written,
/// and none of them runs as a statement of its own.
final class HostileNamesTests: XCTestCase {
    func testHostileNamesAndTextRoundTripThroughTheCatalog() throws {
        let caseDir = Repo.casesRoot.appendingPathComponent("hostile_names")
        let loaded = DefinitionsLoader.load(directory: caseDir.appendingPathComponent("definitions"), displayPrefix: "definitions")
        let schema = try XCTUnwrap(loaded.definitions?.postgres, "\(loaded.diagnostics)")
        let cluster = try PostgresCluster.get()
        let db = try cluster.databaseFromSchema(caseDir.appendingPathComponent("expected/postgres/schema.sql"), label: "hostile")

        /// Rows of a query whose columns are all hex-encoded text, decoded.
        func rows(_ sql: String) throws -> [[String?]] {
            try cluster.psql(database: db, sql: sql).split(separator: "\n").map { line in
                line.split(separator: "|", omittingEmptySubsequences: false).map { Self.unhex(String($0)) }
            }
        }
        func hex(_ expr: String) -> String { "encode(convert_to((\(expr))::text, 'UTF8'), 'hex')" }

        // Exactly the tables we defined exist: nothing was created or dropped by injection.
        let tables = try rows("SELECT \(hex("relname")) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1;")
        XCTAssertEqual(Set(tables.map { $0[0]! }), Set(schema.tables.map(\.name.name)))

        for table in schema.tables {
            let oid = "'\(SQL.qualified(table.name).replacing("'", with: "''"))'::regclass"
            let columns = try rows("SELECT \(hex("attname")), \(hex("col_description(attrelid, attnum)")) FROM pg_attribute WHERE attrelid = \(oid) AND attnum > 0 AND NOT attisdropped ORDER BY attnum;")
            XCTAssertEqual(columns.map { $0[0]! }, table.columns.map(\.name), "columns of \(table.name)")
            XCTAssertEqual(columns.map { $0[1] }, table.columns.map(\.comment), "column comments of \(table.name)")
            let comment = try rows("SELECT \(hex("obj_description(\(oid), 'pg_class')"));")
            XCTAssertEqual(comment.first?.first ?? nil, table.comment, "comment of \(table.name)")
            let indexes = try rows("SELECT \(hex("c.relname")) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = \(oid);")
            let expectedIndexes = table.indexes.map(\.name) + [table.primaryKey?.name].compactMap { $0 } + table.uniques.map(\.name)
            XCTAssertEqual(Set(indexes.map { $0[0]! }), Set(expectedIndexes), "indexes of \(table.name)")
        }

        for e in schema.enums {
            let labels = try rows("SELECT \(hex("enumlabel")) FROM pg_enum WHERE enumtypid = '\(SQL.qualified(e.name).replacing("'", with: "''"))'::regtype ORDER BY enumsortorder;")
            XCTAssertEqual(labels.map { $0[0]! }, e.values)
        }
        for role in schema.roles {
            let found = try rows("SELECT \(hex("rolname")) FROM pg_roles WHERE rolname = \(SQL.literal(role));")
            XCTAssertEqual(found.map { $0[0]! }, [role])
        }

        // Literal defaults come back exactly as written in the YAML.
        try cluster.psql(database: db, sql: "INSERT INTO \"select\" (\"from\") VALUES (1); INSERT INTO \"user\" DEFAULT VALUES;")
        let yamlDefaults: [(table: String, column: String, value: String)] = [
            ("select", "user", "'; DROP TABLE \"select\"; --"),
            ("select", "mood", "it's"),
            ("select", "größe", "naïve — ünïcödé ✓"),
            ("user", "order", "$$ $body$ \\n"),
            ("user", "group", "it''s"),
        ]
        for d in yamlDefaults {
            let value = try rows("SELECT \(hex(SQL.identifier(d.column))) FROM \(SQL.identifier(d.table));")
            XCTAssertEqual(value.first?.first ?? nil, d.value, "default of \(d.table).\(d.column)")
        }
    }

    static func unhex(_ s: String) -> String? {
        if s.isEmpty { return nil }
        var bytes: [UInt8] = []
        var index = s.startIndex
        while index < s.endIndex {
            let next = s.index(index, offsetBy: 2)
            bytes.append(UInt8(s[index..<next], radix: 16)!)
            index = next
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
