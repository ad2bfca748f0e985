import SchemacModel

/// A live database turned back into the model the definitions resolve to,
/// for `schemac pull`: what the model cannot hold is named, never dropped in
/// silence.
public enum ClickHousePulled {
    /// Something on the server the definitions cannot say.
    public struct Skip: Hashable, Sendable, Error {
        public var kind: String
        public var object: String
        public var reason: String

        public init(kind: String, object: String, reason: String) {
            self.kind = kind
            self.object = object
            self.reason = reason
        }
    }

    public struct Result: Sendable {
        public var schema: ClickHouseSchema
        public var skipped: [Skip] = []
    }

    /// `parseType` reads a type as `system.columns` prints it; `postgresTables`
    /// are the PostgreSQL tables (`schema.name`) a dictionary may read.
    public static func schema(_ live: ClickHouseLiveState, parseType: (String) -> ClickHouseType?,
                              postgresTables: Set<String>) -> Result {
        var result = Result(schema: ClickHouseSchema(database: live.database))
        let db = live.database
        for name in live.tables.keys.sorted() {
            guard let table = live.tables[name], let text = table.text else { continue }
            if let t = self.table(name, text, engine: table.engine, defaults: live.settingDefaults, parseType: parseType, skip: {
                result.skipped.append(Skip(kind: $0, object: "\(db).\(name)\($1.isEmpty ? "" : "." + $1)", reason: $2))
            }) {
                result.schema.tables.append(t)
            }
        }
        for name in live.materializedViews.keys.sorted() {
            guard let view = live.materializedViews[name] else { continue }
            guard let to = view.to, to.hasPrefix(db + "."), result.schema.tables.contains(where: { $0.name == to.dropFirst(db.count + 1) }) else {
                result.skipped.append(Skip(kind: "materialized view", object: "\(db).\(name)",
                                           reason: "it writes to \(view.to ?? "no table (it keeps rows of its own)"), not to a table of \(db) schemac pulled"))
                continue
            }
            var v = ClickHouseMaterializedView(name: name, to: String(to.dropFirst(db.count + 1)), select: view.select)
            if !view.comment.isEmpty { v.comment = view.comment }
            result.schema.materializedViews.append(v)
        }
        for name in live.dictionaries.keys.sorted() {
            switch dictionary(name, live.dictionaries[name]!, database: db, postgresTables: postgresTables,
                              tables: Set(result.schema.tables.map(\.name)), parseType: parseType) {
            case .success(let (d, collection)):
                result.schema.dictionaries.append(d)
                if let collection { result.schema.postgresCollection = collection }
            case .failure(let skip): result.skipped.append(skip)
            }
        }
        for (name, engine) in live.others.sorted(by: { $0.key < $1.key }) {
            result.skipped.append(Skip(kind: "table", object: "\(db).\(name)", reason: "engine \(engine) is not one the definitions hold (the MergeTree family)"))
        }
        return result
    }

    // MARK: Tables

    static func table(_ name: String, _ text: ClickHouseTableText, engine engineName: String, defaults: [String: String],
                      parseType: (String) -> ClickHouseType?, skip: (String, String, String) -> Void) -> ClickHouseTable? {
        guard let engine = engine(text.engineApartFromReplication) else {
            skip("table", "", "engine \(text.engine) is not one the definitions hold")
            return nil
        }
        if engineName.hasPrefix("Replicated") {
            skip("replication", "", "the table is \(engineName): pulled as \(engine.name); set `cluster:` to make it replicated again")
        }
        var t = ClickHouseTable(name: name, engine: engine)
        for c in text.columns {
            guard let column = column(c, parseType: parseType, skip: skip) else { return nil }
            t.columns.append(column)
        }
        for element in text.otherElements { skip("table detail", "", "\(element) is not pulled") }
        t.partitionBy = text.partitionBy
        t.orderBy = text.sortingList
        if text.primaryKey != nil, text.primaryList != text.sortingList { t.primaryKey = text.primaryList }
        t.sampleBy = text.sampleBy
        if let ttl = text.ttl {
            for rule in EngineText.split(Substring(ttl)) {
                guard let r = ttlRule(rule) else {
                    skip("TTL rule", "", "\(rule) is not a rule the definitions hold")
                    continue
                }
                t.ttl.append(r)
            }
        }
        for index in text.indexes {
            let (head, clauses) = EngineText.clauses(Substring(index.body), keywords: ["TYPE", "GRANULARITY"])
            guard clauses.count == 2, let granularity = Int(clauses[1].text) else {
                skip("skip index", index.name, "\(index.body) is not an index the definitions hold")
                continue
            }
            t.indexes.append(ClickHouseSkipIndex(name: index.name, expression: String(head), type: String(clauses[0].text), granularity: granularity))
        }
        for projection in text.projections {
            let body = projection.body
            t.projections.append(ClickHouseProjection(name: projection.name, select: String(body.dropFirst().dropLast())))
        }
        for (setting, value) in text.settings where defaults[setting] != EngineText.unquoted(Substring(value)) {
            t.settings.append(ClickHouseSetting(name: setting, value: value))
        }
        t.comment = text.comment.flatMap { $0.isEmpty ? nil : $0 }
        return t
    }

