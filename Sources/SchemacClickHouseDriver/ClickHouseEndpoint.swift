import Foundation

/// Where a ClickHouse server answers and as whom: parsed from
/// `clickhouse://[user[:password]@]host[:port][/database]` (HTTP, port 8123),
/// `clickhouses://…` (HTTPS, 8443), or a plain `http(s)://` URL of the HTTP
/// interface. User and password missing from the URL come from
/// `CLICKHOUSE_USER` and `CLICKHOUSE_PASSWORD`. The password is never part of
/// what this prints.
public struct ClickHouseEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The HTTP interface's base URL, without credentials.
    public var base: URL
    public var user: String?
    public var password: String?
    /// The database the URL names, if any (unqualified names resolve there).
    public var database: String?

    public init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let parsed = URLComponents(string: text), let scheme = parsed.scheme?.lowercased() else {
            throw ClickHouseError(message: "not a ClickHouse URL: \(Self.redacted(text))")
        }
        let http: String, defaultPort: Int
        switch scheme {
        case "clickhouse", "http": (http, defaultPort) = ("http", 8123)
        case "clickhouses", "https": (http, defaultPort) = ("https", 8443)
        default: throw ClickHouseError(message: "not a ClickHouse URL (clickhouse://, clickhouses://, http://, https://): \(Self.redacted(text))")
        }
        var components = URLComponents()
        components.scheme = http
        components.host = parsed.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        components.port = parsed.port ?? (scheme.hasPrefix("http") ? nil : defaultPort)
        components.path = "/"
        guard let base = components.url else { throw ClickHouseError(message: "not a ClickHouse URL: \(Self.redacted(text))") }
        self.base = base
        user = parsed.user.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding ?? $0 } ?? environment["CLICKHOUSE_USER"].flatMap { $0.isEmpty ? nil : $0 }
        password = parsed.password.map { $0.removingPercentEncoding ?? $0 } ?? environment["CLICKHOUSE_PASSWORD"]
        let path = parsed.path.split(separator: "/").first.map(String.init)
        database = path?.removingPercentEncoding ?? path
    }

    /// The server as it may be shown: scheme, user, host, port, database.
    public var description: String {
        var components = URLComponents(url: base, resolvingAgainstBaseURL: false) ?? URLComponents()
        components.user = user
        if let database { components.path = "/" + database } else { components.path = "" }
        return components.string ?? base.absoluteString
    }

    /// A URL with any password replaced by `***`, for messages about text that did not parse.
    public static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let scheme = text.range(of: "://"), scheme.upperBound < at else { return text }
        let credentials = text[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }
}

/// What the server, or the way to it, refused: the engine's code and message
/// in one line.
public struct ClickHouseError: Error, Sendable, CustomStringConvertible {
    /// The engine's error code (`X-ClickHouse-Exception-Code`), when it sent one.
    public var code: Int?
    public var message: String

    public init(code: Int? = nil, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
