import ArgumentParser
import Foundation
import SchemacCore

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the migrations folder against a database, one runner at a time.",
        discussion: """
            The files are postgres.migrations/NNN_description.sql (schemac.yaml), in \
            the order of their numbers; NNN_description.down.sql undoes one. The \
            history is the table schemac.schema_migrations, made on first use. A \
            runner holds pg_advisory_lock(\(MigrationRunner.lockKey)) while it \
            runs: a second one waits --lock-wait, then fails. Each transaction of \
            a file commits with its record in the history, so a run that stopped \
            (a failure, a kill) goes on where it stopped.
            """,
        subcommands: [Status.self, Up.self, Down.self, RunOne.self, Baseline.self, Hash.self])

    enum Format: String, ExpressibleByArgument { case text, json }

    struct Options: ParsableArguments {
        @OptionGroup var project: ProjectOptions

        @Option(help: "The database (URI or key=value); default: DATABASE_URL.")
        var url: String?

        @Option(help: "lock_timeout for every statement (default: schemac.yaml postgres.lock_timeout, else the file's).")
        var lockTimeout: String?

        @Option(help: "statement_timeout for every statement (default: schemac.yaml postgres.statement_timeout, else the file's).")
        var statementTimeout: String?

        @Option(help: "Seconds to wait for another runner to finish.")
        var lockWait: Double = 60

        @Option(help: "text or json (one object a statement as it ends).")
        var format: Format = .text

        func run(_ action: Commands.MigrateRequest.Action, allowDestructive: Bool = false, detailedExitcode: Bool = false) -> Never {
            Output.json = format == .json
            let (paths, configDiagnostics) = project.paths()
            var request = Commands.MigrateRequest(action)
            request.url = url
            request.lockTimeout = lockTimeout
            request.statementTimeout = statementTimeout
            request.lockWait = lockWait
            request.allowDestructive = allowDestructive
            request.detailedExitcode = detailedExitcode
            request.json = format == .json
            request.progress = isatty(STDERR_FILENO) == 1 && format == .text
            let result = Commands.migrate(paths, configDiagnostics: configDiagnostics, request) { text, toStderr in
                (toStderr ? FileHandle.standardError : FileHandle.standardOutput).write(Data(text.utf8))
            }
            Output.stdout(result.stdout)
            Output.diagnostics(result.diagnostics)
            Foundation.exit(result.status)
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every migration as applied, pending, partial, failed or changed.")
        @OptionGroup var options: Options
        @Flag(help: "Exit 0 when up to date, 2 when migrations are pending, 1 on error.")
        var detailedExitcode = false
        func run() throws { options.run(.status, detailedExitcode: detailedExitcode) }
    }

    struct Up: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply the pending migrations, going on with one that stopped part-way.")
        @OptionGroup var options: Options
        @Option(help: "Apply up to this number only.")
        var to: Int?
        @Flag(help: "Print what would run, and run nothing.")
        var dryRun = false
        @Flag(help: "Run a migration whose header says it loses data.")
        var allowDestructive = false
        func run() throws { options.run(.up(to: to, dryRun: dryRun), allowDestructive: allowDestructive) }
    }

    struct Down: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revert the newest applied migration (or all after --to) by its .down.sql.")
        @OptionGroup var options: Options
        @Option(help: "Revert every applied migration numbered above this.")
        var to: Int?
        @Flag(help: "Run a down migration that loses data.")
        var allowDestructive = false
        func run() throws { options.run(.down(to: to), allowDestructive: allowDestructive) }
    }

    struct RunOne: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "run", abstract: "Apply one migration, by its number.")
        @OptionGroup var options: Options
        @Argument(help: "The migration's number (NNN).")
        var version: Int
        @Flag(help: "Run it though its header says it loses data.")
        var allowDestructive = false
        func run() throws { options.run(.run(version), allowDestructive: allowDestructive) }
    }

    struct Baseline: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the migrations up to NNN as applied without running them (a database that already has their schema).")
        @OptionGroup var options: Options
        @Argument(help: "The number of the last migration the database already has.")
        var version: Int
        func run() throws { options.run(.baseline(version)) }
    }

    struct Hash: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the integrity file (schemac.sum) for the migrations as they are, after an edit that is meant.")
        @OptionGroup var options: Options
        func run() throws { options.run(.hash) }
    }
}
