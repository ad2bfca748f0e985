import Foundation
import SchemacDiagnostics
import SchemacLoader
import SchemacMigrate
import SchemacModel
import SchemacClickHouse
import SchemacClickHouseDriver
import SchemacPostgres
import SchemacPostgresDriver

extension Commands {
    /// What `schemac apply` is asked.
    public struct ApplyRequest: Sendable {
        public var against: String
        /// A plan reviewed before: `diff --format json` output, run only if
        /// the database still has the fingerprint it ends with.
        public var planFile: String?
        public var autoApprove = false
        /// Whether a person can answer the question (stdin is a terminal).
        public var interactive = false
        public var allowDestructive = false
        /// Against ClickHouse: rebuild a table ALTER cannot change.
        public var allowRecreate = false
        public var lockTimeout: String?
        public var statementTimeout: String?
        public var lockWait: Double = 60
        public var json = false

        public init(against: String) { self.against = against }
    }

    /// `schemac apply`: plans as `diff` does (or reads a reviewed plan),
    /// shows it with its hazards, asks (`confirm`), runs it with the
    /// migration runner, and plans again: success only when nothing is left.
    public static func apply(_ paths: ProjectPaths, configDiagnostics: [Diagnostic] = [], _ request: ApplyRequest, relativeTo cwd: URL,
                             confirm: () -> Bool, say: @escaping @Sendable (String, _ toStderr: Bool) -> Void) -> CommandResult {
        let parsed = MigrationTarget.parse(request.against, relativeTo: cwd)
        if case .success(.clickhouse(let url)) = parsed {
            return applyClickHouse(paths, configDiagnostics: configDiagnostics, request, url: url, confirm: confirm, say: say)
        }
        if case .success(.redis(let url)) = parsed {
            return applyRedis(paths, configDiagnostics: configDiagnostics, request, url: url, confirm: confirm, say: say)
        }
        guard case .success(.postgres(let url)) = parsed else {
            return CommandResult(diagnostics: [.usage("apply --against needs a PostgreSQL database (a URI or key=value string), a ClickHouse "
                                                      + "server (clickhouse://…) or a Redis server (redis://…)")])
        }
        let target = MigrationTarget.postgres(connection: url)
        // A reviewed plan was refused or allowed when it was made: only the state it was made on matters now.
        let options = PostgresPlanning.Options(allowDestructive: request.allowDestructive || request.planFile != nil)
        let planned = PostgresPlanning.plans(paths, configDiagnostics: configDiagnostics, against: target, options: options, down: false)
        guard let plans = planned.value, !planned.failed else { return CommandResult(diagnostics: planned.diagnostics) }
        let diagnostics = planned.diagnostics
        let shown: String, steps: MigrationSteps
        do {
            if let file = request.planFile {
                (shown, steps) = try reviewedPlan(file, relativeTo: cwd, fingerprint: plans.fingerprint)
            } else {
                guard !plans.up.isEmpty else {
                    return CommandResult(stdout: request.json ? "" : "the database is in sync with the definitions: nothing to apply\n",
                                         diagnostics: diagnostics)
                }
                shown = PostgresRenderer.migration(plans.up)
                steps = try MigrationSteps(shown)
            }
        } catch let failure as DiagnosticFailure {
            return CommandResult(diagnostics: diagnostics + failure.diagnostics)
        } catch {
            return CommandResult(diagnostics: diagnostics + [.migrationRefused(String(describing: error))])
        }
        say(request.json && request.planFile == nil ? PostgresRenderer.migrationJSON(plans.up) : shown, false)
        if let refusal = approval(request, confirm: confirm, otherwise: " (or apply --plan FILE with the reviewed plan)") {
            return CommandResult(diagnostics: diagnostics + [refusal])
        }
        return run(steps, on: url, paths, request, relativeTo: cwd, diagnostics: diagnostics)
    }

    /// Why the plan shown is not to run, if it is not: apply asks first,
    /// unless told not to, and cannot ask without a terminal.
    static func approval(_ request: ApplyRequest, confirm: () -> Bool, otherwise: String = "") -> Diagnostic? {
        guard !request.autoApprove else { return nil }
        guard request.interactive else {
            return .migrationRefused("apply asks before it changes the database, and there is no terminal to ask: review the plan above, "
                                     + "then run again with --auto-approve" + otherwise)
        }
        return confirm() ? nil : .migrationRefused("not applied: the plan was not approved")
    }

    /// Runs the approved steps with the migration runner, then plans again:
    /// success only when nothing is left.
    static func run(_ steps: MigrationSteps, on url: String, _ paths: ProjectPaths, _ request: ApplyRequest, relativeTo cwd: URL,
                    diagnostics: [Diagnostic]) -> CommandResult {
        var options = MigrationRunner.Options()
        options.lockTimeout = request.lockTimeout ?? paths.config.lockTimeout
        options.statementTimeout = request.statementTimeout ?? paths.config.statementTimeout
        options.lockWait = request.lockWait
        options.allowDestructive = request.allowDestructive
        do {
            let folder = MigrationFolder(folder: cwd, display: "apply", files: [])
            try MigrationRunner(target: url, folder: folder, options: options, report: { _ in }).runPlan(steps, label: "plan")
        } catch let failure as DiagnosticFailure {
            return CommandResult(diagnostics: diagnostics + failure.diagnostics)
        } catch {
            return CommandResult(diagnostics: diagnostics + [.connectionFailed(String(describing: error))])
        }
        let after = PostgresPlanning.plan(paths, against: .postgres(connection: url), options: .init(allowDestructive: true))
        guard let left = after.value else { return CommandResult(diagnostics: diagnostics + after.diagnostics) }
        guard left.isEmpty else {
            return CommandResult(diagnostics: diagnostics + [.migrationRefused(
                "the plan ran, but the database still differs from the definitions: \(left.statements.count) statements left (schemac diff shows them)")])
        }
        let done = request.json ? JSONLine([("kind", .string("in_sync"))]).text : "applied: the database is in sync with the definitions\n"
        return CommandResult(stdout: done, diagnostics: diagnostics)
    }

