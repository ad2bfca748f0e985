import ArgumentParser
import Foundation
import SchemacCore
import SchemacDiagnostics
import SchemacLoader

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
        var isFolder: ObjCBool = false
        if let directory, !FileManager.default.fileExists(atPath: root.path, isDirectory: &isFolder) || !isFolder.boolValue {
            fail(.usage("-C \(directory): \(FileManager.default.fileExists(atPath: root.path) ? "not a directory" : "no such directory")"))
        }
        return ProjectPaths.load(root: root, definitions: definitions, output: output)
    }
}

extension ProjectOptions {
    /// Loads and renders the project, printing its diagnostics; exits 1 on errors.
    func runPipeline(render: Bool = true, format: DiagnosticsFormat = .text, lint: Bool = false,
                     strict: Bool = false) throws -> (ProjectPaths, Pipeline.Outcome) {
        let (paths, configDiagnostics) = paths()
        DefinitionsLoader.syntaxTrees = .keepUntilExit
        let outcome = Pipeline.run(paths, configDiagnostics: configDiagnostics, render: render,
                                   cache: DefinitionsCache.fromEnvironment(), lint: lint)
        Output.json = format == .json
        Output.diagnostics(outcome.diagnostics)
        if outcome.fails(strict: strict) { throw ExitCode(1) }
        return (paths, outcome)
    }
}

/// How diagnostics are printed on stderr: `file:line:col: severity: message [id]`
/// lines, or one JSON object a line (for CI annotations).
enum DiagnosticsFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// `--format`, for the commands whose only output is diagnostics.
struct DiagnosticsOptions: ParsableArguments {
    @Option(help: "How diagnostics are printed: text, or json (one object a line).")
    var format: DiagnosticsFormat = .text
}
