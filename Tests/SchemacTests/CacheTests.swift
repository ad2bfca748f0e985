import Foundation
@testable import SchemacLoader
import SchemacModel
import XCTest

/// The definitions cache: the compact model form round-trips every definition
/// set we have, damaged entries are refused without a crash, and a cached run
/// says exactly what an uncached one says, until a file changes.
final class CacheTests: XCTestCase {
    static func allDefinitionSets() throws -> [(String, DefinitionSet)] {
        var folders = [("definitions", Repo.root.appendingPathComponent("definitions")),
                       ("attribution", Repo.root.appendingPathComponent("examples/attribution/definitions"))]
        for c in try ReferenceCase.all() { folders.append((c.name, c.directory.appendingPathComponent("definitions"))) }
        for side in ["before", "after"] {
            for c in try MigrationTests.cases() { folders.append(("\(c.name)/\(side)", c.directory.appendingPathComponent(side))) }
        }
        return folders.compactMap { name, url in
            DefinitionsLoader.load(directory: url, displayPrefix: "definitions").definitions.map { (name, $0) }
        }
    }

    func testEveryDefinitionSetRoundTrips() throws {
        let sets = try Self.allDefinitionSets()
        XCTAssertGreaterThan(sets.count, 80)
        for (name, set) in sets {
            let back = try CompactCoding.decode(DefinitionSet.self, from: CompactCoding.encode(set))
            XCTAssertEqual(back.sourceFiles, set.sourceFiles, name)
            XCTAssertEqual(back.postgres, set.postgres, name)
            XCTAssertEqual(back.clickhouse, set.clickhouse, name)
            XCTAssertEqual(back.redis, set.redis, name)
        }
        XCTAssertGreaterThanOrEqual(sets.filter { $0.1.clickhouse != nil }.count, 15)
        XCTAssertGreaterThanOrEqual(sets.filter { $0.1.redis.map { !$0.keys.isEmpty } ?? false }.count, 8)
    }

