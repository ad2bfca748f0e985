import SchemacModel

/// `generated/redis/keys.json` (every key spec with its SCAN glob and regex,
/// every script with its SHA-1, every function library, every channel), `keys.schema.json` (the JSON
/// Schema that describes it) and `KEYS.md` (the same for people).
public enum RedisRenderer {
    public static func files(_ schema: RedisSchema, sourceFiles: [String]) -> [(name: String, contents: String)] {
        [("keys.json", keysJSON(schema, sourceFiles: sourceFiles)), ("keys.schema.json", keysSchema), ("KEYS.md", keysMarkdown(schema, sourceFiles: sourceFiles))]
    }

    /// A JSON object written in a fixed order, two spaces a level.
    enum JSON {
        case string(String), int(Int), bool(Bool), null, array([JSON]), object([(String, JSON)])

        func render(_ indent: String = "") -> String {
            let inner = indent + "  "
            switch self {
            case .string(let s): return jsonString(s)
            case .int(let n): return String(n)
            case .bool(let b): return b ? "true" : "false"
            case .null: return "null"
            case .array(let items):
                if items.isEmpty { return "[]" }
                return "[\n" + items.map { inner + $0.render(inner) }.joined(separator: ",\n") + "\n" + indent + "]"
            case .object(let pairs):
                if pairs.isEmpty { return "{}" }
                return "{\n" + pairs.map { inner + jsonString($0.0) + ": " + $0.1.render(inner) }.joined(separator: ",\n") + "\n" + indent + "}"
            }
        }
    }

    static func params(_ list: [RedisParam]) -> JSON { .object(list.map { ($0.name, .string($0.type.rawValue)) }) }

    public static func keysJSON(_ schema: RedisSchema, sourceFiles: [String]) -> String {
        let keys: [JSON] = schema.keys.map { k in
            .object([
                ("name", .string(k.name)), ("pattern", .string(k.pattern.text)), ("params", params(k.params)),
                ("type", .string(k.type.rawValue)), ("ttl_seconds", k.ttlSeconds.map { .int($0) } ?? .null), ("durable", .bool(k.durable)),
                ("fields", params(k.fields)), ("hash_tag", k.hashTag.map { .string($0) } ?? .null), ("owner", k.owner.map { .string($0) } ?? .null),
                ("comment", k.comment.map { .string($0) } ?? .null),
                ("scan_glob", .string(k.pattern.scanGlob(hashTag: k.hashTag))), ("regex", .string(k.pattern.regex(hashTag: k.hashTag, params: k.params))),
            ])
        }
        let scripts: [JSON] = schema.scripts.map { s in
            .object([("name", .string(s.name)), ("keys", .array(s.keys.map { .string($0) })), ("args", .array(s.args.map { .string($0) })),
                     ("source", .string(s.sourcePath)), ("sha1", .string(s.sha1)), ("comment", s.comment.map { .string($0) } ?? .null)])
        }
        let channels: [JSON] = schema.channels.map { c in
            .object([("name", .string(c.name)), ("pattern", .string(c.pattern.text)), ("params", params(c.params)),
                     ("subscribe_glob", .string(c.pattern.scanGlob(hashTag: nil))), ("comment", c.comment.map { .string($0) } ?? .null)])
        }
        let libraries: [JSON] = schema.libraries.map { l in
            .object([("name", .string(l.name)), ("source", .string(l.sourcePath)), ("comment", l.comment.map { .string($0) } ?? .null),
                     ("functions", .array(l.functions.map { f in
                         .object([("name", .string(f.name)), ("keys", .array(f.keys.map { .string($0) })), ("args", .array(f.args.map { .string($0) })),
                                  ("flags", .array(f.flags.map { .string($0.rawValue) })), ("command", .string(f.command)),
                                  ("comment", f.comment.map { .string($0) } ?? .null)])
                     }))])
        }
        let root = JSON.object([
            ("$schema", .string("./keys.schema.json")),
            ("generated_by", .string(GeneratedHeader.json)),
            ("sources", .array(sourceFiles.map { .string($0) })),
            ("keys", .array(keys)), ("scripts", .array(scripts)), ("functions", .array(libraries)), ("channels", .array(channels)),
        ])
        return root.render() + "\n"
    }

