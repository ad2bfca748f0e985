import Foundation
import XCTest

/// The outside programs some tests check against (chdb, jsonschema, pre-commit),
/// found in the `.venv` that `make test` makes, else on the system. Where they
/// are required (`SCHEMAC_REQUIRE_ORACLES=1`, which `.ci/run` sets), a missing
/// one fails its tests; elsewhere it skips them, saying what to install.
enum Oracles {
    static var required: Bool {
        let env = ProcessInfo.processInfo.environment
        return env["SCHEMAC_REQUIRE_ORACLES"] == "1" || env["SCHEMAC_REQUIRE_CHDB"] == "1"
    }

    nonisolated(unsafe) private static var found: [String: String] = [:]
    private static let lock = NSLock()

    /// A Python that imports `module` (a test that needs only jsonschema asks
    /// for jsonschema, not for chdb).
    static func python(with module: String) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let python = found[module] { return python }
        var candidates = [Repo.root.appendingPathComponent(".venv/bin/python").path]
        if let system = Shell.which("python3") { candidates.append(system) }
        for python in candidates where FileManager.default.isExecutableFile(atPath: python) {
            if (try? Shell.run(python, ["-c", "import \(module)"]))?.status == 0 {
                found[module] = python
                return python
            }
        }
        throw missing("the Python module \(module)", install: ".venv/bin/pip install \(module)")
    }

    /// An executable of the `.venv` (pre-commit).
    static func venvTool(_ name: String) throws -> String {
        let path = Repo.root.appendingPathComponent(".venv/bin/\(name)").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
        throw missing(name, install: ".venv/bin/pip install \(name)")
    }

    private static func missing(_ what: String, install: String) -> any Error {
        if required { return TestFailure("\(what) is required here (SCHEMAC_REQUIRE_ORACLES=1) but missing: `make test` installs it") }
        return XCTSkip("\(what) is not installed: run `make test`, or \(install)")
    }
}
