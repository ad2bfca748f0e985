import CLibHiredis
import Foundation

/// A reply from the server, as values.
public enum RedisReply: Equatable, Sendable {
    case string(String)
    case integer(Int)
    case array([RedisReply])
    case null
    case status(String)
    case error(String)

    public var string: String? {
        switch self {
        case .string(let s), .status(let s): s
        default: nil
        }
    }

    public var integer: Int? { if case .integer(let n) = self { n } else { nil } }
    public var array: [RedisReply]? { if case .array(let a) = self { a } else { nil } }
}

public struct RedisError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// One connection to a Redis server through hiredis. Commands go as argument
/// vectors (nothing is interpolated into a command line); `pipeline` sends
/// many before reading any reply.
public final class RedisConnection {
    private let context: UnsafeMutablePointer<redisContext>

    /// `redis://host:port[/db]` (a password in the URL is used, never printed).
    public init(url: String, timeoutSeconds: Int = 5) throws {
        guard let parsed = URLComponents(string: url), parsed.scheme == "redis" else {
            throw RedisError(description: "not a redis:// URL: \(Self.redacted(url))")
        }
        let host = parsed.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        let port = parsed.port ?? 6379
        let timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        guard let c = redisConnectWithTimeout(host, Int32(port), timeout) else {
            throw RedisError(description: "cannot connect to \(Self.redacted(url)): out of memory")
        }
        if c.pointee.err != 0 {
            let message = withUnsafeBytes(of: c.pointee.errstr) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            redisFree(c)
            throw RedisError(description: "cannot connect to \(Self.redacted(url)): \(message)")
        }
        context = c
        if let password = parsed.password {
            let user = parsed.user.flatMap { $0.isEmpty ? nil : $0 }
            if case .error = try command(user.map { ["AUTH", $0, password] } ?? ["AUTH", password]) {
                throw RedisError(description: "authentication refused by \(Self.redacted(url))")
            }
        }
        let db = parsed.path.split(separator: "/").first.flatMap { Int($0) } ?? 0
        if db != 0, case .error(let e) = try command(["SELECT", String(db)]) {
            throw RedisError(description: "cannot select database \(db): \(e)")
        }
    }

    deinit { redisFree(context) }

    public func command(_ arguments: [String]) throws -> RedisReply {
        try append(arguments.map { Array($0.utf8) })
        return try reply()
    }

    /// A command of binary arguments (`FUNCTION RESTORE` of a dump).
    public func command(bytes arguments: [[UInt8]]) throws -> RedisReply {
        try append(arguments)
        return try reply()
    }

    /// The bytes of a command's string reply, as sent (`FUNCTION DUMP`);
    /// an error reply throws.
    public func bytes(_ arguments: [String]) throws -> [UInt8] {
        try append(arguments.map { Array($0.utf8) })
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw failure() }
        defer { freeReplyObject(raw) }
        let reply = raw.assumingMemoryBound(to: redisReply.self).pointee
        let bytes = reply.str.map { Array(UnsafeRawBufferPointer(start: $0, count: Int(reply.len))) } ?? []
        guard reply.type == REDIS_REPLY_STRING else {
            throw RedisError(description: "\(arguments.prefix(2).joined(separator: " ")): \(String(decoding: bytes, as: UTF8.self))")
        }
        return bytes
    }

    /// Sends every command, then reads every reply, in order.
    public func pipeline(_ commands: [[String]]) throws -> [RedisReply] {
        for c in commands { try append(c.map { Array($0.utf8) }) }
        return try commands.map { _ in try reply() }
    }

    private func append(_ arguments: [[UInt8]]) throws {
        let status: Int32 = withArgv(arguments) { argc, argv, lengths in
            redisAppendCommandArgv(context, argc, argv, lengths)
        }
        if status != REDIS_OK { throw failure() }
    }

    private func reply() throws -> RedisReply {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw failure() }
        defer { freeReplyObject(raw) }
        return Self.convert(raw.assumingMemoryBound(to: redisReply.self))
    }

    private static func convert(_ r: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let reply = r.pointee
        func text() -> String {
            guard let s = reply.str else { return "" }
            return String(decoding: UnsafeRawBufferPointer(start: s, count: Int(reply.len)), as: UTF8.self)
        }
        switch reply.type {
        case REDIS_REPLY_STRING: return .string(text())
        case REDIS_REPLY_STATUS: return .status(text())
        case REDIS_REPLY_ERROR: return .error(text())
        case REDIS_REPLY_INTEGER: return .integer(Int(reply.integer))
        case REDIS_REPLY_ARRAY:
            return .array((0..<Int(reply.elements)).map { convert(reply.element[$0]!) })
        default: return .null
        }
    }

    private func failure() -> RedisError {
        let message = withUnsafeBytes(of: context.pointee.errstr) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return RedisError(description: "redis: \(message.isEmpty ? "connection lost" : message)")
    }

    private func withArgv<R>(_ arguments: [[UInt8]], _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R) -> R {
        // Each argument goes with its length, so bytes of any value (a NUL too) pass as they are.
        let copies = arguments.map { $0.map { CChar(bitPattern: $0) } + [0] }
        var pointers: [UnsafePointer<CChar>?] = []
        var lengths = arguments.map(\.count)
        var result: R?
        func nest(_ i: Int) {
            if i == copies.count {
                result = pointers.withUnsafeMutableBufferPointer { p in
                    lengths.withUnsafeMutableBufferPointer { l in body(Int32(arguments.count), p.baseAddress!, UnsafePointer(l.baseAddress!)) }
                }
                return
            }
            copies[i].withUnsafeBufferPointer { b in
                pointers.append(b.baseAddress)
                nest(i + 1)
            }
        }
        nest(0)
        return result!
    }

    /// The URL without its password.
    public static func redacted(_ url: String) -> String {
        guard var c = URLComponents(string: url), c.password != nil else { return url }
        c.password = "****"
        return c.string ?? "redis://****"
    }
}
