import Foundation
import SchemacCore
import SchemacLoader
import XCTest

/// The `schemac` binary as users run it: exit codes, output on disk, messages.
final class CommandTests: XCTestCase {
    func testVersionHelpAndTheDefaultSwiftModule() throws {
        let binary = try Repo.binary
        let version = try Shell.run(binary, ["--version"])
        XCTAssertEqual(version.status, 0, version.stderr)
        XCTAssertEqual(version.stdout, SchemacVersion.current + "\n")
        let help = try Shell.run(binary, ["diff", "--help"])
        XCTAssertFalse(help.stdout.contains("(default: migration). (default: migration)"), help.stdout)
        XCTAssertTrue(help.stdout.contains("(default: migration)"), help.stdout)

        // A command line the parser refuses: exit 64; under --format json, one JSON diagnostic and nothing else.
        let refused = try Shell.run(binary, ["lint", "--format", "json", "--bogus"])
        XCTAssertEqual(refused.status, 64, refused.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(refused.stderr.utf8)) as? [String: Any], refused.stderr)
        XCTAssertEqual(object["id"] as? String, "usage")
        XCTAssertEqual(object["severity"] as? String, "error")
        XCTAssertTrue((object["message"] as? String)?.contains("--bogus") == true, refused.stderr)
        let refusedText = try Shell.run(binary, ["lint", "--bogus"])
        XCTAssertEqual(refusedText.status, 64)
        XCTAssertTrue(refusedText.stderr.hasPrefix("Error: "), refusedText.stderr)

