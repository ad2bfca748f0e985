/// The `redis:` section, resolved: key specs, scripts, function libraries
/// and pub/sub channels.
public struct RedisSchema: Hashable, Sendable, Codable {
    public var keys: [RedisKeySpec]
    public var scripts: [RedisScript]
    public var channels: [RedisChannel]
    public var libraries: [RedisFunctionLibrary]

    public init(keys: [RedisKeySpec] = [], scripts: [RedisScript] = [], channels: [RedisChannel] = [], libraries: [RedisFunctionLibrary] = []) {
        self.keys = keys
        self.scripts = scripts
        self.channels = channels
        self.libraries = libraries
    }
}

/// What a placeholder or a hash field holds.
public enum RedisValueType: String, Hashable, Sendable, Codable, CaseIterable {
    case string, uuid, int, float, bool, timestamp, date, json
}

public enum RedisDataType: String, Hashable, Sendable, Codable, CaseIterable {
    case string, hash, list, set, zset, stream
}

/// A key pattern: literal text and `{placeholders}`.
public struct RedisPattern: Hashable, Sendable, Codable {
    public enum Part: Hashable, Sendable, Codable {
        case literal(String)
        case placeholder(String)
    }

    public var text: String
    public var parts: [Part]

    public init(text: String, parts: [Part]) {
        self.text = text
        self.parts = parts
    }

    public var placeholders: [String] {
        parts.compactMap { if case .placeholder(let p) = $0 { p } else { nil } }
    }
}

public struct RedisParam: Hashable, Sendable, Codable {
    public var name: String
    public var type: RedisValueType

    public init(name: String, type: RedisValueType) {
        self.name = name
        self.type = type
    }
}

public struct RedisKeySpec: Hashable, Sendable, Codable {
    public var name: String
    public var pattern: RedisPattern
    /// One per placeholder, in the pattern's order.
    public var params: [RedisParam]
    public var type: RedisDataType
    /// Seconds; nil when the key is durable.
    public var ttlSeconds: Int?
    public var durable: Bool
    /// Hash fields, for `type: hash`.
    public var fields: [RedisParam]
    /// The placeholder whose value is wrapped in `{…}` so that Redis Cluster
    /// puts every key with the same value in one slot.
    public var hashTag: String?
    public var owner: String?
    public var comment: String?

    public init(name: String, pattern: RedisPattern, params: [RedisParam], type: RedisDataType, ttlSeconds: Int?, durable: Bool,
                fields: [RedisParam] = [], hashTag: String? = nil, owner: String? = nil, comment: String? = nil) {
        self.name = name
        self.pattern = pattern
        self.params = params
        self.type = type
        self.ttlSeconds = ttlSeconds
        self.durable = durable
        self.fields = fields
        self.hashTag = hashTag
        self.owner = owner
        self.comment = comment
    }
}

public struct RedisScript: Hashable, Sendable, Codable {
    public var name: String
    /// Key spec names, in KEYS order.
    public var keys: [String]
    public var args: [String]
    /// As written, relative to the definitions folder.
    public var sourcePath: String
    public var source: String
    public var comment: String?

    public init(name: String, keys: [String], args: [String], sourcePath: String, source: String, comment: String? = nil) {
        self.name = name
        self.keys = keys
        self.args = args
        self.sourcePath = sourcePath
        self.source = source
        self.comment = comment
    }

    /// What `SCRIPT LOAD` answers: the SHA-1 of the source, in hex.
    public var sha1: String { Digests.sha1Hex(source.utf8) }
}

/// A library of Redis Functions (Redis 7+): Lua whose first line is
/// `#!lua name=<library>`, loaded with `FUNCTION LOAD`, replicated and
/// persisted by the server, unlike the script cache.
public struct RedisFunctionLibrary: Hashable, Sendable, Codable {
    public var name: String
    /// As written, relative to the definitions folder.
    public var sourcePath: String
    public var source: String
    public var functions: [RedisFunction]
    /// Every function the source registers, declared or not: each name is
    /// the server's, across libraries.
    public var registered: [String]
    public var comment: String?

    public init(name: String, sourcePath: String, source: String, functions: [RedisFunction], registered: [String]? = nil, comment: String? = nil) {
        self.name = name
        self.sourcePath = sourcePath
        self.source = source
        self.functions = functions
        self.registered = registered ?? functions.map(\.name)
        self.comment = comment
    }
}

public struct RedisFunction: Hashable, Sendable, Codable {
    /// The flags `redis.register_function` takes.
    public enum Flag: String, Hashable, Sendable, Codable, CaseIterable {
        case noWrites = "no-writes", allowOOM = "allow-oom", allowStale = "allow-stale", noCluster = "no-cluster"
        case allowCrossSlotKeys = "allow-cross-slot-keys"
    }

    public var name: String
    /// Key spec names, in the order of the keys the function is called with.
    public var keys: [String]
    public var args: [String]
    public var flags: [Flag]
    public var comment: String?

    public init(name: String, keys: [String], args: [String], flags: [Flag] = [], comment: String? = nil) {
        self.name = name
        self.keys = keys
        self.args = args
        self.flags = flags
        self.comment = comment
    }

    /// `FCALL_RO` for a function that does not write (it then also runs on a replica), else `FCALL`.
    public var command: String { flags.contains(.noWrites) ? "FCALL_RO" : "FCALL" }
}

public struct RedisChannel: Hashable, Sendable, Codable {
    public var name: String
    public var pattern: RedisPattern
    public var params: [RedisParam]
    public var comment: String?

