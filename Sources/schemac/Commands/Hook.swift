import ArgumentParser
import Foundation
import SchemacCore

/// `schemac hook install` (see `HookInstaller`).
struct Hook: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Git hooks.", subcommands: [Install.self])

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write .git/hooks/pre-commit so that every commit runs `schemac check`.",
            discussion: "An existing pre-commit hook is kept as pre-commit.local and still runs, first.")

        @Option(name: [.customShort("C"), .long], help: "Run as if started in this folder.")
        var directory: String?

        func run() throws {
            let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            let root = directory.map { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : cwd.appendingPathComponent($0) } ?? cwd
            let installed = HookInstaller.install(in: root, schemac: Self.executablePath()) { kept in
                FileHandle.standardError.write(Data("schemac: kept the existing hook as \(kept); it runs first\n".utf8))
            }
            switch installed {
            case .failure(let failure):
                Output.diagnostics(failure.diagnostics)
                throw ExitCode(1)
            case .success(let installed):
                print("installed \(installed.hook)")
            }
        }

        /// This executable, by absolute path: the hook runs the schemac that installed it.
        static func executablePath() -> String {
            if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
            return CommandLine.arguments[0]
        }
    }
}
