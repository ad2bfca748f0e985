import Foundation
import SchemacDiagnostics
import SchemacModel
import Yams

/// Resolves the `redis:` sections of every file: key specs, scripts (their Lua
/// read from files relative to the definitions folder) and channels, checked
/// as Redis and Redis Cluster would have them.
struct RedisResolver {

    private var keyNodes: [(name: String, node: Node, key: Node, reader: NodeReader)] = []
    private var scriptNodes: [(name: String, node: Node, key: Node, reader: NodeReader)] = []
    private var channelNodes: [(name: String, node: Node, key: Node, reader: NodeReader)] = []
    private var libraryNodes: [(name: String, node: Node, key: Node, reader: NodeReader)] = []
    private var seen = false

    mutating func collect(_ node: Node, _ reader: NodeReader) {
        seen = true
        guard let section = reader.fields(node, "the redis section", allowed: RedisKeys.section.names) else { return }
        func entries(_ key: String, into list: inout [(name: String, node: Node, key: Node, reader: NodeReader)]) {
            guard let node = section[key], let named = reader.namedEntries(node, "redis \(key)") else { return }
            for e in named { list.append((e.key, e.value, e.keyNode, reader)) }
        }
        entries("keys", into: &keyNodes)
        entries("scripts", into: &scriptNodes)
        entries("channels", into: &channelNodes)
        entries("functions", into: &libraryNodes)
    }

