/// The keys of each Redis object, in one place: the resolver allows exactly
/// these and `schemac schema` describes exactly these.
public enum RedisKeys {
    static let comment = ##"{ "$ref": "#/$defs/comment" }"##
    static let text = ##"{ "type": "string" }"##
    static let params = ##"{ "$ref": "#/$defs/redisParams" }"##

    public static let section = [
        DefinitionKey("keys", ##"{ "type": ["object", "null"], "additionalProperties": { "$ref": "#/$defs/redisKey" } }"##),
        DefinitionKey("scripts", ##"{ "type": ["object", "null"], "additionalProperties": { "$ref": "#/$defs/redisScript" } }"##),
        DefinitionKey("channels", ##"{ "type": ["object", "null"], "additionalProperties": { "$ref": "#/$defs/redisChannel" } }"##),
        DefinitionKey("functions", ##"{ "type": ["object", "null"], "additionalProperties": { "$ref": "#/$defs/redisLibrary" } }"##),
    ]

    public static let key = [
        DefinitionKey("pattern", text), DefinitionKey("params", params),
        DefinitionKey("type", ##"{ "enum": ["string", "hash", "list", "set", "zset", "stream"] }"##),
        DefinitionKey("ttl", ##"{ "oneOf": [{ "type": "string", "pattern": "^[0-9]+[smhd]?$" }, { "type": "integer", "minimum": 1 }] }"##),
        DefinitionKey("durable", ##"{ "type": "boolean" }"##), DefinitionKey("fields", params), DefinitionKey("hash_tag", text),
        DefinitionKey("owner", text), DefinitionKey("comment", comment),
    ]

    public static let script = [
        DefinitionKey("keys", ##"{ "type": "array", "items": { "type": "string" } }"##),
        DefinitionKey("args", ##"{ "type": "array", "items": { "type": "string" } }"##),
        DefinitionKey("source", text), DefinitionKey("comment", comment),
    ]

    /// A library of Redis Functions: its Lua and what it registers.
    public static let library = [
        DefinitionKey("source", text),
        DefinitionKey("functions", ##"{ "type": "object", "additionalProperties": { "$ref": "#/$defs/redisFunction" } }"##),
        DefinitionKey("comment", comment),
    ]

    public static let function = [
        DefinitionKey("keys", ##"{ "type": "array", "items": { "type": "string" } }"##),
        DefinitionKey("args", ##"{ "type": "array", "items": { "type": "string" } }"##),
        DefinitionKey("flags", ##"{ "type": "array", "items": { "enum": ["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"] } }"##),
        DefinitionKey("comment", comment),
    ]

    public static let channel = [DefinitionKey("pattern", text), DefinitionKey("params", params), DefinitionKey("comment", comment)]
}
