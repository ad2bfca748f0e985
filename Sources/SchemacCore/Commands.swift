import Foundation
import SchemacDiagnostics
import SchemacLoader
import SchemacMigrate
import SchemacModel
import SchemacClickHouse
import SchemacPostgres

/// What a command has to show: its standard output, its diagnostics (for
/// standard error, in the format the command line picks) and its exit
/// status. The command line prints it; the reference cases compare it.
public struct CommandResult: Sendable {
    public var stdout = ""
    public var diagnostics: [Diagnostic] = []
    public var status: Int32 = 0

    public init(stdout: String = "", diagnostics: [Diagnostic], status: Int32? = nil) {
        self.stdout = stdout
        self.diagnostics = diagnostics
        self.status = status ?? (diagnostics.contains { $0.severity == .error } ? 1 : 0)
    }
}

/// The commands that read a target or the output folder, each one call from
/// what was asked to what is shown.
public enum Commands {
    /// `schemac check`: the definitions and lint (`strict`: warnings fail),
    /// then every output file that is stale or missing.
    public static func check(_ paths: ProjectPaths, configDiagnostics: [Diagnostic] = [], strict: Bool = false,
                             cache: DefinitionsCache? = nil) -> CommandResult {
        let outcome = Pipeline.run(paths, configDiagnostics: configDiagnostics, cache: cache, lint: true)
        if outcome.fails(strict: strict) { return CommandResult(diagnostics: outcome.diagnostics, status: 1) }
        let stale = OutputWriter.staleFiles(outcome.files, in: paths.outputURL).map { path in
            Diagnostic.staleOutput(paths.output.hasSuffix("/") ? paths.output + path : paths.output + "/" + path,
                                   exists: FileManager.default.fileExists(atPath: paths.outputURL.appendingPathComponent(path).path))
        }
        return CommandResult(diagnostics: outcome.diagnostics + stale + migrationIntegrity(paths))
    }

    /// The migrations folder against its integrity file: an edited, removed
    /// or inserted migration is an error naming it; a folder of migrations
    /// with no integrity file, a warning.
    static func migrationIntegrity(_ paths: ProjectPaths) -> [Diagnostic] {
        let display = paths.config.migrations
        let url = paths.root.appendingPathComponent(display)
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        switch MigrationFolder.read(url, display: display) {
        case .failure(let failure): return failure.diagnostics
        case .success(let folder):
            let missing = !FileManager.default.fileExists(atPath: url.appendingPathComponent(MigrationFolder.integrityFileName).path)
            return IntegrityFile.problems(folder).map { Diagnostic(missing ? .warning : .error, .migrationEdited, $0, at: nil) }
        }
    }

    /// What `schemac diff` is asked.
    public struct DiffRequest: Sendable, Decodable {
        public enum Format: String, Sendable, Decodable { case sql, json }
        /// `--against`, as written.
        public var against: String
        public var allowDestructive = false
        /// Against ClickHouse: rebuild a table ALTER cannot change (copy its rows, swap, keep a backup).
        public var allowRecreate = false
        public var detailedExitcode = false
        public var format = Format.sql
        /// Save the plan as the next migration file instead of printing it.
        public var write = false
        /// The description part of the file `write` saves.
        public var name = "migration"
        public var scanKeys = 1_000_000
        public var scanSeconds = 10.0
        /// Against redis://: a script not in the server's cache is drift, not information.
        public var requireScripts = false

        public init(against: String) { self.against = against }

        enum CodingKeys: String, CodingKey {
            case against, format, write, name
            case allowDestructive = "allow_destructive", detailedExitcode = "detailed_exitcode", allowRecreate = "allow_recreate"
            case scanKeys = "scan_keys", scanSeconds = "scan_seconds", requireScripts = "require_scripts"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            against = try c.decode(String.self, forKey: .against)
            allowDestructive = try c.decodeIfPresent(Bool.self, forKey: .allowDestructive) ?? false
            detailedExitcode = try c.decodeIfPresent(Bool.self, forKey: .detailedExitcode) ?? false
            allowRecreate = try c.decodeIfPresent(Bool.self, forKey: .allowRecreate) ?? false
            format = try c.decodeIfPresent(Format.self, forKey: .format) ?? .sql
            write = try c.decodeIfPresent(Bool.self, forKey: .write) ?? false
            name = try c.decodeIfPresent(String.self, forKey: .name) ?? "migration"
            scanKeys = try c.decodeIfPresent(Int.self, forKey: .scanKeys) ?? 1_000_000
            scanSeconds = try c.decodeIfPresent(Double.self, forKey: .scanSeconds) ?? 10
            requireScripts = try c.decodeIfPresent(Bool.self, forKey: .requireScripts) ?? false
        }
    }

