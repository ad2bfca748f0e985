import Foundation
@testable import SchemacLoader
import SchemacModel
import XCTest

/// Random projects of several files, random edits of any file: a load that
/// takes the tables an earlier load kept (and leaves unchanged files of
/// tables uncomposed) says exactly what a load afresh says, diagnostics and
/// places included. `SCHEMAC_KEPT_TABLES_SEEDS` sets how many seeds (default
/// 60); a failure names its seed and step.
final class KeptTablesPropertyTests: XCTestCase {
    struct TableSpec {
        var name: String
        var columns: [(name: String, type: String)]
        var reference: String?
        var tenant = false
        var index: String?
        var grants: [String] = []
        /// Comment lines above the table: an edit there moves every place below.
        var padding = 0
    }

    struct ProjectSpec {
        var enumValues = ["low", "mid", "high"]
        var roles = ["app_user", "app_readonly"]
        var tenancyColumn = "org_id"
        /// Each file's default schema (nil: public) and tables.
        var files: [(schema: String?, tables: [TableSpec])] = []

        var texts: [String: String] {
            var out = ["settings.yaml": """
                postgres:
                  roles: [\(roles.joined(separator: ", "))]
                  tenancy: { column: \(tenancyColumn), setting: app.current_org_id }
                  enums:
                    level: [\(enumValues.joined(separator: ", "))]
                  tables:
                    orgs:
                      columns:
                        id: { type: uuid, primary_key: true }

                """]
            for (i, file) in files.enumerated() {
                var yaml = "postgres:\n" + (file.schema.map { "  schema: \($0)\n" } ?? "") + "  tables:\n"
                if file.tables.isEmpty { yaml = "postgres:\n  tables: {}\n" }
                for t in file.tables {
                    yaml += String(repeating: "    # note\n", count: t.padding)
                    yaml += "    \(t.name):\n"
                    if t.tenant { yaml += "      tenant: true\n" }
                    yaml += "      columns:\n        id: { type: bigint, primary_key: true }\n"
                    if t.tenant { yaml += "        org_id: { type: uuid, references: public.orgs.id }\n" }
                    for c in t.columns {
                        yaml += c.type == "level" ? "        \(c.name): { type: public.level, default: mid }\n" : "        \(c.name): \"\(c.type)\"\n"
                    }
                    if let reference = t.reference { yaml += "        ref_id: { type: bigint?, references: \(reference).id }\n" }
                    if let index = t.index { yaml += "      indexes:\n        - { columns: [id], name: \(index) }\n" }
                    if !t.grants.isEmpty { yaml += "      grants: { \(t.grants.map { "\($0): [select]" }.joined(separator: ", ")) }\n" }
                }
                out["f\(i).yaml"] = yaml
            }
            return out
        }

        /// Every table with the name a reference to it is written with.
        var tableNames: [String] {
            files.flatMap { file in file.tables.map { (file.schema.map { "\($0)." } ?? "public.") + $0.name } }
        }
    }

    struct Generator {
        var rng: FuzzTests.SplitMix64
        var counter = 0
        static let types = ["integer", "text", "level", "varchar(20)", "boolean", "bigint"]

        mutating func fresh(_ prefix: String) -> String {
            counter += 1
            return "\(prefix)\(counter)"
        }

        mutating func table(referencing names: [String]) -> TableSpec {
            var t = TableSpec(name: fresh("t"), columns: [])
            for _ in 0..<Int.random(in: 1...3, using: &rng) { t.columns.append((fresh("c"), Self.types.randomElement(using: &rng)!)) }
            if !names.isEmpty, Bool.random(using: &rng) { t.reference = names.randomElement(using: &rng) }
            t.tenant = Bool.random(using: &rng)
            if Int.random(in: 0..<3, using: &rng) == 0 { t.index = fresh("ix") }
            if Bool.random(using: &rng) { t.grants = ["app_user"] + (Bool.random(using: &rng) ? ["app_readonly"] : []) }
            return t
        }

        mutating func project() -> ProjectSpec {
            var p = ProjectSpec()
            for _ in 0..<Int.random(in: 2...4, using: &rng) {
                var tables: [TableSpec] = []
                for _ in 0..<Int.random(in: 1...4, using: &rng) { tables.append(table(referencing: p.tableNames)) }
                p.files.append((Bool.random(using: &rng) ? nil : "s\(p.files.count)", tables))
            }
            return p
        }

