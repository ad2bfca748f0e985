import ArgumentParser
import Foundation
import SchemacCore
import SchemacLoader

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Exit 1 if generated/ is stale or the definitions are invalid.")

    @OptionGroup var project: ProjectOptions

    @OptionGroup var diagnostics: DiagnosticsOptions

    @Flag(help: "Fail on warnings too (lint's among them).")
    var strict = false

    func run() throws {
        Output.json = diagnostics.format == .json
        let (paths, configDiagnostics) = project.paths()
        DefinitionsLoader.syntaxTrees = .keepUntilExit
        let result = Commands.check(paths, configDiagnostics: configDiagnostics, strict: strict, cache: DefinitionsCache.fromEnvironment())
        Output.diagnostics(result.diagnostics)
        if result.status != 0 { throw ExitCode(result.status) }
    }
}
