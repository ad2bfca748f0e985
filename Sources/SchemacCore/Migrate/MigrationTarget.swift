import Foundation
import SchemacDiagnostics

/// What a migration starts from: read, never written, by `diff`.
public enum MigrationTarget: Hashable, Sendable {
    /// A live PostgreSQL database: anything libpq takes (postgresql:// or
    /// postgres:// URIs, key=value strings, an empty string for the PG*
    /// environment variables).
    case postgres(connection: String)
    /// A live ClickHouse server (clickhouse://, clickhouses://, or its HTTP interface's http(s):// URL).
    case clickhouse(url: String)
    /// A live Redis server (redis://).
    case redis(url: String)
    /// A folder of definitions, or a project folder with its schemac.yaml.
    case definitionsFolder(URL, display: String)
    /// The project's definitions as they were at a git revision.
    case gitRevision(String)

    /// What `--against TEXT` names, relative paths from `cwd`. A string that
    /// is neither a folder nor a scheme schemac knows is a database for libpq,
    /// which reports what it cannot read.
    public static func parse(_ text: String, relativeTo cwd: URL) -> Result<MigrationTarget, DiagnosticFailure> {
        let lowered = text.lowercased()
        if lowered.hasPrefix("redis://") { return .success(.redis(url: text)) }
        if lowered.hasPrefix("rediss://") {
            return .failure([.unsupportedTarget("rediss:// (Redis over TLS) is not supported yet: reach the server over redis:// "
                                                + "(an SSH tunnel or stunnel on loopback)")])
        }
        // ClickHouse's HTTP interface; plain http(s):// URLs are nothing else schemac reads.
        if ["clickhouse://", "clickhouses://", "http://", "https://"].contains(where: lowered.hasPrefix) { return .success(.clickhouse(url: text)) }
        if text.hasPrefix("git:") {
            let revision = String(text.dropFirst(4))
            guard !revision.isEmpty, !revision.hasPrefix("-") else {
                return .failure([.usage("git:REV needs a revision, e.g. git:HEAD or git:main~1")])
            }
            return .success(.gitRevision(revision))
        }
        if let folder = folder(text, relativeTo: cwd) { return .success(.definitionsFolder(folder, display: text)) }
        return .success(.postgres(connection: text))
    }

    /// The folder `text` names, when it is one (and not a connection string).
    static func folder(_ text: String, relativeTo cwd: URL) -> URL? {
        guard !text.isEmpty, !text.contains("="), !text.contains("://") else { return nil }
        let url = text.hasPrefix("/") ? URL(fileURLWithPath: text) : cwd.appendingPathComponent(text)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
        return url
    }
}

/// A run that stops, with what it has to say: the diagnostics are the reason.
public struct DiagnosticFailure: Error, Sendable, ExpressibleByArrayLiteral {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public init(arrayLiteral elements: Diagnostic...) { diagnostics = elements }
}
