import ArgumentParser
import Foundation
import SchemacCore
import SchemacLoader

struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bring a database to the definitions: plan, show, ask, run, and check it is in sync.",
        discussion: """
            Plans as diff does, prints the plan with its hazards, asks for \
            confirmation on a terminal (--auto-approve for scripts; without a \
            terminal and without it, apply refuses), runs the plan with the \
            runner of `schemac migrate` (its lock, its timeouts), then plans \
            again and succeeds only when nothing is left. --plan FILE runs a \
            plan reviewed before (`diff --against DB --format json > FILE`) only \
            if the database still has the fingerprint it ends with. Against \
            redis://…, it loads the function libraries the server lacks or \
            holds other code for (FUNCTION LOAD REPLACE) and the scripts not \
            in its cache; it never touches a key, and deletes a library no \
            definitions declare only with --allow-destructive.
            """)

    enum Format: String, ExpressibleByArgument { case text, json }

    @OptionGroup var project: ProjectOptions

    @Option(help: "The database to change: a PostgreSQL URI or key=value string, a ClickHouse server (clickhouse://HOST/…) or a Redis server (redis://HOST:PORT).")
    var against: String

    @Option(help: "Run this reviewed plan (diff --format json output) instead of planning now.")
    var plan: String?

    @Flag(help: "Do not ask: run the plan.")
    var autoApprove = false

    @Flag(help: "Allow statements that lose data (drops, narrowing type changes; against Redis, deleting libraries no definitions declare).")
    var allowDestructive = false

    @Flag(help: "Against ClickHouse: rebuild a table ALTER cannot change (new table beside it, rows copied, EXCHANGE TABLES, the old kept as a backup that --allow-destructive drops).")
    var allowRecreate = false

    @Option(help: "lock_timeout for every statement.")
    var lockTimeout: String?

    @Option(help: "statement_timeout for every statement.")
    var statementTimeout: String?

    @Option(help: "Seconds to wait for another runner to finish.")
    var lockWait: Double = 60

    @Option(help: "text or json.")
    var format: Format = .text

    func run() throws {
        Output.json = format == .json
        let (paths, configDiagnostics) = project.paths()
        var request = Commands.ApplyRequest(against: against)
        request.planFile = plan
        request.autoApprove = autoApprove
        request.interactive = isatty(STDIN_FILENO) == 1
        request.allowDestructive = allowDestructive
        request.allowRecreate = allowRecreate
        request.lockTimeout = lockTimeout
        request.statementTimeout = statementTimeout
        request.lockWait = lockWait
        request.json = format == .json
        DefinitionsLoader.syntaxTrees = .inBackground
        let result = Commands.apply(paths, configDiagnostics: configDiagnostics, request,
                                    relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                                    confirm: {
                                        FileHandle.standardError.write(Data("Apply this plan? Type yes to go on: ".utf8))
                                        return readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "yes"
                                    },
                                    say: { text, toStderr in (toStderr ? FileHandle.standardError : FileHandle.standardOutput).write(Data(text.utf8)) })
        Output.stdout(result.stdout)
        Output.diagnostics(result.diagnostics)
        Foundation.exit(result.status)
    }
}
