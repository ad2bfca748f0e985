import ArgumentParser
import SchemacCore

/// The command line: it parses arguments and prints; one command a file.
@main
struct Schemac: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schemac",
        abstract: "Compile declarative schema definitions into PostgreSQL DDL (and more).",
        version: SchemacVersion.current,
        subcommands: [Generate.self, Check.self, Lint.self, Diff.self, Hook.self, Schema.self]
    )
}
