import Foundation
import SchemacDiagnostics
import SchemacLoader

/// The project's definitions as a git revision holds them, read through
/// `git ls-tree` and `git show`: no checkout, no database.
enum GitRevision {
    static func load(_ revision: String, paths: ProjectPaths) -> Result<LoadResult, DiagnosticFailure> {
        let git = Git(root: paths.root)
        let prefix = paths.definitions.hasSuffix("/") ? String(paths.definitions.dropLast()) : paths.definitions
        guard let listing = git.run(["ls-tree", "-r", "--name-only", "--full-name", revision, "--", prefix]) else {
            return .failure([.gitFailed("git cannot read revision '\(revision)'")])
        }
        let files = listing.split(separator: "\n").map(String.init)
            .filter { file in [".yaml", ".yml", ".lua"].contains { file.lowercased().hasSuffix($0) } }.sorted()
        // Paths come from the top of the repository; the project may be a folder in it.
        let inRepository = (git.run(["rev-parse", "--show-prefix"]) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let definitionsPath = inRepository + prefix + "/"
        var sources: [DefinitionSource] = [], scripts: [String: String] = [:]
        for file in files {
            guard let text = git.run(["show", "\(revision):\(file)"]) else {
                return .failure([.gitFailed("git cannot read \(file) at '\(revision)'")])
            }
            if file.lowercased().hasSuffix(".lua") {
                // Scripts are named relative to the definitions folder.
                scripts[file.hasPrefix(definitionsPath) ? String(file.dropFirst(definitionsPath.count)) : file] = text
            } else {
                sources.append(DefinitionSource(displayPath: "\(revision):\(file)", text: text))
            }
        }
        return .success(DefinitionsLoader.load(sources, scripts: scripts))
    }
}

/// git as a subprocess in one folder; its error output is not shown.
struct Git {
    var root: URL

    /// The output of a command that succeeded, nil otherwise (git missing
    /// included: `env` then exits 127).
    func run(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", root.path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }
}
