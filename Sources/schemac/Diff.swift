import ArgumentParser
import Foundation
import SchemacCore
import SchemacLoader
import SchemacMigrate
import SchemacModel
import SchemacPostgres
import SchemacRedis

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the migration that brings TARGET to the definitions.",
        discussion: """
            TARGET is a live PostgreSQL database (anything libpq takes: \
            postgresql://… or postgres://… URIs, key=value strings, PG* \
            environment variables), a folder of definitions, git:REV (the \
            definitions at a git revision), or redis://… (a drift report). The \
            target is only read: the desired objects are built in scratch \
            schemas inside a transaction that is always rolled back, so that \
            their SQL text compares in the server's own spelling.
            """)

    enum Format: String, ExpressibleByArgument { case sql, json }

    @OptionGroup var project: ProjectOptions

    @Option(help: "What to migrate from: a database (URI or key=value), a definitions folder, git:REV or redis://….")
    var against: String

    @Flag(help: "Allow statements that lose data (drops, narrowing type changes).")
    var allowDestructive = false

    @Flag(help: "Exit 0 when in sync, 2 when there are changes, 1 on error.")
    var detailedExitcode = false

    @Option(help: "sql or json.")
    var format: Format = .sql

    @Flag(help: "Save the migration as the next NNN_description.sql in the migrations folder (schemac.yaml postgres.migrations).")
    var write = false

    @Option(help: "The description part of the file --write saves.")
    var name: String = "migration"

    @Option(help: "Against redis://: stop the SCAN after this many keys.")
    var scanKeys: Int = 1_000_000

    @Option(help: "Against redis://: stop the SCAN after this many seconds.")
    var scanSeconds: Double = 10

    func run() throws {
        Output.json = format == .json
        let (paths, configDiagnostics) = project.paths()
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let target: MigrationTarget
        switch MigrationTarget.parse(against, relativeTo: cwd) {
        case .failure(let failure): Output.diagnostics(failure.diagnostics); throw ExitCode(1)
        case .success(let parsed): target = parsed
        }
        DefinitionsLoader.keepSyntaxTreesUntilExit = true
        if case .redis(let url) = target {
            return redisDrift(RedisLive.drift(paths, configDiagnostics: configDiagnostics, url: url,
                                              budget: RedisLive.Budget(maxKeys: scanKeys, seconds: scanSeconds),
                                              cache: DefinitionsCache.fromEnvironment()))
        }
        let planned = PostgresPlanning.plan(paths, configDiagnostics: configDiagnostics, against: target,
                                            options: .init(allowDestructive: allowDestructive, cache: DefinitionsCache.fromEnvironment()))
        Output.diagnostics(planned.diagnostics)
        guard let plan = planned.value, !planned.failed else { throw ExitCode(1) }
        if write {
            save(plan, paths)
        } else {
            Output.stdout(format == .json ? PostgresRenderer.migrationJSON(plan) : PostgresRenderer.migration(plan))
        }
        // Exit here, like clang's -disable-free: releasing the schemas of a
        // thousand tables takes longer than the operating system needs.
        Foundation.exit(detailedExitcode && !plan.isEmpty ? 2 : 0)
    }

    /// `--write`: the path of the new file on stdout, or a note that the newest already holds it.
    func save(_ plan: MigrationPlan, _ paths: ProjectPaths) {
        guard !plan.isEmpty else { return }
        switch MigrationFiles.save(plan, project: paths, description: name) {
        case .failure(let failure):
            fail(failure.diagnostics[0])
        case .success(let file) where file.written:
            Output.stdout(Output.json ? JSONLine([("kind", .string("written")), ("path", .string(file.path))]).text : file.path + "\n")
        case .success(let file):
            Output.diagnostics([.migrationExists(file.path)])
        }
    }

    /// A drift report of a live Redis server: read only (SCAN, TYPE, PTTL,
    /// SCRIPT EXISTS), bounded by --scan-keys and --scan-seconds.
    func redisDrift(_ planned: Planned<RedisDriftReport>) {
        Output.diagnostics(planned.diagnostics)
        guard let report = planned.value, !planned.failed else { Foundation.exit(1) }
        Output.stdout(Output.json ? report.jsonLines : report.text)
        Foundation.exit(detailedExitcode && report.hasDrift ? 2 : 0)
    }
}
