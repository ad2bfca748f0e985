import SchemacModel

/// How a live Redis server departs from the key specs: read from a bounded
/// SCAN and, per spec, TYPE and PTTL of a sample of its keys.
public struct RedisDriftReport: Sendable, Equatable {
    public struct Unknown: Sendable, Equatable {
        public var prefix: String
        public var count: Int
        public var example: String

        public init(prefix: String, count: Int, example: String) {
            self.prefix = prefix
            self.count = count
            self.example = example
        }
    }

    public struct Fault: Sendable, Equatable {
        public enum Kind: String, Sendable {
            case wrongType = "wrong type"
            case missingTTL = "no expiry"
            case ttlTooLong = "expiry too long"
            case durableExpires = "expires though durable"
            case missingFields = "missing hash fields"
        }
        public var kind: Kind
        public var key: String
        public var spec: String
        public var detail: String
    }

    /// How the server's Redis Functions depart from the declared libraries.
    public struct LibraryFault: Sendable, Equatable {
        public enum Kind: String, Sendable {
            case missing = "library missing"
            case codeDiffers = "library code differs"
            case extra = "extra library"
            case functionMissing = "function missing"

            /// The `kind` of its JSON object.
            public var id: String {
                switch self {
                case .missing: "missing_library"
                case .codeDiffers: "library_code_differs"
                case .extra: "extra_library"
                case .functionMissing: "missing_function"
                }
            }
        }
        public var kind: Kind
        public var library: String
        public var function: String?
        public var detail: String

        public init(kind: Kind, library: String, function: String? = nil, detail: String) {
            self.kind = kind
            self.library = library
            self.function = function
            self.detail = detail
        }
    }

    /// Keys that match no spec, by prefix (up to the first `:`).
    public var unknown: [Unknown] = []
    public var faults: [Fault] = []
    public var libraries: [LibraryFault] = []
    /// Scripts not in the server's script cache. The cache is volatile by
    /// design (a restart, a failover or SCRIPT FLUSH empties it, and clients
    /// load a script again when EVALSHA answers NOSCRIPT): information, not
    /// drift, unless `requireScripts`.
    public var scriptsNotLoaded: [String] = []
    public var requireScripts = false
    public var scanned = 0
    /// False when a budget ended the SCAN before the cursor came back to 0.
    public var complete = true

    public var hasDrift: Bool {
        !unknown.isEmpty || !faults.isEmpty || !libraries.isEmpty || (requireScripts && !scriptsNotLoaded.isEmpty)
    }

    public var text: String {
        var out = ""
        for u in unknown {
            out += "unknown keys: \(u.count) under '\(u.prefix)' (e.g. \(u.example)) match no key spec\n"
        }
        for f in faults { out += "\(f.kind.rawValue): \(f.key) (\(f.spec)): \(f.detail)\n" }
        for l in libraries { out += "\(l.kind.rawValue): \(l.library)\(l.function.map { "." + $0 } ?? ""): \(l.detail)\n" }
        for s in scriptsNotLoaded {
            out += requireScripts ? "script not loaded: \(s)\n"
                : "note: script not in the server's cache: \(s) (the cache empties on every restart; clients load it again on NOSCRIPT; "
                + "--require-scripts counts this as drift)\n"
        }
        out += "scanned \(scanned) keys\(complete ? "" : " (stopped by the budget: the report covers those)")\n"
        return out
    }

