import SchemacDiagnostics
import Yams

/// A mapping's entries after checking them against the keys it may hold: unknown
/// and repeated keys are already reported, and each entry remembers where it stood.
struct Fields {
    struct Entry {
        var key: String
        var keyNode: Node
        var value: Node
    }

    var entries: [Entry]
    var location: SourceLocation
    /// The keys alone: lookups are frequent, and comparing a key through a copy
    /// of its entry (two nodes) is not free. A dozen keys scan faster than they hash.
    private let keys: [String]

    init(entries: [Entry], location: SourceLocation) {
        self.entries = entries
        self.location = location
        self.keys = entries.map(\.key)
    }

    subscript(_ key: String) -> Node? { keys.firstIndex(of: key).map { entries[$0].value } }
    func keyNode(_ key: String) -> Node? { keys.firstIndex(of: key).map { entries[$0].keyNode } }
    func has(_ key: String) -> Bool { keys.contains(key) }
}

extension Node.Mapping {
    /// The pairs in order, read where they are: Yams' own iterator (behind
    /// `for … in`, `contains`, `first(where:)`) first copies every pair into a
    /// new array of tuples (4 % of resolving 10,000 tables).
    var pairsInPlace: LazyMapSequence<Range<Int>, (key: Node, value: Node)> {
        (startIndex..<endIndex).lazy.map { self[$0] }
    }
}

