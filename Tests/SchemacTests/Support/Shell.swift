import Foundation

/// Runs programs for the tests and captures what they print.
enum Shell {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// True when the process ended by a signal (a crash), not by exit.
        var signalled: Bool
    }

    /// Runs a program to completion. Output goes through temporary files and the
    /// child is reaped with waitpid, so a daemon it leaves behind (pg_ctl start)
    /// cannot hold the call open.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], cwd: URL? = nil, stdin: String? = nil,
                    environment: [String: String]? = nil) throws -> Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("schemac-shell-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path, err = dir.appendingPathComponent("err").path
        let inp = dir.appendingPathComponent("in").path
        _ = FileManager.default.createFile(atPath: inp, contents: Data((stdin ?? "").utf8))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inp, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        // glibc's posix_spawn has no portable chdir action: let env(1) change folder.
        let command = cwd.map { ["/usr/bin/env", "-C", $0.path, executable] } ?? [executable]
        let argv = (command + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, command[0], &actions, nil, argv, envp)
        guard rc == 0 else { throw TestFailure("cannot start \(executable): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let signalled = (status & 0x7f) != 0 && (status & 0x7f) != 0x7f
        let exitCode = signalled ? 128 + (status & 0x7f) : (status >> 8) & 0xff
        return Result(status: exitCode,
                      stdout: String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: out))) ?? Data(), as: UTF8.self),
                      stderr: String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: err))) ?? Data(), as: UTF8.self),
                      signalled: signalled)
    }

    /// First of `names` found on PATH or in `extraDirectories`.
    static func which(_ name: String, extraDirectories: [String] = []) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":").map(String.init) + extraDirectories {
            let candidate = dir + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// Paths of the repository and the built `schemac` binary.
enum Repo {
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    static var casesRoot: URL { root.appendingPathComponent("Tests/Cases") }

    /// The `schemac` built beside the test bundle (`swift build` builds both).
    static var binary: String {
        get throws {
            let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            var candidates = [bundleDir.appendingPathComponent("schemac").path]
            for config in ["debug", "release"] {
                candidates.append(root.appendingPathComponent(".build/\(config)/schemac").path)
            }
            if let found = candidates.first(where: FileManager.default.isExecutableFile) { return found }
            throw TestFailure("the schemac binary is not built; run `swift build` first (looked in \(candidates))")
        }
    }

    /// A fresh directory, removed when the test process exits (kept with
    /// SCHEMAC_KEEP_TEMP=1, to look at what a failing test left).
    static func temporaryDirectory(_ label: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("schemac-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        TemporaryDirectories.shared.add(dir)
        return dir
    }

    static func copy(_ source: URL, to destination: URL) throws {
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source, to: destination)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The directories tests made, for removal at exit: a full run made some
/// four hundred, and left them all in /tmp.
final class TemporaryDirectories: @unchecked Sendable {
    static let shared = TemporaryDirectories()
    private let lock = NSLock()
    private var directories: [URL] = []

    private init() {
        guard ProcessInfo.processInfo.environment["SCHEMAC_KEEP_TEMP"] == nil else { return }
        atexit { TemporaryDirectories.shared.removeAll() }
    }

    func add(_ directory: URL) {
        lock.withLock { directories.append(directory) }
    }

    private func removeAll() {
        for directory in lock.withLock({ directories }) { try? FileManager.default.removeItem(at: directory) }
    }
}