    /// `schemac diff`: the target read, the plan printed or saved (a Redis
    /// target: the drift report). Status 2 with `detailedExitcode` when
    /// there are changes.
    public static func diff(_ paths: ProjectPaths, configDiagnostics: [Diagnostic] = [], _ request: DiffRequest,
                            relativeTo cwd: URL, cache: DefinitionsCache? = nil) -> CommandResult {
        let target: MigrationTarget
        switch MigrationTarget.parse(request.against, relativeTo: cwd) {
        case .failure(let failure): return CommandResult(diagnostics: failure.diagnostics, status: 1)
        case .success(let parsed): target = parsed
        }
        if case .redis(let url) = target {
            let planned = RedisLive.drift(paths, configDiagnostics: configDiagnostics, url: url,
                                          budget: RedisLive.Budget(maxKeys: request.scanKeys, seconds: request.scanSeconds),
                                          requireScripts: request.requireScripts, cache: cache)
            guard let report = planned.value, !planned.failed else { return CommandResult(diagnostics: planned.diagnostics, status: 1) }
            return CommandResult(stdout: request.format == .json ? report.json : report.text, diagnostics: planned.diagnostics,
                                 status: request.detailedExitcode && report.hasDrift ? 2 : 0)
        }
        if case .clickhouse(let url) = target {
            return clickHouseDiff(paths, configDiagnostics: configDiagnostics, request, url: url, cache: cache)
        }
        let planned = PostgresPlanning.plans(paths, configDiagnostics: configDiagnostics, against: target,
                                             options: .init(allowDestructive: request.allowDestructive, cache: cache, keepInspections: true),
                                             down: request.write)
        guard let plans = planned.value, !planned.failed else { return CommandResult(diagnostics: planned.diagnostics, status: 1) }
        let plan = plans.up
        var result = CommandResult(diagnostics: planned.diagnostics, status: request.detailedExitcode && !plan.isEmpty ? 2 : 0)
        if !request.write {
            result.stdout = request.format == .json ? PostgresRenderer.migrationJSON(plan) : PostgresRenderer.migration(plan)
            if request.format == .json, let fingerprint = plans.fingerprint {
                // The last line: what `apply --plan` checks the database against before it runs the statements above.
                result.stdout += JSONLine([("kind", .string("fingerprint")), ("fingerprint", .string(fingerprint))]).text
            }
            return result
        }
        guard !plan.isEmpty else { return result }
        switch MigrationFiles.save(plans, project: paths, description: request.name) {
        case .failure(let failure):
            return CommandResult(diagnostics: result.diagnostics + failure.diagnostics, status: 1)
        case .success(let file) where file.written:
            result.stdout = file.paths.map {
                request.format == .json ? JSONLine([("kind", .string("written")), ("path", .string($0))]).text : $0 + "\n"
            }.joined()
            if !plans.downUnsupported.isEmpty { result.diagnostics.append(.noDownMigration(plans.downUnsupported)) }
        case .success(let file):
            result.diagnostics.append(.migrationExists(file.paths[0]))
        }
        return result
    }

    /// `schemac diff --against clickhouse://…`: the plan printed, as for PostgreSQL.
    static func clickHouseDiff(_ paths: ProjectPaths, configDiagnostics: [Diagnostic], _ request: DiffRequest, url: String,
                               cache: DefinitionsCache?) -> CommandResult {
        let planned = ClickHousePlanning.plan(paths, configDiagnostics: configDiagnostics, url: url, allowDestructive: request.allowDestructive,
                                              allowRecreate: request.allowRecreate, cache: cache)
        guard let plan = planned.value?.plan, !planned.failed else { return CommandResult(diagnostics: planned.diagnostics, status: 1) }
        let status: Int32 = request.detailedExitcode && !plan.isEmpty ? 2 : 0
        guard request.write else {
            return CommandResult(stdout: request.format == .json ? ClickHousePlanText.migrationJSON(plan) : ClickHousePlanText.migration(plan),
                                 diagnostics: planned.diagnostics, status: status)
        }
        guard !plan.isEmpty else { return CommandResult(diagnostics: planned.diagnostics, status: status) }
        // The next file of clickhouse.migrations, for `schemac migrate --url clickhouse://…`.
        let display = paths.config.clickhouseMigrations
        let name: String
        do {
            name = try MigrationFiles.writeNext(ClickHousePlanText.migration(plan), in: paths.root.appendingPathComponent(display),
                                                description: request.name).name
        } catch {
            return CommandResult(diagnostics: planned.diagnostics + [.writeFailed(String(describing: error))])
        }
        let path = display + "/" + name
        return CommandResult(stdout: request.format == .json ? JSONLine([("kind", .string("written")), ("path", .string(path))]).text : path + "\n",
                             diagnostics: planned.diagnostics, status: status)
    }
}
