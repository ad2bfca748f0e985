import Foundation
import SchemacDiagnostics
import SchemacModel
import Yams

/// Resolves the `clickhouse:` sections of every file into one `ClickHouseSchema`.
/// Settings of the section (database, cluster) must agree across files; names
/// of tables, views and dictionaries are unique across them. Dictionaries that
/// read PostgreSQL take their columns from the resolved PostgreSQL schema.
struct ClickHouseResolver {
    static let engines = ClickHouseKeys.engines
    static let skipIndexTypes: [String: ClosedRange<Int>] = ["minmax": 0...0, "set": 1...1, "bloom_filter": 0...1, "ngrambf_v1": 4...4,
                                                            "tokenbf_v1": 3...3]
    static let layouts = ["flat", "hashed", "sparse_hashed", "hashed_array", "complex_key_hashed", "complex_key_sparse_hashed",
                          "complex_key_hashed_array", "direct", "complex_key_direct", "cache", "complex_key_cache"]

    private struct Setting {
        var value: String?
        var location: SourceLocation
    }

    private var database: Setting?
    private var cluster: Setting?
    private var collection: Setting?
    private(set) var tableNodes: [(name: String, node: Node, key: Node, reader: NodeReader)] = []
    private var viewNodes: [(name: String, node: Node, key: Node, reader: NodeReader)] = []
    private var dictionaryNodes: [(name: String, node: Node, key: Node, reader: NodeReader)] = []
    private var firstSection: (NodeReader, SourceLocation)?

    /// Takes one file's section; names are checked for repeats across files here.
    mutating func collect(_ node: Node, _ reader: NodeReader) {
        guard let section = reader.fields(node, "the clickhouse section", allowed: ClickHouseKeys.section.names) else { return }
        if firstSection == nil { firstSection = (reader, section.location) }
        func agree(_ key: String, _ current: inout Setting?, allowNull: Bool) {
            guard let value = section[key], let keyNode = section.keyNode(key) else { return }
            let text: String?
            if allowNull, reader.isNull(value) { text = nil } else if let name = reader.name(value, "'\(key)'") { text = name } else { return }
            let here = reader.location(keyNode)
            if let earlier = current, earlier.value != text {
                reader.report(.conflictingSettings(key, text ?? "null", other: earlier.value ?? "null", firstAt: earlier.location, at: here))
                return
            }
            if current == nil { current = Setting(value: text, location: here) }
        }
        agree("database", &database, allowNull: false)
        agree("cluster", &cluster, allowNull: true)
        agree("postgres_collection", &collection, allowNull: false)
        func entries(_ key: String, _ what: String, into list: inout [(name: String, node: Node, key: Node, reader: NodeReader)]) {
            guard let node = section[key], let named = reader.namedEntries(node, what) else { return }
            for e in named { list.append((e.key, e.value, e.keyNode, reader)) }
        }
        entries("tables", "clickhouse tables", into: &tableNodes)
        entries("materialized_views", "clickhouse materialized_views", into: &viewNodes)
        entries("dictionaries", "clickhouse dictionaries", into: &dictionaryNodes)
    }

    var isEmpty: Bool { firstSection == nil }

