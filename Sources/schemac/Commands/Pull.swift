import ArgumentParser
import Foundation
import SchemacCore

struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an existing PostgreSQL database as definitions.",
        discussion: """
            Reads --from DATABASE (the connection forms of diff), or runs --sql \
            FILE… in order on --dev-url DATABASE inside one transaction that is \
            rolled back, and writes one definitions file a schema (postgres/<schema>.yaml \
            under the definitions folder, or under --out). Every object the language \
            cannot hold yet is a warning [pull-unsupported]; --strict makes any \
            such warning fail the run. --check loads the files back and builds \
            them on the source's server before writing them. Files that already \
            exist are not replaced unless --force.
            """)

    enum Format: String, ExpressibleByArgument { case text, json }

    @OptionGroup var project: ProjectOptions

    @Option(help: "The database to read: a URI or key=value string.")
    var from: String?

    @Option(parsing: .upToNextOption, help: "SQL files to import, run in order on --dev-url.")
    var sql: [String] = []

    @Option(help: "A database the --sql files run on, in a transaction that is rolled back.")
    var devURL: String?

    @Option(name: .customLong("schema"), help: "Pull only this schema (repeatable).")
    var schemas: [String] = []

    @Option(help: "Folder the files go to (default: <definitions>/postgres).")
    var out: String?

    @Flag(help: "Replace definitions files that already exist.")
    var force = false

    @Flag(help: "Fail (exit 1) when any object could not be pulled.")
    var strict = false

    @Flag(help: "Before writing, load the files back and build them on the source's server: any statement diff would still run is a warning.")
    var check = false

    @Option(help: "Diagnostics as text or json.")
    var format: Format = .text

    func run() throws {
        Output.json = format == .json
        let (paths, configDiagnostics) = project.paths()
        var request = Commands.PullRequest()
        request.from = from
        request.sql = sql
        request.devURL = devURL
        request.schemas = schemas
        request.out = out
        request.force = force
        request.strict = strict
        request.check = check
        request.json = format == .json
        let result = Commands.pull(paths, configDiagnostics: configDiagnostics, request,
                                   relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        Output.diagnostics(result.diagnostics)
        Output.stdout(result.stdout)
        Foundation.exit(result.status)
    }
}
