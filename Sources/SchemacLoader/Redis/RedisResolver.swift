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
            guard let list = reader.stringList(k, "keys of \(what)") else { return nil }
            for spec in list where specs[spec] == nil {
                reader.report(.unknownRedisKey(spec, suggestion: Spelling.closest(to: spec, among: specs.keys.sorted()), at: reader.location(k)))
                return nil
            }
            keys = list
            // Redis Cluster runs a script on one slot: its keys must share a hash tag.
            if list.count > 1 {
                let tags = Set(list.map { specs[$0]!.hashTag ?? "" })
                if tags.count != 1 || tags.contains("") {
                    reader.report(.redisCrossSlot(name, keys: list.map { "\($0) (\(specs[$0]!.hashTag.map { "hash_tag \($0)" } ?? "no hash_tag"))" },
                                                  at: reader.location(k)))
                    return nil
                }
            }
        }
        let args = f["args"].flatMap { reader.stringList($0, "args of \(what)") } ?? []
        guard let path = reader.name(sourceNode, "source of \(what)") else { return nil }
        let relative = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: "/")).standardizedFileURL.path.dropFirst()
        let text = scripts[String(relative)] ?? baseDirectory.flatMap { base in
            FileManager.default.contents(atPath: base.appendingPathComponent(path).path).flatMap { String(data: $0, encoding: .utf8) }
        }
        guard let source = text else {
            reader.report(.missingScriptFile(path, at: reader.location(sourceNode)))
            return nil
        }
        // Only the keys it is given, each of a spec.
        var touchesOthers = false
        for use in LuaKeys.derivedKeys(in: source) {
            reader.report(.redisScriptUndeclaredKey(name, path: path, line: use.line, expression: use.text, at: reader.location(sourceNode)))
            touchesOthers = true
        }
        let highest = LuaKeys.highestKeyIndex(in: source)
        if highest > keys.count {
            reader.report(.redisScriptUndeclaredKey(name, path: path, line: nil, expression: "KEYS[\(highest)]", declared: keys.count,
                                                    at: reader.location(f["keys"] ?? key)))
            touchesOthers = true
        }
        if touchesOthers { return nil }
        var script = RedisScript(name: name, keys: keys, args: args, sourcePath: path, source: source)
        if let c = f["comment"] { script.comment = reader.string(c, "comment of \(what)") }
        return script
    }
}
