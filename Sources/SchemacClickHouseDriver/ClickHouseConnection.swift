import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A client of ClickHouse's HTTP interface through Foundation's URL loading:
/// one statement per request, the statement in the body, credentials in the
/// `X-ClickHouse-User`/`X-ClickHouse-Key` headers (never in the URL), settings
/// as URL parameters. Rows come back as `JSONCompactStrings`: every value a
/// string, so nothing is lost to JSON's numbers.
public final class ClickHouseConnection: Sendable {
    public let endpoint: ClickHouseEndpoint
    /// The server's session the requests share (`session_id`): what lives in
    /// one, such as a temporary table, is seen by the requests after.
    public let sessionID: String?
    private let session: URLSession
    private let timeout: TimeInterval

    public init(_ endpoint: ClickHouseEndpoint, sessionID: String? = nil, timeoutSeconds: TimeInterval = 600) {
        self.endpoint = endpoint
        self.sessionID = sessionID
        timeout = timeoutSeconds
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        configuration.httpMaximumConnectionsPerHost = 1
        session = URLSession(configuration: configuration)
    }

    public convenience init(url: String) throws {
        self.init(try ClickHouseEndpoint(url))
    }

    deinit { session.finishTasksAndInvalidate() }

    /// `/ping`: the server answers `Ok.` when it is up.
    public func ping() throws {
        let body = try send(URLRequest(url: endpoint.base.appendingPathComponent("ping")))
        guard String(decoding: body, as: UTF8.self).hasPrefix("Ok.") else {
            throw ClickHouseError(message: "\(endpoint) answered /ping with something other than Ok.: is it a ClickHouse server?")
        }
    }

    /// Runs a statement that returns no rows (DDL, INSERT).
    public func execute(_ sql: String, settings: [String: String] = [:]) throws {
        _ = try send(request(sql, format: nil, settings: settings))
    }

    /// The rows of a query, each value as the engine prints it.
    public func rows(_ sql: String, settings: [String: String] = [:]) throws -> [[String]] {
        let body = try send(request(sql, format: "JSONCompactStrings", settings: settings))
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let data = object["data"] as? [[Any]] else {
            throw ClickHouseError(message: "\(endpoint) answered a query with something other than JSONCompactStrings")
        }
        return data.map { row in row.map { ($0 as? String) ?? "" } }
    }

    func request(_ sql: String, format: String?, settings: [String: String]) -> URLRequest {
        var components = URLComponents(url: endpoint.base, resolvingAgainstBaseURL: false)!
        var items: [URLQueryItem] = []
        // A `database` among the settings names the database of this statement instead of the URL's.
        if let database = endpoint.database, settings["database"] == nil { items.append(URLQueryItem(name: "database", value: database)) }
        if let sessionID { items.append(URLQueryItem(name: "session_id", value: sessionID)) }
        if let format { items.append(URLQueryItem(name: "default_format", value: format)) }
        for (name, value) in settings.sorted(by: { $0.key < $1.key }) { items.append(URLQueryItem(name: name, value: value)) }
        components.queryItems = items.isEmpty ? nil : items
        var request = URLRequest(url: components.url!, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = Data(sql.utf8)
        if let user = endpoint.user { request.setValue(user, forHTTPHeaderField: "X-ClickHouse-User") }
        if let password = endpoint.password { request.setValue(password, forHTTPHeaderField: "X-ClickHouse-Key") }
        return request
    }

    /// The body of a successful answer; the engine's error, in one line, otherwise.
    func send(_ request: URLRequest) throws -> Data {
        let answer = Answer()
        let done = DispatchSemaphore(value: 0)
        session.dataTask(with: request) { data, response, error in
            answer.set(data, response as? HTTPURLResponse, error)
            done.signal()
        }.resume()
        done.wait()
        let (data, response, error) = answer.get()
        if let error {
            throw ClickHouseError(message: "cannot reach ClickHouse at \(endpoint): \(error.localizedDescription)")
        }
        guard let response else { throw ClickHouseError(message: "no answer from ClickHouse at \(endpoint)") }
        let body = data ?? Data()
        guard (200..<300).contains(response.statusCode) else {
            let code = (response.value(forHTTPHeaderField: "X-ClickHouse-Exception-Code")).flatMap { Int($0) }
            var text = String(decoding: body, as: UTF8.self).split(whereSeparator: \.isWhitespace).joined(separator: " ")
            if text.isEmpty { text = "HTTP \(response.statusCode)" }
            if let code, !text.hasPrefix("Code:") { text = "Code: \(code). " + text }
            throw ClickHouseError(code: code, message: text)
        }
        return body
    }
}

/// What a data task delivered, handed from its callback to the waiting caller.
private final class Answer: @unchecked Sendable {
    private let lock = NSLock()
    private var value: (Data?, HTTPURLResponse?, (any Error)?) = (nil, nil, nil)

    func set(_ data: Data?, _ response: HTTPURLResponse?, _ error: (any Error)?) {
        lock.lock()
        value = (data, response, error)
        lock.unlock()
    }

    func get() -> (Data?, HTTPURLResponse?, (any Error)?) {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
