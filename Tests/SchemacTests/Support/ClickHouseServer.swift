import Foundation
import SchemacClickHouseDriver
import XCTest

/// The real ClickHouse engine (chdb) behind the test-only HTTP front
/// (Tests/clickhouse/chdb_http.py), on a free loopback port: started once per
/// test run (the engine loads in a few seconds) or, with credentials, once per
/// test. Every test uses databases of its own. The front exits when its
/// standard input closes, so it does not outlive the test process.
final class ClickHouseServer: @unchecked Sendable {
    let port: Int
    let directory: URL
    let user: String?
    let password: String?
    private let process: Process
    private let input: Pipe
    private var databaseCounter = 0
    private let lock = NSLock()

    nonisolated(unsafe) private static var shared: ClickHouseServer?
    private static let sharedLock = NSLock()

    static func get() throws -> ClickHouseServer {
        sharedLock.lock()
        defer { sharedLock.unlock() }
        if let shared { return shared }
        let server = try ClickHouseServer()
        shared = server
        return server
    }

    init(user: String? = nil, password: String? = nil) throws {
        directory = try Repo.temporaryDirectory("chdb-http")
        self.user = user
        self.password = password
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try Oracles.python(with: "chdb"))
        var arguments = [Repo.root.appendingPathComponent("Tests/clickhouse/chdb_http.py").path, directory.appendingPathComponent("data").path]
        if let user { arguments += ["--user", user, "--password", password ?? ""] }
        p.arguments = arguments
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        // The first line is `listening PORT`.
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line += byte }
        let words = String(decoding: line, as: UTF8.self).split(separator: " ")
        guard words.count == 2, words[0] == "listening", let port = Int(words[1]) else {
            p.terminate()
            throw TestFailure("the chdb HTTP front did not start: \(String(decoding: line, as: UTF8.self))")
        }
        self.port = port
        process = p
        self.input = input
    }

    /// A URL of the server; credentials when it asks for them.
    func url(database: String? = nil) -> String {
        let credentials = user.map { u in "\(u):\((password ?? "").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")@" } ?? ""
        return "clickhouse://\(credentials)127.0.0.1:\(port)" + (database.map { "/" + $0 } ?? "")
    }

    func connection(database: String? = nil) throws -> ClickHouseConnection { try ClickHouseConnection(url: url(database: database)) }

    /// A database name not used before in this run.
    func freshDatabase(_ prefix: String = "t") -> String {
        lock.lock()
        defer { lock.unlock() }
        databaseCounter += 1
        return "\(prefix)_\(getpid())_\(databaseCounter)"
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}