    /// A column as the model has it; nil (said) when its type or default is not one the definitions hold.
    static func column(_ c: ClickHouseTableText.Column, parseType: (String) -> ClickHouseType?,
                       skip: (String, String, String) -> Void) -> ClickHouseColumn? {
        guard let type = parseType(c.type) else {
            skip("column", c.name, "type \(c.type) is not one the definitions hold")
            return nil
        }
        var column = ClickHouseColumn(name: c.name, type: type)
        if let clause = c.defaultClause {
            let (kind, expression) = split(clause)
            guard let k = ClickHouseColumn.DefaultKind(rawValue: kind), !expression.isEmpty else {
                skip("column", c.name, "\(clause) is not a default the definitions hold")
                return nil
            }
            column.defaultKind = k
            column.defaultExpression = expression
        }
        column.codec = c.codec.map { String($0.dropFirst(6).dropLast()) }
        column.ttl = c.ttl
        column.comment = c.comment
        for other in c.other { skip("column detail", c.name, "\(other) is not pulled") }
        return column
    }

    /// `DEFAULT now()` as (`DEFAULT`, `now()`).
    static func split(_ clause: String) -> (String, String) {
        let parts = clause.split(separator: " ", maxSplits: 1)
        return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
    }

    /// The engine as printed (`ReplacingMergeTree(version)`), as the model has it.
    static func engine(_ text: String) -> ClickHouseEngine? {
        let (name, arguments): (String, [String])
        if let (before, inside, after) = EngineText.parenthesized(Substring(text)), after.isEmpty {
            (name, arguments) = (String(before), EngineText.split(inside).map(String.init))
        } else {
            (name, arguments) = (text, [])
        }
        func bare(_ a: String) -> String { EngineText.leadingName(Substring(a)).name }
        switch (name, arguments.count) {
        case ("MergeTree", 0): return .mergeTree
        case ("AggregatingMergeTree", 0): return .aggregatingMergeTree
        case ("ReplacingMergeTree", 0...2):
            return .replacingMergeTree(version: arguments.first.map(bare), isDeleted: arguments.count > 1 ? bare(arguments[1]) : nil)
        case ("SummingMergeTree", 0): return .summingMergeTree(columns: [])
        case ("SummingMergeTree", 1): return .summingMergeTree(columns: ClickHouseTableText.list(arguments[0]).map(bare))
        case ("CollapsingMergeTree", 1): return .collapsingMergeTree(sign: bare(arguments[0]))
        case ("VersionedCollapsingMergeTree", 2): return .versionedCollapsingMergeTree(sign: bare(arguments[0]), version: bare(arguments[1]))
        default: return nil
        }
    }

    /// One TTL rule as the engine prints it: `expr`, `expr WHERE c` (a
    /// DELETE WHERE), `expr TO DISK 'd'`, `expr TO VOLUME 'v'`, `expr [WHERE c] GROUP BY k SET a = e`.
    static func ttlRule(_ text: Substring) -> ClickHouseTTLRule? {
        let (expression, clauses) = EngineText.clauses(text, keywords: ["DELETE", "WHERE", "TO DISK", "TO VOLUME", "GROUP BY", "SET", "RECOMPRESS"])
        var rule = ClickHouseTTLRule(expression: String(expression))
        var keys: [String]?, assignments: [ClickHouseTTLRule.Assignment] = []
        for (keyword, value) in clauses {
            switch keyword {
            case "DELETE" where value.isEmpty: break
            case "WHERE": rule.condition = String(value)
            case "TO DISK": rule.action = .toDisk(EngineText.unquoted(value))
            case "TO VOLUME": rule.action = .toVolume(EngineText.unquoted(value))
            case "GROUP BY": keys = EngineText.split(value).map(String.init)
            case "SET":
                for assignment in EngineText.split(value) {
                    let parts = assignment.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2 else { return nil }
                    assignments.append(.init(column: EngineText.leadingName(parts[0]).name, expression: String(EngineText.trimmed(parts[1]))))
                }
            default: return nil
            }
        }
        if let keys { rule.action = .groupBy(keys: keys, set: assignments) } else if !assignments.isEmpty { return nil }
        if case .toDisk = rule.action, rule.condition != nil { return nil }
        if case .toVolume = rule.action, rule.condition != nil { return nil }
        return rule
    }