        XCTAssertEqual(ProjectConfig.defaultSwiftModule(forFolder: "billing-service"), "BillingServiceSchema")
        XCTAssertEqual(ProjectConfig.defaultSwiftModule(forFolder: "api"), "ApiSchema")
        XCTAssertEqual(ProjectConfig.defaultSwiftModule(forFolder: "2026_db"), "Project2026DbSchema")
        XCTAssertEqual(ProjectConfig.defaultSwiftModule(forFolder: "PlatformSchema"), "PlatformSchema")
        // A project without schemac.yaml writes its module under that name.
        let dir = try Repo.temporaryDirectory("module").appendingPathComponent("ad-server")
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("definitions"), withIntermediateDirectories: true)
        try Data("postgres:\n  tables:\n    ads:\n      columns:\n        id: { type: bigint, primary_key: true }\n".utf8)
            .write(to: dir.appendingPathComponent("definitions/a.yaml"))
        let generate = try Shell.run(binary, ["generate"], cwd: dir)
        XCTAssertEqual(generate.status, 0, generate.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("generated/swift/AdServerSchema/Ads.swift").path))
    }

    /// A copy of the repository's definitions/ and generated/ in a temporary folder.
    func projectCopy() throws -> URL {
        let dir = try Repo.temporaryDirectory("project")
        for folder in ["definitions", "generated", "schemac.yaml"] {
            try Repo.copy(Repo.root.appendingPathComponent(folder), to: dir.appendingPathComponent(folder))
        }
        return dir
    }

    func testCheckPassesOnTheCommittedOutput() throws {
        let binary = try Repo.binary
        for project in [Repo.root, Repo.root.appendingPathComponent("examples/attribution")] {
            let run = try Shell.run(binary, ["check"], cwd: project)
            XCTAssertEqual(run.status, 0, "schemac check in \(project.path): \(run.stderr)")
            XCTAssertEqual(run.stderr, "")
        }
    }

    func testCheckNamesTheStaleFileAfterAnEditAndPassesAfterGenerate() throws {
        let binary = try Repo.binary
        let dir = try projectCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("definitions/postgres/operations.yaml")
        var text = try String(contentsOf: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "        error:            text?\n", with: "        error:            text?\n        error_code:       varchar(32)?\n")
        try Data(text.utf8).write(to: file)

        let stale = try Shell.run(binary, ["check"], cwd: dir)
        XCTAssertEqual(stale.status, 1)
        XCTAssertTrue(stale.stderr.contains("generated/postgres/schema.sql: error: stale"), stale.stderr)

        let generate = try Shell.run(binary, ["generate"], cwd: dir)
        XCTAssertEqual(generate.status, 0, generate.stderr)
        let schema = try String(contentsOf: dir.appendingPathComponent("generated/postgres/schema.sql"), encoding: .utf8)
        XCTAssertTrue(schema.contains("\"error_code\" character varying(32),"))
        XCTAssertEqual(try Shell.run(binary, ["check"], cwd: dir).status, 0)
    }

    /// A table taken out of the definitions takes its generated files with it:
    /// `check` names what is left over, `generate` removes it, and a file
    /// without schemac's header is never touched.
    func testFilesOfARemovedTableAreRemoved() throws {
        let binary = try Repo.binary
        let dir = try projectCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("definitions/clickhouse/analytics.yaml")
        var text = try String(contentsOf: file, encoding: .utf8)
        let start = try XCTUnwrap(text.range(of: "    api_logs:\n"))
        let end = try XCTUnwrap(text.range(of: "  materialized_views:\n"))
        text.removeSubrange(start.lowerBound..<end.lowerBound)
        try Data(text.utf8).write(to: file)
        let mine = dir.appendingPathComponent("generated/swift/PlatformSchema/Extensions.swift")
        try Data("// Hand-written helpers.\n".utf8).write(to: mine)

        let stale = try Shell.run(binary, ["check"], cwd: dir)
        XCTAssertEqual(stale.status, 1)
        XCTAssertTrue(stale.stderr.contains("generated/swift/PlatformSchema/Analytics.APILogs.swift: error: stale"), stale.stderr)
        XCTAssertEqual(try Shell.run(binary, ["generate"], cwd: dir).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("generated/swift/PlatformSchema/Analytics.APILogs.swift").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: mine.path))
        XCTAssertEqual(try Shell.run(binary, ["check"], cwd: dir).status, 0)
    }

    /// `schemac hook install`: commits go through while generated/ is current,
    /// stop after a definition edit, go through again after `generate`; a
    /// hook that was there before still runs.
    func testHookInstallGuardsCommitsAndKeepsAnExistingHook() throws {
        let binary = try Repo.binary
        let git = try XCTUnwrap(Shell.which("git"))
        let dir = try projectCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        func run(_ args: [String]) throws -> Shell.Result {
            try Shell.run(git, ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"] + args, cwd: dir)
        }
        XCTAssertEqual(try run(["init", "-q"]).status, 0)
        let earlier = dir.appendingPathComponent(".git/hooks/pre-commit")
        try FileManager.default.createDirectory(at: earlier.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("#!/bin/sh\ntouch \"$(git rev-parse --show-toplevel)/earlier-hook-ran\"\n".utf8).write(to: earlier)
        chmod(earlier.path, 0o755)

        let install = try Shell.run(binary, ["hook", "install"], cwd: dir)
        XCTAssertEqual(install.status, 0, install.stderr)
        XCTAssertTrue(install.stderr.contains("pre-commit.local"), install.stderr)
        XCTAssertEqual(try Shell.run(binary, ["hook", "install"], cwd: dir).status, 0, "installing again replaces only schemac's hook")

        XCTAssertEqual(try run(["add", "definitions", "generated", "schemac.yaml"]).status, 0)
        let first = try run(["commit", "-q", "-m", "current"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("earlier-hook-ran").path))

        let file = dir.appendingPathComponent("definitions/postgres/operations.yaml")
        var text = try String(contentsOf: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "        error:            text?\n", with: "        error:            text?\n        error_code:       varchar(32)?\n")
        try Data(text.utf8).write(to: file)
        XCTAssertEqual(try run(["add", "definitions"]).status, 0)
        let stale = try run(["commit", "-q", "-m", "stale"])
        XCTAssertNotEqual(stale.status, 0)
        XCTAssertTrue(stale.stderr.contains("generated/postgres/schema.sql: error: stale"), stale.stderr)

        XCTAssertEqual(try Shell.run(binary, ["generate"], cwd: dir).status, 0)
        XCTAssertEqual(try run(["add", "generated"]).status, 0)
        let fixed = try run(["commit", "-q", "-m", "regenerated"])
        XCTAssertEqual(fixed.status, 0, fixed.stderr)
    }

    /// `--format json`: one object a line, with file, line, column, severity, id and message.
    func testDiagnosticsAsJSON() throws {
        let binary = try Repo.binary
        let dir = try projectCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("definitions/postgres/operations.yaml")
        var text = try String(contentsOf: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "        error:            text?\n", with: "        error:            txet?\n")
        try Data(text.utf8).write(to: file)
        let run = try Shell.run(binary, ["check", "--format", "json"], cwd: dir)
        XCTAssertEqual(run.status, 1)
        let lines = run.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, run.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        XCTAssertEqual(object["file"] as? String, "definitions/postgres/operations.yaml")
        XCTAssertEqual(object["severity"] as? String, "error")
        XCTAssertEqual(object["id"] as? String, "unknown-type")
        XCTAssertNotNil(object["line"] as? Int)
        XCTAssertNotNil(object["column"] as? Int)
        XCTAssertTrue((object["message"] as? String)?.contains("txet") ?? false)
    }

    /// `check` runs lint: its warnings print, and fail the run only with --strict.
    func testCheckWarnsAndStrictFails() throws {
        let binary = try Repo.binary
        let dir = try projectCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("definitions/postgres/operations.yaml")
        var text = try String(contentsOf: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "references: dsp_connectors.id, on_delete: set null, index: true }",
                                         with: "references: dsp_connectors.id, on_delete: set null }")
        try Data(text.utf8).write(to: file)
        XCTAssertEqual(try Shell.run(binary, ["generate"], cwd: dir).status, 0)
        let check = try Shell.run(binary, ["check"], cwd: dir)
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertTrue(check.stderr.contains("[foreign-key-without-index]"), check.stderr)
        XCTAssertEqual(try Shell.run(binary, ["check", "--strict"], cwd: dir).status, 1)
        XCTAssertEqual(try Shell.run(binary, ["lint"], cwd: dir).status, 0)
        XCTAssertEqual(try Shell.run(binary, ["lint", "--strict"], cwd: dir).status, 1)
        XCTAssertEqual(try Shell.run(binary, ["lint", "--strict"], cwd: Repo.root).status, 0, "the bundled definitions lint clean")
    }

    func testCheckNamesAMissingFile() throws {
        let binary = try Repo.binary
        let dir = try projectCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("generated/postgres/schema.sql"))
        let run = try Shell.run(binary, ["check"], cwd: dir)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("generated/postgres/schema.sql: error: missing"), run.stderr)
    }

    func testFailedGenerateLeavesOutputUntouched() throws {
        let binary = try Repo.binary
        let dir = try projectCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("generated/postgres/schema.sql")
        let before = try Data(contentsOf: output)
        // One valid edit and one invalid: nothing at all may be written.
        let file = dir.appendingPathComponent("definitions/postgres/operations.yaml")
        var text = try String(contentsOf: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "        error:            text?\n", with: "        error:            text?\n        retry_at:         timestamptzz?\n")
        try Data(text.utf8).write(to: file)
        let run = try Shell.run(binary, ["generate"], cwd: dir)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("definitions/postgres/operations.yaml:"), run.stderr)
        XCTAssertTrue(run.stderr.contains("error: unknown PostgreSQL type 'timestamptzz'; did you mean 'timestamptz'? [unknown-type]"), run.stderr)
        XCTAssertEqual(try Data(contentsOf: output), before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: output.deletingLastPathComponent().path)
        XCTAssertEqual(leftovers, ["schema.sql"])
    }

    func testAllErrorsOfARunAreReportedTogether() throws {
        let binary = try Repo.binary
        let dir = try Repo.temporaryDirectory("errors")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("definitions"), withIntermediateDirectories: true)
        try Data("""
            postgres:
              tables:
                a:
                  columns:
                    id: { type: integr, primary_key: true }
                    b_id: { type: uuid, references: bb.id }
                  colums: {}
            """.utf8).write(to: dir.appendingPathComponent("definitions/one.yaml"))
        try Data("postgres:\n  tables: [\n".utf8).write(to: dir.appendingPathComponent("definitions/two.yaml"))
        let run = try Shell.run(binary, ["generate"], cwd: dir)
        XCTAssertEqual(run.status, 1)
        let lines = run.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, [
            "definitions/one.yaml:5:21: error: unknown PostgreSQL type 'integr'; did you mean 'integer'? [unknown-type]",
            "definitions/one.yaml:6:41: error: no table 'bb' is defined [unknown-table]",
            "definitions/one.yaml:7:7: error: unknown key 'colums' in table 'a'; did you mean 'columns'? [unknown-key]",
            "definitions/two.yaml:3:1: error: YAML syntax error: did not find expected node content (while parsing a flow node) [yaml-syntax]",
        ])
    }

    func testOutputIsDeterministic() throws {
        let binary = try Repo.binary
        let dir = try projectCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("generated/postgres/schema.sql")
        try FileManager.default.removeItem(at: output)
        XCTAssertEqual(try Shell.run(binary, ["generate"], cwd: dir).status, 0)
        let first = try Data(contentsOf: output)
        XCTAssertEqual(try Shell.run(binary, ["generate"], cwd: dir).status, 0)
        XCTAssertEqual(try Data(contentsOf: output), first)
        XCTAssertEqual(first, try Data(contentsOf: Repo.root.appendingPathComponent("generated/postgres/schema.sql")))
    }

    func testMissingDefinitionsFolderIsADiagnostic() throws {
        let binary = try Repo.binary
        let dir = try Repo.temporaryDirectory("empty")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try Shell.run(binary, ["check"], cwd: dir)
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stderr, "definitions:1:1: error: the definitions folder 'definitions' does not exist (no such directory) [no-definitions]\n")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("definitions"), withIntermediateDirectories: true)
        let empty = try Shell.run(binary, ["check"], cwd: dir)
        XCTAssertEqual(empty.stderr, "definitions:1:1: error: no definitions found: 'definitions' holds no .yaml or .yml file [no-definitions]\n")
    }
}

