import ArgumentParser
import Foundation
import SchemacCore
import SchemacLoader

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the migration that brings TARGET to the definitions.",
        discussion: """
            TARGET is a live PostgreSQL database (anything libpq takes: \
            postgresql://… or postgres://… URIs, key=value strings, PG* \
            environment variables), a folder of definitions, git:REV (the \
            definitions at a git revision), clickhouse://…/clickhouses://… (a \
            ClickHouse server over its HTTP interface: the ALTERs that bring \
            its database to the clickhouse section), or redis://… (a drift report). The \
            target is only read: the desired objects are built in scratch \
            schemas inside a transaction that is always rolled back, so that \
            their SQL text compares in the server's own spelling.
            """)

    enum Format: String, ExpressibleByArgument { case sql, json }

    @OptionGroup var project: ProjectOptions

    @Option(help: "What to migrate from: a database (URI or key=value), a definitions folder, git:REV, clickhouse://… or redis://….")
    var against: String

    @Flag(help: "Allow statements that lose data (drops, narrowing type changes).")
    var allowDestructive = false

    @Flag(help: "Against ClickHouse: rebuild a table ALTER cannot change (new table beside it, rows copied, EXCHANGE TABLES, the old kept as a backup that --allow-destructive drops).")
    var allowRecreate = false

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

    @Flag(help: "Against redis://: a declared script missing from the server's script cache is drift (by default a note: the cache empties on every restart).")
    var requireScripts = false

    func run() throws {
        Output.json = format == .json
        let (paths, configDiagnostics) = project.paths()
        var request = Commands.DiffRequest(against: against)
        request.allowDestructive = allowDestructive
        request.allowRecreate = allowRecreate
        request.detailedExitcode = detailedExitcode
        request.format = format == .json ? .json : .sql
        request.write = write
        request.name = name
        request.scanKeys = scanKeys
        request.scanSeconds = scanSeconds
        request.requireScripts = requireScripts
        DefinitionsLoader.syntaxTrees = .inBackground
        let result = Commands.diff(paths, configDiagnostics: configDiagnostics, request,
                                   relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                                   cache: DefinitionsCache.fromEnvironment())
        Output.diagnostics(result.diagnostics)
        Output.stdout(result.stdout)
        // Exit here, like clang's -disable-free: releasing the schemas of a
        // thousand tables takes longer than the operating system needs.
        Foundation.exit(result.status)
    }
}