    /// Truncated or altered bytes are an error, never a crash or a runaway
    /// allocation; in the cache, any damaged entry is a miss and is written again.
    func testDamagedEntriesAreRefused() throws {
        let (_, set) = try XCTUnwrap(Self.allDefinitionSets().first { $0.0 == "definitions" })
        let bytes = CompactCoding.encode(set)
        var rng = FuzzTests.SplitMix64(state: 7)
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 200)) {
            XCTAssertThrowsError(try CompactCoding.decode(DefinitionSet.self, from: Array(bytes[..<cut])), "cut at \(cut)")
        }
        XCTAssertThrowsError(try CompactCoding.decode(DefinitionSet.self, from: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]))

        let directory = try Repo.temporaryDirectory("damaged-cache")
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = DefinitionsCache(directory: directory)
        let folder = Repo.root.appendingPathComponent("definitions")
        let found = DefinitionsLoader.sources(in: folder, displayPrefix: "definitions")
        let key = DefinitionsCache.key(for: found.sources + found.scripts)
        _ = DefinitionsLoader.load(directory: folder, displayPrefix: "definitions", cache: cache)
        let entry = directory.appendingPathComponent("definitions-\(key).bin")
        let sound = try Data(contentsOf: entry)
        XCTAssertEqual(cache.load(key)?.postgres, set.postgres, "a sound entry is a hit")
        for round in 0..<100 {
            var damaged = [UInt8](sound)
            let at = Int.random(in: 0..<damaged.count, using: &rng)
            damaged[at] ^= UInt8.random(in: 1...255, using: &rng)
            try Data(damaged).write(to: entry)
            XCTAssertNil(cache.load(key), "round \(round): a byte changed at \(at) of \(damaged.count) is still a hit")
        }
        let reloaded = DefinitionsLoader.load(directory: folder, displayPrefix: "definitions", cache: cache)
        XCTAssertEqual(reloaded.definitions?.postgres, set.postgres)
        XCTAssertEqual(cache.load(key)?.postgres, set.postgres, "the damaged entry is written again")
    }

    func testKeysFollowContentAndTool() {
        let a = [DefinitionSource(displayPath: "definitions/a.yaml", text: "postgres: {}\n")]
        let b = [DefinitionSource(displayPath: "definitions/a.yaml", text: "postgres: { }\n")]
        let c = [DefinitionSource(displayPath: "definitions/b.yaml", text: "postgres: {}\n")]
        XCTAssertEqual(DefinitionsCache.key(for: a, tool: "x"), DefinitionsCache.key(for: a, tool: "x"))
        XCTAssertNotEqual(DefinitionsCache.key(for: a, tool: "x"), DefinitionsCache.key(for: b, tool: "x"))
        XCTAssertNotEqual(DefinitionsCache.key(for: a, tool: "x"), DefinitionsCache.key(for: c, tool: "x"))
        XCTAssertNotEqual(DefinitionsCache.key(for: a, tool: "x"), DefinitionsCache.key(for: a, tool: "y"))
        XCTAssertEqual(DefinitionsCache.key(for: a).count, 32)
        XCTAssertNil(DefinitionsCache.fromEnvironment(["SCHEMAC_CACHE": "off", "HOME": "/root"]))
        XCTAssertEqual(DefinitionsCache.fromEnvironment(["SCHEMAC_CACHE_DIR": "/tmp/c", "HOME": "/root"])?.directory.path, "/tmp/c")
        XCTAssertEqual(DefinitionsCache.fromEnvironment(["HOME": "/home/u"])?.directory.path, "/home/u/.cache/schemac")
    }

    /// Through the binary: a second run reads the cache and prints the same;
    /// an edited file is loaded afresh; a damaged entry is loaded afresh and replaced.
    func testCachedRunsMatchUncachedOnes() throws {
        let binary = try Repo.binary
        let project = try Repo.temporaryDirectory("cache-project")
        let cacheDir = try Repo.temporaryDirectory("cache-dir")
        defer {
            try? FileManager.default.removeItem(at: project)
            try? FileManager.default.removeItem(at: cacheDir)
        }
        let before = Repo.root.appendingPathComponent("Tests/Migrations/add_columns/before")
        let after = Repo.root.appendingPathComponent("Tests/Migrations/add_columns/after")
        try FileManager.default.copyItem(at: after, to: project.appendingPathComponent("definitions"))
        let env = ProcessInfo.processInfo.environment.merging(["SCHEMAC_CACHE_DIR": cacheDir.path]) { _, new in new }
        func diff(_ environment: [String: String]) throws -> Shell.Result {
            try Shell.run(binary, ["diff", "--against", before.path], cwd: project, environment: environment)
        }
        let uncached = try diff(env.merging(["SCHEMAC_CACHE": "off"]) { _, new in new })
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cacheDir.path), [], "SCHEMAC_CACHE=off writes nothing")
        let first = try diff(env), second = try diff(env)
        func definitionEntries() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: cacheDir.path).filter { $0.hasPrefix("definitions-") }
        }
        let entries = try definitionEntries()
        XCTAssertEqual(entries.count, 1, "one entry for one state of the definitions")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cacheDir.path).filter { $0.hasPrefix("tables-") }.count, 1,
                       "and one of its tables, file by file")
        XCTAssertEqual(first.stdout, uncached.stdout)
        XCTAssertEqual(second.stdout, uncached.stdout)
        XCTAssertEqual(second.status, uncached.status)

        // An edited file: a new entry, and the edit shows.
        let file = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: project.appendingPathComponent("definitions").path).first)
        let url = project.appendingPathComponent("definitions").appendingPathComponent(file)
        let text = try String(contentsOf: url, encoding: .utf8)
        try Data((text + "    added_by_test:\n      columns:\n        id: integer\n").utf8).write(to: url)
        let edited = try diff(env)
        XCTAssertTrue(edited.stdout.contains("added_by_test"), edited.stdout + edited.stderr)
        XCTAssertEqual(try definitionEntries().count, 2)

        // A damaged entry is ignored and written again.
        try Data(text.utf8).write(to: url)
        let entry = cacheDir.appendingPathComponent(entries[0])
        try Data([1, 2, 3]).write(to: entry)
        let afterDamage = try diff(env)
        XCTAssertEqual(afterDamage.stdout, uncached.stdout)
        XCTAssertGreaterThan(try Data(contentsOf: entry).count, 3)
    }

    /// A load that takes the tables an earlier load kept, file by file, says
    /// what a load afresh says, after edits of a table's own file and of what
    /// other files' tables read (enums, domains, roles, tenancy, the tables
    /// they reference, relation names they claim, the files themselves).
    func testLoadsTakingKeptTablesMatchLoadsAfresh() throws {
        let project = try Repo.temporaryDirectory("kept-tables"), cacheDir = try Repo.temporaryDirectory("kept-tables-cache")
        defer {
            try? FileManager.default.removeItem(at: project)
            try? FileManager.default.removeItem(at: cacheDir)
        }
        let cache = DefinitionsCache(directory: cacheDir)
        var files: [String: String] = [
            "settings.yaml": """
                postgres:
                  roles: [app_user, app_readonly]
                  tenancy: { column: org_id, setting: app.current_org_id }
                  enums:
                    level: [low, mid, high]
                  domains:
                    positive: { type: integer, check: "VALUE > 0" }
                  tables:
                    orgs:
                      columns:
                        id: { type: uuid, primary_key: true }

                """,
            "a.yaml": """
                postgres:
                  tables:
                    accounts:
                      tenant: true
                      columns:
                        id:     { type: bigint, primary_key: true }
                        org_id: { type: uuid, references: orgs.id }
                        level:  { type: level, default: mid }
                        size:   positive
                      indexes:
                        - { columns: [level], name: accounts_level }
                      grants: { app_user: [select], app_readonly: [select] }

                """,
            "b.yaml": """
                postgres:
                  schema: billing
                  tables:
                    invoices:
                      tenant: true
                      columns:
                        id:         { type: bigint, primary_key: true }
                        org_id:     uuid
                        account_id: { type: bigint, references: public.accounts.id }
                        total:      { type: "numeric(12,2)", check: "total >= 0" }
                        updated_at: timestamptz
                      auto_updated_at: updated_at
                    notes:
                      columns:
                        id: { type: bigint, primary_key: true }
                        body: text

                """,
        ]
        let definitions = project.appendingPathComponent("definitions")
        func write() throws {
            try? FileManager.default.removeItem(at: definitions)
            try FileManager.default.createDirectory(at: definitions, withIntermediateDirectories: true)
            for (name, text) in files { try Data(text.utf8).write(to: definitions.appendingPathComponent(name)) }
        }
        func check(_ what: String, taking taken: Int? = nil, notComposing unread: Int? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
            try write()
            let kept = DefinitionsLoader.load(directory: definitions, displayPrefix: "definitions", cache: cache)
            let afresh = DefinitionsLoader.load(directory: definitions, displayPrefix: "definitions")
            XCTAssertEqual(kept.diagnostics.map(\.description), afresh.diagnostics.map(\.description), what, file: file, line: line)
            XCTAssertEqual(kept.definitions?.postgres, afresh.definitions?.postgres, what, file: file, line: line)
            XCTAssertEqual(kept.definitions?.locations, afresh.definitions?.locations, what, file: file, line: line)
            if let taken { XCTAssertEqual(kept.filesOfTablesTaken, taken, "files whose tables were taken: \(what)", file: file, line: line) }
            if let unread { XCTAssertEqual(kept.filesNotComposed, unread, "files not composed: \(what)", file: file, line: line) }
            // Taken from the definitions cache now: forget it, so that the next load resolves again.
            for entry in try FileManager.default.contentsOfDirectory(atPath: cacheDir.path) where entry.hasPrefix("definitions-") {
                try FileManager.default.removeItem(at: cacheDir.appendingPathComponent(entry))
            }
        }
        func edit(_ file: String, _ old: String, _ new: String) {
            XCTAssertNotNil(files[file]?.range(of: old), "\(file) holds \(old)")
            files[file] = files[file]!.replacingOccurrences(of: old, with: new)
        }
        try check("the first load")
        XCTAssertEqual(DefinitionsLoader.load(directory: definitions, displayPrefix: "definitions").diagnostics.map(\.description), [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cacheDir.path).filter { $0.hasPrefix("tables-") }.count, 1)
        try check("nothing changed", taking: 3, notComposing: 2)
        edit("a.yaml", "size:   positive", "size:   positive\n        note:   text?")
        try check("a column added in the table's own file", taking: 2, notComposing: 1)
        edit("settings.yaml", "level: [low, mid, high]", "level: [low, high]")
        try check("the enum loses the value a default in another file names", taking: 0)
        edit("settings.yaml", "level: [low, high]", "level: [low, mid, high, top]")
        try check("the enum gains a value")
        edit("settings.yaml", "VALUE > 0", "VALUE >= 0")
        try check("the domain another file's column is of changes")
        edit("settings.yaml", "roles: [app_user, app_readonly]", "roles: [app_user]")
        try check("a role another file grants to is gone")
        edit("settings.yaml", "roles: [app_user]", "roles: [app_user, app_readonly]")
        edit("settings.yaml", "column: org_id", "column: tenant_id")
        try check("the tenancy column changes")
        edit("settings.yaml", "column: tenant_id", "column: org_id")
        try check("and back")
        edit("a.yaml", "accounts:", "customer_accounts:")
        try check("a table another file references is renamed")
        edit("a.yaml", "customer_accounts:", "accounts:")
        edit("a.yaml", "id:     { type: bigint, primary_key: true }", "id:     { type: integer, primary_key: true }")
        try check("the type of a referenced column changes")
        edit("b.yaml", "        body: text\n", "        body: text\n      indexes:\n        - { columns: [body], name: accounts_level }\n")
        try check("an index name another file's index has (in another schema)")
        edit("b.yaml", "  schema: billing\n", "")
        try check("now in the same schema: the names collide")
        edit("b.yaml", "name: accounts_level }", "name: notes_body }")
        files["c.yaml"] = "postgres:\n  tables:\n    more:\n      columns:\n        id: { type: bigint, primary_key: true }\n        level: level\n"
        try check("a file added", taking: 0)
        try check("as it was", taking: 4, notComposing: 3)
        files["c.yaml"] = files["c.yaml"]! + "    notes:\n      columns:\n        id: bigint\n"
        try check("a table named as one in a file left uncomposed")
        files["c.yaml"] = nil
        try check("a file removed", taking: 0)
        try check("as it was", taking: 3, notComposing: 2)
        files["c.yaml"] = nil
        files["a.yaml"] = files["a.yaml"]! + files["b.yaml"]!.replacingOccurrences(of: "postgres:\n  tables:\n", with: "")
        files["b.yaml"] = "postgres:\n  tables: {}\n"
        try check("tables moved from one file to another")
    }
}
