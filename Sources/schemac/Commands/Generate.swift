import ArgumentParser
import Foundation
import SchemacCore

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write generated/ from the definitions (atomically).")

    @OptionGroup var project: ProjectOptions

    @OptionGroup var diagnostics: DiagnosticsOptions

    func run() throws {
        let (paths, outcome) = try project.runPipeline(format: diagnostics.format)
        do {
            try OutputWriter.write(outcome.files, to: paths.outputURL)
        } catch {
            fail(.writeFailed(String(describing: error)))
        }
    }
}
