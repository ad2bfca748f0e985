import Foundation
import SchemacCore
import SchemacDiagnostics

/// A folder under Tests/Cases: `definitions/` in, `expected/` what the run
/// shows. The run is `schemac generate` unless `case.json` declares another
/// command, as sqlc's `exec.json` does (`{"command": "diff", "against":
/// "before"}`; the keys are those of the command's request, such as
/// `Commands.DiffRequest`), so a case of a new command needs no new code.
///
/// `expected/` holds what `generate` would write (e.g. `postgres/schema.sql`),
/// `diagnostics.txt` when the run reports anything, and for commands other
/// than generate and lint their `stdout.txt` (when not empty) and `status.txt`.
struct ReferenceCase {
    let name: String
    let directory: URL

    var expectedDirectory: URL { directory.appendingPathComponent("expected") }

    /// What `case.json` declares.
    struct Spec: Decodable {
        var command: String
        var strict: Bool?
    }

    static func all() throws -> [ReferenceCase] {
        let names = try FileManager.default.contentsOfDirectory(atPath: Repo.casesRoot.path).sorted()
        return names.compactMap { name in
            let dir = Repo.casesRoot.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("definitions").path) else { return nil }
            return ReferenceCase(name: name, directory: dir)
        }
    }

    /// `case.json`, when the case has one.
    var specData: Data? { FileManager.default.contents(atPath: directory.appendingPathComponent("case.json").path) }

    /// What the command produces for this case: file path → contents.
    func actualOutput() throws -> [String: String] {
        let data = specData
        let spec = try data.map { try JSONDecoder().decode(Spec.self, from: $0) } ?? Spec(command: "generate")
        switch spec.command {
        case "generate", "lint":
            let (paths, configDiagnostics) = ProjectPaths.load(root: directory, definitions: "definitions", output: "expected")
            let outcome = Pipeline.run(paths, configDiagnostics: configDiagnostics, lint: spec.command == "lint")
            var out: [String: String] = [:]
            for file in outcome.files { out[file.path] = file.contents }
            if !outcome.diagnostics.isEmpty { out["diagnostics.txt"] = Self.text(outcome.diagnostics) }
            return out
        case "check", "diff", "hook", "pull":
            return try inCopy { root in
                let (paths, configDiagnostics) = ProjectPaths.load(root: root, definitions: "definitions", output: "generated")
                switch spec.command {
                case "check": return Commands.check(paths, configDiagnostics: configDiagnostics, strict: spec.strict ?? false)
                case "hook":
                    if case .failure(let failure) = HookInstaller.install(in: root, schemac: "schemac") {
                        return CommandResult(diagnostics: failure.diagnostics)
                    }
                    return CommandResult(diagnostics: [])
                case "pull":
                    let request = try JSONDecoder().decode(Commands.PullRequest.self, from: data!)
                    return Commands.pull(paths, configDiagnostics: configDiagnostics, request, relativeTo: root)
                default:
                    let request = try JSONDecoder().decode(Commands.DiffRequest.self, from: data!)
                    return Commands.diff(paths, configDiagnostics: configDiagnostics, request, relativeTo: root)
                }
            }
        default:
            throw TestFailure("\(name)/case.json: unknown command '\(spec.command)' (generate, lint, check, diff, hook, pull)")
        }
    }

    /// Runs `body` in a copy of the case outside the repository (what it
    /// writes stays there); the copy's path reads `<case>` in what it shows.
    func inCopy(_ body: (URL) throws -> CommandResult) throws -> [String: String] {
        let root = try Repo.temporaryDirectory("case").appendingPathComponent(name)
        defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
        try Repo.copy(directory, to: root)
        let result = try body(root)
        func shown(_ text: String) -> String { text.replacingOccurrences(of: root.path, with: "<case>") }
        var out = ["status.txt": "\(result.status)\n"]
        if !result.stdout.isEmpty { out["stdout.txt"] = shown(result.stdout) }
        if !result.diagnostics.isEmpty { out["diagnostics.txt"] = shown(Self.text(result.diagnostics)) }
        return out
    }

    /// Whether the case's definitions have no error (by what its run reports).
    var definitionsAreValid: Bool { !(expectedOutput()["diagnostics.txt"] ?? "").contains(": error: ") }

    static func text(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map(\.description).joined(separator: "\n") + "\n"
    }

    func expectedOutput() -> [String: String] {
        var out: [String: String] = [:]
        let base = expectedDirectory.path
        guard let walker = FileManager.default.enumerator(atPath: base) else { return out }
        while let rel = walker.nextObject() as? String {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: base + "/" + rel, isDirectory: &isDir), !isDir.boolValue else { continue }
            out[rel] = (try? String(contentsOfFile: base + "/" + rel, encoding: .utf8)) ?? "<unreadable>"
        }
        return out
    }

    /// Record mode: make expected/ what the pipeline now produces.
    func record(_ actual: [String: String]) throws {
        try? FileManager.default.removeItem(at: expectedDirectory)
        for (path, contents) in actual {
            let url = expectedDirectory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: url)
        }
    }

    static var recording: Bool { ProcessInfo.processInfo.environment["SCHEMAC_RECORD"] == "1" }
}

/// The first line where two texts differ, for readable failures.
func firstDifference(_ expected: String, _ actual: String) -> String {
    let e = expected.components(separatedBy: "\n"), a = actual.components(separatedBy: "\n")
    for i in 0..<max(e.count, a.count) {
        let el = i < e.count ? e[i] : "<end of file>", al = i < a.count ? a[i] : "<end of file>"
        if el != al { return "line \(i + 1):\n  expected: \(el)\n  actual:   \(al)" }
    }
    return "texts are equal"
}