extension CommandTests {
    /// Item 6 of issue 12: a folder of definitions that cannot be read is a
    /// located error, and generate writes nothing (the outputs that came from
    /// it stay). Root reads every folder, so the run is as another user then.
    func testAnUnreadableFolderIsAnErrorAndNothingIsWritten() throws {
        let binary = try Repo.binary
        let dir = try projectCopy()
        defer { _ = try? Shell.run("/bin/chmod", ["-R", "u+rwx", dir.path]); try? FileManager.default.removeItem(at: dir) }
        let keys = dir.appendingPathComponent("generated/redis/keys.json")
        let before = try Data(contentsOf: keys)
        var command = [binary, "generate"]
        if getuid() == 0 {
            _ = try Shell.run("/bin/chown", ["-R", "postgres", dir.path])
            command = ["/usr/sbin/runuser", "-u", "postgres", "--"] + command
        }
        XCTAssertEqual(try Shell.run("/bin/chmod", ["000", dir.appendingPathComponent("definitions/redis").path]).status, 0)
        let run = try Shell.run(command[0], Array(command.dropFirst()), cwd: dir)
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("definitions/redis:1:1: error: cannot list this folder: permission denied [file-unreadable]"), run.stderr)
        XCTAssertEqual(try Data(contentsOf: keys), before, "keys.json must stay as it was")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("generated/redis/KEYS.md").path))

        // A symbolic link to nothing is named too.
        _ = try Shell.run("/bin/chmod", ["755", dir.appendingPathComponent("definitions/redis").path])
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("definitions/billing").path, withDestinationPath: "/nonexistent/billing")
        let dangling = try Shell.run(binary, ["generate"], cwd: dir)
        XCTAssertEqual(dangling.status, 1)
        XCTAssertTrue(dangling.stderr.contains("definitions/billing:1:1: error: a symbolic link to nothing [file-unreadable]"), dangling.stderr)
        // And a missing folder says so.
        let missing = try Shell.run(binary, ["generate", "-C", dir.appendingPathComponent("nope").path])
        XCTAssertEqual(missing.stderr, "schemac: error: -C \(dir.appendingPathComponent("nope").path): no such directory [usage]\n")
    }
}