    // MARK: Dictionaries

    /// A dictionary whose attributes are its source table's columns, as the
    /// definitions derive them; any other is a skip. With a PostgreSQL
    /// source, the named collection it reads through.
    static func dictionary(_ name: String, _ create: String, database: String, postgresTables: Set<String>, tables: Set<String>,
                           parseType: (String) -> ClickHouseType?) -> Swift.Result<(ClickHouseDictionary, String?), Skip> {
        func skip(_ reason: String) -> Skip { Skip(kind: "dictionary", object: "\(database).\(name)", reason: reason) }
        guard let (_, inside, after) = EngineText.parenthesized(Substring(create)) else { return .failure(skip("its statement does not read: \(create)")) }
        var attributes: [ClickHouseDictionary.Attribute] = []
        for element in EngineText.split(inside) {
            let (column, rest) = EngineText.leadingName(element)
            guard let type = parseType(String(rest)) else { return .failure(skip("attribute \(column) is \(rest), which the definitions do not derive")) }
            attributes.append(.init(name: column, type: type))
        }
        let (_, clauses) = EngineText.clauses(after, keywords: ["PRIMARY KEY", "SOURCE", "LIFETIME", "LAYOUT", "RANGE", "SETTINGS", "COMMENT"])
        var key: [String] = [], source: ClickHouseDictionary.Source?, collection: String?, layout = "", lifetime = (0, 0), comment: String?
        for (keyword, value) in clauses {
            switch keyword {
            case "PRIMARY KEY": key = EngineText.split(value).map { EngineText.leadingName($0).name }
            case "SOURCE":
                guard let parsed = dictionarySource(value, database: database) else { return .failure(skip("its source \(value) is not one the definitions hold")) }
                (source, collection) = parsed
            case "LIFETIME":
                let words = value.dropFirst().dropLast().split(separator: " ")
                if words.count == 1, let n = Int(words[0]) { lifetime = (n, n) }
                else if words.count == 4, words[0] == "MIN", words[2] == "MAX", let a = Int(words[1]), let b = Int(words[3]) { lifetime = (a, b) }
                else { return .failure(skip("its LIFETIME\(value) does not read")) }
            case "LAYOUT":
                let inner = value.dropFirst().dropLast()
                guard inner.hasSuffix("()") else { return .failure(skip("its layout \(inner) has parameters the definitions do not hold")) }
                layout = inner.dropLast(2).lowercased()
            case "COMMENT": comment = EngineText.unquoted(value)
            default: return .failure(skip("its \(keyword) clause is not one the definitions hold"))
            }
        }
        guard let source else { return .failure(skip("it has no source")) }
        switch source {
        case .postgres(let table) where !postgresTables.contains(table.description):
            return .failure(skip("it reads PostgreSQL table \(table), which is not in the definitions: pull the postgres section first"))
        case .clickhouse(let table) where !tables.contains(table):
            return .failure(skip("it reads table \(table), which was not pulled"))
        default: break
        }
        var d = ClickHouseDictionary(name: name, source: source, key: key, attributes: attributes, layout: layout, lifetimeMin: lifetime.0,
                                     lifetimeMax: lifetime.1)
        d.comment = comment
        return .success((d, collection))
    }

    static func dictionarySource(_ text: Substring, database: String) -> (ClickHouseDictionary.Source, String?)? {
        let inner = EngineText.trimmed(text.dropFirst().dropLast())
        guard let (kind, arguments, _) = EngineText.parenthesized(inner) else { return nil }
        let words = EngineText.split(arguments, at: UInt8(ascii: " "))
        var fields: [String: String] = [:]
        var i = 0
        while i + 1 < words.count {
            fields[words[i].uppercased()] = words[i + 1].hasPrefix("'") ? EngineText.unquoted(words[i + 1]) : EngineText.leadingName(words[i + 1]).name
            i += 2
        }
        switch kind.uppercased() {
        case "CLICKHOUSE":
            guard let table = fields["TABLE"], (fields["DB"] ?? database) == database, fields.count <= 2 else { return nil }
            return (.clickhouse(table: table), nil)
        case "POSTGRESQL":
            guard let table = fields["TABLE"], let collection = fields["NAME"], fields.count <= 3 else { return nil }
            return (.postgres(table: QualifiedName(schema: fields["SCHEMA"] ?? "public", name: table)), collection)
        default: return nil
        }
    }
}