    /// `scripts` holds script texts by path relative to the definitions, for
    /// definitions that are not on disk (a git revision); else they are read
    /// from `baseDirectory`.
    func resolve(baseDirectory: URL?, scripts: [String: String] = [:]) -> RedisSchema? {
        guard seen else { return nil }
        var schema = RedisSchema()
        func unique(_ list: [(name: String, node: Node, key: Node, reader: NodeReader)], _ kind: String)
            -> [(name: String, node: Node, key: Node, reader: NodeReader)] {
            var first: [String: SourceLocation] = [:]
            return list.filter { e in
                let here = e.reader.location(e.key)
                if let earlier = first[e.name] {
                    e.reader.report(.duplicateName(kind, e.name, firstAt: earlier, at: here))
                    return false
                }
                first[e.name] = here
                return true
            }
        }
        var keyAt: [String: (Node, NodeReader)] = [:]
        for k in unique(keyNodes, "Redis key") {
            if let spec = resolveKey(k.name, k.node, k.key, k.reader) {
                schema.keys.append(spec)
                keyAt[spec.name] = (k.key, k.reader)
            }
        }
        // Two patterns that one key can match leave the key's meaning to chance.
        for (i, a) in schema.keys.enumerated() {
            for b in schema.keys[(i + 1)...] where RedisPattern.overlap(a.pattern.tokens(hashTag: a.hashTag), a.params,
                                                                         b.pattern.tokens(hashTag: b.hashTag), b.params) {
                if let (node, reader) = keyAt[b.name], let (first, firstReader) = keyAt[a.name] {
                    reader.report(.redisPatternsOverlap(b.name, b.pattern.text, other: a.name, otherPattern: a.pattern.text,
                                                        otherAt: firstReader.location(first), at: reader.location(node)))
                }
            }
        }
        let specs = Dictionary(schema.keys.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for s in unique(scriptNodes, "Redis script") {
            if let script = resolveScript(s.name, s.node, s.key, s.reader, specs: specs, baseDirectory: baseDirectory, scripts: scripts) {
                schema.scripts.append(script)
            }
        }
        var functionAt: [String: SourceLocation] = [:]
        for l in unique(libraryNodes, "Redis function library") {
            if let library = resolveLibrary(l.name, l.node, l.key, l.reader, specs: specs, baseDirectory: baseDirectory, scripts: scripts,
                                            functionAt: &functionAt) {
                schema.libraries.append(library)
            }
        }
        for c in unique(channelNodes, "Redis channel") {
            let what = "Redis channel '\(c.name)'"
            guard let f = c.reader.fields(c.node, what, allowed: RedisKeys.channel.names) else { continue }
            guard let p = f["pattern"] else {
                c.reader.report(.missingKey("pattern", in: what, at: f.location))
                continue
            }
            guard let pattern = parsePattern(p, c.reader, what: what),
                  let params = resolveParams(f["params"], pattern, c.reader, what: what, at: p) else { continue }
            var channel = RedisChannel(name: c.name, pattern: pattern, params: params)
            if let comment = f["comment"] { channel.comment = c.reader.string(comment, "comment of \(what)") }
            schema.channels.append(channel)
        }
        return schema
    }

    // MARK: Keys

    private func resolveKey(_ name: String, _ node: Node, _ key: Node, _ reader: NodeReader) -> RedisKeySpec? {
        let what = "Redis key '\(name)'"
        guard let f = reader.fields(node, what, allowed: RedisKeys.key.names) else { return nil }
        // Every value is read, so that one bad value does not hide the next.
        var failed = false
        for required in ["pattern", "type"] where !f.has(required) {
            reader.report(.missingKey(required, in: what, at: reader.location(key)))
            failed = true
        }
        let pattern = f["pattern"].flatMap { parsePattern($0, reader, what: what) }
        let type = f["type"].flatMap { reader.choice($0, "type of \(what)", RedisDataType.allCases.map { ($0.rawValue, $0) }) }
        let params = pattern.flatMap { resolveParams(f["params"], $0, reader, what: what, at: f["pattern"]!) }
        if f.has("pattern") && (pattern == nil || params == nil) || f.has("type") && type == nil { failed = true }
        var ttl: Int?
        if let t = f["ttl"] {
            ttl = Self.duration(t, reader, what: "ttl of \(what)")
            if ttl == nil { failed = true }
        }
        var durable = false
        if let d = f["durable"] {
            if let value = reader.bool(d, "durable of \(what)") { durable = value } else { failed = true }
        }
        if ttl != nil, durable {
            reader.report(.conflictingKeys("ttl", "durable", in: what, at: reader.location(f.keyNode("durable")!)))
            failed = true
        }
        var fields: [RedisParam] = []
        if let fieldsNode = f["fields"] {
            if let type, type != .hash {
                reader.report(.invalidValue("fields of \(what) are for a hash, not a \(type.rawValue)", at: reader.location(fieldsNode)))
                failed = true
            }
            for entry in reader.namedEntries(fieldsNode, "fields of \(what)") ?? [] {
                if let t = reader.choice(entry.value, "type of field '\(entry.key)' of \(what)", RedisValueType.allCases.map { ($0.rawValue, $0) }) {
                    fields.append(RedisParam(name: entry.key, type: t))
                } else {
                    failed = true
                }
            }
        }
        var hashTag: String?
        if let h = f["hash_tag"] {
            if let tag = reader.name(h, "hash_tag of \(what)") {
                if let pattern, !pattern.placeholders.contains(tag) {
                    reader.report(.unknownPlaceholder(tag, pattern: pattern.text, suggestion: Spelling.closest(to: tag, among: pattern.placeholders),
                                                      at: reader.location(h)))
                    failed = true
                }
                hashTag = tag
            } else {
                failed = true
            }
        }
        guard !failed, let pattern, let type, let params else { return nil }
        if ttl == nil, !durable { reader.report(.redisKeyWithoutTTL(name, at: reader.location(key))) }
        var spec = RedisKeySpec(name: name, pattern: pattern, params: params, type: type, ttlSeconds: ttl, durable: durable)
        spec.fields = fields
        spec.hashTag = hashTag
        if let o = f["owner"] { spec.owner = reader.string(o, "owner of \(what)") }
        if let c = f["comment"] { spec.comment = reader.string(c, "comment of \(what)") }
        return spec
    }

    /// `session:{user_id}` → literal `session:` and placeholder `user_id`.
    private func parsePattern(_ node: Node, _ reader: NodeReader, what: String) -> RedisPattern? {
        guard let text = reader.string(node, "pattern of \(what)") else { return nil }
        var parts: [RedisPattern.Part] = []
        var literal = "", i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if c == "}" {
                reader.report(.invalidValue("pattern '\(text)' of \(what) closes a placeholder it never opened", at: reader.location(node)))
                return nil
            }
            guard c == "{" else { literal.append(c); i = text.index(after: i); continue }
            guard let close = text[i...].firstIndex(of: "}") else {
                reader.report(.invalidValue("pattern '\(text)' of \(what) opens a placeholder it never closes", at: reader.location(node)))
                return nil
            }
            let name = String(text[text.index(after: i)..<close])
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                reader.report(.invalidValue("placeholder '{\(name)}' of \(what) is not a name (letters, digits, _)", at: reader.location(node)))
                return nil
            }
            if case .placeholder? = parts.last, literal.isEmpty {
                reader.report(.invalidValue("pattern '\(text)' of \(what) puts two placeholders side by side: where one ends is anyone's guess",
                                            at: reader.location(node)))
                return nil
            }
            if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
            if parts.contains(.placeholder(name)) {
                reader.report(.invalidValue("pattern '\(text)' of \(what) names {\(name)} twice", at: reader.location(node)))
                return nil
            }
            parts.append(.placeholder(name))
            i = text.index(after: close)
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        guard !parts.isEmpty else {
            reader.report(.emptyName("pattern of \(what)", at: reader.location(node)))
            return nil
        }
        return RedisPattern(text: text, parts: parts)
    }

