import Foundation
import PlatformSchema
import SchemacCore
import SchemacLoader
import SchemacModel
import SchemacRedis
import SchemacRedisDriver
import XCTest

/// A real redis-server on a loopback port, for the drift report and the scripts.
final class RedisServer {
    let port: Int
    let directory: URL
    private let process: Process

    init() throws {
        guard let binary = Shell.which("redis-server", extraDirectories: ["/usr/sbin", "/usr/bin"]) else {
            throw TestFailure("redis-server is not installed (apt-get install redis-server; .ci/run does)")
        }
        directory = try Repo.temporaryDirectory("redis")
        var lastError = ""
        for _ in 0..<5 {
            let port = Int.random(in: 20_000...60_000)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.path,
                           "--logfile", directory.appendingPathComponent("log").path]
            try p.run()
            for _ in 0..<50 {
                if let c = try? RedisConnection(url: "redis://127.0.0.1:\(port)"), (try? c.command(["PING"]))?.string == "PONG" {
                    self.port = port
                    self.process = p
                    return
                }
                if !p.isRunning { break }
                usleep(100_000)
            }
            p.terminate()
            lastError = (try? String(contentsOf: directory.appendingPathComponent("log"), encoding: .utf8)) ?? ""
        }
        throw TestFailure("redis-server did not start: \(lastError)")
    }

    var url: String { "redis://127.0.0.1:\(port)" }

    func connection() throws -> RedisConnection { try RedisConnection(url: url) }

    deinit {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}

final class RedisTests: XCTestCase {
    static func definitions(_ project: String) throws -> RedisSchema {
        let root = Repo.root.appendingPathComponent(project)
        let loaded = DefinitionsLoader.load(directory: root.appendingPathComponent("definitions"), displayPrefix: "definitions")
        return try XCTUnwrap(loaded.definitions?.redis, "\(project): \(loaded.diagnostics)")
    }

