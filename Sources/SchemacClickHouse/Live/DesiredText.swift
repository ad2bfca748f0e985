import Foundation
import SchemacModel

/// The definitions' objects in the engine's own spelling, read without
/// writing to any database: first the engine's formatter reads every
/// statement (one query); a table whose formatted parts still differ from the
/// live table's is then made as a TEMPORARY table of the session, which the
/// engine spells as it spells a real one (the parameters a codec takes by
/// default filled in, for instance), read back and dropped. A view query
/// whose text differs is compared by the engine's analysis of both
/// (`EXPLAIN QUERY TREE`, names resolved in the database).
public struct ClickHouseDesiredText: Sendable {
    public var tables: [String: ClickHouseTableText] = [:]
    /// Each view's query, as the live side will be compared to it.
    public var viewQueries: [String: String] = [:]
    /// The views whose query the engine reads the same as the live one, though spelled differently.
    public var viewsSameByAnalysis: Set<String> = []
    public var dictionaries: [String: String] = [:]
    /// The engine of each Distributed table (`Distributed('c', 'db', 't', key)`), as the engine prints it.
    public var distributedEngines: [String: String] = [:]

    /// The desired side; `differs(name, text)` says whether a table's
    /// formatted text still differs from the live table, and so needs the
    /// engine's second look.
    public static func read(_ schema: ClickHouseSchema, live: ClickHouseLiveState, on server: any ClickHouseQuerying,
                            differs: (String, ClickHouseTableText) -> Bool) throws -> ClickHouseDesiredText {
        var out = ClickHouseDesiredText()
        let db = ClickHouseSQL.identifier(schema.database)
        var texts: [String] = []
        for t in schema.tables { texts.append("CREATE TABLE \(db).\(ClickHouseSQL.identifier(t.name)) " + ClickHouseRenderer.tableBody(t, replicated: false)) }
        for v in schema.materializedViews { texts.append(v.select) }
        for d in schema.dictionaries { texts.append(ClickHouseRenderer.createDictionary(d, schema: schema.withoutCluster)) }
        let sharded = schema.tables.compactMap { t in ClickHouseRenderer.createDistributed(t, schema: schema).map { (t, $0) } }
        texts += sharded.map(\.1)
        let formatted = try format(texts, on: server)
        for (i, (t, _)) in sharded.enumerated() {
            let text = formatted[texts.count - sharded.count + i]
            out.distributedEngines[ClickHouseRenderer.distributedName(t)] = distributedEngine(text)
        }
        var second: [(name: String, table: ClickHouseTable)] = []
        for (i, t) in schema.tables.enumerated() {
            guard let text = ClickHouseTableText(createQuery: formatted[i]) else {
                throw ClickHouseSchemaError("the engine prints table \(t.name) in a shape schemac does not read: \(formatted[i])")
            }
            out.tables[t.name] = text
            if live.tables[t.name] != nil, differs(t.name, text) { second.append((t.name, t)) }
        }
        for (i, v) in schema.materializedViews.enumerated() { out.viewQueries[v.name] = formatted[schema.tables.count + i] }
        for (i, d) in schema.dictionaries.enumerated() {
            out.dictionaries[d.name] = formatted[schema.tables.count + schema.materializedViews.count + i]
        }
        for (name, text) in try temporaryTexts(second.map(\.table), database: live.databaseExists ? schema.database : nil, on: server) {
            out.tables[name] = text
        }
        for v in schema.materializedViews {
            guard let current = live.materializedViews[v.name], current.select != out.viewQueries[v.name] else { continue }
            if try sameAnalysis(current.select, v.select, database: schema.database, on: server) { out.viewsSameByAnalysis.insert(v.name) }
        }
        return out
    }

    /// What follows `ENGINE = ` in a Distributed table's statement.
    public static func distributedEngine(_ create: String) -> String {
        guard let range = create.range(of: "ENGINE = ") else { return create }
        return String(create[range.upperBound...])
    }

    /// Each text as the engine's formatter prints it on one line; an error
    /// names a text the engine cannot read.
    static func format(_ texts: [String], on server: any ClickHouseQuerying) throws -> [String] {
        guard !texts.isEmpty else { return [] }
        let array = "[" + texts.map(ClickHouseSQL.literal).joined(separator: ", ") + "]"
        let sql = "SELECT i, ifNull(formatQuerySingleLineOrNull(texts[i]), '') FROM (SELECT \(array) AS texts) ARRAY JOIN arrayEnumerate(texts) AS i ORDER BY i"
        let rows = try server.rows(sql, settings: ["max_query_size": String(sql.utf8.count + 1024)])
        guard rows.count == texts.count else { throw ClickHouseSchemaError("the engine formatted \(rows.count) of \(texts.count) statements") }
        return try rows.enumerated().map { i, row in
            guard row.count == 2, !row[1].isEmpty else {
                throw ClickHouseSchemaError("the engine cannot read this statement of the definitions:\n\(texts[i])")
            }
            return row[1]
        }
    }

    /// Tables made as temporary tables of the session, as the engine prints them.
    static func temporaryTexts(_ tables: [ClickHouseTable], database: String?, on server: any ClickHouseQuerying) throws -> [String: ClickHouseTableText] {
        guard !tables.isEmpty else { return [:] }
        let token = String(UInt64.random(in: 0..<UInt64.max), radix: 36)
        let names = tables.indices.map { "_schemac_\(token)_\($0)" }
        let settings = database.map { ["database": $0] } ?? [:]
        defer {
            for name in names { try? server.execute("DROP TEMPORARY TABLE IF EXISTS \(ClickHouseSQL.identifier(name))", settings: [:]) }
        }
        for (name, table) in zip(names, tables) {
            do {
                try server.execute("CREATE TEMPORARY TABLE \(ClickHouseSQL.identifier(name)) " + ClickHouseRenderer.tableBody(table, replicated: false),
                                   settings: settings)
            } catch {
                throw ClickHouseSchemaError("table \(table.name) of the definitions cannot be made (as a temporary table, to read it in the engine's spelling): \(error)")
            }
        }
        let list = names.map(ClickHouseSQL.literal).joined(separator: ", ")
        var out: [String: ClickHouseTableText] = [:]
        for row in try server.rows("SELECT name, create_table_query FROM system.tables WHERE is_temporary AND name IN (\(list))", settings: [:])
        where row.count == 2 {
            guard let i = names.firstIndex(of: row[0]), let text = ClickHouseTableText(createQuery: row[1]) else { continue }
            out[tables[i].name] = text
        }
        return out
    }

    /// Whether the engine's analysis of two queries is the same, names resolved
    /// in `database`; false when it cannot analyse either.
    static func sameAnalysis(_ a: String, _ b: String, database: String, on server: any ClickHouseQuerying) throws -> Bool {
        func tree(_ query: String) -> String? {
            (try? server.rows("EXPLAIN QUERY TREE " + query, settings: ["database": database]))?.map { $0.joined(separator: "\t") }.joined(separator: "\n")
        }
        guard let left = tree(a), let right = tree(b) else { return false }
        return left == right
    }
}

/// What keeps schemac from reading the definitions or the server in the
/// engine's spelling.
public struct ClickHouseSchemaError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension ClickHouseSchema {
    /// The same schema for one server: no ON CLUSTER, no Replicated engines.
    public var withoutCluster: ClickHouseSchema {
        var copy = self
        copy.cluster = nil
        return copy
    }
}
