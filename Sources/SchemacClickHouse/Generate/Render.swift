import SchemacModel

/// `generated/clickhouse/schema.sql`: the database, its tables (and with a
/// cluster their Distributed tables), the dictionaries, then the materialized
/// views, so that everything a statement names exists before it runs.
/// Expressions go out as written; names are quoted where ClickHouse needs it.
public enum ClickHouseRenderer {
    public static func schemaFile(for schema: ClickHouseSchema, sourceFiles: [String]) -> String {
        var out = GeneratedHeader.sql
        out += "-- Source files:\n"
        for file in sourceFiles { out += "--   \(file.replacing("\n", with: " "))\n" }
        for (title, statements) in sections(schema) where !statements.isEmpty {
            out += "\n-- \(title)\n"
            for statement in statements { out += "\n" + statement + ";\n" }
        }
        return out
    }

    /// The statements under their section titles, in the order they run.
    public static func sections(_ schema: ClickHouseSchema) -> [(title: String, statements: [String])] {
        let db = ClickHouseSQL.identifier(schema.database)
        let onCluster = schema.cluster.map { " ON CLUSTER " + ClickHouseSQL.identifier($0) } ?? ""
        // Unqualified names in view bodies and expressions resolve in the
        // definitions' database.
        var sections: [(String, [String])] = [("Database", ["CREATE DATABASE IF NOT EXISTS \(db)\(onCluster)", "USE \(db)"])]
        sections.append(("Tables", schema.tables.map { createTable($0, schema: schema) }))
        if schema.cluster != nil {
            sections.append(("Distributed tables over the shards", schema.tables.compactMap { createDistributed($0, schema: schema) }))
        }
        sections.append(("Dictionaries", schema.dictionaries.map { createDictionary($0, schema: schema) }))
        sections.append(("Materialized views", schema.materializedViews.map { createMaterializedView($0, schema: schema) }))
        return sections
    }

    public static func createMaterializedView(_ v: ClickHouseMaterializedView, schema: ClickHouseSchema) -> String {
        let db = ClickHouseSQL.identifier(schema.database)
        let onCluster = schema.cluster.map { " ON CLUSTER " + ClickHouseSQL.identifier($0) } ?? ""
        var sql = "CREATE MATERIALIZED VIEW \(db).\(ClickHouseSQL.identifier(v.name))\(onCluster) TO \(db).\(ClickHouseSQL.identifier(v.to))\nAS "
            + v.select
        if let comment = v.comment { sql += "\nCOMMENT \(ClickHouseSQL.literal(comment))" }
        return sql
    }

    /// The Distributed table over a sharded table of a schema with a cluster.
    public static func createDistributed(_ t: ClickHouseTable, schema: ClickHouseSchema) -> String? {
        guard let cluster = schema.cluster, let shard = t.shardBy else { return nil }
        let db = ClickHouseSQL.identifier(schema.database)
        return "CREATE TABLE \(db).\(ClickHouseSQL.identifier(distributedName(t))) ON CLUSTER \(ClickHouseSQL.identifier(cluster)) AS \(db).\(ClickHouseSQL.identifier(t.name))\n"
            + "ENGINE = Distributed(\(ClickHouseSQL.literal(cluster)), \(ClickHouseSQL.literal(schema.database)), "
            + "\(ClickHouseSQL.literal(t.name)), \(shard))"
    }

    /// The Distributed table over a sharded table.
    public static func distributedName(_ table: ClickHouseTable) -> String { table.name + "_distributed" }

    static func createTable(_ t: ClickHouseTable, schema: ClickHouseSchema) -> String {
        let onCluster = schema.cluster.map { " ON CLUSTER " + ClickHouseSQL.identifier($0) } ?? ""
        return "CREATE TABLE \(ClickHouseSQL.identifier(schema.database)).\(ClickHouseSQL.identifier(t.name))\(onCluster)\n"
            + tableBody(t, replicated: schema.cluster != nil)
    }

    /// What follows `CREATE TABLE name`: the column list, the engine, its clauses.
    public static func tableBody(_ t: ClickHouseTable, replicated: Bool) -> String {
        var elements = t.columns.map(column)
        for index in t.indexes { elements.append("INDEX \(ClickHouseSQL.identifier(index.name)) \(indexBody(index))") }
        for projection in t.projections {
            elements.append("PROJECTION \(ClickHouseSQL.identifier(projection.name)) (\(projection.select))")
        }
        var sql = "(\n" + elements.map { "    " + $0 }.joined(separator: ",\n")
        sql += "\n)\nENGINE = \(engine(t.engine, replicated: replicated))"
        if let p = t.partitionBy { sql += "\nPARTITION BY \(p)" }
        sql += "\nORDER BY \(tuple(t.orderBy))"
        if let key = t.primaryKey { sql += "\nPRIMARY KEY \(tuple(key))" }
        if let s = t.sampleBy { sql += "\nSAMPLE BY \(s)" }
        if !t.ttl.isEmpty { sql += "\nTTL " + ttlRules(t.ttl) }
        if !t.settings.isEmpty { sql += "\nSETTINGS " + t.settings.map { "\($0.name) = \($0.value)" }.joined(separator: ", ") }
        if let c = t.comment { sql += "\nCOMMENT \(ClickHouseSQL.literal(c))" }
        return sql
    }

