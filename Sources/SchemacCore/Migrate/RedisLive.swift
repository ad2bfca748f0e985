import Foundation
import SchemacDiagnostics
import SchemacLoader
import SchemacModel
import SchemacRedis
import SchemacRedisDriver

/// Reads a live Redis server for the drift report, never writing to it: a
/// SCAN bounded by a key count and a time budget, then TYPE and PTTL of up
/// to `samplesPerSpec` keys of each spec, pipelined, SCRIPT EXISTS and
/// FUNCTION LIST WITHCODE.
public enum RedisLive {
    public struct Budget: Sendable {
        public var maxKeys: Int
        public var seconds: Double
        public var samplesPerSpec: Int

        public init(maxKeys: Int = 1_000_000, seconds: Double = 10, samplesPerSpec: Int = 1000) {
            self.maxKeys = maxKeys
            self.seconds = seconds
            self.samplesPerSpec = samplesPerSpec
        }
    }

    public static func drift(url: String, schema: RedisSchema, budget: Budget = Budget(), requireScripts: Bool = false) throws -> RedisDriftReport {
        let redis = try RedisConnection(url: url)
        let deadline = Date().addingTimeInterval(budget.seconds)
        var keys: [String] = []
        var cursor = "0", complete = false
        repeat {
            let reply = try redis.command(["SCAN", cursor, "COUNT", "1000"])
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string, let batch = parts[1].array else {
                throw RedisError(description: "unexpected SCAN reply: \(reply)")
            }
            keys += batch.compactMap(\.string)
            cursor = next
            if cursor == "0" { complete = true }
        } while !complete && keys.count < budget.maxKeys && Date() < deadline
        if keys.count > budget.maxKeys { keys.removeLast(keys.count - budget.maxKeys); complete = false }

        // Each key's spec, found once; a sample per spec: the first keys SCAN gave of each.
        let classifier = RedisDrift.Classifier(schema)
        let classified = keys.map { (key: $0, spec: classifier.spec(of: $0)) }
        var perSpec: [String: Int] = [:]
        var sampled: [String] = [], specOf: [String: RedisKeySpec] = [:]
        for (key, spec) in classified {
            guard let spec, perSpec[spec.name, default: 0] < budget.samplesPerSpec else { continue }
            perSpec[spec.name, default: 0] += 1
            sampled.append(key)
            specOf[key] = spec
        }
        var samples: [String: (type: String, pttl: Int)] = [:]
        for chunk in stride(from: 0, to: sampled.count, by: 500) {
            let part = Array(sampled[chunk..<min(chunk + 500, sampled.count)])
            let replies = try redis.pipeline(part.flatMap { [["TYPE", $0], ["PTTL", $0]] })
            for (i, key) in part.enumerated() {
                samples[key] = (replies[2 * i].string ?? "none", replies[2 * i + 1].integer ?? -2)
            }
        }
        // The fields of each sampled hash whose spec declares fields.
        var hashFields: [String: Set<String>] = [:]
        let hashes = sampled.filter { key in
            samples[key]?.type == "hash" && !(specOf[key]?.fields.isEmpty ?? true)
        }
        for chunk in stride(from: 0, to: hashes.count, by: 500) {
            let part = Array(hashes[chunk..<min(chunk + 500, hashes.count)])
            for (key, reply) in zip(part, try redis.pipeline(part.map { ["HKEYS", $0] })) {
                hashFields[key] = Set((reply.array ?? []).compactMap(\.string))
            }
        }
        return RedisDrift.report(schema: schema, keys: classified, samples: samples, scriptsLoaded: try scriptsLoaded(schema, on: redis),
                                 complete: complete,
                                 hashFields: hashFields, requireScripts: requireScripts,
                                 liveLibraries: schema.libraries.isEmpty ? [] : try libraries(on: redis))
    }

    /// The SHA-1s of the declared scripts the server's cache holds (`SCRIPT EXISTS`).
    static func scriptsLoaded(_ schema: RedisSchema, on redis: RedisConnection) throws -> Set<String> {
        guard !schema.scripts.isEmpty else { return [] }
        let reply = try redis.command(["SCRIPT", "EXISTS"] + schema.scripts.map(\.sha1))
        return Set(zip(schema.scripts, reply.array ?? []).filter { $0.1.integer == 1 }.map(\.0.sha1))
    }

    /// The server's function libraries (`FUNCTION LIST WITHCODE`), read
    /// when the definitions declare some: a server before Redis 7 has none.
    static func libraries(on redis: RedisConnection) throws -> [RedisLiveLibrary] {
        let reply = try redis.command(["FUNCTION", "LIST", "WITHCODE"])
        if case .error(let message) = reply {
            throw RedisError(description: "the server cannot list Redis Functions, which need Redis 7 or later: \(message)")
        }
        return (reply.array ?? []).compactMap { entry in
            let fields = pairs(entry)
            guard let name = fields["library_name"]?.string else { return nil }
            let functions = (fields["functions"]?.array ?? []).compactMap { pairs($0)["name"]?.string }
            return RedisLiveLibrary(name: name, code: fields["library_code"]?.string ?? "", functions: functions.sorted())
        }
    }

    /// A reply of alternating names and values (RESP2's map), by name.
    private static func pairs(_ reply: RedisReply) -> [String: RedisReply] {
        let items = reply.array ?? []
        var out: [String: RedisReply] = [:]
        for i in stride(from: 0, to: items.count - 1, by: 2) {
            if let key = items[i].string { out[key] = items[i + 1] }
        }
        return out
    }
}

extension RedisLive {
    /// The flow of `schemac diff --against redis://`: the definitions loaded,
    /// the server read within `budget`, the report.
    public static func drift(_ paths: ProjectPaths, configDiagnostics: [Diagnostic] = [], url: String, budget: Budget = Budget(),
                             requireScripts: Bool = false, cache: DefinitionsCache? = nil) -> Planned<RedisDriftReport> {
        let outcome = Pipeline.run(paths, configDiagnostics: configDiagnostics, render: false, cache: cache)
        guard !outcome.failed else { return Planned(nil, outcome.diagnostics) }
        guard let definitions = outcome.definitions?.redis else { return Planned(nil, outcome.diagnostics + [.noSection("redis")]) }
        do {
            return Planned(try drift(url: url, schema: definitions, budget: budget, requireScripts: requireScripts), outcome.diagnostics)
        } catch {
            return Planned(nil, outcome.diagnostics + [.connectionFailed("\(error)")])
        }
    }
}
