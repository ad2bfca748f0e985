import ArgumentParser
import Foundation
import SchemacCore
import SchemacDiagnostics
import SchemacLoader

/// The command line: it parses arguments and prints; one command a file.
@main
struct Schemac: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schemac",
        abstract: "Compile declarative schema definitions into PostgreSQL DDL (and more).",
        version: SchemacVersion.current,
        subcommands: [Generate.self, Check.self, Lint.self, Diff.self, Pull.self, Migrate.self, Apply.self, Hook.self, Schema.self]
    )

    /// As ArgumentParser's own, except that a command line the parser refuses
    /// (exit 64) under `--format json` says so as one JSON diagnostic, as
    /// every other message of such a run is said.
    static func main() {
        Allocator.limitArenas()
        // The cache's entries are written while the run goes on; the process waits for them as it exits.
        DefinitionsCache.writesInBackground = true
        atexit { DefinitionsCache.finishWrites() }
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            if exitCode(for: error).rawValue == 64, asksForJSON(arguments) {
                Output.json = true
                let text = message(for: error).split(separator: "\n").first.map(String.init) ?? "the command line is wrong"
                Output.diagnostics([.usage(text.hasPrefix("Error: ") ? String(text.dropFirst(7)) : text)])
                Foundation.exit(64)
            }
            exit(withError: error)
        }
    }

    static func asksForJSON(_ arguments: [String]) -> Bool {
        zip(arguments, arguments.dropFirst()).contains { $0 == "--format" && $1 == "json" } || arguments.contains("--format=json")
    }
}