    /// Every script loads under the SHA-1 keys.json gives it, and runs with
    /// keys made by the generated builders.
    func testScriptsLoadUnderTheirDigestAndRunWithGeneratedKeys() throws {
        let server = try RedisServer()
        let redis = try server.connection()
        var schemas = [try Self.definitions(""), try Self.definitions("examples/attribution")]
        for c in try ReferenceCase.all() where c.name.hasPrefix("redis_") {
            let loaded = DefinitionsLoader.load(directory: c.directory.appendingPathComponent("definitions"), displayPrefix: "definitions")
            if let r = loaded.definitions?.redis { schemas.append(r) }
        }
        var loadedScripts = 0
        for schema in schemas {
            for script in schema.scripts {
                XCTAssertEqual(try redis.command(["SCRIPT", "LOAD", script.source]).string, script.sha1, script.name)
                loadedScripts += 1
            }
        }
        XCTAssertGreaterThanOrEqual(loadedScripts, 3)

        // The platform's limiter, through RedisKeys: a hash-tagged key.
        let org = UUID()
        let key = RedisKeys.ratelimit(orgID: org, dsp: "dv360")
        XCTAssertEqual(key, "ratelimit:{\(org.uuidString.lowercased())}:dv360")
        let seq = RedisKeys.ratelimitSeq(orgID: org, dsp: "dv360")
        let sha = try XCTUnwrap(schemas[0].scripts.first { $0.name == "sliding_window_limit" }).sha1
        let now = Int(Date().timeIntervalSince1970 * 1000)
        var answers: [Int] = []
        for i in 0..<4 {
            answers.append(try redis.command(["EVALSHA", sha, "2", key, seq, String(now + i), "60", "3"]).integer ?? -1)
        }
        XCTAssertEqual(answers, [1, 1, 1, 0])
        // Every key it touched is a declared one, with an expiry.
        for touched in [key, seq] {
            let pttl = try redis.command(["PTTL", touched]).integer ?? -2
            XCTAssertGreaterThan(pttl, 0, touched)
            XCTAssertLessThanOrEqual(pttl, (schemas[0].keys.first { $0.name == "ratelimit" }?.ttlSeconds ?? 0) * 1000)
        }
        // The same limiter as Redis Functions, loaded by apply, called through RedisFunctions with the builders' keys.
        let apply = try Shell.run(try Repo.binary, ["apply", "--against", server.url, "--auto-approve"], cwd: Repo.root)
        XCTAssertEqual(apply.status, 0, apply.stdout + apply.stderr)
        let other = RedisKeys.ratelimit(orgID: org, dsp: "ttd"), otherSeq = RedisKeys.ratelimitSeq(orgID: org, dsp: "ttd")
        var admitted: [Int] = []
        for i in 0..<3 {
            let call = RedisFunctions.ratelimitAdmit(ratelimit: other, ratelimitSeq: otherSeq, now: String(now + i), windowSeconds: "60", limit: "2")
            XCTAssertEqual(call.command, "FCALL")
            admitted.append(try redis.command(call.arguments).integer ?? -1)
        }
        XCTAssertEqual(admitted, [1, 1, 0])
        let count = RedisFunctions.ratelimitCount(ratelimit: other, now: String(now + 3), windowSeconds: "60")
        XCTAssertEqual(count.command, "FCALL_RO")
        XCTAssertEqual(try redis.command(count.arguments), .integer(2))
        // Every function of every project and case runs on the server once its library is loaded.
        var called = 0, made: Set<String> = []
        for schema in schemas {
            for library in schema.libraries {
                XCTAssertEqual(try redis.command(["FUNCTION", "LOAD", "REPLACE", library.source]).string, library.name)
                for f in library.functions {
                    let keys = f.keys.map { spec in "\(spec):{\(org.uuidString.lowercased())}:x" }
                    if schema != schemas[0] { made.formUnion(keys) }
                    let reply = try redis.command([f.command, f.name, String(keys.count)] + keys + f.args.map { _ in "1" })
                    if case .error(let message) = reply { XCTFail("\(f.name): \(message)") }
                    called += 1
                }
            }
        }
        XCTAssertGreaterThanOrEqual(called, 5)
        // The cases' keys are of no spec of the platform's.
        if !made.isEmpty { _ = try redis.command(["DEL"] + made.sorted()) }
        _ = try redis.command(["FUNCTION", "FLUSH"])
        XCTAssertEqual(try Shell.run(try Repo.binary, ["apply", "--against", server.url, "--auto-approve"], cwd: Repo.root).status, 0)
        let drift = try RedisLive.drift(url: server.url, schema: schemas[0])
        XCTAssertEqual(drift.unknown, [], drift.text)
        XCTAssertEqual(drift.faults, [], drift.text)
        XCTAssertEqual(drift.libraries, [], drift.text)
    }

