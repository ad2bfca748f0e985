import ArgumentParser
import Foundation
import SchemacCore

struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Warn about what a reviewer would: a missing primary key, an unindexed foreign key, a nullable column in a unique key, "
            + "a tenancy column without tenant: true, a Redis key without expiry, a ClickHouse table without the TTL its siblings have.",
        discussion: "Silence an id in schemac.yaml: lint: { ignore: [missing-primary-key] }. check runs the same checks.")

    @OptionGroup var project: ProjectOptions

    @OptionGroup var diagnostics: DiagnosticsOptions

    @Flag(help: "Exit 1 when there is any warning.")
    var strict = false

    func run() throws {
        _ = try project.runPipeline(render: false, format: diagnostics.format, lint: true, strict: strict)
    }
}
