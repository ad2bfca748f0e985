import Foundation
import XCTest

/// The real pre-commit framework runs this checkout's hooks (named by
/// repository and revision in `.pre-commit-config.yaml`, built by
/// pre-commit's Swift support) in a repository of the bundled project.
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
        // The checkout's files as they are (tracked, and new ones not ignored), committed in a copy of their own.
        let checkout = try Repo.temporaryDirectory("precommit_checkout")
        defer { try? FileManager.default.removeItem(at: checkout) }
        let files = try Shell.run(git, ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd: Repo.root).stdout
        for path in files.split(separator: "\0").map(String.init) where FileManager.default.fileExists(atPath: Repo.root.appendingPathComponent(path).path) {
            let destination = checkout.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: Repo.root.appendingPathComponent(path), to: destination)
        }
        for args in [["init", "-q"], ["add", "-A"], identity + ["commit", "-q", "-m", "checkout"]] {
            XCTAssertEqual(try Shell.run(git, args, cwd: checkout).status, 0)
        }
        // As a user has it: the hooks by repository and revision in .pre-commit-config.yaml. Unlike try-repo
        // (a new store each call), pre-commit then builds schemac once for the revision and reuses it.
        let revision = try Shell.run(git, ["rev-parse", "HEAD"], cwd: checkout).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let config = "repos:\n- repo: \(checkout.path)\n  rev: \(revision)\n  hooks:\n  - id: schemac-check\n"
        try Data(config.utf8).write(to: dir.appendingPathComponent(".pre-commit-config.yaml"))
        for args in [["init", "-q"], ["add", "-A"], identity + ["commit", "-q", "-m", "init"]] {
            XCTAssertEqual(try Shell.run(git, args, cwd: dir).status, 0)
        }
        var environment = ProcessInfo.processInfo.environment
        environment["PRE_COMMIT_HOME"] = dir.appendingPathComponent(".pre-commit-home").path
        func tryRepo() throws -> Shell.Result {
            try Shell.run(precommit, ["run", "schemac-check", "--all-files"], cwd: dir, environment: environment)
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
