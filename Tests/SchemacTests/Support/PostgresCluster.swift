import Foundation
import XCTest

/// A throwaway PostgreSQL cluster for the tests: initdb into a temporary folder,
/// listening only on a Unix socket there, stopped when the test process exits.
/// Started once per test run; every test gets databases of its own.
final class PostgresCluster: @unchecked Sendable {
    let directory: URL
    let binDirectory: String
    let psqlPath: String
    private var databaseCounter = 0
    private let lock = NSLock()

    var socketDirectory: String { directory.path }

    nonisolated(unsafe) private static var shared: PostgresCluster?
    nonisolated(unsafe) private static var startError: Error?
    private static let startLock = NSLock()

    /// The running cluster, started on first use.
    static func get() throws -> PostgresCluster {
        startLock.lock()
        defer { startLock.unlock() }
        if let shared { return shared }
        if let startError { throw startError }
        do {
            let cluster = try PostgresCluster()
            shared = cluster
            atexit { PostgresCluster.shared?.stop() }
            return cluster
        } catch {
            startError = error
            throw error
        }
    }

    private static var isRoot: Bool { getuid() == 0 }

    private init() throws {
        var extra: [String] = []
        if let versions = try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql") {
            extra = versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }.map { "/usr/lib/postgresql/\($0)/bin" }
        }
        guard let pgCtl = Shell.which("pg_ctl", extraDirectories: extra) else {
            throw TestFailure("PostgreSQL server binaries (pg_ctl, initdb) not found; install postgresql")
        }
        guard let psql = Shell.which("psql", extraDirectories: extra) else { throw TestFailure("psql not found") }
        binDirectory = URL(fileURLWithPath: pgCtl).resolvingSymlinksInPath().deletingLastPathComponent().path
        psqlPath = psql
        // Short path: a Unix socket path must fit in 107 bytes.
        let template = "/tmp/schemac-pg-XXXXXX"
        var buffer = Array(template.utf8CString)
        guard let made = mkdtemp(&buffer) else { throw TestFailure("mkdtemp failed") }
        directory = URL(fileURLWithPath: String(cString: made))
        if Self.isRoot {
            // The server refuses to run as root: hand the folder to the postgres user.
            _ = try Shell.run("/bin/chown", ["postgres:postgres", directory.path])
        }
        let data = directory.appendingPathComponent("data").path
        let initdb = try asServerUser(binDirectory + "/initdb", ["-D", data, "--auth=trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        guard initdb.status == 0 else { throw TestFailure("initdb failed: \(initdb.stderr)") }
        let options = "-k \(directory.path) -c listen_addresses='' -c fsync=off -c full_page_writes=off -c max_connections=50"
        let start = try asServerUser(binDirectory + "/pg_ctl", ["-D", data, "-o", options, "-l", directory.appendingPathComponent("log").path, "-w", "-t", "60", "start"])
        guard start.status == 0 else {
            let log = (try? String(contentsOf: directory.appendingPathComponent("log"), encoding: .utf8)) ?? ""
            throw TestFailure("pg_ctl start failed: \(start.stderr)\n\(log)")
        }
    }

    private func asServerUser(_ program: String, _ args: [String]) throws -> Shell.Result {
        if Self.isRoot {
            return try Shell.run("/usr/sbin/runuser", ["-u", "postgres", "--", program] + args)
        }
        return try Shell.run(program, args)
    }

    func stop() {
        let data = directory.appendingPathComponent("data").path
        _ = try? asServerUser(binDirectory + "/pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(at: directory)
    }

    /// A new, empty database.
    func createDatabase(_ label: String, template: String? = nil) throws -> String {
        lock.lock()
        databaseCounter += 1
        let name = "\(label.lowercased().filter { $0.isLetter || $0.isNumber || $0 == "_" }.prefix(40))_\(databaseCounter)"
        lock.unlock()
        try psql(database: "postgres", sql: "CREATE DATABASE \"\(name)\"\(template.map { " TEMPLATE \"\($0)\"" } ?? "");")
        return name
    }

    /// Runs SQL with ON_ERROR_STOP; throws with the server's message when it fails.
    @discardableResult
    func psql(database: String, sql: String? = nil, file: String? = nil, user: String = "postgres", tuplesOnly: Bool = true) throws -> String {
        let result = try psqlResult(database: database, sql: sql, file: file, user: user, tuplesOnly: tuplesOnly)
        guard result.status == 0 else {
            throw TestFailure("psql failed (exit \(result.status)) in \(database) as \(user):\n\(result.stderr)")
        }
        return result.stdout
    }

    func psqlResult(database: String, sql: String? = nil, file: String? = nil, user: String = "postgres", tuplesOnly: Bool = true) throws -> Shell.Result {
        var args = ["-X", "-q", "-h", socketDirectory, "-U", user, "-d", database, "-v", "ON_ERROR_STOP=1"]
        if tuplesOnly { args += ["-A", "-t"] }
        if let file { args += ["-f", file] }
        return try Shell.run(psqlPath, args, stdin: sql ?? "")
    }

    /// Applies a schema file to a new database and returns the database's name.
    func databaseFromSchema(_ schemaFile: URL, label: String) throws -> String {
        let db = try createDatabase(label)
        let result = try psqlResult(database: db, file: schemaFile.path)
        guard result.status == 0, !result.stderr.contains("ERROR") else {
            throw TestFailure("\(schemaFile.path) does not apply:\n\(result.stderr)")
        }
        return db
    }
}
