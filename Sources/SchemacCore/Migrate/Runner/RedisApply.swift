import Foundation
import SchemacDiagnostics
import SchemacLoader
import SchemacModel
import SchemacRedis
import SchemacRedisDriver

extension Commands {
    /// `schemac apply --against redis://…`: the libraries and scripts the
    /// server lacks, shown, asked for as the PostgreSQL apply asks, loaded,
    /// then read again: success only when they are what the definitions say.
    /// Keys are never touched.
    static func applyRedis(_ paths: ProjectPaths, configDiagnostics: [Diagnostic], _ request: ApplyRequest, url: String,
                           confirm: () -> Bool, say: @escaping @Sendable (String, _ toStderr: Bool) -> Void) -> CommandResult {
        guard request.planFile == nil else {
            return CommandResult(diagnostics: [.usage("apply --plan runs reviewed PostgreSQL plans; against Redis, apply plans again")])
        }
        let outcome = Pipeline.run(paths, configDiagnostics: configDiagnostics, render: false)
        guard !outcome.failed else { return CommandResult(diagnostics: outcome.diagnostics) }
        guard let schema = outcome.definitions?.redis else { return CommandResult(diagnostics: outcome.diagnostics + [.noSection("redis")]) }
        var diagnostics = outcome.diagnostics
        do {
            let redis = try RedisConnection(url: url)
            let plan = try RedisLive.functionPlan(schema, on: redis, allowDestructive: request.allowDestructive)
            if !plan.refusals.isEmpty { return CommandResult(diagnostics: diagnostics + plan.refusals.map { .destructiveChange([$0]) }) }
            guard !plan.isEmpty else {
                let done = "the server's functions and scripts are what the definitions declare: nothing to apply"
                return CommandResult(stdout: request.json ? plan.json + JSONLine([("kind", .string("in_sync"))]).text : plan.text + done + "\n",
                                     diagnostics: diagnostics)
            }
            say(request.json ? plan.json : plan.text, false)
            if let refusal = approval(request, confirm: confirm) { return CommandResult(diagnostics: diagnostics + [refusal]) }
            if let failure = try run(plan, on: redis, json: request.json, say: say) { return CommandResult(diagnostics: diagnostics + [failure]) }
            let after = try RedisLive.functionPlan(schema, on: redis, allowDestructive: request.allowDestructive)
            guard after.isEmpty else {
                diagnostics.append(.migrationRefused("the commands ran, but the server still differs from the definitions: "
                                                     + after.actions.map { "\($0.kind.rawValue) \($0.name)" }.joined(separator: ", ")))
                return CommandResult(diagnostics: diagnostics)
            }
        } catch {
            return CommandResult(diagnostics: diagnostics + [.connectionFailed(String(describing: error))])
        }
        let done = request.json ? JSONLine([("kind", .string("in_sync"))]).text : "applied: the server's functions and scripts are what the definitions declare\n"
        return CommandResult(stdout: done, diagnostics: diagnostics)
    }
}

extension Commands {
    /// Runs the plan's commands in order. The server's libraries are dumped
    /// first (`FUNCTION DUMP`), so that when a command fails they are put
    /// back as they were (`FUNCTION RESTORE … FLUSH`): a failed apply leaves
    /// no library deleted or half replaced. The failure, if any.
    static func run(_ plan: RedisFunctionPlan, on redis: RedisConnection, json: Bool,
                    say: @Sendable (String, _ toStderr: Bool) -> Void) throws -> Diagnostic? {
        let touchesLibraries = plan.actions.contains { $0.kind != .loadScript }
        let dump = touchesLibraries ? try redis.bytes(["FUNCTION", "DUMP"]) : []
        for action in plan.actions {
            guard case .error(let message) = try redis.command(action.command) else {
                say(json ? JSONLine([("kind", .string("done")), ("action", .string(action.kind.rawValue)), ("name", .string(action.name))]).text
                    : "done: \(action.kind.rawValue) \(action.name)\n", true)
                continue
            }
            var failure = "\(action.kind.rawValue) \(action.name): \(message)"
            if touchesLibraries {
                let restored = try redis.command(bytes: [Array("FUNCTION".utf8), Array("RESTORE".utf8), dump, Array("FLUSH".utf8)])
                if case .error(let e) = restored {
                    failure += "; putting the libraries back failed too (\(e)): FUNCTION LIST shows what the server holds"
                } else {
                    failure += "; the server's libraries are back as they were before apply"
                }
            }
            return .statementFailed(failure)
        }
        return nil
    }
}

extension RedisLive {
    /// What apply would do on `redis`: its libraries and script cache read.
    static func functionPlan(_ schema: RedisSchema, on redis: RedisConnection, allowDestructive: Bool) throws -> RedisFunctionPlan {
        RedisFunctionPlan(schema: schema, live: schema.libraries.isEmpty ? [] : try libraries(on: redis),
                          scriptsLoaded: try scriptsLoaded(schema, on: redis), allowDestructive: allowDestructive)
    }
}