    public init(name: String, pattern: RedisPattern, params: [RedisParam], comment: String? = nil) {
        self.name = name
        self.pattern = pattern
        self.params = params
        self.comment = comment
    }
}

extension RedisPattern {
    /// Where a key's parts come from: literal text, or a placeholder's value,
    /// with the hash tag's braces as literal text around its value.
    public func tokens(hashTag: String?) -> [Token] {
        var out: [Token] = []
        for part in parts {
            switch part {
            case .literal(let text): out += text.unicodeScalars.map { .char($0) }
            case .placeholder(let name):
                if name == hashTag { out.append(.char("{")) }
                out.append(.value(name))
                if name == hashTag { out.append(.char("}")) }
            }
        }
        return out
    }

    public enum Token: Hashable, Sendable {
        case char(Unicode.Scalar)
        case value(String)
    }

    /// The glob SCAN MATCH takes: each value a `*`, glob characters escaped.
    public func scanGlob(hashTag: String?) -> String {
        var out = ""
        for token in tokens(hashTag: hashTag) {
            switch token {
            case .char(let c):
                if "*?[]\\".unicodeScalars.contains(c) { out += "\\" }
                out.unicodeScalars.append(c)
            case .value: out += "*"
            }
        }
        return out
    }

    /// A regular expression (POSIX ERE and most engines) matching exactly the
    /// keys of the pattern; each value a capture group of its type's characters.
    public func regex(hashTag: String?, params: [RedisParam]) -> String {
        var out = "^"
        for token in tokens(hashTag: hashTag) {
            switch token {
            case .char(let c):
                if ".^$*+?()[]{}|\\".unicodeScalars.contains(c) { out += "\\" }
                out.unicodeScalars.append(c)
            case .value(let name):
                let type = params.first { $0.name == name }?.type ?? .string
                out += "(" + RedisPattern.valueClass(type).regex + ")"
            }
        }
        return out + "$"
    }

    /// The characters a value of a type is written with, and its shortest length.
    public struct ValueClass: Sendable {
        public var regex: String
        public var allows: @Sendable (Unicode.Scalar) -> Bool
    }

    public static func valueClass(_ type: RedisValueType) -> ValueClass {
        switch type {
        case .uuid: ValueClass(regex: "[0-9a-fA-F-]{36}", allows: { ("0"..."9").contains($0) || ("a"..."f").contains($0) || ("A"..."F").contains($0) || $0 == "-" })
        case .int: ValueClass(regex: "-?[0-9]+", allows: { ("0"..."9").contains($0) || $0 == "-" })
        case .bool: ValueClass(regex: "true|false|0|1", allows: { "truefals01".unicodeScalars.contains($0) })
        case .date: ValueClass(regex: "[0-9]{4}-[0-9]{2}-[0-9]{2}", allows: { ("0"..."9").contains($0) || $0 == "-" })
        // A value is one segment: no `:` (what separates segments) and no
        // braces (what marks a hash tag), so `user:{id}` and
        // `user:{id}:profile` name different keys.
        default: ValueClass(regex: "[^:{}]+", allows: { $0 != ":" && $0 != "{" && $0 != "}" })
        }
    }

    /// Whether some key matches both patterns: a walk over both at once, a
    /// value taking one character or more of what its type allows.
    public static func overlap(_ a: [Token], _ aParams: [RedisParam], _ b: [Token], _ bParams: [RedisParam]) -> Bool {
        // State: position in each, and whether the value at that position has
        // taken a character already (then it may also end).
        struct State: Hashable { var i: Int, iIn: Bool, j: Int, jIn: Bool }
        func allows(_ t: Token, _ params: [RedisParam], _ c: Unicode.Scalar) -> Bool {
            switch t {
            case .char(let x): x == c
            case .value(let name): valueClass(params.first { $0.name == name }?.type ?? .string).allows(c)
            }
        }
        // Moves that consume nothing: a value that took a character may end.
        func closure(_ s: State) -> [State] {
            var out = [s]
            if s.iIn { out.append(State(i: s.i + 1, iIn: false, j: s.j, jIn: s.jIn)) }
            for x in out where x.jIn { out.append(State(i: x.i, iIn: x.iIn, j: x.j + 1, jIn: false)) }
            return out
        }
        // The characters worth trying: every literal of either, and a sample
        // of each value class.
        var alphabet = Set<Unicode.Scalar>()
        for t in a + b { if case .char(let c) = t { alphabet.insert(c) } }
        for c in "0a-xZ:_.t".unicodeScalars { alphabet.insert(c) }
        var seen = Set<State>()
        var queue = closure(State(i: 0, iIn: false, j: 0, jIn: false))
        while let s = queue.popLast() {
            guard seen.insert(s).inserted else { continue }
            if s.i == a.count, s.j == b.count, !s.iIn, !s.jIn { return true }
            guard s.i < a.count, s.j < b.count else { continue }
            for c in alphabet where allows(a[s.i], aParams, c) && allows(b[s.j], bParams, c) {
                let ni: (Int, Bool) = if case .value = a[s.i] { (s.i, true) } else { (s.i + 1, false) }
                let nj: (Int, Bool) = if case .value = b[s.j] { (s.j, true) } else { (s.j + 1, false) }
                queue += closure(State(i: ni.0, iIn: ni.1, j: nj.0, jIn: nj.1))
            }
        }
        return false
    }
}
