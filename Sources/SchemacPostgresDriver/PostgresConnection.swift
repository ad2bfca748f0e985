import CLibPQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure talking to PostgreSQL, with any password of the target removed.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public var message: String
    /// SQLSTATE, when the server sent one.
    public var sqlState: String?

    public var description: String { message }
}

/// One libpq connection. Everything libpq accepts works as the target:
/// `postgresql://` and `postgres://` URIs, `key=value` strings, and the PG*
/// environment variables for whatever the target leaves out.
public final class PostgresConnection {
    private let connection: OpaquePointer
    private let secrets: [String]
    /// What the connection was opened with, to open more like it (never printed).
    public let target: String

    public init(_ target: String) throws {
        self.target = target
        secrets = ConnectionTarget.secrets(in: target)
        guard let conn = PQconnectdb(target) else {
            throw PostgresError(message: "cannot allocate a libpq connection", sqlState: nil)
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = Self.clean(String(cString: PQerrorMessage(conn)), secrets: secrets)
            PQfinish(conn)
            throw PostgresError(message: "cannot connect to \(ConnectionTarget.redacted(target)): \(message)", sqlState: nil)
        }
        connection = conn
        // Catalog text must not depend on the server's, the database's, the
        // role's or the client's settings (PGTZ, PGOPTIONS, ALTER DATABASE …
        // SET): a partition bound on timestamptz prints in the session's time
        // zone, and two sessions in different zones would see different bounds.
        try execute(Self.pinnedSettings.map { "SET \($0.name) = \($0.value);" }.joined(separator: " "))
    }

    /// The settings every connection runs under, whatever it was given.
    public static let pinnedSettings: [(name: String, value: String)] = [
        ("client_encoding", "'UTF8'"),
        ("search_path", "pg_catalog"),
        ("TimeZone", "'UTC'"),
        ("DateStyle", "'ISO, YMD'"),
        ("IntervalStyle", "'postgres'"),
        ("extra_float_digits", "3"),
        ("bytea_output", "'hex'"),
        ("standard_conforming_strings", "on"),
    ]

    deinit { PQfinish(connection) }

    /// Rows of a query, every value as text (nil for NULL). `$1`… take `parameters`.
    public func query(_ sql: String, _ parameters: [String?] = []) throws -> [[String?]] {
        try namedQuery(sql, parameters).rows
    }

    /// The rows and the names of their columns, as the query's select list gives them.
    public func namedQuery(_ sql: String, _ parameters: [String?] = []) throws -> (columns: [String], rows: [[String?]]) {
        let result = try run(sql, parameters)
        defer { PQclear(result) }
        let rows = Int(PQntuples(result)), columns = Int(PQnfields(result))
        let names = (0..<columns).map { String(cString: PQfname(result, Int32($0))) }
        var out: [[String?]] = []
        out.reserveCapacity(rows)
        for r in 0..<rows {
            var row: [String?] = []
            row.reserveCapacity(columns)
            for c in 0..<columns {
                if PQgetisnull(result, Int32(r), Int32(c)) == 1 {
                    row.append(nil)
                } else {
                    row.append(String(cString: PQgetvalue(result, Int32(r), Int32(c))))
                }
            }
            out.append(row)
        }
        return (names, out)
    }