/// Reads YAML nodes of one file into typed values, reporting every problem with
/// its place. Readers return nil after reporting, so callers simply skip.
final class NodeReader {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String) {
        self.file = file
    }

    func report(_ d: Diagnostic) { diagnostics.append(d) }

    func location(_ node: Node) -> SourceLocation {
        let mark = node.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// How a node reads in a message: `a mapping`, `the string 'x'`.
    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let s):
            if isNull(node) { return "nothing (null)" }
            let text = s.string.count > 40 ? String(s.string.prefix(40)) + "…" : s.string
            return "'\(text)'"
        }
    }

    // MARK: Scalars

    /// Any scalar, as written (numbers and booleans too).
    func scalar(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let s) = node, !isNull(node) else {
            report(.wrongKind(what, expected: .scalar, found: describe(node), at: location(node)))
            return nil
        }
        return s.string
    }

    func string(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let s) = node, !isNull(node) else {
            report(.wrongKind(what, expected: .string, found: describe(node), at: location(node)))
            return nil
        }
        return s.string
    }

    /// A non-empty name.
    func name(_ node: Node, _ what: String) -> String? {
        guard let s = string(node, what) else { return nil }
        if s.isEmpty {
            report(.emptyName(what, at: location(node)))
            return nil
        }
        return s
    }

    func bool(_ node: Node, _ what: String) -> Bool? {
        if case .scalar(let s) = node, s.style == .plain {
            switch s.string {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: break
            }
        }
        report(.wrongKind(what, expected: .bool, found: describe(node), at: location(node)))
        return nil
    }

    func integer(_ node: Node, _ what: String) -> Int? {
        if case .scalar(let s) = node, s.style == .plain, let n = Int(s.string) { return n }
        report(.wrongKind(what, expected: .integer, found: describe(node), at: location(node)))
        return nil
    }

    /// One of a fixed set of words.
    func choice<T>(_ node: Node, _ what: String, _ options: [(String, T)]) -> T? {
        guard let s = string(node, what) else { return nil }
        let normalized = s.lowercased()
        if let hit = options.first(where: { $0.0 == normalized }) { return hit.1 }
        report(.invalidValue(s, for: what, allowed: options.map(\.0), at: location(node)))
        return nil
    }

    // MARK: Collections

    func sequence(_ node: Node, _ what: String) -> [Node]? {
        guard case .sequence(let seq) = node else {
            report(.wrongKind(what, expected: .sequence, found: describe(node), at: location(node)))
            return nil
        }
        return Array(seq)
    }

    /// A list of strings; a single string is taken as a list of one when `single` allows it.
    func stringList(_ node: Node, _ what: String, allowSingle: Bool = false) -> [String]? {
        if allowSingle, case .scalar = node, !isNull(node) {
            return string(node, what).map { [$0] }
        }
        guard case .sequence(let seq) = node else {
            report(.wrongKind(what, expected: allowSingle ? .stringOrSequence : .sequence, found: describe(node), at: location(node)))
            return nil
        }
        var out: [String] = []
        var ok = true
        for item in seq {
            if let s = string(item, "an item of \(what)") { out.append(s) } else { ok = false }
        }
        return ok ? out : nil
    }

    /// Entries of a mapping whose keys are names chosen by the user (tables, columns).
    /// Repeated names are reported by the caller, which knows what they name.
    func namedEntries(_ node: Node, _ what: String) -> [Fields.Entry]? {
        guard case .mapping(let mapping) = node else {
            if isNull(node) { return [] }
            report(.wrongKind(what, expected: .mapping, found: describe(node), at: location(node)))
            return nil
        }
        var out: [Fields.Entry] = []
        for (k, v) in mergedPairs(mapping) {
            guard case .scalar(let ks) = k else {
                report(.wrongKind("a key of \(what)", expected: .string, found: describe(k), at: location(k)))
                continue
            }
            out.append(Fields.Entry(key: ks.string, keyNode: k, value: v))
        }
        return out
    }

    /// A mapping of settings: every key must be one of `allowed`.
    func fields(_ node: Node, _ what: String, allowed: [String]) -> Fields? {
        guard case .mapping(let mapping) = node else {
            report(.wrongKind(what, expected: .mapping, found: describe(node), at: location(node)))
            return nil
        }
        var entries: [Fields.Entry] = []
        entries.reserveCapacity(mapping.count)
        var seen: [String] = []
        // One pass over the pairs as Yams holds them; only a merge key (rare)
        // needs the pairs rebuilt first.
        func take(_ k: Node, _ v: Node) {
            guard case .scalar(let ks) = k else {
                report(.wrongKind("a key of \(what)", expected: .string, found: describe(k), at: location(k)))
                return
            }
            let key = ks.string
            if !allowed.contains(key) {
                if let last = entries.last, let repaired = repairFlowSplit(last, strayKey: k, strayValue: v) {
                    entries[entries.count - 1] = repaired
                    return
                }
                report(.unknownKey(key, in: what, allowed: allowed, at: location(k)))
                return
            }
            if let i = seen.firstIndex(of: key) {
                report(.duplicateName("key", key, firstAt: location(entries[i].keyNode), at: location(k)))
                return
            }
            seen.append(key)
            entries.append(Fields.Entry(key: key, keyNode: k, value: v))
        }
        var merged = false
        for pair in mapping.pairsInPlace {
            if case .scalar(let ks) = pair.key, ks.style == .plain, ks.string == "<<" { merged = true; break }
            take(pair.key, pair.value)
        }
        if merged {
            entries.removeAll()
            seen.removeAll()
            for (k, v) in mergedPairs(mapping) { take(k, v) }
        }
        return Fields(entries: entries, location: location(node))
    }

    /// In `{ type: numeric(15,2) }` YAML ends the value at the comma and reads `2)`
    /// as a key (only a flow mapping can split a scalar that way). When a value opens a parenthesis that a stray key closes, put the
    /// two back together. A type must be quoted there (the contract says so), so
    /// that split is reported; elsewhere (`references: other(x, y)`) it is taken
    /// as meant.
    private func repairFlowSplit(_ previous: Fields.Entry, strayKey: Node, strayValue: Node) -> Fields.Entry? {
        guard case .scalar(let value) = previous.value, case .scalar(let key) = strayKey, isNull(strayValue) else { return nil }
        func balance(_ s: String) -> Int { s.reduce(0) { $0 + ($1 == "(" ? 1 : $1 == ")" ? -1 : 0) } }
        guard balance(value.string) > 0, balance(key.string) < 0 else { return nil }
        let joined = value.string + ", " + key.string
        if previous.key == "type" {
            report(.flowMappingSplit(value: value.string, fragment: key.string, at: location(strayKey)))
        }
        var merged = value
        merged.string = joined
        return Fields.Entry(key: previous.key, keyNode: previous.keyNode, value: .scalar(merged))
    }

    /// Pairs with YAML merge keys (`<<: *defaults`) applied: explicit keys win.
    func mergedPairs(_ mapping: Node.Mapping) -> [(Node, Node)] {
        var explicit: [(Node, Node)] = []
        var merged: [(Node, Node)] = []
        for (k, v) in mapping.pairsInPlace {
            if case .scalar(let ks) = k, ks.string == "<<", ks.style == .plain {
                let sources: [Node]
                if case .sequence(let seq) = v { sources = Array(seq) } else { sources = [v] }
                for source in sources {
                    if case .mapping(let m) = source {
                        merged.append(contentsOf: m.map { ($0.key, $0.value) })
                    } else {
                        report(.wrongKind("a merge key (<<)", expected: .mapping, found: describe(source), at: location(source)))
                    }
                }
            } else {
                explicit.append((k, v))
            }
        }
        if merged.isEmpty { return explicit }
        let explicitKeys = Set(explicit.compactMap { $0.0.scalar?.string })
        var seenMerged = Set<String>()
        let inherited = merged.filter { pair in
            guard let k = pair.0.scalar?.string else { return false }
            return !explicitKeys.contains(k) && seenMerged.insert(k).inserted
        }
        return explicit + inherited
    }
}
