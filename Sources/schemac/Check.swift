import ArgumentParser
import Foundation
import SchemacCore
import SchemacDiagnostics

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Exit 1 if generated/ is stale or the definitions are invalid.")

    @OptionGroup var project: ProjectOptions

    @OptionGroup var diagnostics: DiagnosticsOptions

    @Flag(help: "Fail on warnings too (lint's among them).")
    var strict = false

    func run() throws {
        let (paths, outcome) = try project.runPipeline(format: diagnostics.format, lint: true, strict: strict)
        let stale = OutputWriter.staleFiles(outcome.files, in: paths.outputURL).map { path in
            Diagnostic.staleOutput(paths.output.hasSuffix("/") ? paths.output + path : paths.output + "/" + path,
                                   exists: FileManager.default.fileExists(atPath: paths.outputURL.appendingPathComponent(path).path))
        }
        Output.diagnostics(stale)
        if !stale.isEmpty { throw ExitCode(1) }
    }
}