    /// The report as one JSON object on one line: `faults` (what is drift,
    /// each with its `kind`: unknown_keys, wrong_type, no_expiry,
    /// expiry_too_long, expires_though_durable, missing_hash_fields,
    /// missing_library, library_code_differs, extra_library,
    /// missing_function, and script_not_loaded under `requireScripts`),
    /// `notes` (what is not: script_not_loaded), the keys scanned and
    /// whether the scan was complete.
    public var json: String {
        var faultObjects: [JSONLine] = unknown.map { u in
            JSONLine([("kind", .string("unknown_keys")), ("prefix", .string(u.prefix)), ("count", .int(u.count)), ("example", .string(u.example))])
        }
        faultObjects += faults.map { f in
            JSONLine([("kind", .string(f.kind.rawValue.replacingOccurrences(of: " ", with: "_"))), ("key", .string(f.key)),
                      ("spec", .string(f.spec)), ("detail", .string(f.detail))])
        }
        faultObjects += libraries.map { l in
            JSONLine([("kind", .string(l.kind.id)), ("library", .string(l.library)), ("function", .string(l.function)), ("detail", .string(l.detail))])
        }
        let scripts = scriptsNotLoaded.map { JSONLine([("kind", .string("script_not_loaded")), ("script", .string($0))]) }
        return JSONLine([
            ("kind", .string("redis_drift")), ("drift", .bool(hasDrift)),
            ("faults", .objects(faultObjects + (requireScripts ? scripts : []))), ("notes", .objects(requireScripts ? [] : scripts)),
            ("scanned", .int(scanned)), ("complete", .bool(complete)),
        ]).text
    }
}

/// A library as `FUNCTION LIST WITHCODE` gives it.
public struct RedisLiveLibrary: Sendable, Equatable {
    public var name: String
    public var code: String
    public var functions: [String]

    public init(name: String, code: String, functions: [String]) {
        self.name = name
        self.code = code
        self.functions = functions
    }
}

public enum RedisDrift {
    /// Tells which spec a key belongs to; each pattern's tokens are made once,
    /// not once a key.
    public struct Classifier: Sendable {
        private let specs: [(spec: RedisKeySpec, tokens: [RedisPattern.Token])]

        public init(_ schema: RedisSchema) {
            specs = schema.keys.map { ($0, $0.pattern.tokens(hashTag: $0.hashTag)) }
        }

        public func spec(of key: String) -> RedisKeySpec? {
            let scalars = Array(key.unicodeScalars)
            return specs.first { matches(scalars, $0.tokens, $0.spec.params) }?.spec
        }
    }

    /// A key against a pattern's tokens: each value one character or more of its type's.
    public static func matches(_ key: [Unicode.Scalar], _ tokens: [RedisPattern.Token], _ params: [RedisParam]) -> Bool {
        var memo: [Int: Bool] = [:]
        func go(_ i: Int, _ t: Int) -> Bool {
            if t == tokens.count { return i == key.count }
            let k = i * (tokens.count + 1) + t
            if let known = memo[k] { return known }
            var result = false
            switch tokens[t] {
            case .char(let c): result = i < key.count && key[i] == c && go(i + 1, t + 1)
            case .value(let name):
                let allows = RedisPattern.valueClass(params.first { $0.name == name }?.type ?? .string).allows
                var j = i
                while j < key.count, allows(key[j]) {
                    j += 1
                    if go(j, t + 1) { result = true; break }
                }
            }
            memo[k] = result
            return result
        }
        return go(0, 0)
    }

