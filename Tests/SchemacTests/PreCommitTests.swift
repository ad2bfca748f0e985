import Foundation
import XCTest

/// The real pre-commit framework runs this checkout's hooks (`pre-commit
/// try-repo`, which builds schemac with pre-commit's Swift support) in a
/// repository of the bundled project.
final class PreCommitTests: XCTestCase {
    func testHooksRunFromThisCheckout() throws {
        let precommit = try Oracles.venvTool("pre-commit")
        let git = try XCTUnwrap(Shell.which("git"))
        let dir = try Repo.temporaryDirectory("precommit")
        defer { try? FileManager.default.removeItem(at: dir) }
        for folder in ["definitions", "generated", "schemac.yaml"] {
            try Repo.copy(Repo.root.appendingPathComponent(folder), to: dir.appendingPathComponent(folder))
        }
        let identity = ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
        XCTAssertEqual(try Shell.run(git, ["init", "-q"], cwd: dir).status, 0)
        XCTAssertEqual(try Shell.run(git, ["add", "-A"], cwd: dir).status, 0)
        XCTAssertEqual(try Shell.run(git, identity + ["commit", "-q", "-m", "init"], cwd: dir).status, 0)
        // One environment per checkout revision, kept under .build between runs.
        var environment = ProcessInfo.processInfo.environment
        environment["PRE_COMMIT_HOME"] = Repo.root.appendingPathComponent(".build/pre-commit-home").path
        func tryRepo() throws -> Shell.Result {
            try Shell.run(precommit, ["try-repo", Repo.root.path, "schemac-check", "--all-files"], cwd: dir, environment: environment)
        }

        let current = try tryRepo()
        XCTAssertEqual(current.status, 0, current.stdout + current.stderr)
        XCTAssertTrue(current.stdout.contains("Passed"), current.stdout)

        let file = dir.appendingPathComponent("definitions/postgres/operations.yaml")
        var text = try String(contentsOf: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "        error:            text?\n", with: "        error:            text?\n        error_code:       varchar(32)?\n")
        try Data(text.utf8).write(to: file)
        let stale = try tryRepo()
        XCTAssertEqual(stale.status, 1, stale.stdout + stale.stderr)
        XCTAssertTrue(stale.stdout.contains("generated/postgres/schema.sql: error: stale"), stale.stdout)

        XCTAssertEqual(try Shell.run(try Repo.binary, ["generate"], cwd: dir).status, 0)
        let again = try tryRepo()
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)
    }
}