    /// One param per placeholder (default type string); a param no placeholder names is an error.
    private func resolveParams(_ node: Node?, _ pattern: RedisPattern, _ reader: NodeReader, what: String, at patternNode: Node) -> [RedisParam]? {
        var given: [String: RedisValueType] = [:]
        if let node {
            for entry in reader.namedEntries(node, "params of \(what)") ?? [] {
                guard pattern.placeholders.contains(entry.key) else {
                    reader.report(.unknownPlaceholder(entry.key, pattern: pattern.text,
                                                      suggestion: Spelling.closest(to: entry.key, among: pattern.placeholders),
                                                      at: reader.location(entry.keyNode)))
                    return nil
                }
                guard let t = reader.choice(entry.value, "type of param '\(entry.key)' of \(what)",
                                            RedisValueType.allCases.map { ($0.rawValue, $0) }) else { return nil }
                given[entry.key] = t
            }
        }
        return pattern.placeholders.map { RedisParam(name: $0, type: given[$0] ?? .string) }
    }

    /// `30s`, `15m`, `1h`, `7d` (or whole seconds) → seconds.
    static func duration(_ node: Node, _ reader: NodeReader, what: String) -> Int? {
        guard let text = reader.scalar(node, what) else { return nil }
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var digits = Substring(text), unit = 1
        if let last = text.last, let u = units[last] { digits = text.dropLast(); unit = u }
        guard let n = Int(digits), n > 0 else {
            reader.report(.invalidValue("\(what) '\(text)' is not a duration like 30s, 15m, 1h or 7d", at: reader.location(node)))
            return nil
        }
        return n * unit
    }

    // MARK: Scripts

    private func resolveScript(_ name: String, _ node: Node, _ key: Node, _ reader: NodeReader, specs: [String: RedisKeySpec],
                               baseDirectory: URL?, scripts: [String: String]) -> RedisScript? {
        let what = "Redis script '\(name)'"
        guard let f = reader.fields(node, what, allowed: RedisKeys.script.names) else { return nil }
        guard let sourceNode = f["source"] else {
            reader.report(.missingKey("source", in: what, at: reader.location(key)))
            return nil
        }
        var keys: [String] = []
        if let k = f["keys"] {
            guard let list = Self.keyList(k, reader, what: what, specs: specs, cluster: true) else { return nil }
            keys = list
        }
        let args = f["args"].flatMap { reader.stringList($0, "args of \(what)") } ?? []
        guard let (path, source) = Self.source(sourceNode, reader, what: what, baseDirectory: baseDirectory, scripts: scripts) else { return nil }
        // Only the keys it is given, each of a spec.
        var touchesOthers = false
        for use in LuaKeys.derivedKeys(in: source) {
            reader.report(.redisScriptUndeclaredKey(what, path: path, line: use.line, expression: use.text, at: reader.location(sourceNode)))
            touchesOthers = true
        }
        let highest = LuaKeys.highestKeyIndex(in: source)
        if highest > keys.count {
            reader.report(.redisScriptUndeclaredKey(what, path: path, line: nil, expression: "KEYS[\(highest)]", declared: keys.count,
                                                    at: reader.location(f["keys"] ?? key)))
            touchesOthers = true
        }
        if touchesOthers { return nil }
        var script = RedisScript(name: name, keys: keys, args: args, sourcePath: path, source: source)
        if let c = f["comment"] { script.comment = reader.string(c, "comment of \(what)") }
        return script
    }

