import Foundation
import SchemacLoader
import SchemacModel
import SchemacPostgres
import SchemacPostgresDriver
import XCTest

/// Random definitions, random edits, real rows: the migration must apply, a
/// second diff must be empty, the database must equal one built fresh from the
/// edited definitions (column order aside), and no surviving table may lose a
/// row. `SCHEMAC_PROPERTY_SEEDS` sets how many seeds (default 200); a failure
/// names its seed, and `SCHEMAC_PROPERTY_SEED=N` reruns just that one.
final class RandomEditTests: XCTestCase {
    struct ColumnSpec {
        var name: String
        var type: String
        var nullable = false
        var defaultValue: String?
        var unique = false
        var check = false
        var renamedFrom: String?
        var references: String?
        var identity: String?
        var generated: String?
    }

    struct TableSpec {
        var name: String
        var columns: [ColumnSpec]
        var indexes: [[String]] = []
        var renamedFrom: String?
        var comment: String?
    }

    struct Spec {
        var enumValues = ["low", "mid", "high"]
        var tables: [TableSpec] = []

        var yaml: String {
            var out = "postgres:\n  enums:\n    level: [\(enumValues.joined(separator: ", "))]\n  tables:\n"
            for t in tables {
                out += "    \(t.name):\n"
                if let r = t.renamedFrom { out += "      renamed_from: \(r)\n" }
                if let c = t.comment { out += "      comment: \"\(c)\"\n" }
                out += "      columns:\n        id: { type: integer, primary_key: true }\n"
                for c in t.columns {
                    var attrs = ["type: \"\(c.type)\""]
                    if c.nullable { attrs.append("nullable: true") }
                    if let d = c.defaultValue { attrs.append("default: \"\(d)\"") }
                    if c.unique { attrs.append("unique: true") }
                    if c.check { attrs.append("check: \"\(c.name) >= 0\"") }
                    if let r = c.renamedFrom { attrs.append("renamed_from: \(r)") }
                    if let r = c.references { attrs.append("references: \(r).id") }
                    if let i = c.identity { attrs.append("identity: \(i)") }
                    if let g = c.generated { attrs.append("generated: \"\(g)\"") }
                    out += "        \(c.name): { \(attrs.joined(separator: ", ")) }\n"
                }
                if !t.indexes.isEmpty {
                    out += "      indexes:\n"
                    for i in t.indexes { out += "        - columns: [\(i.joined(separator: ", "))]\n" }
                }
            }
            return out
        }
    }

    typealias RNG = FuzzTests.SplitMix64
    static let numericTypes: Set<String> = ["integer", "bigint", "numeric(10,2)"]
    static let types = ["integer", "bigint", "text", "varchar(20)", "numeric(10,2)", "boolean", "date", "timestamptz", "uuid", "jsonb", "level"]
    static func randomColumn(_ name: String, _ rng: inout RNG, forNew: Bool) -> ColumnSpec {
        let type = types.randomElement(using: &rng)!
        var c = ColumnSpec(name: name, type: type)
        c.nullable = forNew ? Bool.random(using: &rng) : Int.random(in: 0..<4, using: &rng) == 0
        if forNew && !c.nullable { c.defaultValue = defaultValue(type) }
        if !forNew || Bool.random(using: &rng) {
            if numericTypes.contains(type) { c.check = Int.random(in: 0..<3, using: &rng) == 0 }
        }
        if !["boolean", "level", "jsonb"].contains(type) && !forNew { c.unique = Int.random(in: 0..<5, using: &rng) == 0 }
        return c
    }

    static func defaultValue(_ type: String) -> String {
        switch type {
        case "integer", "bigint", "numeric(10,2)": "0"
        case "boolean": "false"
        case "date": "2026-01-01"
        case "timestamptz": "2026-01-01 00:00:00+00"
        case "uuid": "00000000-0000-0000-0000-000000000000"
        case "jsonb": "{}"
        case "level": "low"
        default: "none"
        }
    }

