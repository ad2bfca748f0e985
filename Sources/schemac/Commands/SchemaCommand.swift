import ArgumentParser
import Foundation
import SchemacCore

/// `schemac schema`: the JSON Schema of the definition language, for editors.
struct Schema: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the JSON Schema of the definition language.",
        discussion: """
            Editors with the YAML language server complete and check definitions \
            with it: put `# yaml-language-server: $schema=<path>/definitions.schema.json` \
            at the top of a definitions file.
            """)

    func run() throws {
        FileHandle.standardOutput.write(Data(DefinitionsSchema.text.utf8))
    }
}