    /// The rows of a query stored flat, for results of many rows: the bytes
    /// of every field one after another, row by row, and where each field
    /// ends (`-end - 1` for NULL). A row of arrays of strings held 50 MiB for
    /// the 12 MB of text a catalog of 10,000 tables reads.
    public func flatQuery(_ sql: String, _ parameters: [String?] = []) throws -> (columns: [String], bytes: [UInt8], ends: [Int32]) {
        let result = try run(sql, parameters)
        defer { PQclear(result) }
        let rows = PQntuples(result), columns = PQnfields(result)
        let names = (0..<columns).map { String(cString: PQfname(result, $0)) }
        var total = 0
        for r in 0..<rows { for c in 0..<columns { total += Int(PQgetlength(result, r, c)) } }
        guard total < Int(Int32.max) else { throw PostgresError(message: "a result of more than 2 GB", sqlState: nil) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(total)
        var ends: [Int32] = []
        ends.reserveCapacity(Int(rows) * Int(columns))
        for r in 0..<rows {
            for c in 0..<columns {
                if PQgetisnull(result, r, c) == 1 {
                    ends.append(-Int32(bytes.count) - 1)
                    continue
                }
                let length = Int(PQgetlength(result, r, c))
                PQgetvalue(result, r, c).withMemoryRebound(to: UInt8.self, capacity: length) {
                    bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
                }
                ends.append(Int32(bytes.count))
            }
        }
        return (names, bytes, ends)
    }

    /// Runs one or more statements that return nothing the caller needs.
    public func execute(_ sql: String) throws {
        guard let result = PQexec(connection, sql) else { throw failure() }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY else {
            throw failure(result)
        }
    }

    public var serverVersion: Int { Int(PQserverVersion(connection)) }

    /// `jit = off` for the rest of the session (or transaction, `local`), on
    /// servers that have the setting (11 and later): for sessions that read
    /// the catalogs, whose queries are large unions the planner costs high
    /// and whose compilation costs more than their work (the inventory of
    /// what pull cannot hold, at 10,000 tables: 7.2 s of JIT for 0.7 s).
    public func turnOffJIT(local: Bool = false) throws {
        guard serverVersion >= 110000 else { return }
        try execute(local ? "SET LOCAL jit = off" : "SET jit = off")
    }

    private func run(_ sql: String, _ parameters: [String?]) throws -> OpaquePointer {
        let cStrings = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { cStrings.forEach { free($0) } }
        let pointers: [UnsafePointer<CChar>?] = cStrings.map { $0.map { UnsafePointer($0) } }
        let result = pointers.withUnsafeBufferPointer { buffer in
            PQexecParams(connection, sql, Int32(parameters.count), nil, buffer.baseAddress, nil, nil, 0)
        }
        guard let result else { throw failure() }
        let status = PQresultStatus(result)
        guard status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK else {
            defer { PQclear(result) }
            throw failure(result)
        }
        return result
    }

    private func failure(_ result: OpaquePointer? = nil) -> PostgresError {
        var message = String(cString: PQerrorMessage(connection))
        var state: String?
        if let result {
            message = String(cString: PQresultErrorMessage(result))
            if let s = PQresultErrorField(result, Int32(UInt8(ascii: "C"))) { state = String(cString: s) }
        }
        return PostgresError(message: Self.clean(message, secrets: secrets), sqlState: state)
    }

    private static func clean(_ message: String, secrets: [String]) -> String {
        var text = message
        while let last = text.last, last.isWhitespace { text.removeLast() }
        for secret in secrets where !secret.isEmpty {
            text = text.replacing(secret, with: "****")
        }
        return text.split(separator: "\n").map { $0.trimmingSpaces() }.joined(separator: " ")
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

/// Connection targets as people may see them: passwords replaced by `****`.
public enum ConnectionTarget {
    /// The target with any password hidden: in a URI's user info, in a
    /// `password=` query parameter, or in a `password=` key of a key=value string.
    public static func redacted(_ target: String) -> String {
        var text = target
        for secret in secrets(in: target) where !secret.isEmpty {
            text = text.replacing(secret, with: "****")
        }
        return text
    }

    /// Passwords a target carries, as written.
    public static func secrets(in target: String) -> [String] {
        var found: [String] = []
        let lower = target.lowercased()
        if lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://") {
            let rest = target[target.index(target.firstIndex(of: ":")!, offsetBy: 3)...]
            let authority = rest.prefix { $0 != "/" && $0 != "?" }
            if let at = authority.lastIndex(of: "@") {
                let userInfo = authority[..<at]
                if let colon = userInfo.firstIndex(of: ":") {
                    found.append(String(userInfo[userInfo.index(after: colon)...]))
                }
            }
            if let q = target.firstIndex(of: "?") {
                for pair in target[target.index(after: q)...].split(separator: "&") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    if parts.count == 2, parts[0].lowercased() == "password" { found.append(String(parts[1])) }
                }
            }
        } else {
            // key = value pairs; values may be 'quoted' with \' and \\ escapes.
            var i = target.startIndex
            func skipSpaces() { while i < target.endIndex, target[i].isWhitespace { i = target.index(after: i) } }
            while i < target.endIndex {
                skipSpaces()
                let keyStart = i
                while i < target.endIndex, target[i] != "=", !target[i].isWhitespace { i = target.index(after: i) }
                let key = target[keyStart..<i].lowercased()
                skipSpaces()
                guard i < target.endIndex, target[i] == "=" else { break }
                i = target.index(after: i)
                skipSpaces()
                // A value ends at its closing quote, or unquoted at a space; in
                // both, libpq reads `\` as an escape (`ab\ cd` is "ab cd").
                let quoted = i < target.endIndex && target[i] == "'"
                if quoted { i = target.index(after: i) }
                var value = "", raw = ""
                while i < target.endIndex, quoted ? target[i] != "'" : !target[i].isWhitespace {
                    if target[i] == "\\", target.index(after: i) < target.endIndex {
                        raw.append(target[i])
                        i = target.index(after: i)
                    }
                    raw.append(target[i])
                    value.append(target[i])
                    i = target.index(after: i)
                }
                if quoted, i < target.endIndex { i = target.index(after: i) }
                if key == "password" && raw != value { found.append(raw) }
                if key == "password" { found.append(value) }
            }
        }
        // Percent-encoded passwords appear decoded in some messages.
        found += found.compactMap { $0.removingPercentEncodingIfAny() }
        return Array(Set(found)).sorted { $0.count > $1.count }
    }
}

extension String {
    fileprivate func removingPercentEncodingIfAny() -> String? {
        guard contains("%") else { return nil }
        var bytes: [UInt8] = []
        var it = utf8.makeIterator()
        while let b = it.next() {
            if b == UInt8(ascii: "%"), let h = it.next(), let l = it.next(),
               let v = UInt8(String(decoding: [h, l], as: UTF8.self), radix: 16) {
                bytes.append(v)
            } else {
                bytes.append(b)
            }
        }
        let decoded = String(decoding: bytes, as: UTF8.self)
        return decoded == self ? nil : decoded
    }
}
