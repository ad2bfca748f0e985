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
        let drift = try RedisLive.drift(url: server.url, schema: schemas[0])
        XCTAssertEqual(drift.unknown, [], drift.text)
        XCTAssertEqual(drift.faults, [], drift.text)
    }

    /// A server with conforming keys of every spec and four planted faults
    /// gets a report naming each fault and nothing else; without them, none.
    func testDriftReportNamesEachPlantedFaultAndNothingElse() throws {
        let server = try RedisServer()
        let redis = try server.connection()
        let schema = try Self.definitions("")
        for script in schema.scripts { _ = try redis.command(["SCRIPT", "LOAD", script.source]) }
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
        XCTAssertTrue(report.complete)

        // Through the binary: the report on stdout, exit 2 with --detailed-exitcode, and the server unchanged.
        let before = try redis.command(["DBSIZE"]).integer
        let run = try Shell.run(try Repo.binary, ["diff", "--against", server.url, "--detailed-exitcode"], cwd: Repo.root)
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertTrue(run.stdout.contains("wrong type: \(RedisKeys.ratelimit(orgID: org, dsp: "dv360"))"), run.stdout)
        XCTAssertTrue(run.stdout.contains("unknown keys: 2 under 'legacy:'"), run.stdout)
        XCTAssertEqual(try redis.command(["DBSIZE"]).integer, before)
        // The same report as JSON lines: a finding an object, then the summary.
        let json = try Shell.run(try Repo.binary, ["diff", "--against", server.url, "--format", "json"], cwd: Repo.root)
        XCTAssertEqual(json.status, 0, json.stderr)
        let findings = try json.stdout.split(separator: "\n").map { try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(Set(findings.compactMap { $0["kind"] as? String }),
                       ["unknown_keys", "no_expiry", "expiry_too_long", "expires_though_durable", "wrong_type", "missing_hash_fields", "summary"])
        XCTAssertEqual(findings.count, 7)
        XCTAssertEqual(findings.last?["drift"] as? Bool, true)
        // The script cache emptied (a restart, a failover, SCRIPT FLUSH): information, not drift, unless asked.
        _ = try redis.pipeline([["SCRIPT", "FLUSH"], ["FLUSHDB"]])
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
