import ArgumentParser
import Foundation
import SchemacCore
import SchemacDiagnostics
import SchemacLoader
import SchemacModel
import SchemacPostgres
import SchemacPostgresDriver
import SchemacRedis

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Exit 1 if generated/ is stale or the definitions are invalid.")

    @OptionGroup var project: ProjectOptions

    @OptionGroup var diagnostics: DiagnosticsOptions

    @Flag(help: "Fail on warnings too (lint's among them).")
    var strict = false

    func run() throws {
        let (paths, outcome) = try project.runPipeline(format: diagnostics.format, lint: true, strict: strict)
        let stale = OutputWriter.staleFiles(outcome.files, in: paths.outputURL)
        guard stale.isEmpty else {
            var text = ""
            for path in stale {
                let shown = paths.output.hasSuffix("/") ? paths.output + path : paths.output + "/" + path
                let exists = FileManager.default.fileExists(atPath: paths.outputURL.appendingPathComponent(path).path)
                let message = "\(exists ? "stale" : "missing"); run `schemac generate`"
                text += Output.json
                    ? Output.line(file: shown, line: 1, column: 1, severity: "error", id: "stale-output", message: message)
                    : "\(shown): error: \(message) [stale-output]\n"
            }
            FileHandle.standardError.write(Data(text.utf8))
            throw ExitCode(1)
        }
    }
}
