import SchemacModel

/// A ClickHouse model written back as the `clickhouse:` section, the way a
/// person writes one: a column that is only a type as `name: Type`, the
/// engine only when it is not MergeTree, a TTL of one rule as a string.
/// The inverse of the resolver: loading what this writes gives the model.
public enum ClickHousePull {
    public static func document(_ schema: ClickHouseSchema) -> YAMLValue {
        var section: [(String, YAMLValue)] = [("database", .string(schema.database))]
        if let cluster = schema.cluster { section.append(("cluster", .string(cluster))) }
        if schema.postgresCollection != "postgres" { section.append(("postgres_collection", .string(schema.postgresCollection))) }
        if !schema.tables.isEmpty { section.append(("tables", .mapping(schema.tables.map { ($0.name, table($0)) }))) }
        if !schema.materializedViews.isEmpty {
            section.append(("materialized_views", .mapping(schema.materializedViews.map { v in
                var fields: [(String, YAMLValue)] = [("to", .string(v.to)), ("select", .block(v.select))]
                if let c = v.comment { fields.append(("comment", .string(c))) }
                return (v.name, .mapping(fields))
            })))
        }
        if !schema.dictionaries.isEmpty { section.append(("dictionaries", .mapping(schema.dictionaries.map { ($0.name, dictionary($0)) }))) }
        return .mapping([("clickhouse", .mapping(section))])
    }

    /// A type as a parser of the definitions reads it.
    public static func type(_ text: String) -> ClickHouseType? {
        if case .success(let type) = ClickHouseTypeParser.parse(text) { return type }
        return nil
    }

    static func table(_ t: ClickHouseTable) -> YAMLValue {
        var fields: [(String, YAMLValue)] = []
        if let c = t.comment { fields.append(("comment", .string(c))) }
        fields.append(("columns", .mapping(t.columns.map { ($0.name, column($0)) })))
        if let e = engine(t.engine) { fields.append(("engine", e)) }
        if let p = t.partitionBy { fields.append(("partition_by", .string(p))) }
        fields.append(("order_by", .sequence(t.orderBy.map(YAMLValue.string), flow: true)))
        if let k = t.primaryKey { fields.append(("primary_key", .sequence(k.map(YAMLValue.string), flow: true))) }
        if let s = t.sampleBy { fields.append(("sample_by", .string(s))) }
        if t.ttl.count == 1, case .delete = t.ttl[0].action, t.ttl[0].condition == nil {
            fields.append(("ttl", .string(t.ttl[0].expression)))
        } else if !t.ttl.isEmpty {
            fields.append(("ttl", .sequence(t.ttl.map(ttlRule))))
        }
        if !t.indexes.isEmpty {
            fields.append(("indexes", .mapping(t.indexes.map { i in
                (i.name, .mapping([("expression", .string(i.expression)), ("type", .string(i.type)), ("granularity", .int(i.granularity))], flow: true))
            })))
        }
        if !t.projections.isEmpty { fields.append(("projections", .mapping(t.projections.map { ($0.name, .string($0.select)) }))) }
        if !t.settings.isEmpty {
            fields.append(("settings", .mapping(t.settings.map { s in
                (s.name, Int(s.value).map(YAMLValue.int) ?? .string(ClickHouseSetting.stringValue(of: Substring(s.value)) ?? s.value))
            }, flow: true)))
        }
        return .mapping(fields)
    }

    static func column(_ c: ClickHouseColumn) -> YAMLValue {
        var fields: [(String, YAMLValue)] = []
        if let kind = c.defaultKind, let e = c.defaultExpression {
            let key = switch kind { case .default: "default"; case .materialized: "materialized"; case .alias: "alias" }
            fields.append((key, .string(e)))
        }
        if let codec = c.codec { fields.append(("codec", .string(codec))) }
        if let ttl = c.ttl { fields.append(("ttl", .string(ttl))) }
        if let comment = c.comment { fields.append(("comment", .string(comment))) }
        guard !fields.isEmpty else { return .string(c.type.sql) }
        return .mapping([("type", .string(c.type.sql))] + fields, flow: true)
    }

    static func engine(_ e: ClickHouseEngine) -> YAMLValue? {
        switch e {
        case .mergeTree: nil
        case .aggregatingMergeTree: .string("AggregatingMergeTree")
        case .replacingMergeTree(nil, nil): .string("ReplacingMergeTree")
        case .replacingMergeTree(let version, let isDeleted):
            .mapping([("ReplacingMergeTree", .mapping([("version", version.map(YAMLValue.string)), ("is_deleted", isDeleted.map(YAMLValue.string))]
                .compactMap { key, value in value.map { (key, $0) } }, flow: true))])
        case .summingMergeTree(let columns):
            columns.isEmpty ? .string("SummingMergeTree") : .mapping([("SummingMergeTree", .sequence(columns.map(YAMLValue.string), flow: true))])
        case .collapsingMergeTree(let sign): .mapping([("CollapsingMergeTree", .mapping([("sign", .string(sign))], flow: true))])
        case .versionedCollapsingMergeTree(let sign, let version):
            .mapping([("VersionedCollapsingMergeTree", .mapping([("sign", .string(sign)), ("version", .string(version))], flow: true))])
        }
    }

    static func ttlRule(_ r: ClickHouseTTLRule) -> YAMLValue {
        var fields: [(String, YAMLValue)] = [("expression", .string(r.expression))]
        switch r.action {
        case .delete:
            guard let c = r.condition else { return .string(r.expression) }
            fields.append(("delete_where", .string(c)))
        case .toDisk(let d): fields.append(("to_disk", .string(d)))
        case .toVolume(let v): fields.append(("to_volume", .string(v)))
        case .groupBy(let keys, let set):
            fields.append(("group_by", .sequence(keys.map(YAMLValue.string), flow: true)))
            if !set.isEmpty { fields.append(("set", .mapping(set.map { ($0.column, .string($0.expression)) }, flow: true))) }
            if let c = r.condition { fields.append(("where", .string(c))) }
        }
        return .mapping(fields, flow: true)
    }

    static func dictionary(_ d: ClickHouseDictionary) -> YAMLValue {
        var fields: [(String, YAMLValue)] = []
        switch d.source {
        case .postgres(let table): fields.append(("from_postgres", .string(table.description)))
        case .clickhouse(let table): fields.append(("from_table", .string(table)))
        }
        fields.append(("key", .sequence(d.key.map(YAMLValue.string), flow: true)))
        fields.append(("layout", .string(d.layout)))
        fields.append(("lifetime", d.lifetimeMin == d.lifetimeMax ? .int(d.lifetimeMin)
            : .mapping([("min", .int(d.lifetimeMin)), ("max", .int(d.lifetimeMax))], flow: true)))
        if let c = d.comment { fields.append(("comment", .string(c))) }
        return .mapping(fields)
    }
}