    /// A server with conforming keys of every spec and four planted faults
    /// gets a report naming each fault and nothing else; without them, none.
    func testDriftReportNamesEachPlantedFaultAndNothingElse() throws {
        let server = try RedisServer()
        let redis = try server.connection()
        let schema = try Self.definitions("")
        for script in schema.scripts { _ = try redis.command(["SCRIPT", "LOAD", script.source]) }
        for library in schema.libraries { _ = try redis.command(["FUNCTION", "LOAD", library.source]) }
        let user = UUID(), org = UUID(), other = UUID()
        var setup: [[String]] = [
            ["HSET", RedisKeys.session(userID: user), "user_id", user.uuidString.lowercased(), "org_id", org.uuidString.lowercased(),
             "created_at", "2026-12-01T00:00:00Z", "role", "admin"], ["EXPIRE", RedisKeys.session(userID: user), "3600"],
            ["SET", RedisKeys.cache(key: "campaigns-list"), "[]", "EX", "900"],
            ["ZADD", RedisKeys.ratelimit(orgID: org, dsp: "ttd"), "1", "a"], ["EXPIRE", RedisKeys.ratelimit(orgID: org, dsp: "ttd"), "60"],
            ["RPUSH", RedisKeys.queue(jobType: "etl"), "job-1"],
        ]
        _ = try redis.pipeline(setup)
        let clean = try RedisLive.drift(url: server.url, schema: schema)
        XCTAssertFalse(clean.hasDrift, clean.text)
        XCTAssertEqual(clean.scanned, 4)

        setup = [
            ["SET", RedisKeys.ratelimit(orgID: org, dsp: "dv360"), "oops", "EX", "60"],  // a string where a zset belongs
            ["SET", RedisKeys.cache(key: "forever"), "x"],  // no expiry
            ["SET", RedisKeys.cache(key: "too-long"), "x", "EX", "86400"],  // above 15 minutes
            ["SET", "legacy:user:42", "x"], ["SET", "legacy:user:43", "x"],  // no spec
            ["RPUSH", RedisKeys.queue(jobType: "reports"), "job-2"], ["EXPIRE", RedisKeys.queue(jobType: "reports"), "60"],  // durable, expiring
            ["HSET", RedisKeys.session(userID: other), "user_id", other.uuidString.lowercased()],  // a session without org_id, created_at, role
            ["EXPIRE", RedisKeys.session(userID: other), "600"],
        ]
        _ = try redis.pipeline(setup)
        let report = try RedisLive.drift(url: server.url, schema: schema)
        XCTAssertEqual(report.unknown, [.init(prefix: "legacy:", count: 2, example: "legacy:user:42")])
        let faults = report.faults.map { "\($0.kind.rawValue) \($0.key)" }
        XCTAssertEqual(Set(faults), [
            "no expiry \(RedisKeys.cache(key: "forever"))", "expiry too long \(RedisKeys.cache(key: "too-long"))",
            "expires though durable \(RedisKeys.queue(jobType: "reports"))", "wrong type \(RedisKeys.ratelimit(orgID: org, dsp: "dv360"))",
            "missing hash fields \(RedisKeys.session(userID: other))",
        ], report.text)
        XCTAssertEqual(faults.count, 5, report.text)
        XCTAssertTrue(report.text.contains("lacks org_id, created_at, role"), report.text)
        XCTAssertEqual(report.scriptsNotLoaded, [])
        XCTAssertEqual(report.libraries, [])
        XCTAssertTrue(report.complete)

        // The functions: the platform's library with other code, and a library no definitions declare.
        let ratelimit = try XCTUnwrap(schema.libraries.first)
        _ = try redis.pipeline([["FUNCTION", "LOAD", "REPLACE", ratelimit.source + "-- edited on the server\n"],
                                ["FUNCTION", "LOAD", "#!lua name=legacy\nredis.register_function('legacy_ping', function() return 1 end)\n"]])

        // Through the binary: the report on stdout, exit 2 with --detailed-exitcode, and the server unchanged.
        let before = try redis.command(["DBSIZE"]).integer
        let run = try Shell.run(try Repo.binary, ["diff", "--against", server.url, "--detailed-exitcode"], cwd: Repo.root)
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertTrue(run.stdout.contains("wrong type: \(RedisKeys.ratelimit(orgID: org, dsp: "dv360"))"), run.stdout)
        XCTAssertTrue(run.stdout.contains("unknown keys: 2 under 'legacy:'"), run.stdout)
        XCTAssertEqual(try redis.command(["DBSIZE"]).integer, before)
        XCTAssertTrue(run.stdout.contains("library code differs: ratelimit: the server's code differs from redis/ratelimit.lua from line 31"), run.stdout)
        XCTAssertTrue(run.stdout.contains("extra library: legacy: on the server (functions: legacy_ping)"), run.stdout)
        // The same report as one JSON object on one line: its faults and its notes.
        let json = try Shell.run(try Repo.binary, ["diff", "--against", server.url, "--format", "json"], cwd: Repo.root)
        XCTAssertEqual(json.status, 0, json.stderr)
        XCTAssertEqual(json.stdout.split(separator: "\n").count, 1, json.stdout)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let findings = try XCTUnwrap(object["faults"] as? [[String: Any]])
        XCTAssertEqual(findings.compactMap { $0["kind"] as? String }.sorted(),
                       ["expires_though_durable", "expiry_too_long", "extra_library", "library_code_differs", "missing_hash_fields", "no_expiry",
                        "unknown_keys", "wrong_type"])
        XCTAssertEqual((object["notes"] as? [Any])?.count, 0)
        XCTAssertEqual(object["drift"] as? Bool, true)
        XCTAssertEqual(object["kind"] as? String, "redis_drift")

        // Declared libraries the server lacks, or holds without a function: each named, and nothing else.
        var declared = schema
        declared.libraries += [
            RedisFunctionLibrary(name: "absent", sourcePath: "redis/absent.lua", source: "#!lua name=absent\nredis.register_function('absent_f', function() return 1 end)\n",
                                 functions: [RedisFunction(name: "absent_f", keys: [], args: [])]),
            RedisFunctionLibrary(name: "partial", sourcePath: "redis/partial.lua",
                                 source: "#!lua name=partial\nredis.register_function('p1', function() return 1 end)\nredis.register_function('p2', function() return 2 end)\n",
                                 functions: [RedisFunction(name: "p1", keys: [], args: []), RedisFunction(name: "p2", keys: [], args: [])]),
        ]
        _ = try redis.command(["FUNCTION", "LOAD", "#!lua name=partial\nredis.register_function('p1', function() return 1 end)\n"])
        let functionReport = try RedisLive.drift(url: server.url, schema: declared)
        XCTAssertEqual(functionReport.libraries.map { "\($0.kind.id) \($0.library)\($0.function.map { "." + $0 } ?? "")" }, [
            "missing_library absent", "extra_library legacy", "library_code_differs partial", "missing_function partial.p2", "library_code_differs ratelimit",
        ], functionReport.text)
        // The script cache emptied (a restart, a failover, SCRIPT FLUSH): information, not drift, unless asked.
        _ = try redis.pipeline([["SCRIPT", "FLUSH"], ["FLUSHDB"], ["FUNCTION", "FLUSH"], ["FUNCTION", "LOAD", ratelimit.source]])
        _ = try redis.pipeline([
            ["HSET", RedisKeys.session(userID: user), "user_id", user.uuidString.lowercased(), "org_id", org.uuidString.lowercased(),
             "created_at", "2026-12-01T00:00:00Z", "role", "admin"], ["EXPIRE", RedisKeys.session(userID: user), "3600"],
        ])
        let noScripts = try RedisLive.drift(url: server.url, schema: schema)
        XCTAssertEqual(noScripts.scriptsNotLoaded.count, schema.scripts.count)
        XCTAssertFalse(noScripts.hasDrift, noScripts.text)
        XCTAssertTrue(noScripts.text.contains("note: script not in the server's cache"), noScripts.text)
        let quiet = try Shell.run(try Repo.binary, ["diff", "--against", server.url, "--detailed-exitcode"], cwd: Repo.root)
        XCTAssertEqual(quiet.status, 0, quiet.stdout + quiet.stderr)
        let strict = try Shell.run(try Repo.binary, ["diff", "--against", server.url, "--detailed-exitcode", "--require-scripts"], cwd: Repo.root)
        XCTAssertEqual(strict.status, 2, strict.stdout + strict.stderr)
        XCTAssertTrue(strict.stdout.contains("script not loaded: "), strict.stdout)
        let notes = try Shell.run(try Repo.binary, ["diff", "--against", server.url, "--format", "json"], cwd: Repo.root)
        let noted = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(notes.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((noted["notes"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }, ["script_not_loaded"])
        XCTAssertEqual((noted["faults"] as? [Any])?.count, 0)
        XCTAssertEqual(noted["drift"] as? Bool, false)
    }

    /// apply loads what the server lacks, asks first, deletes a library no
    /// definitions declare only when allowed, and never touches a key.
    func testApplyLoadsTheLibrariesAndNeverTouchesAKey() throws {
        let server = try RedisServer()
        let redis = try server.connection()
        let schema = try Self.definitions("")
        let ratelimit = try XCTUnwrap(schema.libraries.first)
        _ = try redis.pipeline([["SET", "legacy:user:1", "x"], ["SET", RedisKeys.cache(key: "k"), "v", "EX", "60"]])
        func binary(_ args: [String]) throws -> Shell.Result { try Shell.run(try Repo.binary, args, cwd: Repo.root) }

        // A fresh server drifts: the library is missing.
        let fresh = try binary(["diff", "--against", server.url, "--detailed-exitcode"])
        XCTAssertEqual(fresh.status, 2, fresh.stdout + fresh.stderr)
        XCTAssertTrue(fresh.stdout.contains("library missing: ratelimit: the server has no such library (redis/ratelimit.lua)"), fresh.stdout)
        // Without a terminal and without --auto-approve, apply shows the plan and refuses.
        let asked = try binary(["apply", "--against", server.url])
        XCTAssertEqual(asked.status, 1, asked.stdout + asked.stderr)
        XCTAssertTrue(asked.stdout.contains("FUNCTION LOAD REPLACE <redis/ratelimit.lua>"), asked.stdout)
        XCTAssertTrue(asked.stdout.contains("SCRIPT LOAD <redis/sliding_window_limit.lua>"), asked.stdout)
        XCTAssertTrue(asked.stderr.contains("there is no terminal to ask"), asked.stderr)
        XCTAssertEqual(try redis.command(["FUNCTION", "LIST"]), .array([]))

        let applied = try binary(["apply", "--against", server.url, "--auto-approve"])
        XCTAssertEqual(applied.status, 0, applied.stdout + applied.stderr)
        XCTAssertTrue(applied.stdout.contains("applied: the server's functions and scripts are what the definitions declare"), applied.stdout)
        let synced = try RedisLive.drift(url: server.url, schema: schema)
        XCTAssertEqual(synced.libraries, [], synced.text)
        XCTAssertEqual(synced.scriptsNotLoaded, [], synced.text)
        let again = try binary(["apply", "--against", server.url, "--auto-approve"])
        XCTAssertTrue(again.stdout.contains("nothing to apply"), again.stdout)

        // Other code on the server: replaced. A library of no definitions: left alone, then deleted when allowed.
        _ = try redis.pipeline([["FUNCTION", "LOAD", "REPLACE", ratelimit.source + "-- edited\n"],
                                ["FUNCTION", "LOAD", "#!lua name=legacy\nredis.register_function('legacy_ping', function() return 1 end)\n"]])
        let replaced = try binary(["apply", "--against", server.url, "--auto-approve", "--format", "json"])
        XCTAssertEqual(replaced.status, 0, replaced.stdout + replaced.stderr)
        let actions = try replaced.stdout.split(separator: "\n").map { try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(actions.compactMap { $0["kind"] as? String }, ["function_load", "note", "in_sync"], replaced.stdout)
        XCTAssertEqual(try RedisLive.drift(url: server.url, schema: schema).libraries.map(\.kind), [.extra])
        let deleted = try binary(["apply", "--against", server.url, "--auto-approve", "--allow-destructive"])
        XCTAssertEqual(deleted.status, 0, deleted.stdout + deleted.stderr)
        XCTAssertTrue(deleted.stdout.contains("FUNCTION DELETE legacy"), deleted.stdout)
        XCTAssertEqual(try RedisLive.drift(url: server.url, schema: schema).libraries, [])

        // A declared function held by another library: refused until that library may go.
        _ = try redis.pipeline([["FUNCTION", "DELETE", "ratelimit"],
                                ["FUNCTION", "LOAD", "#!lua name=old_limits\nredis.register_function('ratelimit_admit', function() return 1 end)\n"]])
        let blocked = try binary(["apply", "--against", server.url, "--auto-approve"])
        XCTAssertEqual(blocked.status, 1, blocked.stdout + blocked.stderr)
        XCTAssertTrue(blocked.stderr.contains("library old_limits on the server holds ratelimit_admit (declared in ratelimit)"), blocked.stderr)
        XCTAssertEqual(try binary(["apply", "--against", server.url, "--auto-approve", "--allow-destructive"]).status, 0)
        XCTAssertEqual(try RedisLive.drift(url: server.url, schema: schema).libraries, [])

        // No key was touched.
        XCTAssertEqual(try redis.command(["DBSIZE"]), .integer(2))
        XCTAssertEqual(try redis.command(["GET", "legacy:user:1"]), .string("x"))
    }

    /// A load the server refuses, after a library was deleted to make room:
    /// the libraries are put back as they were (FUNCTION DUMP, RESTORE).
    func testAFailedApplyPutsTheLibrariesBack() throws {
        let server = try RedisServer()
        let redis = try server.connection()
        let dir = try Repo.temporaryDirectory("redis_apply")
        defer { try? FileManager.default.removeItem(at: dir) }
        for item in ["definitions", "schemac.yaml"] { try Repo.copy(Repo.root.appendingPathComponent(item), to: dir.appendingPathComponent(item)) }
        // It takes the name an undeclared library holds, and its Lua does not compile.
        try Data("#!lua name=broken\nredis.register_function('legacy_ping', function() return 1 end)\nlocal x = = 1\n".utf8)
            .write(to: dir.appendingPathComponent("definitions/redis/broken.lua"))
        try Data("redis:\n  functions:\n    broken:\n      source: redis/broken.lua\n      functions:\n        legacy_ping: {}\n".utf8)
            .write(to: dir.appendingPathComponent("definitions/redis/broken.yaml"))
        let legacy = "#!lua name=legacy\nredis.register_function('legacy_ping', function() return 1 end)\n"
        _ = try redis.command(["FUNCTION", "LOAD", legacy])
        let run = try Shell.run(try Repo.binary, ["apply", "--against", server.url, "--auto-approve", "--allow-destructive"], cwd: dir)
        XCTAssertEqual(run.status, 1, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("FUNCTION DELETE legacy"), run.stdout)
        XCTAssertTrue(run.stderr.contains("function_load broken: "), run.stderr)
        XCTAssertTrue(run.stderr.contains("the server's libraries are back as they were before apply"), run.stderr)
        let listed = try XCTUnwrap(try redis.command(["FUNCTION", "LIST", "WITHCODE"]).array)
        XCTAssertEqual(listed.count, 1)
        XCTAssertTrue(listed.first?.array?.contains(.string(legacy)) ?? false, "\(listed)")
        // A project that declares no library leaves the server's libraries alone.
        var keysOnly = try Self.definitions("")
        keysOnly.libraries = []
        XCTAssertEqual(try RedisLive.drift(url: server.url, schema: keysOnly).libraries, [])
    }

    /// 100,000 keys: the whole keyspace is read within the time budget.
    func testDriftOfAHundredThousandKeysFinishesWithinItsBudget() throws {
        let server = try RedisServer()
        let redis = try server.connection()
        let schema = try Self.definitions("")
        for chunk in stride(from: 0, to: 100_000, by: 5000) {
            _ = try redis.pipeline((chunk..<chunk + 5000).map { ["SET", RedisKeys.cache(key: "k\($0)"), "v", "EX", "600"] })
        }
        let budget = RedisLive.Budget(maxKeys: 1_000_000, seconds: 20)
        let started = Date()
        let report = try RedisLive.drift(url: server.url, schema: schema, budget: budget)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertTrue(report.complete, report.text)
        XCTAssertEqual(report.scanned, 100_000)
        XCTAssertEqual(report.faults, [])
        XCTAssertEqual(report.unknown, [])
        XCTAssertLessThan(elapsed, budget.seconds + 5, "the report took \(elapsed) s")
        // A budget smaller than the keyspace stops the SCAN and says so.
        let cut = try RedisLive.drift(url: server.url, schema: schema, budget: RedisLive.Budget(maxKeys: 10_000, seconds: 20))
        XCTAssertFalse(cut.complete)
        XCTAssertEqual(cut.scanned, 10_000)
    }

    /// Every keys.json is valid under the JSON Schema beside it (checked by
    /// Python's jsonschema), and its regexes and globs match sample keys.
    func testKeysJSONIsValidUnderItsSchema() throws {
        var files = [Repo.root.appendingPathComponent("generated/redis/keys.json").path,
                     Repo.root.appendingPathComponent("examples/attribution/generated/redis/keys.json").path]
        for c in try ReferenceCase.all() {
            let file = c.expectedDirectory.appendingPathComponent("redis/keys.json").path
            if FileManager.default.fileExists(atPath: file) { files.append(file) }
        }
        XCTAssertGreaterThanOrEqual(files.count, 10)
        let run = try Shell.run(try Oracles.python(with: "jsonschema"), [Repo.root.appendingPathComponent("Tests/redis/keys_check.py").path] + files)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertEqual(run.stdout, "ok: \(files.count) files\n")
    }
}