        /// One edit, of the table's own file or of what other files read; said in words.
        mutating func edit(_ p: inout ProjectSpec) -> String {
            let f = Int.random(in: 0..<p.files.count, using: &rng)
            let hasTables = !p.files[f].tables.isEmpty
            let t = hasTables ? Int.random(in: 0..<p.files[f].tables.count, using: &rng) : 0
            switch Int.random(in: 0..<14, using: &rng) {
            case 0 where hasTables:
                p.files[f].tables[t].columns.append((fresh("c"), Self.types.randomElement(using: &rng)!))
                return "a column added to f\(f)"
            case 1 where hasTables && !p.files[f].tables[t].columns.isEmpty:
                p.files[f].tables[t].columns[0].type = Self.types.randomElement(using: &rng)!
                return "a column's type changed in f\(f)"
            case 2 where hasTables:
                p.files[f].tables[t].name = fresh("renamed")
                return "a table of f\(f) renamed (others may reference it)"
            case 3 where hasTables:
                p.files[f].tables[t].reference = p.tableNames.randomElement(using: &rng)
                return "a reference in f\(f) retargeted"
            case 4:
                p.enumValues = Bool.random(using: &rng) ? ["low", "high"] : ["low", "mid", "high", fresh("v")]
                return "the enum's values"
            case 5:
                p.roles = Bool.random(using: &rng) ? ["app_user"] : ["app_user", "app_readonly"]
                return "the roles"
            case 6:
                p.tenancyColumn = p.tenancyColumn == "org_id" ? "tenant_id" : "org_id"
                return "the tenancy column"
            case 7 where hasTables:
                p.files[f].tables[t].index = p.files.flatMap(\.tables).compactMap(\.index).randomElement(using: &rng) ?? fresh("ix")
                return "an index of f\(f) named as another may be"
            case 8 where hasTables:
                p.files[f].tables[t].padding += 1
                return "a comment line in f\(f)"
            case 9 where hasTables && p.files.count > 1:
                let moved = p.files[f].tables.remove(at: t)
                p.files[(f + 1) % p.files.count].tables.append(moved)
                return "a table moved from f\(f)"
            case 10:
                p.files[f].schema = p.files[f].schema == nil ? "s\(f)" : nil
                return "the default schema of f\(f)"
            case 11 where hasTables:
                let other = p.files.flatMap(\.tables).randomElement(using: &rng)!
                p.files[f].tables.append(TableSpec(name: other.name, columns: [("x", "integer")]))
                return "a table of f\(f) named as another may be"
            case 12:
                p.files.append((nil, [table(referencing: p.tableNames)]))
                return "a file added"
            case 13 where p.files.count > 1:
                p.files.remove(at: f)
                return "f\(f) removed"
            default:
                p.files[f].tables.append(table(referencing: p.tableNames))
                return "a table added to f\(f)"
            }
        }
    }

    func testLoadsTakingKeptTablesSayWhatLoadsAfreshSay() throws {
        let env = ProcessInfo.processInfo.environment
        let seeds = env["SCHEMAC_KEPT_TABLES_SEED"].flatMap(UInt64.init).map { [$0] }
            ?? Array(1...UInt64(Int(env["SCHEMAC_KEPT_TABLES_SEEDS"] ?? "") ?? 60))
        var taken = 0, uncomposed = 0
        for seed in seeds {
            let (t, u) = try run(seed)
            taken += t
            uncomposed += u
        }
        // The property is only as good as what it exercised.
        XCTAssertGreaterThan(taken, seeds.count, "files whose tables were taken")
        XCTAssertGreaterThan(uncomposed, seeds.count, "files left uncomposed")
    }

    /// One seed: a project, then edits, each load compared; returns the files taken and left uncomposed.
    func run(_ seed: UInt64) throws -> (Int, Int) {
        let project = try Repo.temporaryDirectory("kept-tables-\(seed)"), cacheDir = try Repo.temporaryDirectory("kept-tables-cache-\(seed)")
        defer {
            try? FileManager.default.removeItem(at: project)
            try? FileManager.default.removeItem(at: cacheDir)
        }
        let definitions = project.appendingPathComponent("definitions")
        let cache = DefinitionsCache(directory: cacheDir)
        var generator = Generator(rng: FuzzTests.SplitMix64(state: seed))
        var spec = generator.project()
        var taken = 0, uncomposed = 0
        for step in 0..<10 {
            let what = step == 0 ? "the first load" : generator.edit(&spec)
            try? FileManager.default.removeItem(at: definitions)
            try FileManager.default.createDirectory(at: definitions, withIntermediateDirectories: true)
            for (name, text) in spec.texts { try Data(text.utf8).write(to: definitions.appendingPathComponent(name)) }
            let kept = DefinitionsLoader.load(directory: definitions, displayPrefix: "definitions", cache: cache)
            let afresh = DefinitionsLoader.load(directory: definitions, displayPrefix: "definitions")
            let label = "seed \(seed), step \(step) (\(what)); rerun with SCHEMAC_KEPT_TABLES_SEED=\(seed)"
            XCTAssertEqual(kept.diagnostics.map(\.description), afresh.diagnostics.map(\.description), label)
            XCTAssertEqual(kept.definitions?.postgres, afresh.definitions?.postgres, label)
            XCTAssertEqual(kept.definitions?.locations, afresh.definitions?.locations, label)
            taken += kept.filesOfTablesTaken
            uncomposed += kept.filesNotComposed
            // The next load resolves again rather than taking the whole definitions.
            for entry in try FileManager.default.contentsOfDirectory(atPath: cacheDir.path) where entry.hasPrefix("definitions-") {
                try FileManager.default.removeItem(at: cacheDir.appendingPathComponent(entry))
            }
        }
        return (taken, uncomposed)
    }
}