    public static func indexBody(_ index: ClickHouseSkipIndex) -> String {
        "\(index.expression) TYPE \(index.type) GRANULARITY \(index.granularity)"
    }

    public static func ttlRules(_ rules: [ClickHouseTTLRule]) -> String {
        rules.map(ttlRule).joined(separator: ",\n    ")
    }

    public static func column(_ c: ClickHouseColumn) -> String {
        // Column names are always quoted, as ClickHouse prints them: a column
        // called `index` or `projection` must not read as a clause.
        var sql = "`" + c.name.replacing("\\", with: "\\\\").replacing("`", with: "\\`") + "` " + c.type.sql
        if let kind = c.defaultKind, let e = c.defaultExpression { sql += " \(kind.rawValue) \(e)" }
        if let comment = c.comment { sql += " COMMENT \(ClickHouseSQL.literal(comment))" }
        if let codec = c.codec { sql += " " + codecClause(codec) }
        if let ttl = c.ttl { sql += " TTL \(ttl)" }
        return sql
    }

    /// `ZSTD(3)` and `CODEC(ZSTD(3))` both mean `CODEC(ZSTD(3))`.
    public static func codecClause(_ codec: String) -> String {
        codec.uppercased().hasPrefix("CODEC(") ? codec : "CODEC(\(codec))"
    }

    public static func tuple(_ items: [String]) -> String {
        switch items.count {
        case 0: "tuple()"
        case 1: items[0]
        default: "(" + items.joined(separator: ", ") + ")"
        }
    }

    static func engine(_ e: ClickHouseEngine, replicated: Bool) -> String {
        var arguments = e.arguments
        // One replication path per table and shard; the server fills in the macros.
        if replicated { arguments = ["'/clickhouse/tables/{shard}/{database}/{table}'", "'{replica}'"] + arguments }
        let name = (replicated ? "Replicated" : "") + e.name
        return arguments.isEmpty ? name : "\(name)(\(arguments.joined(separator: ", ")))"
    }

    public static func ttlRule(_ rule: ClickHouseTTLRule) -> String {
        var sql = rule.expression
        switch rule.action {
        case .delete:
            if let c = rule.condition { sql += " DELETE WHERE \(c)" }
        case .toDisk(let disk): sql += " TO DISK \(ClickHouseSQL.literal(disk))"
        case .toVolume(let volume): sql += " TO VOLUME \(ClickHouseSQL.literal(volume))"
        case .groupBy(let keys, let set):
            if let c = rule.condition { sql += " WHERE \(c)" }
            sql += " GROUP BY " + keys.joined(separator: ", ")
            if !set.isEmpty { sql += " SET " + set.map { "\(ClickHouseSQL.identifier($0.column)) = \($0.expression)" }.joined(separator: ", ") }
        }
        return sql
    }

    public static func createDictionary(_ d: ClickHouseDictionary, schema: ClickHouseSchema) -> String {
        let onCluster = schema.cluster.map { " ON CLUSTER " + ClickHouseSQL.identifier($0) } ?? ""
        var sql = "CREATE DICTIONARY \(ClickHouseSQL.identifier(schema.database)).\(ClickHouseSQL.identifier(d.name))\(onCluster)\n(\n"
        sql += d.attributes.map { "    `\($0.name.replacing("`", with: "\\`"))` \($0.type.sql)" }.joined(separator: ",\n")
        sql += "\n)\nPRIMARY KEY " + d.key.map(ClickHouseSQL.identifier).joined(separator: ", ")
        switch d.source {
        case .postgres(let table):
            // The connection is the named collection's: no credential is written here.
            sql += "\nSOURCE(POSTGRESQL(NAME \(ClickHouseSQL.identifier(schema.postgresCollection)) SCHEMA \(ClickHouseSQL.literal(table.schema)) "
                + "TABLE \(ClickHouseSQL.literal(table.name))))"
        case .clickhouse(let table):
            sql += "\nSOURCE(CLICKHOUSE(DB \(ClickHouseSQL.literal(schema.database)) TABLE \(ClickHouseSQL.literal(table))))"
        }
        sql += "\nLAYOUT(\(d.layout.uppercased())())"
        sql += d.lifetimeMin == d.lifetimeMax ? "\nLIFETIME(\(d.lifetimeMin))" : "\nLIFETIME(MIN \(d.lifetimeMin) MAX \(d.lifetimeMax))"
        if let c = d.comment { sql += "\nCOMMENT \(ClickHouseSQL.literal(c))" }
        return sql
    }
}