    /// The spec names of `keys`, each defined, and (`cluster`) sharing one
    /// hash tag: Redis Cluster runs a script or function on one slot, so keys
    /// of several answer CROSSSLOT.
    private static func keyList(_ node: Node, _ reader: NodeReader, what: String, specs: [String: RedisKeySpec], cluster: Bool) -> [String]? {
        guard let list = reader.stringList(node, "keys of \(what)") else { return nil }
        for spec in list where specs[spec] == nil {
            reader.report(.unknownRedisKey(spec, suggestion: Spelling.closest(to: spec, among: specs.keys.sorted()), at: reader.location(node)))
            return nil
        }
        if cluster, list.count > 1 {
            let tags = Set(list.map { specs[$0]!.hashTag ?? "" })
            if tags.count != 1 || tags.contains("") {
                reader.report(.redisCrossSlot(what, keys: list.map { "\($0) (\(specs[$0]!.hashTag.map { "hash_tag \($0)" } ?? "no hash_tag"))" },
                                              at: reader.location(node)))
                return nil
            }
        }
        return list
    }

    /// The Lua a `source` names, relative to the definitions folder (or from
    /// `scripts`, for definitions that are not on disk).
    private static func source(_ node: Node, _ reader: NodeReader, what: String, baseDirectory: URL?,
                               scripts: [String: String]) -> (path: String, text: String)? {
        guard let path = reader.name(node, "source of \(what)") else { return nil }
        let relative = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: "/")).standardizedFileURL.path.dropFirst()
        let text = scripts[String(relative)] ?? baseDirectory.flatMap { base in
            FileManager.default.contents(atPath: base.appendingPathComponent(path).path).flatMap { String(data: $0, encoding: .utf8) }
        }
        guard let text else {
            reader.report(.missingScriptFile(path, at: reader.location(node)))
            return nil
        }
        return (path, text)
    }

    // MARK: Function libraries

    private func resolveLibrary(_ name: String, _ node: Node, _ key: Node, _ reader: NodeReader, specs: [String: RedisKeySpec],
                                baseDirectory: URL?, scripts: [String: String], functionAt: inout [String: SourceLocation]) -> RedisFunctionLibrary? {
        let what = "Redis function library '\(name)'"
        guard Self.isFunctionName(name, what, reader, at: key), let f = reader.fields(node, what, allowed: RedisKeys.library.names) else { return nil }
        guard let sourceNode = f["source"] else {
            reader.report(.missingKey("source", in: what, at: reader.location(key)))
            return nil
        }
        guard let (path, source) = Self.source(sourceNode, reader, what: what, baseDirectory: baseDirectory, scripts: scripts) else { return nil }
        let header = LuaLibrary.header(source)
        if header?.engine != "lua" || header?.fields["name"] != name || header?.fields.count != 1 {
            let found = source.hasPrefix("#!") ? LuaLibrary.firstLine(source) : nil
            reader.report(.redisFunctionHeader(name, path: path, found: found, at: reader.location(sourceNode)))
            return nil
        }
        let registered = LuaLibrary.registrations(in: source)
        guard !registered.isEmpty else {
            reader.report(.redisLibraryRegistersNothing(name, path: path, at: reader.location(sourceNode)))
            return nil
        }
        var failed = false, functions: [RedisFunction] = []
        let entries = f["functions"].flatMap({ reader.namedEntries($0, "functions of \(what)") }) ?? []
        for entry in entries {
            let here = reader.location(entry.keyNode)
            if let earlier = functionAt[entry.key] {
                // FUNCTION LOAD refuses a function name another library has.
                reader.report(.duplicateName("Redis function", entry.key, firstAt: earlier, at: here))
                failed = true
                continue
            }
            functionAt[entry.key] = here
            guard let function = resolveFunction(entry.key, entry.value, entry.keyNode, reader, library: name, path: path,
                                                 registered: registered.first { $0.name == entry.key }, specs: specs) else {
                failed = true
                continue
            }
            functions.append(function)
        }
        let declared = Set(entries.map(\.key))
        for r in registered where !declared.contains(r.name) {
            let here = reader.location(f.keyNode("functions") ?? key)
            if let earlier = functionAt[r.name] {
                // Undeclared, it still takes the name: FUNCTION LOAD refuses it twice.
                reader.report(.duplicateName("Redis function", r.name, firstAt: earlier, at: here))
                failed = true
            } else {
                reader.report(.redisFunctionUndeclared(r.name, library: name, path: path, line: r.line, at: here))
                functionAt[r.name] = here
            }
        }
        if failed { return nil }
        var library = RedisFunctionLibrary(name: name, sourcePath: path, source: source, functions: functions,
                                           registered: registered.map(\.name).sorted())
        if let c = f["comment"] { library.comment = reader.string(c, "comment of \(what)") }
        return library
    }

    private func resolveFunction(_ name: String, _ node: Node, _ key: Node, _ reader: NodeReader, library: String, path: String,
                                 registered: LuaLibrary.Registration?, specs: [String: RedisKeySpec]) -> RedisFunction? {
        let what = "Redis function '\(name)'"
        guard Self.isFunctionName(name, what, reader, at: key) else { return nil }
        var fields: Fields?
        if !reader.isNull(node) {
            guard let f = reader.fields(node, what, allowed: RedisKeys.function.names) else { return nil }
            fields = f
        }
        var flags: [RedisFunction.Flag] = []
        for flagNode in fields?["flags"].flatMap({ reader.sequence($0, "flags of \(what)") }) ?? [] {
            guard let flag = reader.choice(flagNode, "flag of \(what)", RedisFunction.Flag.allCases.map { ($0.rawValue, $0) }) else { return nil }
            flags.append(flag)
        }
        var keys: [String] = []
        if let k = fields?["keys"] {
            guard let list = Self.keyList(k, reader, what: what, specs: specs, cluster: !flags.contains(.noCluster)) else { return nil }
            keys = list
        }
        let args = fields?["args"].flatMap { reader.stringList($0, "args of \(what)") } ?? []
        guard let registered else {
            reader.report(.redisFunctionNotRegistered(name, library: library, path: path, at: reader.location(key)))
            return nil
        }
        let declared = Set(flags.map(\.rawValue)), inSource = Set(registered.flags ?? [])
        if declared != inSource {
            reader.report(.redisFunctionFlagsDiffer(name, declared: declared.sorted(), registered: inSource.sorted(), path: path, line: registered.line,
                                                    at: reader.location(fields?.keyNode("flags") ?? key)))
            return nil
        }
        var touchesOthers = false
        for use in registered.derivedKeys {
            reader.report(.redisScriptUndeclaredKey(what, path: path, line: use.line, expression: use.text, keysTable: "keys", at: reader.location(key)))
            touchesOthers = true
        }
        if registered.highestKey > keys.count {
            reader.report(.redisScriptUndeclaredKey(what, path: path, line: nil, expression: "keys[\(registered.highestKey)]", declared: keys.count,
                                                    keysTable: "keys", at: reader.location(fields?.keyNode("keys") ?? key)))
            touchesOthers = true
        }
        if touchesOthers { return nil }
        var function = RedisFunction(name: name, keys: keys, args: args, flags: flags)
        if let c = fields?["comment"] { function.comment = reader.string(c, "comment of \(what)") }
        return function
    }

    /// Redis takes library and function names of letters, digits and `_` only.
    private static func isFunctionName(_ name: String, _ what: String, _ reader: NodeReader, at node: Node) -> Bool {
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }) else {
            reader.report(.invalidValue("the name of \(what) may hold only ASCII letters, digits and _ (Redis refuses others)", at: reader.location(node)))
            return false
        }
        return true
    }
}
