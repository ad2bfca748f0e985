import Foundation
import SchemacDiagnostics
import SchemacLoader
import SchemacModel
import SchemacPostgresDriver

extension Commands {
    /// What `schemac migrate` is asked.
    public struct MigrateRequest: Sendable {
        public enum Action: Sendable, Equatable {
            case status
            case up(to: Int?, dryRun: Bool)
            case down(to: Int?)
            case run(Int)
            case baseline(Int)
            /// Writes the integrity file for the folder as it is.
            case hash
        }

        public var action: Action
        /// The database; nil takes DATABASE_URL.
        public var url: String?
        public var lockTimeout: String?
        public var statementTimeout: String?
        public var lockWait: Double = 60
        public var allowDestructive = false
        public var detailedExitcode = false
        public var json = false
        /// Show a long statement's progress (on a terminal).
        public var progress = false

        public init(_ action: Action) { self.action = action }
    }

    /// `schemac migrate`: `say` prints as the run goes (stdout when the
    /// flag is false, stderr when true); the result holds the end of it.
    public static func migrate(_ paths: ProjectPaths, configDiagnostics: [Diagnostic] = [], _ request: MigrateRequest,
                               say: @escaping @Sendable (String, _ toStderr: Bool) -> Void) -> CommandResult {
        if configDiagnostics.contains(where: { $0.severity == .error }) { return CommandResult(diagnostics: configDiagnostics) }
        if let url = request.url ?? ProcessInfo.processInfo.environment["DATABASE_URL"],
           case .success(.clickhouse(let server)) = MigrationTarget.parse(url, relativeTo: paths.root) {
            return migrateClickHouse(paths, configDiagnostics: configDiagnostics, request, url: server, say: say)
        }
        let display = paths.config.migrations
        let folder: MigrationFolder
        switch MigrationFolder.read(paths.root.appendingPathComponent(display), display: display) {
        case .failure(let failure): return CommandResult(diagnostics: configDiagnostics + failure.diagnostics)
        case .success(let read): folder = read
        }
        if request.action == .hash {
            do {
                try IntegrityFile.write(folder)
            } catch {
                return CommandResult(diagnostics: [.writeFailed(String(describing: error))])
            }
            return CommandResult(stdout: request.json ? "" : "\(display)/\(MigrationFolder.integrityFileName)\n", diagnostics: configDiagnostics)
        }
        guard let url = request.url ?? ProcessInfo.processInfo.environment["DATABASE_URL"] else {
            return CommandResult(diagnostics: [.usage("migrate needs a database: --url URL, or DATABASE_URL")])
        }
        let warnings = IntegrityFile.problems(folder).map { Diagnostic(.warning, .migrationEdited, $0, at: nil) }
        do {
            let runner = try MigrationRunner(target: url, folder: folder, options: options(request, paths.config),
                                             showProgress: request.progress, report: events(request, say))
            return try run(request, runner, folder, diagnostics: configDiagnostics + warnings)
        } catch let failure as DiagnosticFailure {
            return CommandResult(diagnostics: configDiagnostics + warnings + failure.diagnostics)
        } catch {
            return CommandResult(diagnostics: configDiagnostics + warnings + [.connectionFailed(String(describing: error))])
        }
    }

    static func options(_ request: MigrateRequest, _ config: ProjectConfig) -> MigrationRunner.Options {
        var options = MigrationRunner.Options()
        options.lockTimeout = request.lockTimeout ?? config.lockTimeout
        options.statementTimeout = request.statementTimeout ?? config.statementTimeout
        options.lockWait = request.lockWait
        options.allowDestructive = request.allowDestructive
        return options
    }

