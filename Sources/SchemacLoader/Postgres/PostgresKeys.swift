/// A key of a definition object and the JSON Schema of its value.
public struct DefinitionKey: Sendable {
    public let name: String
    public let schema: String

    init(_ name: String, _ schema: String) {
        self.name = name
        self.schema = schema
    }
}

extension [DefinitionKey] {
    var names: [String] { map(\.name) }

    /// The JSON Schema `properties` of these keys, an object on one line.
    public var jsonProperties: String {
        "{ " + map { "\"\($0.name)\": \($0.schema)" }.joined(separator: ", ") + " }"
    }
}

/// The sections of a definitions file.
public enum DefinitionSections {
    public static let keys = [
        DefinitionKey("postgres", ##"{ "$ref": "#/$defs/postgres" }"##), DefinitionKey("clickhouse", ##"{ "$ref": "#/$defs/clickhouse" }"##),
        DefinitionKey("redis", ##"{ "$ref": "#/$defs/redis" }"##),
    ]
}

/// The keys of each PostgreSQL object, in one place: the resolver allows
/// exactly these and `schemac schema` describes exactly these, so a new key
/// is added here once. The order is the documentation's.
public enum PostgresKeys {
    static let names = ##"{ "$ref": "#/$defs/names" }"##
    static let name = ##"{ "$ref": "#/$defs/name" }"##
    static let comment = ##"{ "$ref": "#/$defs/comment" }"##
    static let text = ##"{ "type": "string" }"##
    static let flag = ##"{ "type": "boolean" }"##
    static let action = ##"{ "$ref": "#/$defs/action" }"##

    public static let section = [
        DefinitionKey("schema", name), DefinitionKey("extensions", ##"{ "type": "array", "items": { "$ref": "#/$defs/name" } }"##),
        DefinitionKey("roles", ##"{ "type": "array", "items": { "$ref": "#/$defs/name" } }"##),
        DefinitionKey("schemas", ##"{ "type": "array", "items": { "$ref": "#/$defs/name" } }"##),
        DefinitionKey("tenancy", ##"{ "$ref": "#/$defs/pgTenancy" }"##),
        DefinitionKey("enums", ##"{ "type": ["object", "null"], "additionalProperties": { "oneOf": [{ "type": "array", "items": { "$ref": "#/$defs/scalar" } }, { "$ref": "#/$defs/pgEnum" }] } }"##),
        DefinitionKey("domains", ##"{ "type": ["object", "null"], "additionalProperties": { "oneOf": [{ "type": "string" }, { "$ref": "#/$defs/pgDomain" }] } }"##),
        DefinitionKey("sequences", ##"{ "type": ["object", "null"], "additionalProperties": { "$ref": "#/$defs/pgSequence" } }"##),
        DefinitionKey("functions", ##"{ "type": ["object", "null"], "additionalProperties": { "$ref": "#/$defs/pgFunction" } }"##),
        DefinitionKey("tables", ##"{ "type": ["object", "null"], "additionalProperties": { "$ref": "#/$defs/pgTable" } }"##),
        DefinitionKey("views", ##"{ "type": ["object", "null"], "additionalProperties": { "$ref": "#/$defs/pgView" } }"##),
    ]

    public static let tenancy = [DefinitionKey("column", name), DefinitionKey("setting", name)]

    public static let enumeration = [
        DefinitionKey("values", ##"{ "type": "array", "items": { "$ref": "#/$defs/scalar" } }"##), DefinitionKey("comment", comment),
    ]

    public static let domain = [
        DefinitionKey("type", text), DefinitionKey("not_null", flag),
        DefinitionKey("default", ##"{ "$ref": "#/$defs/scalar" }"##), DefinitionKey("default_sql", text),
        DefinitionKey("check", text), DefinitionKey("checks", ##"{ "type": "object", "additionalProperties": { "type": "string" } }"##),
        DefinitionKey("comment", comment),
    ]

    public static let check = [DefinitionKey("check", text), DefinitionKey("no_inherit", flag)]

    public static let sequence = [
        DefinitionKey("type", ##"{ "enum": ["smallint", "integer", "bigint", "int2", "int4", "int8", "int"] }"##),
        DefinitionKey("start", ##"{ "type": "integer" }"##), DefinitionKey("increment", ##"{ "type": "integer" }"##),
        DefinitionKey("min", ##"{ "type": "integer" }"##), DefinitionKey("max", ##"{ "type": "integer" }"##),
        DefinitionKey("cache", ##"{ "type": "integer" }"##), DefinitionKey("cycle", flag), DefinitionKey("owned_by", name),
        DefinitionKey("comment", comment),
    ]

    public static let function = [
        DefinitionKey("args", text), DefinitionKey("returns", text), DefinitionKey("procedure", flag), DefinitionKey("language", text), DefinitionKey("body", text), DefinitionKey("sql_body", text),
        DefinitionKey("volatility", ##"{ "enum": ["volatile", "stable", "immutable"] }"##), DefinitionKey("security_definer", flag),
        DefinitionKey("strict", flag), DefinitionKey("comment", comment),
        DefinitionKey("parallel", ##"{ "enum": ["safe", "restricted", "unsafe"] }"##), DefinitionKey("leakproof", flag),
        DefinitionKey("cost", ##"{ "type": "number" }"##), DefinitionKey("rows", ##"{ "type": "number" }"##),
        DefinitionKey("set", ##"{ "type": "object", "additionalProperties": { "type": "string" } }"##),
    ]

    public static let view = [
        DefinitionKey("sql", text), DefinitionKey("materialized", flag), DefinitionKey("comment", comment),
        DefinitionKey("grants", ##"{ "$ref": "#/$defs/grants" }"##), DefinitionKey("security_invoker", flag),
        DefinitionKey("indexes", ##"{ "type": "array", "items": { "$ref": "#/$defs/pgIndex" } }"##),
    ]

    public static let table = [
        DefinitionKey("comment", comment), DefinitionKey("tenant", flag),
        DefinitionKey("columns", ##"{ "type": "object", "additionalProperties": { "$ref": "#/$defs/pgColumn" } }"##),
        DefinitionKey("primary_key", names), DefinitionKey("primary_key_name", name),
        DefinitionKey("unique", ##"{ "type": "array", "items": { "oneOf": [{ "$ref": "#/$defs/names" }, { "$ref": "#/$defs/pgUnique" }] } }"##),
        DefinitionKey("checks", ##"{ "type": "object", "additionalProperties": { "oneOf": [{ "type": "string" }, { "$ref": "#/$defs/pgCheck" }] } }"##),
        DefinitionKey("exclusions", ##"{ "type": "object", "additionalProperties": { "type": "string" } }"##),
        DefinitionKey("foreign_keys", ##"{ "type": "array", "items": { "$ref": "#/$defs/pgForeignKey" } }"##),
        DefinitionKey("indexes", ##"{ "type": "array", "items": { "$ref": "#/$defs/pgIndex" } }"##),
        DefinitionKey("policies", ##"{ "type": "object", "additionalProperties": { "$ref": "#/$defs/pgPolicy" } }"##),
        DefinitionKey("grants", ##"{ "$ref": "#/$defs/grants" }"##), DefinitionKey("auto_updated_at", name),
        DefinitionKey("triggers", ##"{ "type": "object", "additionalProperties": { "$ref": "#/$defs/pgTrigger" } }"##),
        DefinitionKey("partition_by", ##"{ "$ref": "#/$defs/pgPartitionBy" }"##),
        DefinitionKey("partitions", ##"{ "type": "object", "additionalProperties": { "oneOf": [{ "const": "default" }, { "$ref": "#/$defs/pgPartition" }] } }"##),
        DefinitionKey("renamed_from", name),
        DefinitionKey("row_level_security", ##"{ "enum": [true, false, "forced"] }"##),
    ]

    public static let column = [
        DefinitionKey("type", text), DefinitionKey("nullable", flag), DefinitionKey("primary_key", flag), DefinitionKey("unique", flag),
        DefinitionKey("index", flag), DefinitionKey("default", ##"{ "description": "a literal of the column's type" }"##),
        DefinitionKey("default_sql", text), DefinitionKey("check", text), DefinitionKey("references", text),
        DefinitionKey("on_delete", action), DefinitionKey("on_update", action),
        DefinitionKey("identity", ##"{ "enum": ["always", "by default", "by_default", true] }"##), DefinitionKey("generated", text),
        DefinitionKey("comment", comment), DefinitionKey("renamed_from", name),
    ]

    public static let unique = [DefinitionKey("columns", names), DefinitionKey("name", name), DefinitionKey("nulls_not_distinct", flag)]

    public static let foreignKey = [
        DefinitionKey("name", name), DefinitionKey("columns", names), DefinitionKey("references", text),
        DefinitionKey("on_delete", action), DefinitionKey("on_update", action), DefinitionKey("deferrable", flag),
    ]

    public static let index = [
        DefinitionKey("name", name),
        DefinitionKey("columns", ##"{ "oneOf": [{ "$ref": "#/$defs/name" }, { "type": "array", "items": { "oneOf": [{ "$ref": "#/$defs/name" }, { "$ref": "#/$defs/pgIndexColumn" }] } }] }"##),
        DefinitionKey("expression", text), DefinitionKey("opclass", text), DefinitionKey("using", text), DefinitionKey("unique", flag),
        DefinitionKey("include", names), DefinitionKey("where", text), DefinitionKey("comment", comment),
        DefinitionKey("nulls_not_distinct", flag),
    ]

    public static let indexColumn = [
        DefinitionKey("column", name), DefinitionKey("opclass", text), DefinitionKey("order", ##"{ "enum": ["asc", "desc"] }"##),
        DefinitionKey("nulls", ##"{ "enum": ["first", "last"] }"##),
    ]

    public static let policy = [
        DefinitionKey("for", ##"{ "enum": ["all", "select", "insert", "update", "delete"] }"##), DefinitionKey("to", names),
        DefinitionKey("using", text), DefinitionKey("with_check", text), DefinitionKey("as", ##"{ "enum": ["permissive", "restrictive"] }"##),
    ]

    public static let trigger = [
        DefinitionKey("function", text), DefinitionKey("timing", ##"{ "enum": ["before", "after", "instead of", "instead_of"] }"##),
        DefinitionKey("events", names), DefinitionKey("for_each", ##"{ "enum": ["row", "statement"] }"##), DefinitionKey("when", text),
        DefinitionKey("args", ##"{ "oneOf": [{ "$ref": "#/$defs/scalar" }, { "type": "array", "items": { "$ref": "#/$defs/scalar" } }] }"##),
    ]

    public static let partitionBy = [
        DefinitionKey("range", names), DefinitionKey("list", names), DefinitionKey("hash", names),
        DefinitionKey("partitions", ##"{ "type": "integer", "minimum": 1 }"##),
    ]

    public static let partition = [
        DefinitionKey("from", "{}"), DefinitionKey("to", "{}"), DefinitionKey("in", "{}"),
        DefinitionKey("modulus", ##"{ "type": "integer" }"##), DefinitionKey("remainder", ##"{ "type": "integer" }"##),
    ]
}