    public static func keysMarkdown(_ schema: RedisSchema, sourceFiles: [String]) -> String {
        func cell(_ s: String) -> String { s.replacing("|", with: "\\|").replacing("\n", with: " ") }
        func duration(_ seconds: Int) -> String {
            for (unit, size) in [("d", 86400), ("h", 3600), ("m", 60)] where seconds % size == 0 { return "\(seconds / size)\(unit)" }
            return "\(seconds)s"
        }
        var out = GeneratedHeader.markdown
        out += "# Redis keys\n\nFrom " + sourceFiles.map { "`\($0)`" }.joined(separator: ", ") + ".\n"
        out += "\n| key | pattern | type | expiry | params | hash tag | owner | notes |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n"
        for k in schema.keys {
            let expiry = k.ttlSeconds.map(duration) ?? (k.durable ? "durable" : "none")
            let params = k.params.map { "\($0.name): \($0.type.rawValue)" }.joined(separator: ", ")
            out += "| \(cell(k.name)) | `\(cell(k.pattern.text))` | \(k.type.rawValue) | \(expiry) | \(cell(params)) | \(k.hashTag ?? "") | "
                + "\(cell(k.owner ?? "")) | \(cell(k.comment ?? "")) |\n"
        }
        let hashes = schema.keys.filter { !$0.fields.isEmpty }
        if !hashes.isEmpty {
            out += "\n## Hash fields\n"
            for k in hashes {
                out += "\n`\(cell(k.pattern.text))`: " + k.fields.map { "`\($0.name)` (\($0.type.rawValue))" }.joined(separator: ", ") + "\n"
            }
        }
        if !schema.scripts.isEmpty {
            out += "\n## Scripts\n\n| script | KEYS | ARGV | source | SHA-1 |\n| --- | --- | --- | --- | --- |\n"
            for s in schema.scripts {
                out += "| \(cell(s.name)) | \(s.keys.joined(separator: ", ")) | \(s.args.joined(separator: ", ")) | `\(cell(s.sourcePath))` | `\(s.sha1)` |\n"
            }
        }
        if !schema.libraries.isEmpty {
            out += "\n## Functions\n\n| function | library | keys | args | flags | call | source |\n| --- | --- | --- | --- | --- | --- | --- |\n"
            for l in schema.libraries {
                for f in l.functions {
                    out += "| \(cell(f.name)) | \(cell(l.name)) | \(f.keys.joined(separator: ", ")) | \(cell(f.args.joined(separator: ", "))) | "
                        + "\(f.flags.map(\.rawValue).joined(separator: ", ")) | \(f.command) | `\(cell(l.sourcePath))` |\n"
                }
            }
        }
        if !schema.channels.isEmpty {
            out += "\n## Channels\n\n| channel | pattern | params |\n| --- | --- | --- |\n"
            for c in schema.channels {
                out += "| \(cell(c.name)) | `\(cell(c.pattern.text))` | \(cell(c.params.map { "\($0.name): \($0.type.rawValue)" }.joined(separator: ", "))) |\n"
            }
        }
        return out
    }

    /// The JSON Schema (2020-12) of keys.json.
    public static let keysSchema = #"""
{
  "$comment": \#(jsonString(GeneratedHeader.jsonSchemaComment)),
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "keys.schema.json",
  "title": "schemac Redis key specifications",
  "type": "object",
  "required": ["keys", "scripts", "functions", "channels"],
  "additionalProperties": false,
  "properties": {
    "$schema": { "type": "string" },
    "generated_by": { "type": "string" },
    "sources": { "type": "array", "items": { "type": "string" } },
    "keys": {
      "type": "array",
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "pattern", "params", "type", "ttl_seconds", "durable", "fields", "hash_tag", "owner", "comment", "scan_glob", "regex"],
        "properties": {
          "name": { "type": "string" },
          "pattern": { "type": "string", "description": "literal text and {placeholders}" },
          "params": { "$ref": "#/$defs/params" },
          "type": { "enum": ["string", "hash", "list", "set", "zset", "stream"] },
          "ttl_seconds": { "type": ["integer", "null"], "minimum": 1 },
          "durable": { "type": "boolean" },
          "fields": { "$ref": "#/$defs/params" },
          "hash_tag": { "type": ["string", "null"], "description": "the placeholder whose value is wrapped in {…} in the key" },
          "owner": { "type": ["string", "null"] },
          "comment": { "type": ["string", "null"] },
          "scan_glob": { "type": "string", "description": "for SCAN MATCH" },
          "regex": { "type": "string", "description": "matches exactly the keys of the pattern" }
        }
      }
    },
    "scripts": {
      "type": "array",
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "keys", "args", "source", "sha1", "comment"],
        "properties": {
          "name": { "type": "string" },
          "keys": { "type": "array", "items": { "type": "string" }, "description": "key spec names, in KEYS order" },
          "args": { "type": "array", "items": { "type": "string" } },
          "source": { "type": "string" },
          "sha1": { "type": "string", "pattern": "^[0-9a-f]{40}$" },
          "comment": { "type": ["string", "null"] }
        }
      }
    },
    "functions": {
      "type": "array",
      "description": "libraries of Redis Functions, loaded with FUNCTION LOAD",
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "source", "comment", "functions"],
        "properties": {
          "name": { "type": "string", "description": "the library, as its #!lua name= line says" },
          "source": { "type": "string" },
          "comment": { "type": ["string", "null"] },
          "functions": {
            "type": "array",
            "items": {
              "type": "object",
              "additionalProperties": false,
              "required": ["name", "keys", "args", "flags", "command", "comment"],
              "properties": {
                "name": { "type": "string" },
                "keys": { "type": "array", "items": { "type": "string" }, "description": "key spec names, in the order of the call's keys" },
                "args": { "type": "array", "items": { "type": "string" } },
                "flags": { "type": "array", "items": { "enum": ["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"] } },
                "command": { "enum": ["FCALL", "FCALL_RO"] },
                "comment": { "type": ["string", "null"] }
              }
            }
          }
        }
      }
    },
    "channels": {
      "type": "array",
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "pattern", "params", "subscribe_glob", "comment"],
        "properties": {
          "name": { "type": "string" },
          "pattern": { "type": "string" },
          "params": { "$ref": "#/$defs/params" },
          "subscribe_glob": { "type": "string", "description": "for PSUBSCRIBE" },
          "comment": { "type": ["string", "null"] }
        }
      }
    }
  },
  "$defs": {
    "params": {
      "type": "object",
      "additionalProperties": { "enum": ["string", "uuid", "int", "float", "bool", "timestamp", "date", "json"] }
    }
  }
}

"""#
}
