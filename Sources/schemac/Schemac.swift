import ArgumentParser
import Foundation
import SchemacCore
import SchemacDiagnostics
import SchemacLoader

@main
struct Schemac: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schemac",
        abstract: "Compile declarative schema definitions into PostgreSQL DDL (and more).",
        subcommands: [Generate.self, Check.self]
    )
}

struct ProjectOptions: ParsableArguments {
    @Option(help: "Folder of definition files (default: from schemac.yaml, else definitions).")
    var definitions: String?

    @Option(help: "Folder generated files go to (default: from schemac.yaml, else generated).")
    var output: String?

    @Option(name: [.customShort("C"), .long], help: "Run as if started in this folder.")
    var directory: String?

    func paths() -> (ProjectPaths, [Diagnostic]) {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let root = directory.map { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : cwd.appendingPathComponent($0) } ?? cwd
        return ProjectPaths.load(root: root, definitions: definitions, output: output)
    }
}

extension ProjectOptions {
    /// Loads and renders the project, printing its diagnostics; exits 1 on errors.
    func runPipeline() throws -> (ProjectPaths, Pipeline.Outcome) {
        let (paths, configDiagnostics) = paths()
        DefinitionsLoader.keepSyntaxTreesUntilExit = true
        let outcome = Pipeline.run(paths, configDiagnostics: configDiagnostics)
        printDiagnostics(outcome.diagnostics)
        if outcome.failed { throw ExitCode(1) }
        return (paths, outcome)
    }
}

func printDiagnostics(_ diagnostics: [Diagnostic]) {
    var text = ""
    for d in diagnostics { text += d.description + "\n" }
    if !text.isEmpty { FileHandle.standardError.write(Data(text.utf8)) }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("schemac: error: \(message)\n".utf8))
    Foundation.exit(1)
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write generated/ from the definitions (atomically).")

    @OptionGroup var project: ProjectOptions

    func run() throws {
        let (paths, outcome) = try project.runPipeline()
        do {
            try OutputWriter.write(outcome.files, to: paths.outputURL)
        } catch {
            fail(String(describing: error))
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Exit 1 if generated/ is stale or the definitions are invalid.")

    @OptionGroup var project: ProjectOptions

    func run() throws {
        let (paths, outcome) = try project.runPipeline()
        let stale = OutputWriter.staleFiles(outcome.files, in: paths.outputURL)
        guard stale.isEmpty else {
            var text = ""
            for path in stale {
                let shown = paths.output.hasSuffix("/") ? paths.output + path : paths.output + "/" + path
                let exists = FileManager.default.fileExists(atPath: paths.outputURL.appendingPathComponent(path).path)
                text += "\(shown): error: \(exists ? "stale" : "missing"); run `schemac generate` [stale-output]\n"
            }
            FileHandle.standardError.write(Data(text.utf8))
            throw ExitCode(1)
        }
    }
}