    func resolve(postgres: PostgresSchema?) -> ClickHouseSchema? {
        guard firstSection != nil else { return nil }
        var schema = ClickHouseSchema(database: database?.value ?? "default", cluster: cluster?.value ?? nil,
                                      postgresCollection: collection?.value ?? "postgres")
        // Tables, views and dictionaries share the database's namespace.
        var seen: [String: SourceLocation] = [:]
        func claim(_ name: String, _ key: Node, _ reader: NodeReader, _ kind: String) -> Bool {
            let here = reader.location(key)
            if let first = seen[name] {
                reader.report(.duplicateName(kind, name, firstAt: first, at: here))
                return false
            }
            seen[name] = here
            return true
        }
        for t in tableNodes where claim(t.name, t.key, t.reader, "ClickHouse table") {
            if let table = resolveTable(t.name, t.node, t.key, t.reader, cluster: schema.cluster) { schema.tables.append(table) }
        }
        let tables = Dictionary(schema.tables.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for v in viewNodes where claim(v.name, v.key, v.reader, "ClickHouse materialized view") {
            if let view = resolveView(v.name, v.node, v.reader, tables: tables) { schema.materializedViews.append(view) }
        }
        for d in dictionaryNodes where claim(d.name, d.key, d.reader, "ClickHouse dictionary") {
            if let dictionary = resolveDictionary(d.name, d.node, d.reader, tables: tables, postgres: postgres) {
                schema.dictionaries.append(dictionary)
            }
        }
        return schema
    }

    // MARK: Tables

    private func resolveTable(_ name: String, _ node: Node, _ key: Node, _ reader: NodeReader, cluster: String?) -> ClickHouseTable? {
        let what = "ClickHouse table '\(name)'"
        guard let f = reader.fields(node, what, allowed: ClickHouseKeys.table.names) else { return nil }
        var table = ClickHouseTable(name: name)
        var ok = true
        guard let columnsNode = f["columns"] else {
            reader.report(.missingKey("columns", in: what, at: reader.location(key)))
            return nil
        }
        var columnAt: [String: SourceLocation] = [:]
        for entry in reader.namedEntries(columnsNode, "columns of \(what)") ?? [] {
            let here = reader.location(entry.keyNode)
            if let first = columnAt[entry.key] {
                reader.report(.duplicateName("column", entry.key, firstAt: first, at: here))
                ok = false
                continue
            }
            columnAt[entry.key] = here
            if let column = resolveColumn(entry.key, entry.value, reader, table: name) { table.columns.append(column) } else { ok = false }
        }
        let columns = table.columns.map(\.name)
        func known(_ column: String, _ node: Node) -> Bool {
            if columns.contains(column) { return true }
            reader.report(.unknownColumn(column, table: name, suggestion: Spelling.closest(to: column, among: columns), at: reader.location(node)))
            return false
        }

        if let e = f["engine"], !resolveEngine(e, into: &table, reader, what: what, known: known) { ok = false }
        // Every key and TTL expression names columns of the table.
        func namesColumns(_ expressions: [String], _ node: Node) {
            for expression in expressions {
                // Columns declared, resolved or not: a bad type is reported once.
                for c in ClickHouseExpressionColumns.unknown(in: expression, columns: Set(columnAt.keys)) {
                    reader.report(.unknownColumn(c, table: name, suggestion: Spelling.closest(to: c, among: columns), at: reader.location(node)))
                    ok = false
                }
            }
        }
        if let p = f["partition_by"] {
            table.partitionBy = reader.string(p, "partition_by of \(what)")
            namesColumns(table.partitionBy.map { [$0] } ?? [], p)
        }
        guard let orderNode = f["order_by"] else {
            reader.report(.missingKey("order_by", in: what, at: reader.location(key)))
            return nil
        }
        table.orderBy = reader.stringList(orderNode, "order_by of \(what)", allowSingle: true) ?? []
        namesColumns(table.orderBy, orderNode)
        let sortingWords = Set(table.orderBy.flatMap(Self.identifiers))
        for c in table.columns where c.ttl != nil && sortingWords.contains(c.name) {
            reader.report(.invalidValue("column '\(c.name)' of \(what) is in order_by, so it cannot have a TTL of its own",
                                        at: reader.location(orderNode)))
            ok = false
        }
        if !checkAggregatingColumns(table, orderNode, reader) { ok = false }
        if let p = f["primary_key"], let keyList = reader.stringList(p, "primary_key of \(what)", allowSingle: true) {
            if keyList.count > table.orderBy.count || Array(table.orderBy.prefix(keyList.count)) != keyList {
                reader.report(.primaryKeyNotPrefix(table: name, primaryKey: keyList, orderBy: table.orderBy, at: reader.location(p)))
                ok = false
            }
            table.primaryKey = keyList
            namesColumns(keyList, p)
        }
        if let s = f["sample_by"], let sample = reader.string(s, "sample_by of \(what)") {
            if !checkSampleKey(sample, of: table, at: s, reader, what: what) { ok = false }
            table.sampleBy = sample
            namesColumns([sample], s)
        }
        if let t = f["ttl"] {
            if let rules = resolveTTL(t, reader, what: what) {
                table.ttl = rules
                for rule in rules {
                    var texts = [rule.expression] + (rule.condition.map { [$0] } ?? [])
                    if case .groupBy(let keys, let set) = rule.action { texts += keys + set.map(\.expression) + set.map { "`\($0.column)`" } }
                    namesColumns(texts, t)
                }
            } else {
                ok = false
            }
        }
        if let i = f["indexes"] {
            for entry in reader.namedEntries(i, "indexes of \(what)") ?? [] {
                if let index = resolveSkipIndex(entry.key, entry.value, reader, what: what) {
                    table.indexes.append(index)
                    namesColumns([index.expression], entry.value)
                } else {
                    ok = false
                }
            }
        }
        if !resolveProjectionsAndSettings(f, into: &table, reader, what: what) { ok = false }
        if let s = f["shard_by"], let expression = reader.string(s, "shard_by of \(what)") {
            table.shardBy = expression
            if cluster == nil { reader.report(.shardByWithoutCluster(table: name, at: reader.location(s))) }
        }
        if let c = f["comment"] { table.comment = reader.string(c, "comment of \(what)") }
        return ok ? table : nil
    }

    /// ClickHouse samples by a key expression: it must be one of the primary key's.
    private func checkSampleKey(_ sample: String, of table: ClickHouseTable, at s: Node, _ reader: NodeReader, what: String) -> Bool {
        let key = table.primaryKey ?? table.orderBy
        guard key.map(Self.compact).contains(Self.compact(sample)) else {
            reader.report(.invalidValue("sample_by '\(sample)' of \(what) must be one of its primary key's expressions (\(key.joined(separator: ", ")))",
                                        at: reader.location(s)))
            return false
        }
        return true
    }

    /// The engine, and the columns it names (some of one exact type).
    private func resolveEngine(_ e: Node, into table: inout ClickHouseTable, _ reader: NodeReader, what: String,
                               known: (String, Node) -> Bool) -> Bool {
        var ok = true
        if let engine = resolveEngine(e, reader, what: what) {
            table.engine = engine
            for c in engine.columns where !known(c, e) { ok = false }
            // The engines read these columns as numbers of one exact type.
            var exact: [(String, String)] = []
            if case .collapsingMergeTree(let sign) = engine { exact.append((sign, "Int8")) }
            if case .versionedCollapsingMergeTree(let sign, _) = engine { exact.append((sign, "Int8")) }
            if case .replacingMergeTree(_, let isDeleted?) = engine { exact.append((isDeleted, "UInt8")) }
            for (name, type) in exact {
                if let c = table.columns.first(where: { $0.name == name }), c.type != .plain(type) {
                    reader.report(.invalidValue("column '\(name)' of \(what) must be \(type) for engine \(engine.name), not \(c.type.sql)",
                                                at: reader.location(e)))
                    ok = false
                }
            }
        } else {
            ok = false
        }
        return ok
    }

    /// Merges keep one row per key: in an AggregatingMergeTree any other column
    /// must be an aggregate state, or it keeps an arbitrary value (ClickHouse refuses it too).
    private func checkAggregatingColumns(_ table: ClickHouseTable, _ orderNode: Node, _ reader: NodeReader) -> Bool {
        let name = table.name
        if case .aggregatingMergeTree = table.engine {
            let keyWords = Set(table.orderBy.flatMap(Self.identifiers))
            let loose = table.columns.filter { c in
                if case .aggregateFunction = c.type { return false }
                return c.defaultKind != .alias && !keyWords.contains(c.name)
            }
            if !loose.isEmpty {
                reader.report(.invalidValue("columns \(loose.map { "'\($0.name)'" }.joined(separator: ", ")) of AggregatingMergeTree table '\(name)' are "
                                            + "neither in order_by nor aggregate states: make them AggregateFunction(…) or "
                                            + "SimpleAggregateFunction(…)", at: reader.location(orderNode)))
                return false
            }
        }
        return true
    }

    /// Projections (a SELECT, or `select:`) and table settings (numbers as written, other values quoted).
    private func resolveProjectionsAndSettings(_ f: Fields, into table: inout ClickHouseTable, _ reader: NodeReader, what: String) -> Bool {
        var ok = true
        if let p = f["projections"] {
            for entry in reader.namedEntries(p, "projections of \(what)") ?? [] {
                let select: String?
                if case .mapping = entry.value {
                    select = reader.fields(entry.value, "projection '\(entry.key)'", allowed: ClickHouseKeys.projection.names)
                        .flatMap { $0["select"] }.flatMap { reader.string($0, "select of projection '\(entry.key)'") }
                } else {
                    select = reader.string(entry.value, "projection '\(entry.key)'")
                }
                if let select { table.projections.append(ClickHouseProjection(name: entry.key, select: Self.trimmed(select))) } else { ok = false }
            }
        }
        if let s = f["settings"] {
            for entry in reader.namedEntries(s, "settings of \(what)") ?? [] {
                guard case .scalar(let scalar) = entry.value, !reader.isNull(entry.value) else {
                    reader.report(.wrongKind("setting '\(entry.key)'", expected: .scalar, found: reader.describe(entry.value),
                                             at: reader.location(entry.value)))
                    ok = false
                    continue
                }
                let plainNumber = scalar.style == .plain && (Int(scalar.string) != nil || Double(scalar.string) != nil)
                table.settings.append(ClickHouseSetting(name: entry.key, value: plainNumber ? scalar.string : ClickHouseSQL.literal(scalar.string)))
            }
        }
        return ok
    }

    private func resolveColumn(_ name: String, _ node: Node, _ reader: NodeReader, table: String) -> ClickHouseColumn? {
        let what = "column '\(name)' of ClickHouse table '\(table)'"
        let typeNode: Node
        var fields: Fields?
        if case .mapping = node {
            guard let f = reader.fields(node, what, allowed: ClickHouseKeys.column.names) else { return nil }
            guard let t = f["type"] else {
                reader.report(.missingKey("type", in: what, at: f.location))
                return nil
            }
            typeNode = t
            fields = f
        } else {
            typeNode = node
        }
        guard let type = resolveType(typeNode, reader, what: "type of \(what)") else { return nil }
        var column = ClickHouseColumn(name: name, type: type)
        guard let f = fields else { return column }
        let kinds: [(String, ClickHouseColumn.DefaultKind)] = [("default", .default), ("materialized", .materialized), ("alias", .alias)]
        let given = kinds.filter { f.has($0.0) }
        if given.count > 1 {
            reader.report(.conflictingKeys(given[0].0, given[1].0, in: what, at: reader.location(f.keyNode(given[1].0)!)))
            return nil
        }
        if let (key, kind) = given.first, let value = f[key] {
            guard let expression = reader.scalar(value, "\(key) of \(what)") else { return nil }
            column.defaultKind = kind
            column.defaultExpression = expression
        }
        if let c = f["codec"] { column.codec = reader.string(c, "codec of \(what)") }
        if let t = f["ttl"] { column.ttl = reader.string(t, "ttl of \(what)") }
        if let c = f["comment"] { column.comment = reader.string(c, "comment of \(what)") }
        if let n = f["renamed_from"] { column.renamedFrom = reader.name(n, "renamed_from of \(what)") }
        return column
    }

    private func resolveType(_ node: Node, _ reader: NodeReader, what: String) -> ClickHouseType? {
        guard let text = reader.string(node, what) else { return nil }
        switch ClickHouseTypeParser.parse(text) {
        case .success(let type): return type
        case .failure(.unknown(let name, let suggestion)):
            reader.report(.unknownClickHouseType(name, suggestion: suggestion, at: reader.location(node)))
        case .failure(.invalid(let reason)):
            reader.report(.invalidClickHouseType(text, reason: reason, at: reader.location(node)))
        }
        return nil
    }

    /// `MergeTree`, `{ReplacingMergeTree: {version: v, is_deleted: d}}`,
    /// `{SummingMergeTree: [a, b]}`, `{CollapsingMergeTree: {sign: s}}`, …
    private func resolveEngine(_ node: Node, _ reader: NodeReader, what: String) -> ClickHouseEngine? {
        let name: String
        var arguments: Node?
        switch node {
        case .mapping(let m):
            guard m.count == 1, let pair = m.first, let key = pair.key.scalar?.string else {
                reader.report(.wrongKind("engine of \(what)", expected: .stringOrMapping, found: "a mapping of \(m.count) keys",
                                         at: reader.location(node)))
                return nil
            }
            name = key
            arguments = reader.isNull(pair.value) ? nil : pair.value
        default:
            guard let s = reader.string(node, "engine of \(what)") else { return nil }
            name = s
        }
        guard Self.engines.contains(name) else {
            reader.report(.invalidValue(name, for: "engine of \(what)", allowed: Self.engines, at: reader.location(node)))
            return nil
        }
        func settings(_ allowed: [String], required: [String]) -> [String: String]? {
            guard let arguments else {
                if required.isEmpty { return [:] }
                reader.report(.missingKey(required[0], in: "engine \(name) of \(what)", at: reader.location(node)))
                return nil
            }
            guard let f = reader.fields(arguments, "engine \(name) of \(what)", allowed: allowed) else { return nil }
            var out: [String: String] = [:]
            for key in allowed {
                if let v = f[key], let s = reader.name(v, "\(key) of engine \(name)") { out[key] = s }
            }
            for key in required where out[key] == nil {
                if !f.has(key) { reader.report(.missingKey(key, in: "engine \(name) of \(what)", at: f.location)) }
                return nil
            }
            return out
        }
        switch name {
        case "MergeTree", "AggregatingMergeTree":
            if let arguments {
                reader.report(.wrongKind("arguments of engine \(name)", expected: .string, found: reader.describe(arguments),
                                         at: reader.location(arguments)))
                return nil
            }
            return name == "MergeTree" ? .mergeTree : .aggregatingMergeTree
        case "ReplacingMergeTree":
            guard let s = settings(ClickHouseKeys.replacingMergeTree.names, required: []) else { return nil }
            if s["is_deleted"] != nil, s["version"] == nil {
                reader.report(.missingKey("version", in: "engine ReplacingMergeTree of \(what) (is_deleted needs it)", at: reader.location(node)))
                return nil
            }
            return .replacingMergeTree(version: s["version"], isDeleted: s["is_deleted"])
        case "SummingMergeTree":
            guard let arguments else { return .summingMergeTree(columns: []) }
            guard let columns = reader.stringList(arguments, "columns of engine SummingMergeTree", allowSingle: true) else { return nil }
            return .summingMergeTree(columns: columns)
        case "CollapsingMergeTree":
            guard let s = settings(ClickHouseKeys.collapsingMergeTree.names, required: ["sign"]) else { return nil }
            return .collapsingMergeTree(sign: s["sign"]!)
        default:
            guard let s = settings(ClickHouseKeys.versionedCollapsingMergeTree.names, required: ["sign", "version"]) else { return nil }
            return .versionedCollapsingMergeTree(sign: s["sign"]!, version: s["version"]!)
        }
    }

    /// A rule as a string (rows are deleted), or a list of rules, each a string
    /// or `{expression, delete_where | to_disk | to_volume | group_by (+ set, where)}`.
    private func resolveTTL(_ node: Node, _ reader: NodeReader, what: String) -> [ClickHouseTTLRule]? {
        let items: [Node]
        if case .sequence(let seq) = node { items = Array(seq) } else { items = [node] }
        var rules: [ClickHouseTTLRule] = []
        var failed = false
        let keys = ClickHouseKeys.ttlRule.names
        // Each rule is read on its own, so that every bad rule is reported.
        func rule(_ item: Node) -> ClickHouseTTLRule? {
            if case .mapping = item {
                guard let f = reader.fields(item, "a TTL rule of \(what)", allowed: keys) else { return nil }
                guard let e = f["expression"], let expression = reader.string(e, "expression of a TTL rule") else {
                    if !f.has("expression") { reader.report(.missingKey("expression", in: "a TTL rule of \(what)", at: f.location)) }
                    return nil
                }
                let actions = ["delete_where", "to_disk", "to_volume", "group_by"].filter { f.has($0) }
                if actions.count > 1 {
                    reader.report(.conflictingKeys(actions[0], actions[1], in: "a TTL rule of \(what)", at: reader.location(f.keyNode(actions[1])!)))
                    return nil
                }
                var rule = ClickHouseTTLRule(expression: expression)
                switch actions.first {
                case "delete_where":
                    guard let c = reader.string(f["delete_where"]!, "delete_where of a TTL rule") else { return nil }
                    rule.condition = c
                case "to_disk":
                    guard let d = reader.name(f["to_disk"]!, "to_disk of a TTL rule") else { return nil }
                    rule.action = .toDisk(d)
                case "to_volume":
                    guard let v = reader.name(f["to_volume"]!, "to_volume of a TTL rule") else { return nil }
                    rule.action = .toVolume(v)
                case "group_by":
                    guard let groupKeys = reader.stringList(f["group_by"]!, "group_by of a TTL rule", allowSingle: true) else { return nil }
                    var assignments: [ClickHouseTTLRule.Assignment] = []
                    if let s = f["set"] {
                        for entry in reader.namedEntries(s, "set of a TTL rule") ?? [] {
                            guard let value = reader.string(entry.value, "set of a TTL rule") else { return nil }
                            assignments.append(.init(column: entry.key, expression: value))
                        }
                    }
                    rule.action = .groupBy(keys: groupKeys, set: assignments)
                    if let w = f["where"] { rule.condition = reader.string(w, "where of a TTL rule") }
                default: break
                }
                for key in ["set", "where"] where f.has(key) && actions.first != "group_by" {
                    reader.report(.invalidValue("'\(key)' of a TTL rule of \(what) goes with group_by", at: reader.location(f.keyNode(key)!)))
                    return nil
                }
                return rule
            } else {
                guard let expression = reader.string(item, "TTL of \(what)") else { return nil }
                return ClickHouseTTLRule(expression: expression)
            }
        }
        for item in items {
            if let r = rule(item) { rules.append(r) } else { failed = true }
        }
        return failed ? nil : rules
    }

    private func resolveSkipIndex(_ name: String, _ node: Node, _ reader: NodeReader, what: String) -> ClickHouseSkipIndex? {
        let context = "index '\(name)' of \(what)"
        guard let f = reader.fields(node, context, allowed: ClickHouseKeys.skipIndex.names) else { return nil }
        for key in ["expression", "type"] where !f.has(key) {
            reader.report(.missingKey(key, in: context, at: f.location))
            return nil
        }
        guard let expression = reader.string(f["expression"]!, "expression of \(context)"),
              let type = reader.string(f["type"]!, "type of \(context)") else { return nil }
        let base = String(type.prefix { $0 != "(" }).trimmingCharacters(in: .whitespaces)
        guard let arity = Self.skipIndexTypes[base] else {
            reader.report(.invalidValue(base, for: "type of \(context)", allowed: Self.skipIndexTypes.keys.sorted(), at: reader.location(f["type"]!)))
            return nil
        }
        var argumentCount = 0
        if let open = type.firstIndex(of: "("), type.hasSuffix(")") {
            let inside = type[type.index(after: open)..<type.index(before: type.endIndex)]
            argumentCount = inside.trimmingCharacters(in: .whitespaces).isEmpty ? 0 : inside.split(separator: ",").count
        } else if type.contains("(") || type.contains(")") {
            reader.report(.invalidValue("type '\(type)' of \(context) has unbalanced parentheses", at: reader.location(f["type"]!)))
            return nil
        }
        guard arity.contains(argumentCount) else {
            let expected = arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "\(arity.lowerBound) to \(arity.upperBound)"
            reader.report(.invalidValue("type '\(base)' of \(context) takes \(expected) argument(s), not \(argumentCount)",
                                        at: reader.location(f["type"]!)))
            return nil
        }
        var granularity = 1
        if let g = f["granularity"] {
            guard let n = reader.integer(g, "granularity of \(context)") else { return nil }
            guard n >= 1 else {
                reader.report(.invalidValue("granularity of \(context) must be at least 1", at: reader.location(g)))
                return nil
            }
            granularity = n
        }
        return ClickHouseSkipIndex(name: name, expression: expression, type: type, granularity: granularity)
    }

    // MARK: Views and dictionaries

    private func resolveView(_ name: String, _ node: Node, _ reader: NodeReader, tables: [String: ClickHouseTable]) -> ClickHouseMaterializedView? {
        let what = "materialized view '\(name)'"
        guard let f = reader.fields(node, what, allowed: ClickHouseKeys.materializedView.names) else { return nil }
        for key in ["to", "select"] where !f.has(key) {
            reader.report(.missingKey(key, in: what, at: f.location))
            return nil
        }
        guard let to = reader.name(f["to"]!, "to of \(what)"), let select = reader.string(f["select"]!, "select of \(what)") else { return nil }
        guard tables[to] != nil else {
            if tableNodes.contains(where: { $0.name == to }) {
                reader.report(.tableWithErrors(to, readBy: what, at: reader.location(f["to"]!)))
                return nil
            }
            reader.report(.unknownTable(to, suggestion: Spelling.closest(to: to, among: tables.keys.sorted()), at: reader.location(f["to"]!)))
            return nil
        }
        var view = ClickHouseMaterializedView(name: name, to: to, select: Self.trimmed(select))
        if let c = f["comment"] { view.comment = reader.string(c, "comment of \(what)") }
        return view
    }

    private func resolveDictionary(_ name: String, _ node: Node, _ reader: NodeReader, tables: [String: ClickHouseTable],
                                   postgres: PostgresSchema?) -> ClickHouseDictionary? {
        let what = "dictionary '\(name)'"
        guard let f = reader.fields(node, what, allowed: ClickHouseKeys.dictionary.names) else { return nil }
        let sources = ["from_postgres", "from_table"].filter { f.has($0) }
        guard sources.count == 1 else {
            if sources.count > 1 {
                reader.report(.conflictingKeys(sources[0], sources[1], in: what, at: reader.location(f.keyNode(sources[1])!)))
            } else {
                reader.report(.missingKey("from_postgres", in: what, at: f.location))
            }
            return nil
        }
        guard let keyNode = f["key"] else {
            reader.report(.missingKey("key", in: what, at: f.location))
            return nil
        }
        guard let key = reader.stringList(keyNode, "key of \(what)", allowSingle: true) else { return nil }
        // The source's columns, as ClickHouse attributes.
        var source: ClickHouseDictionary.Source
        var columns: [ClickHouseDictionary.Attribute] = []
        let sourceNode = f[sources[0]]!
        guard let sourceName = reader.name(sourceNode, "\(sources[0]) of \(what)") else { return nil }
        if sources[0] == "from_postgres" {
            let candidates = postgres?.tables ?? []
            let parts = sourceName.split(separator: ".", maxSplits: 1).map(String.init)
            let matches = parts.count == 2
                ? candidates.filter { $0.name.schema == parts[0] && $0.name.name == parts[1] }
                : candidates.filter { $0.name.name == sourceName }.sorted { ($0.name.schema == "public" ? 0 : 1) < ($1.name.schema == "public" ? 0 : 1) }
            guard let table = matches.first else {
                reader.report(.unknownTable(sourceName, suggestion: Spelling.closest(to: sourceName, among: candidates.map(\.name.name)),
                                            at: reader.location(sourceNode)))
                return nil
            }
            source = .postgres(table: table.name)
            for c in table.columns {
                guard var type = Self.clickHouseType(for: c.type) else { continue }
                // An array cannot be Nullable in ClickHouse: a NULL one reads as empty.
                if c.nullable, !key.contains(c.name), !c.type.isArray { type = .nullable(type) }
                columns.append(.init(name: c.name, type: type))
            }
        } else {
            guard let table = tables[sourceName] else {
                if tableNodes.contains(where: { $0.name == sourceName }) {
                    reader.report(.tableWithErrors(sourceName, readBy: what, at: reader.location(sourceNode)))
                    return nil
                }
                reader.report(.unknownTable(sourceName, suggestion: Spelling.closest(to: sourceName, among: tables.keys.sorted()),
                                            at: reader.location(sourceNode)))
                return nil
            }
            source = .clickhouse(table: table.name)
            columns = table.columns.filter { $0.defaultKind != .alias }.compactMap { c in
                Self.attributeType(c.type).map { .init(name: c.name, type: $0) }
            }
        }
        for k in key where !columns.contains(where: { $0.name == k }) {
            reader.report(.unknownColumn(k, table: sourceName, suggestion: Spelling.closest(to: k, among: columns.map(\.name)), at: reader.location(keyNode)))
            return nil
        }
        // A simple layout takes one UInt64 key; any other key needs a complex_key_ layout.
        let simpleKey = key.count == 1 && Self.isInteger(columns.first { $0.name == key[0] }!.type)
        var layout = simpleKey ? "hashed" : "complex_key_hashed"
        if let l = f["layout"] {
            guard let given = reader.choice(l, "layout of \(what)", Self.layouts.map { ($0, $0) }) else { return nil }
            layout = given
            // `hashed` names the family: a key that is not one integer takes
            // its complex_key_ form.
            if !simpleKey, !given.hasPrefix("complex_key_") {
                guard Self.layouts.contains("complex_key_" + given) else {
                    reader.report(.invalidValue("layout '\(given)' of \(what) takes one integer key, not (\(key.joined(separator: ", ")))",
                                                at: reader.location(l)))
                    return nil
                }
                layout = "complex_key_" + given
            }
        }
        if !layout.hasPrefix("complex_key_") {
            // The engine reads the key of a simple layout as UInt64.
            columns = columns.map { $0.name == key[0] ? .init(name: $0.name, type: .plain("UInt64")) : $0 }
        }
        var lifetime = (min: 300, max: 300)
        if let l = f["lifetime"] {
            guard let given = resolveLifetime(l, reader, what: what) else { return nil }
            lifetime = given
        }
        // Key attributes first, as the engine lists them.
        let ordered = key.compactMap { k in columns.first { $0.name == k } } + columns.filter { !key.contains($0.name) }
        var dictionary = ClickHouseDictionary(name: name, source: source, key: key, attributes: ordered, layout: layout,
                                              lifetimeMin: lifetime.min, lifetimeMax: lifetime.max)
        if let c = f["comment"] { dictionary.comment = reader.string(c, "comment of \(what)") }
        return dictionary
    }

    /// `lifetime: N` or `lifetime: { min: N, max: M }`, in seconds.
    private func resolveLifetime(_ l: Node, _ reader: NodeReader, what: String) -> (min: Int, max: Int)? {
        if case .mapping = l {
            guard let lf = reader.fields(l, "lifetime of \(what)", allowed: ClickHouseKeys.lifetime.names) else { return nil }
            guard let mn = lf["min"].flatMap({ reader.integer($0, "min of lifetime") }), let mx = lf["max"].flatMap({ reader.integer($0, "max of lifetime") }) else {
                if !lf.has("min") || !lf.has("max") { reader.report(.missingKey(lf.has("min") ? "max" : "min", in: "lifetime of \(what)", at: lf.location)) }
                return nil
            }
            return (mn, mx)
        }
        guard let n = reader.integer(l, "lifetime of \(what)") else { return nil }
        return (n, n)
    }

    /// An expression without its spaces, for comparing two spellings of one.
    static func compact(_ expression: String) -> String {
        String(expression.unicodeScalars.filter { !$0.properties.isWhitespace })
    }

    /// The identifiers an expression names (words not followed by a parenthesis).
    static func identifiers(_ expression: String) -> [String] {
        var out: [String] = [], word = ""
        var chars = Array(expression.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = chars.next()
        while let c = pending {
            pending = chars.next()
            if c.properties.isAlphabetic || c == "_" || (!word.isEmpty && ("0"..."9").contains(c)) {
                word.unicodeScalars.append(c)
                continue
            }
            if !word.isEmpty, c != "(" { out.append(word) }
            word = ""
        }
        if !word.isEmpty { out.append(word) }
        return out
    }

    /// A column's type as a dictionary attribute: dictionaries hold no
    /// LowCardinality, FixedString, Enum or aggregate states (nil: left out).
    static func attributeType(_ type: ClickHouseType) -> ClickHouseType? {
        switch type {
        case .lowCardinality(let inner): attributeType(inner)
        case .fixedString, .enumeration: .plain("String")
        case .nullable(let inner): attributeType(inner).map { .nullable($0) }
        case .array(let inner): attributeType(inner).map { .array($0) }
        case .aggregateFunction, .map, .tuple, .plain("JSON"): nil
        default: type
        }
    }

    private static func isInteger(_ type: ClickHouseType) -> Bool {
        if case .plain(let name) = type { return name.hasPrefix("UInt") || name.hasPrefix("Int") }
        return false
    }

    /// How a PostgreSQL column reads in ClickHouse (README, "Dictionaries"):
    /// nil for a type with no faithful counterpart, which is left out.
    static func clickHouseType(for type: PostgresType) -> ClickHouseType? {
        var element: ClickHouseType
        switch type.base {
        case .domain: return clickHouseType(for: type.underlying)
        case .enumeration: element = .plain("String")
        case .extensionType(let name, _): element = name == "citext" ? .plain("String") : .plain("String")
        case .builtin(let b):
            switch b {
            case .smallint: element = .plain("Int16")
            case .integer: element = .plain("Int32")
            case .bigint: element = .plain("Int64")
            case .real: element = .plain("Float32")
            case .doublePrecision: element = .plain("Float64")
            case .numeric:
                if let p = type.modifiers.first, p <= 76 { element = .decimal(precision: p, scale: type.modifiers.count > 1 ? type.modifiers[1] : 0) }
                else { element = .plain("Float64") }
            case .boolean: element = .plain("Bool")
            case .uuid: element = .plain("UUID")
            case .date: element = .plain("Date32")
            case .timestamp: element = .dateTime64(precision: 6, timezone: nil)
            case .timestamptz: element = .dateTime64(precision: 6, timezone: "UTC")
            case .text, .varchar, .character, .json, .jsonb, .inet, .cidr, .macaddr, .macaddr8, .interval, .time, .timetz, .xml, .money:
                element = .plain("String")
            default: return nil
            }
        }
        return type.isArray ? .array(element) : element
    }

    static func trimmed(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