    /// A literal for row `i` of a column: distinct per row, never NULL, satisfying checks.
    static func rowValue(_ type: String, _ i: Int) -> String {
        switch type {
        case "integer", "bigint": "\(i)"
        case "numeric(10,2)": "\(i).5"
        case "boolean": i % 2 == 0 ? "true" : "false"
        case "date": "'2026-01-\(String(format: "%02d", i))'"
        case "timestamptz": "'2026-01-01 00:00:\(String(format: "%02d", i))+00'"
        case "uuid": "'00000000-0000-0000-0000-\(String(format: "%012d", i))'"
        case "jsonb": "'{\"i\": \(i)}'"
        case "level": "'mid'"
        default: "'v\(i)'"
        }
    }

    /// Random specs and edits, with fresh names from one counter.
    struct Generator {
        var counter = 0

        mutating func fresh(_ prefix: String) -> String {
            counter += 1
            return "\(prefix)\(counter)"
        }

        mutating func randomSpec(_ rng: inout RNG) -> Spec {
            var spec = Spec()
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                var t = TableSpec(name: fresh("t"), columns: [])
                for _ in 0..<Int.random(in: 1...5, using: &rng) { t.columns.append(RandomEditTests.randomColumn(fresh("c"), &rng, forNew: false)) }
                if Int.random(in: 0..<3, using: &rng) == 0 {
                    t.columns.append(ColumnSpec(name: fresh("g"), type: "bigint", generated: "id * 2"))
                }
                if Int.random(in: 0..<3, using: &rng) == 0 {
                    t.columns.append(ColumnSpec(name: fresh("n"), type: "bigint", identity: Bool.random(using: &rng) ? "always" : "by_default"))
                }
                if let parent = spec.tables.randomElement(using: &rng), Bool.random(using: &rng) {
                    t.columns.append(ColumnSpec(name: fresh("ref"), type: "integer", references: parent.name))
                }
                if Bool.random(using: &rng), let c = t.columns.randomElement(using: &rng) { t.indexes.append([c.name]) }
                spec.tables.append(t)
            }
            return spec
        }

