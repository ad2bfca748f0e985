import Foundation
import SchemacLoader
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
        let entries = try FileManager.default.contentsOfDirectory(atPath: cacheDir.path)
        XCTAssertEqual(entries.count, 1, "one entry for one state of the definitions")
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
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cacheDir.path).count, 2)

        // A damaged entry is ignored and written again.
        try Data(text.utf8).write(to: url)
        let entry = cacheDir.appendingPathComponent(entries[0])
        try Data([1, 2, 3]).write(to: entry)
        let afterDamage = try diff(env)
        XCTAssertEqual(afterDamage.stdout, uncached.stdout)
        XCTAssertGreaterThan(try Data(contentsOf: entry).count, 3)
    }
}
