import Foundation
import SchemacCore
import SchemacDiagnostics

/// A folder under Tests/Cases: `definitions/` in; `expected/` holds exactly what
/// `schemac generate` would write (e.g. `postgres/schema.sql`) plus
/// `diagnostics.txt` when the run reports anything.
struct ReferenceCase {
    let name: String
    let directory: URL

    var expectedDirectory: URL { directory.appendingPathComponent("expected") }

    static func all() throws -> [ReferenceCase] {
        let names = try FileManager.default.contentsOfDirectory(atPath: Repo.casesRoot.path).sorted()
        return names.compactMap { name in
            let dir = Repo.casesRoot.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("definitions").path) else { return nil }
            return ReferenceCase(name: name, directory: dir)
        }
    }

    /// What the pipeline produces for this case: file path → contents.
    func actualOutput() -> [String: String] {
        let (paths, configDiagnostics) = ProjectPaths.load(root: directory, definitions: "definitions", output: "expected")
        // Cases named lint_* are run as `schemac lint` runs them.
        let outcome = Pipeline.run(paths, configDiagnostics: configDiagnostics, lint: name.hasPrefix("lint_"))
        var out: [String: String] = [:]
        for file in outcome.files { out[file.path] = file.contents }
        if !outcome.diagnostics.isEmpty {
            out["diagnostics.txt"] = outcome.diagnostics.map(\.description).joined(separator: "\n") + "\n"
        }
        return out
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