extension CommandTests {
    /// Item 17 of issue 12: the hook checks what is staged, not the working
    /// tree, and works for a project in a folder of a larger repository.
    func testTheHookChecksTheStagedFilesOfAProjectInASubfolder() throws {
        let binary = try Repo.binary
        let git = try XCTUnwrap(Shell.which("git"))
        let repo = try Repo.temporaryDirectory("monorepo")
        defer { try? FileManager.default.removeItem(at: repo) }
        let project = repo.appendingPathComponent("services/api")
        for folder in ["definitions", "generated", "schemac.yaml"] {
            try Repo.copy(Repo.root.appendingPathComponent(folder), to: project.appendingPathComponent(folder))
        }
        try Data("# another team's\n".utf8).write(to: repo.appendingPathComponent("README.md"))
        func run(_ args: [String]) throws -> Shell.Result {
            try Shell.run(git, ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"] + args, cwd: repo)
        }
        XCTAssertEqual(try run(["init", "-q"]).status, 0)
        let install = try Shell.run(binary, ["hook", "install", "-C", "services/api"], cwd: repo)
        XCTAssertEqual(install.status, 0, install.stderr)
        XCTAssertEqual(try run(["add", "-A"]).status, 0)
        let first = try run(["commit", "-q", "-m", "all"])
        XCTAssertEqual(first.status, 0, first.stderr)
        // Commits elsewhere in the repository go through.
        try Data("# changed\n".utf8).write(to: repo.appendingPathComponent("README.md"))
        XCTAssertEqual(try run(["commit", "-qam", "readme"]).status, 0)

        // Definitions staged, generated/ regenerated but not staged: refused.
        let file = project.appendingPathComponent("definitions/postgres/operations.yaml")
        var text = try String(contentsOf: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "        error:            text?\n", with: "        error:            text?\n        error_code:       varchar(32)?\n")
        try Data(text.utf8).write(to: file)
        XCTAssertEqual(try run(["add", "services/api/definitions"]).status, 0)
        XCTAssertEqual(try Shell.run(binary, ["generate"], cwd: project).status, 0)
        let unstaged = try run(["commit", "-q", "-m", "definitions only"])
        XCTAssertNotEqual(unstaged.status, 0, "generated/ is current in the working tree only")
        XCTAssertTrue(unstaged.stderr.contains("generated/postgres/schema.sql: error: stale"), unstaged.stderr)
        XCTAssertEqual(try run(["add", "services/api/generated"]).status, 0)
        let staged = try run(["commit", "-q", "-m", "both"])
        XCTAssertEqual(staged.status, 0, staged.stderr)
    }
}

extension CommandTests {
    /// Rough edges of issue 12: headers name files relative to the project
    /// whatever `--definitions` is given as, and every Redis file goes when
    /// redis leaves `targets`.
    func testHeadersAreRelativeAndRedisOutputGoesWithItsTarget() throws {
        let binary = try Repo.binary
        let dir = try projectCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let absolute = try Shell.run(binary, ["generate", "--definitions", dir.appendingPathComponent("definitions").path], cwd: dir)
        XCTAssertEqual(absolute.status, 0, absolute.stderr)
        XCTAssertEqual(try Shell.run(binary, ["check", "-C", dir.path]).status, 0, "no header names an absolute path")
        try Data("targets: [postgres, clickhouse, swift]\n".utf8).write(to: dir.appendingPathComponent("schemac.yaml"))
        let run = try Shell.run(binary, ["generate"], cwd: dir)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("generated/redis").path), [])
    }
}