        /// One random edit of the kinds the diff migrates.
        mutating func edit(_ spec: inout Spec, _ rng: inout RNG) {
            guard !spec.tables.isEmpty else {
                spec.tables.append(TableSpec(name: fresh("t"), columns: [RandomEditTests.randomColumn(fresh("c"), &rng, forNew: true)]))
                return
            }
            let ti = Int.random(in: 0..<spec.tables.count, using: &rng)
            switch Int.random(in: 0..<13, using: &rng) {
            case 0:
                spec.tables.append(TableSpec(name: fresh("t"), columns: [RandomEditTests.randomColumn(fresh("c"), &rng, forNew: true)]))
            case 1:
                let gone = spec.tables.remove(at: ti).name
                for i in spec.tables.indices {
                    for j in spec.tables[i].columns.indices where spec.tables[i].columns[j].references == gone {
                        spec.tables[i].columns[j].references = nil
                    }
                }
            case 2:
                let old = spec.tables[ti].name
                let new = fresh("t")
                spec.tables[ti].name = new
                spec.tables[ti].renamedFrom = spec.tables[ti].renamedFrom ?? old  // a second rename still starts from the live name
                for i in spec.tables.indices {
                    for j in spec.tables[i].columns.indices where spec.tables[i].columns[j].references == old {
                        spec.tables[i].columns[j].references = new
                    }
                }
            case 3:
                spec.tables[ti].columns.append(RandomEditTests.randomColumn(fresh("c"), &rng, forNew: true))
            case 4, 5, 6, 7, 8, 9, 10:
                guard let ci = spec.tables[ti].columns.indices.randomElement(using: &rng) else { return }
                var c = spec.tables[ti].columns[ci]
                let integral = ["integer", "bigint"].contains(c.type) && c.references == nil
                // Identity and generated columns take no default and stay NOT NULL.
                let plain = c.identity == nil && c.generated == nil
                switch Int.random(in: 0..<9, using: &rng) {
                case 0:
                    let name = c.name
                    spec.tables[ti].columns.remove(at: ci)
                    spec.tables[ti].indexes.removeAll { $0.contains(name) }
                    return
                case 1:
                    c.renamedFrom = c.renamedFrom ?? c.name
                    let new = fresh("c")
                    spec.tables[ti].indexes = spec.tables[ti].indexes.map { $0.map { $0 == c.name ? new : $0 } }
                    c.name = new
                case 2:
                    // Widening only.
                    switch c.type {
                    case "varchar(20)": c.type = Bool.random(using: &rng) ? "varchar(40)" : "text"
                    case "integer" where c.references == nil: c.type = "bigint"
                    case "numeric(10,2)": c.type = "numeric(12,2)"
                    default: if plain { c.nullable.toggle() }
                    }
                case 3: if plain { c.nullable.toggle() }
                case 4: if plain { c.defaultValue = c.defaultValue == nil ? RandomEditTests.defaultValue(c.type) : nil }
                case 7:
                    // Identity: added (past the rows there), switched, or removed.
                    guard integral, c.generated == nil else { return }
                    switch c.identity {
                    case nil: c.identity = Bool.random(using: &rng) ? "always" : "by_default"; c.nullable = false; c.defaultValue = nil
                    case "always"?: c.identity = Bool.random(using: &rng) ? "by_default" : nil
                    default: c.identity = Bool.random(using: &rng) ? "always" : nil
                    }
                case 8:
                    // Generated: a plain column becomes one, an expression changes, or one becomes plain.
                    guard integral, c.identity == nil else { return }
                    if let g = c.generated {
                        c.generated = Bool.random(using: &rng) ? "\(g) + 1" : nil
                    } else {
                        c.generated = "id * 3"
                        c.nullable = false
                        c.defaultValue = nil
                    }
                case 5: if RandomEditTests.numericTypes.contains(c.type) { c.check.toggle() } else if !["boolean", "level", "jsonb"].contains(c.type) { c.unique.toggle() }
                default:
                    if spec.tables[ti].indexes.contains([c.name]) { spec.tables[ti].indexes.removeAll { $0 == [c.name] } } else { spec.tables[ti].indexes.append([c.name]) }
                }
                spec.tables[ti].columns[ci] = c
            case 11:
                let position = Int.random(in: 0...spec.enumValues.count, using: &rng)
                spec.enumValues.insert(fresh("v"), at: position)
            default:
                spec.tables[ti].comment = spec.tables[ti].comment == nil ? "comment \(counter)" : nil
            }
        }
    }

    static func load(_ spec: Spec) throws -> PostgresSchema {
        let result = DefinitionsLoader.load([DefinitionSource(displayPath: "random.yaml", text: spec.yaml)])
        guard let set = result.definitions?.postgres else {
            throw TestFailure("generated definitions do not load: \(result.diagnostics)\n\(spec.yaml)")
        }
        return set
    }

    func testRandomEditsConvergeWithoutLosingRows() throws {
        let env = ProcessInfo.processInfo.environment
        let seeds: [UInt64] = env["SCHEMAC_PROPERTY_SEED"].flatMap(UInt64.init).map { [$0] }
            ?? Array(1...UInt64(Int(env["SCHEMAC_PROPERTY_SEEDS"] ?? "") ?? 200))
        let cluster = try PostgresCluster.get()
        let migrations = try Repo.temporaryDirectory("random_migrations")
        defer { try? FileManager.default.removeItem(at: migrations) }
        // Two seeds at a time, each in databases of its own: the server and
        // schemac each keep a core busy. Failures are reported in seed order.
        let failures = parallelMap(seeds) { seed -> String? in
            do {
                try runSeed(seed, cluster, keepingMigrationIn: migrations)
                return nil
            } catch {
                return "seed \(seed) (rerun with SCHEMAC_PROPERTY_SEED=\(seed)): \(error)"
            }
        }
        for failure in failures.compactMap({ $0 }).prefix(3) { XCTFail(failure) }
        // The outside linter finds nothing forbidden in any of the migrations.
        let files = try FileManager.default.contentsOfDirectory(at: migrations, includingPropertiesForKeys: nil)
        let forbidden = try Squawk.findings(files).filter { Squawk.forbiddenRules.contains($0.rule) }
        XCTAssertTrue(forbidden.isEmpty, forbidden.map(\.description).joined(separator: "\n"))
    }

    func runSeed(_ seed: UInt64, _ cluster: PostgresCluster, keepingMigrationIn kept: URL) throws {
        var rng = RNG(state: seed)
        var generator = Generator()
        var spec = generator.randomSpec(&rng)
        let before = try Self.load(spec)
        for _ in 0..<Int.random(in: 1...4, using: &rng) { generator.edit(&spec, &rng) }
        let after = try Self.load(spec)

        let dir = try Repo.temporaryDirectory("random")
        defer { try? FileManager.default.removeItem(at: dir) }
        let beforeSQL = dir.appendingPathComponent("before.sql"), afterSQL = dir.appendingPathComponent("after.sql")
        try Data(PostgresRenderer.schemaFile(for: before, sourceFiles: []).utf8).write(to: beforeSQL)
        try Data(PostgresRenderer.schemaFile(for: after, sourceFiles: []).utf8).write(to: afterSQL)
        let db = try cluster.databaseFromSchema(beforeSQL, label: "random_\(seed)")

        // Rows: 3 per table, parents first, every value distinct and non-NULL.
        var inserts = ""
        for table in PostgresPlanner.foreignKeyOrder(before.tables) {
            let columns = table.columns.filter { $0.generated == nil }
            let overriding = columns.contains { $0.identity == .always } ? " OVERRIDING SYSTEM VALUE" : ""
            for i in 1...3 {
                let values = columns.map { c in c.name == "id" ? "\(i)" : Self.rowValue(Self.specType(c.type), i) }
                inserts += "INSERT INTO \(SQL.qualified(table.name)) (\(SQL.identifierList(columns.map(\.name))))\(overriding) VALUES (\(values.joined(separator: ", ")));\n"
            }
        }
        try cluster.psql(database: db, sql: inserts)

        let connection = try PostgresConnection("host=\(cluster.socketDirectory) dbname=\(db) user=postgres")
        let changes = try LiveDiffTests.liveChanges(connection, to: after)
        let unsupported = PostgresDiff.unsupported(changes)
        guard unsupported.isEmpty else { throw TestFailure("unsupported: \(unsupported)\n\(spec.yaml)") }
        let migration = dir.appendingPathComponent("migration.sql")
        try Data(PostgresRenderer.migration(PostgresPlanner.plan(changes)).utf8).write(to: migration)
        try? FileManager.default.copyItem(at: migration, to: kept.appendingPathComponent("seed_\(seed).sql"))
        let applied = try cluster.psqlResult(database: db, file: migration.path)
        guard applied.status == 0 else {
            throw TestFailure("migration failed: \(applied.stderr)\n\(try String(contentsOf: migration, encoding: .utf8))\n\(spec.yaml)")
        }
        let again = try LiveDiffTests.liveChanges(connection, to: after)
        guard again.isEmpty else { throw TestFailure("second diff not empty: \(again)\n\(spec.yaml)") }

        let fresh = try cluster.databaseFromSchema(afterSQL, label: "random_fresh_\(seed)")
        let a = InspectTests.dump(try PostgresInspector.inspect(connection, schemas: ["public"])).split(separator: "\n").sorted()
        let b = InspectTests.dump(try PostgresInspector.inspect(try PostgresConnection("host=\(cluster.socketDirectory) dbname=\(fresh) user=postgres"), schemas: ["public"])).split(separator: "\n").sorted()
        guard a == b else { throw TestFailure("migrated and fresh databases differ:\n\(Set(a).symmetricDifference(b))\n\(spec.yaml)") }

        // Every table that survived (renamed or not) still has its 3 rows.
        for table in after.tables {
            let existed = before.tables.contains { $0.name == table.name || $0.name == table.renamedFrom }
            guard existed else { continue }
            let count = try cluster.psql(database: db, sql: "SELECT count(*) FROM \(SQL.qualified(table.name));")
            guard count.trimmingCharacters(in: .whitespacesAndNewlines) == "3" else {
                throw TestFailure("\(table.name) has \(count) rows after the migration, not 3\n\(spec.yaml)")
            }
        }
        try cluster.psql(database: "postgres", sql: "DROP DATABASE \"\(db)\" WITH (FORCE); DROP DATABASE \"\(fresh)\" WITH (FORCE);")
    }

    /// The spec's spelling of a resolved column type, for row values.
    static func specType(_ type: PostgresType) -> String {
        if case .enumeration = type.base { return "level" }
        switch type.builtin {
        case .integer?: return "integer"
        case .bigint?: return "bigint"
        case .numeric?: return "numeric(10,2)"
        case .boolean?: return "boolean"
        case .date?: return "date"
        case .timestamptz?: return "timestamptz"
        case .uuid?: return "uuid"
        case .jsonb?: return "jsonb"
        default: return "text"
        }
    }
}