    /// The plan a person reviewed (`diff --format json` saved to a file),
    /// as steps: refused unless the database is still in the state it was
    /// planned against.
    static func reviewedPlan(_ path: String, relativeTo cwd: URL, fingerprint: String?) throws -> (String, MigrationSteps) {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : cwd.appendingPathComponent(path)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw DiagnosticFailure([.migrationRefused("cannot read \(path)")]) }
        var statements: [(sql: String, transaction: Int?)] = [], planned: String?
        for line in text.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw DiagnosticFailure([.migrationRefused("\(path) is not the output of `schemac diff --format json`")])
            }
            if object["kind"] as? String == "fingerprint" { planned = object["fingerprint"] as? String; continue }
            guard let sql = object["sql"] as? String else { continue }
            statements.append((sql, object["transaction"] as? Int))
        }
        guard let planned else {
            throw DiagnosticFailure([.migrationRefused("\(path) has no fingerprint: plan it with `schemac diff --against DATABASE --format json`")])
        }
        guard planned == fingerprint else {
            throw DiagnosticFailure([.migrationRefused("the database changed since \(path) was planned (its fingerprint is not the plan's): "
                                                       + "nothing was run; plan again and review the new plan")])
        }
        var sql = PostgresRenderer.migrationSettings(), open: Int?
        for s in statements {
            if s.transaction != open {
                if open != nil { sql += "COMMIT;\n" }
                if s.transaction != nil { sql += "BEGIN;\n" }
                open = s.transaction
            }
            sql += s.sql + "\n"
        }
        if open != nil { sql += "COMMIT;\n" }
        return (sql, try MigrationSteps(sql))
    }

    /// `schemac apply --against clickhouse://…`: plan, show, ask, run statement
    /// by statement (waiting for the mutations a statement starts), plan again.
    static func applyClickHouse(_ paths: ProjectPaths, configDiagnostics: [Diagnostic], _ request: ApplyRequest, url: String,
                                confirm: () -> Bool, say: @escaping @Sendable (String, _ toStderr: Bool) -> Void) -> CommandResult {
        guard request.planFile == nil else {
            return CommandResult(diagnostics: [.usage("apply --plan runs reviewed PostgreSQL plans; against ClickHouse, apply plans again")])
        }
        let planned = ClickHousePlanning.plan(paths, configDiagnostics: configDiagnostics, url: url, allowDestructive: request.allowDestructive,
                                              allowRecreate: request.allowRecreate)
        guard let plan = planned.value?.plan, !planned.failed else { return CommandResult(diagnostics: planned.diagnostics) }
        let diagnostics = planned.diagnostics
        guard !plan.isEmpty else {
            return CommandResult(stdout: request.json ? "" : "the database is in sync with the definitions: nothing to apply\n", diagnostics: diagnostics)
        }
        say(request.json ? ClickHousePlanText.migrationJSON(plan) : ClickHousePlanText.migration(plan), false)
        if let refusal = approval(request, confirm: confirm) { return CommandResult(diagnostics: diagnostics + [refusal]) }
        do {
            let server = try ClickHousePlanning.connect(url)
            // The lease `migrate` takes too: one runner at a time changes the server.
            let lease = ClickHouseLease(server: server, database: (try? ClickHouseEndpoint(url))?.database ?? "default",
                                        cluster: planned.value?.cluster, lockWait: request.lockWait)
            try lease.prepare()
            try lease.acquire()
            defer { lease.release() }
            try ClickHousePlanning.run(plan, on: server, database: planned.value?.database ?? "", say: { say($0, true) }, afterEach: lease.renew)
        } catch let failure as DiagnosticFailure {
            return CommandResult(diagnostics: diagnostics + failure.diagnostics)
        } catch {
            return CommandResult(diagnostics: diagnostics + [.statementFailed(String(describing: error))])
        }
        // Nothing refused now, so that what is left is counted; a rebuild's backup is kept as the plan kept it.
        let after = ClickHousePlanning.plan(paths, url: url, allowDestructive: true, allowRecreate: request.allowRecreate,
                                            dropBackups: request.allowDestructive)
        guard let left = after.value?.plan, !after.failed else { return CommandResult(diagnostics: diagnostics + after.diagnostics) }
        guard left.isEmpty else {
            return CommandResult(diagnostics: diagnostics + [.migrationRefused(
                "the plan ran, but the database still differs from the definitions: \(left.statements.count) statements left (schemac diff shows them)")])
        }
        let done = request.json ? JSONLine([("kind", .string("in_sync"))]).text : "applied: the database is in sync with the definitions\n"
        return CommandResult(stdout: done, diagnostics: diagnostics)
    }
}
