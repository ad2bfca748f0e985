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

    public static let channel = [DefinitionKey("pattern", text), DefinitionKey("params", params), DefinitionKey("comment", comment)]
}
