/// The keys of each ClickHouse object, in one place: the resolver allows
/// exactly these and `schemac schema` describes exactly these.
public enum ClickHouseKeys {
    static let name = ##"{ "$ref": "#/$defs/name" }"##
    static let comment = ##"{ "$ref": "#/$defs/comment" }"##
    static let text = ##"{ "type": "string" }"##
    static let expressions = ##"{ "oneOf": [{ "type": "string" }, { "type": "array", "items": { "type": "string" } }] }"##

    public static let section = [
        DefinitionKey("database", name), DefinitionKey("cluster", ##"{ "type": ["string", "null"] }"##),
        DefinitionKey("postgres_collection", name),
        DefinitionKey("tables", ##"{ "type": ["object", "null"], "additionalProperties": { "$ref": "#/$defs/chTable" } }"##),
        DefinitionKey("materialized_views", ##"{ "type": ["object", "null"], "additionalProperties": { "$ref": "#/$defs/chMaterializedView" } }"##),
        DefinitionKey("dictionaries", ##"{ "type": ["object", "null"], "additionalProperties": { "$ref": "#/$defs/chDictionary" } }"##),
    ]

    public static let table = [
        DefinitionKey("columns", ##"{ "type": "object", "additionalProperties": { "oneOf": [{ "type": "string" }, { "$ref": "#/$defs/chColumn" }] } }"##),
        DefinitionKey("engine", ##"{ "$ref": "#/$defs/chEngine" }"##),
        DefinitionKey("partition_by", text), DefinitionKey("order_by", expressions), DefinitionKey("primary_key", expressions),
        DefinitionKey("sample_by", text),
        DefinitionKey("ttl", ##"{ "oneOf": [{ "type": "string" }, { "type": "array", "items": { "oneOf": [{ "type": "string" }, { "$ref": "#/$defs/chTTLRule" }] } }] }"##),
        DefinitionKey("indexes", ##"{ "type": "object", "additionalProperties": { "$ref": "#/$defs/chSkipIndex" } }"##),
        DefinitionKey("projections", ##"{ "type": "object", "additionalProperties": { "oneOf": [{ "type": "string" }, { "$ref": "#/$defs/chProjection" }] } }"##),
        DefinitionKey("settings", ##"{ "type": "object", "additionalProperties": { "$ref": "#/$defs/scalar" } }"##),
        DefinitionKey("shard_by", text), DefinitionKey("comment", comment),
    ]

    public static let column = [
        DefinitionKey("type", text), DefinitionKey("default", ##"{ "$ref": "#/$defs/scalar" }"##), DefinitionKey("materialized", text),
        DefinitionKey("alias", text), DefinitionKey("codec", text), DefinitionKey("ttl", text), DefinitionKey("comment", comment),
        DefinitionKey("renamed_from", name),
    ]

    public static let skipIndex = [
        DefinitionKey("expression", text), DefinitionKey("type", text),
        DefinitionKey("granularity", ##"{ "type": "integer", "minimum": 1 }"##),
    ]

    /// The engines, and the arguments of those that take a mapping of them.
    public static let engines = ["MergeTree", "ReplacingMergeTree", "SummingMergeTree", "AggregatingMergeTree", "CollapsingMergeTree",
                                 "VersionedCollapsingMergeTree"]
    public static let replacingMergeTree = [DefinitionKey("version", text), DefinitionKey("is_deleted", text)]
    public static let collapsingMergeTree = [DefinitionKey("sign", text)]
    public static let versionedCollapsingMergeTree = [DefinitionKey("sign", text), DefinitionKey("version", text)]

    public static let ttlRule = [
        DefinitionKey("expression", text), DefinitionKey("delete_where", text), DefinitionKey("to_disk", text), DefinitionKey("to_volume", text),
        DefinitionKey("group_by", expressions), DefinitionKey("set", ##"{ "type": "object", "additionalProperties": { "type": "string" } }"##),
        DefinitionKey("where", text),
    ]

    public static let projection = [DefinitionKey("select", text)]

    public static let materializedView = [DefinitionKey("to", name), DefinitionKey("select", text), DefinitionKey("comment", comment)]

    public static let dictionary = [
        DefinitionKey("from_postgres", name), DefinitionKey("from_table", name), DefinitionKey("key", ##"{ "$ref": "#/$defs/names" }"##),
        DefinitionKey("layout", text),
        DefinitionKey("lifetime", ##"{ "oneOf": [{ "type": "integer" }, { "$ref": "#/$defs/chLifetime" }] }"##),
        DefinitionKey("comment", comment),
    ]

    public static let lifetime = [DefinitionKey("min", ##"{ "type": "integer" }"##), DefinitionKey("max", ##"{ "type": "integer" }"##)]
}
