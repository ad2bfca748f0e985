import Foundation
import SchemacDiagnostics

/// `schemac hook install`: a git pre-commit hook for teams without the
/// pre-commit framework. It runs `schemac check` on the staged files of the
/// project; a hook that was there before is kept as `pre-commit.local` and
/// runs first. Installing again replaces only schemac's own hook.
public enum HookInstaller {
    public static let marker = "# schemac-hook: installed by `schemac hook install`"

    public struct Installed: Sendable {
        public var hook: String
    }

    /// Installs the hook of the repository `root` is in, running `schemac`.
    /// `keptExisting` hears where a hook that was not schemac's went, as soon
    /// as it is moved (so that it is said even when the write then fails).
    public static func install(in root: URL, schemac: String,
                               keptExisting: (String) -> Void = { _ in }) -> Result<Installed, DiagnosticFailure> {
        let git = Git(root: root)
        guard let hooks = git.run(["rev-parse", "--git-path", "hooks"])?.trimmingCharacters(in: .whitespacesAndNewlines),
              let project = git.run(["rev-parse", "--show-prefix"])?.trimmingCharacters(in: .whitespacesAndNewlines) else {
            return .failure([.hookFailed("not in a git repository: \(root.path)")])
        }
        let hooksDir = hooks.hasPrefix("/") ? URL(fileURLWithPath: hooks) : root.appendingPathComponent(hooks)
        let fm = FileManager.default
        let hook = hooksDir.appendingPathComponent("pre-commit"), local = hooksDir.appendingPathComponent("pre-commit.local")
        do {
            try fm.createDirectory(at: hooksDir, withIntermediateDirectories: true)
            if let existing = fm.contents(atPath: hook.path), !String(decoding: existing, as: UTF8.self).contains(marker) {
                guard !fm.fileExists(atPath: local.path) else {
                    return .failure([.hookFailed("\(hook.path) is not schemac's and \(local.path) exists too: merge them by hand, then run this again")])
                }
                try fm.moveItem(at: hook, to: local)
                keptExisting(local.path)
            }
        } catch {
            return .failure([.writeFailed("cannot write in \(hooksDir.path): \(error.localizedDescription)")])
        }
        let temp = hooksDir.appendingPathComponent(".pre-commit.schemac.tmp")
        guard fm.createFile(atPath: temp.path, contents: Data(script(schemac: schemac, project: project).utf8), attributes: [.posixPermissions: 0o755]),
              rename(temp.path, hook.path) == 0 else {
            return .failure([.writeFailed("cannot write \(hook.path)")])
        }
        return .success(Installed(hook: hook.path))
    }

    /// The hook: it keeps generated/ true to the definitions in what is
    /// committed, so it checks the staged files of the project, not the working tree.
    static func script(schemac: String, project: String) -> String {
        """
        #!/bin/sh
        \(marker)
        # Keeps generated/ true to the definitions in what is committed: the
        # staged files of the project are checked, not the working tree.
        hooks="$(dirname "$0")"
        if [ -x "$hooks/pre-commit.local" ]; then "$hooks/pre-commit.local" "$@" || exit $?; fi
        [ -n "$SCHEMAC" ] || SCHEMAC=\(shellQuoted(schemac))
        project=\(shellQuoted(project))
        top="$(git rev-parse --show-toplevel)" || exit 1
        staged="$(mktemp -d "${TMPDIR:-/tmp}/schemac-staged.XXXXXX")" || exit 1
        trap 'rm -rf "$staged"' EXIT
        trap 'exit 1' HUP INT TERM
        cd "$top" || exit 1
        # Under the repository's own folder name: a project without swift.module is named after its folder.
        copy="$staged/$(basename "$top")"
        git ls-files -z -- "./$project" | xargs -0 git checkout-index --prefix="$copy/" -- || exit 1
        mkdir -p "$copy/$project"
        "$SCHEMAC" check -C "$copy/$project" || { echo "schemac: run \\`schemac generate\\` and stage generated/" >&2; exit 1; }

        """
    }

    static func shellQuoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