    private static func run(_ request: MigrateRequest, _ runner: MigrationRunner, _ folder: MigrationFolder,
                            diagnostics: [Diagnostic]) throws -> CommandResult {
        switch request.action {
        case .status:
            let statuses = try runner.status()
            let text = statuses.map { request.json ? $0.json.text : $0.line + "\n" }.joined()
            let broken = statuses.contains { [.changed, .missing, .failed].contains($0.state) }
            let pending = statuses.contains { [.pending, .partial, .reverting].contains($0.state) }
            let status: Int32 = broken ? 1 : (request.detailedExitcode && pending ? 2 : 0)
            let summary = broken ? [Diagnostic.migrationRefused("the history and the folder disagree, or a migration failed: see above")] : []
            return CommandResult(stdout: text, diagnostics: diagnostics + summary, status: status)
        case .up(let to, dryRun: true):
            return CommandResult(stdout: try dryRun(runner, folder, to: to, json: request.json), diagnostics: diagnostics)
        case .up(let to, dryRun: false):
            let applied = try runner.up(to: to)
            let text = applied.isEmpty && !request.json ? "nothing to apply: the database has every migration\n" : ""
            return CommandResult(stdout: text, diagnostics: diagnostics)
        case .down(let to):
            let reverted = try runner.down(to: to)
            return CommandResult(stdout: reverted.isEmpty && !request.json ? "nothing to revert\n" : "", diagnostics: diagnostics)
        case .run(let version):
            try runner.run(version)
            return CommandResult(diagnostics: diagnostics)
        case .baseline(let version):
            try runner.baseline(version)
            return CommandResult(diagnostics: diagnostics)
        case .hash:
            return CommandResult(diagnostics: diagnostics)
        }
    }

    /// What `up` would run: each pending file and its steps, the statements as they are.
    static func dryRun(_ runner: MigrationRunner, _ folder: MigrationFolder, to: Int?, json: Bool) throws -> String {
        var out = ""
        for s in try runner.status() where s.needsRun && (to.map { s.version <= $0 } ?? true) {
            guard let file = folder.file(s.version) else { continue }
            let steps = try runner.steps(of: file.contents, file.name + ".sql")
            let from = MigrationRunner.resumeStep(steps, row: s.row, checksum: file.checksum)
            if json {
                out += JSONLine([("kind", .string("would_apply")), ("name", .string(file.name)), ("steps", .int(steps.steps.count)),
                                 ("from_step", .int(from + 1))]).text
            } else {
                out += "-- would apply \(file.name).sql: steps \(from + 1) to \(steps.steps.count)\n"
                for step in steps.steps.dropFirst(from) {
                    if step.inTransaction { out += "BEGIN;\n" }
                    for statement in step.statements { out += statement.sql + ";\n" }
                    if step.inTransaction { out += "COMMIT;\n" }
                }
            }
        }
        return out.isEmpty && !json ? "nothing to apply: the database has every migration\n" : out
    }

    /// How the runner's events are said: a line a file in text, a JSON
    /// object a statement as it ends, a long statement's progress on stderr.
    static func events(_ request: MigrateRequest, _ say: @escaping @Sendable (String, Bool) -> Void) -> @Sendable (MigrationRunner.Event) -> Void {
        let json = request.json
        return { event in
            switch event {
            case .started(let file, let steps, let resume):
                if json {
                    say(JSONLine([("kind", .string("started")), ("name", .string(file)), ("steps", .int(steps)), ("from_step", .int(resume + 1))]).text, false)
                } else {
                    say(resume > 0 ? "going on with \(file).sql from step \(resume + 1) of \(steps)\n" : "applying \(file).sql (\(steps) step\(steps == 1 ? "" : "s"))\n", false)
                }
            case .statement(let file, let step, let line, let sql, let ms):
                guard json else { return }
                say(JSONLine([("kind", .string("statement")), ("name", .string(file)), ("step", .int(step)), ("line", .int(line)),
                              ("sql", .string(sql)), ("ms", .int(ms))]).text, false)
            case .finished(let file, let ms):
                say(json ? JSONLine([("kind", .string("applied")), ("name", .string(file)), ("ms", .int(ms))]).text
                    : "applied \(file).sql in \(ms) ms\n", false)
            case .reverted(let file, let ms):
                say(json ? JSONLine([("kind", .string("reverted")), ("name", .string(file)), ("ms", .int(ms))]).text
                    : "reverted \(file).sql in \(ms) ms\n", false)
            case .baselined(let file):
                say(json ? JSONLine([("kind", .string("baselined")), ("name", .string(file))]).text
                    : "recorded \(file).sql as applied (baseline)\n", false)
            case .progress(let line):
                say(line.isEmpty ? "\r\u{1B}[K" : "\r\u{1B}[K  \(line)", true)
            }
        }
    }
}