    /// The report from keys (as SCAN found them, with the spec each belongs
    /// to), the TYPE and PTTL of a sample, and which scripts the server has.
    public static func report(schema: RedisSchema, keys: [(key: String, spec: RedisKeySpec?)], samples: [String: (type: String, pttl: Int)],
                              scriptsLoaded: Set<String>, complete: Bool, hashFields: [String: Set<String>] = [:],
                              requireScripts: Bool = false, liveLibraries: [RedisLiveLibrary] = []) -> RedisDriftReport {
        var report = RedisDriftReport(requireScripts: requireScripts, scanned: keys.count, complete: complete)
        var unknown: [String: (count: Int, example: String)] = [:]
        for (key, spec) in keys {
            guard let spec else {
                let prefix = key.firstIndex(of: ":").map { String(key[...$0]) } ?? key
                let seen = unknown[prefix]
                unknown[prefix] = ((seen?.count ?? 0) + 1, min(seen?.example ?? key, key))
                continue
            }
            guard let sample = samples[key] else { continue }
            if sample.type != "none", sample.type != spec.type.rawValue {
                report.faults.append(.init(kind: .wrongType, key: key, spec: spec.name, detail: "a \(sample.type), the spec says \(spec.type.rawValue)"))
            }
            if let present = hashFields[key] {
                let missing = spec.fields.map(\.name).filter { !present.contains($0) }
                if !missing.isEmpty {
                    report.faults.append(.init(kind: .missingFields, key: key, spec: spec.name,
                                               detail: "lacks \(missing.joined(separator: ", ")), which the spec declares"))
                }
            }
            if let ttl = spec.ttlSeconds {
                if sample.pttl == -1 {
                    report.faults.append(.init(kind: .missingTTL, key: key, spec: spec.name, detail: "the spec says it expires after \(ttl) s"))
                } else if sample.pttl > ttl * 1000 {
                    report.faults.append(.init(kind: .ttlTooLong, key: key, spec: spec.name,
                                               detail: "expires in \(sample.pttl / 1000) s, the spec allows \(ttl) s"))
                }
            } else if spec.durable, sample.pttl >= 0 {
                // A durable key is meant to stay: an expiry would lose it.
                report.faults.append(.init(kind: .durableExpires, key: key, spec: spec.name,
                                           detail: "expires in \(sample.pttl / 1000) s, the spec says durable: true"))
            }
        }
        report.unknown = unknown.map { RedisDriftReport.Unknown(prefix: $0.key, count: $0.value.count, example: $0.value.example) }
            .sorted { $0.prefix < $1.prefix }
        report.faults.sort { ($0.key, $0.kind.rawValue) < ($1.key, $1.kind.rawValue) }
        report.libraries = libraryFaults(schema.libraries, live: liveLibraries)
        report.scriptsNotLoaded = schema.scripts.filter { !scriptsLoaded.contains($0.sha1) }.map { "\($0.name) (\($0.sha1))" }
        return report
    }

    /// The declared libraries against the server's: each missing, with
    /// other code, without a declared function; and each the server has
    /// that no definitions declare.
    public static func libraryFaults(_ declared: [RedisFunctionLibrary], live: [RedisLiveLibrary]) -> [RedisDriftReport.LibraryFault] {
        var out: [RedisDriftReport.LibraryFault] = []
        let byName = Dictionary(live.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for library in declared {
            guard let server = byName[library.name] else {
                out.append(.init(kind: .missing, library: library.name,
                                 detail: "the server has no such library (\(library.sourcePath)); `schemac apply` loads it"))
                continue
            }
            if server.code != library.source {
                out.append(.init(kind: .codeDiffers, library: library.name,
                                 detail: "the server's code differs from \(library.sourcePath) from line \(firstDifferingLine(server.code, library.source))"))
            }
            for f in library.functions where !server.functions.contains(f.name) {
                let elsewhere = live.first { $0.name != library.name && $0.functions.contains(f.name) }
                out.append(.init(kind: .functionMissing, library: library.name, function: f.name,
                                 detail: elsewhere.map { "the server has it in library \($0.name)" } ?? "the server's library has no such function"))
            }
        }
        // A project that declares no library leaves a shared server's libraries to others.
        let names = Set(declared.map(\.name))
        for library in live where !declared.isEmpty && !names.contains(library.name) {
            out.append(.init(kind: .extra, library: library.name,
                             detail: "on the server (functions: \(library.functions.joined(separator: ", "))), in no definitions"))
        }
        return out.sorted { ($0.library, $0.function ?? "", $0.kind.rawValue) < ($1.library, $1.function ?? "", $1.kind.rawValue) }
    }

    static func firstDifferingLine(_ a: String, _ b: String) -> Int {
        // Lines end at LF; a CR before it is part of the line, as Redis keeps it.
        let x = a.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map(String.UnicodeScalarView.init)
        let y = b.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map(String.UnicodeScalarView.init)
        return (zip(x, y).enumerated().first { !$0.element.0.elementsEqual($0.element.1) }?.offset ?? min(x.count, y.count)) + 1
    }
}
