import ArgumentParser
import Foundation

/// `schemac hook install`: a git pre-commit hook for teams without the
/// pre-commit framework. It runs `schemac check`; a hook that was there
/// before is kept as `pre-commit.local` and runs first.
struct Hook: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Git hooks.", subcommands: [Install.self])

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write .git/hooks/pre-commit so that every commit runs `schemac check`.",
            discussion: "An existing pre-commit hook is kept as pre-commit.local and still runs, first.")

        @Option(name: [.customShort("C"), .long], help: "Run as if started in this folder.")
        var directory: String?

        static let marker = "# schemac-hook: installed by `schemac hook install`"

        func run() throws {
            let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            let root = directory.map { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : cwd.appendingPathComponent($0) } ?? cwd
            guard let hooks = git(["rev-parse", "--git-path", "hooks"], in: root) else {
                fail("not in a git repository: \(root.path)", id: "hook-failed")
            }
            let hooksDir = hooks.hasPrefix("/") ? URL(fileURLWithPath: hooks) : root.appendingPathComponent(hooks)
            let fm = FileManager.default
            try fm.createDirectory(at: hooksDir, withIntermediateDirectories: true)
            let hook = hooksDir.appendingPathComponent("pre-commit"), local = hooksDir.appendingPathComponent("pre-commit.local")
            if let existing = fm.contents(atPath: hook.path), !String(decoding: existing, as: UTF8.self).contains(Self.marker) {
                guard !fm.fileExists(atPath: local.path) else {
                    fail("\(hook.path) is not schemac's and \(local.path) exists too: merge them by hand, then run this again", id: "hook-failed")
                }
                try fm.moveItem(at: hook, to: local)
                FileHandle.standardError.write(Data("schemac: kept the existing hook as \(local.path); it runs first\n".utf8))
            }
            let schemac = Self.executablePath()
            // The project's folder in the repository: the hook checks it there.
            guard let project = git(["rev-parse", "--show-prefix"], in: root) else {
                fail("not in a git repository: \(root.path)", id: "hook-failed")
            }
            let script = """
                #!/bin/sh
                \(Self.marker)
                # Keeps generated/ true to the definitions in what is committed: the
                # staged files of the project are checked, not the working tree.
                hooks="$(dirname "$0")"
                if [ -x "$hooks/pre-commit.local" ]; then "$hooks/pre-commit.local" "$@" || exit $?; fi
                [ -n "$SCHEMAC" ] || SCHEMAC=\(Self.shellQuoted(schemac))
                project=\(Self.shellQuoted(project))
                top="$(git rev-parse --show-toplevel)" || exit 1
                staged="$(mktemp -d "${TMPDIR:-/tmp}/schemac-staged.XXXXXX")" || exit 1
                trap 'rm -rf "$staged"' EXIT
                trap 'exit 1' HUP INT TERM
                cd "$top" || exit 1
                git ls-files -z -- "./$project" | xargs -0 git checkout-index --prefix="$staged/" -- || exit 1
                mkdir -p "$staged/$project"
                "$SCHEMAC" check -C "$staged/$project" || { echo "schemac: run \\`schemac generate\\` and stage generated/" >&2; exit 1; }

                """
            let temp = hooksDir.appendingPathComponent(".pre-commit.schemac.tmp")
            guard fm.createFile(atPath: temp.path, contents: Data(script.utf8), attributes: [.posixPermissions: 0o755]),
                  rename(temp.path, hook.path) == 0 else {
                fail("cannot write \(hook.path)", id: "write-failed")
            }
            print("installed \(hook.path)")
        }

        /// This executable, by absolute path: the hook runs the schemac that installed it.
        static func executablePath() -> String {
            if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
            return CommandLine.arguments[0]
        }

        static func shellQuoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

        func git(_ arguments: [String], in directory: URL) -> String? {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["git"] + arguments
            p.currentDirectoryURL = directory
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return nil }
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { return nil }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}
