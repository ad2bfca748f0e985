/// How definitions become Swift: names made Swift, and the Swift type of each
/// column. The loader checks with it (so a problem has its place in a file);
/// the Swift renderer writes with it.
public enum SwiftMapping {
    /// A Swift type for a column, or why there is none that is safe.
    public enum Mapped: Equatable, Sendable {
        case type(String)
        case unsupported(String)
        /// Not a value a row holds (an aggregation state): no member, said in the struct's documentation.
        case omitted(String)
    }

    // MARK: Names

    /// `created_at` → `createdAt`, `Display Name` → `displayName`, `user_id` → `userID`, `ID` → `id`.
    public static func memberName(_ sqlName: String) -> String {
        let words = self.words(sqlName)
        guard let first = words.first else { return "_" }
        var out = lowerFirstWord(first) + words.dropFirst().map(capitalized).joined()
        if let c = out.unicodeScalars.first, ("0"..."9").contains(c) { out = "_" + out }
        // `row.self` is the row and `row.init` an initializer, quoted or not.
        if ["self", "init", "Type", "Protocol"].contains(out) { out += "_" }
        return out
    }

    /// `campaign_metrics_raw` → `CampaignMetricsRaw`.
    public static func typeName(_ sqlName: String) -> String {
        var out = words(sqlName).map(capitalized).joined()
        if out.isEmpty { out = "_" }
        if let c = out.unicodeScalars.first, ("0"..."9").contains(c) { out = "_" + out }
        return out
    }

    /// A member name as it may be written in a declaration: keywords in backquotes.
    public static func declared(_ name: String) -> String {
        keywords.contains(name) ? "`\(name)`" : name
    }

    /// Words of a name: split at anything not a letter or digit, and where a
    /// lowercase letter or digit meets an uppercase one (`userId` → user, Id).
    static func words(_ name: String) -> [String] {
        if name.utf8.allSatisfy({ $0 < 0x80 }) { return asciiWords(name) }
        var words: [String] = []
        var current = ""
        var previous: Character?
        for ch in name {
            // Swift takes letters of any script in names (`ünïcödé`, `列`), and ASCII digits.
            guard ch.isLetter || ch.isASCII && ch.isNumber else {
                if !current.isEmpty { words.append(current) }
                current = ""
                previous = nil
                continue
            }
            if let p = previous, ch.isUppercase, p.isLowercase || p.isNumber, !current.isEmpty {
                words.append(current)
                current = ""
            }
            current.append(ch)
            previous = ch
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// `words` of an ASCII name, by bytes: Character's Unicode properties
    /// were a tenth of `generate` at 10,000 tables.
    private static func asciiWords(_ name: String) -> [String] {
        func isUpper(_ b: UInt8) -> Bool { b >= 0x41 && b <= 0x5A }
        func isLower(_ b: UInt8) -> Bool { b >= 0x61 && b <= 0x7A }
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        var words: [String] = []
        var current: [UInt8] = []
        var previous: UInt8?
        func flush() {
            if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
            current.removeAll(keepingCapacity: true)
        }
        for b in name.utf8 {
            guard isUpper(b) || isLower(b) || isDigit(b) else {
                flush()
                previous = nil
                continue
            }
            if let p = previous, isUpper(b), isLower(p) || isDigit(p) { flush() }
            current.append(b)
            previous = b
        }
        flush()
        return words
    }

    private static func lowerFirstWord(_ word: String) -> String {
        // `ID` → `id`, `URLPath` stays one word here → `urlpath`; `Name` → `name`.
        word.allSatisfy { $0.isUppercase || $0.isNumber } ? word.lowercased() : word.prefix(1).lowercased() + word.dropFirst()
    }

    private static func capitalized(_ word: String) -> String {
        // Initialisms keep one case, as Swift's API guidelines have it: `userID`, `imageURL`.
        if initialisms.contains(word.lowercased()) { return word.uppercased() }
        return word.allSatisfy { $0.isUppercase || $0.isNumber } && word.count > 1
            ? word.prefix(1) + word.dropFirst().lowercased()
            : word.prefix(1).uppercased() + word.dropFirst()
    }

    /// Words written all in capitals after the first word of a name.
    public static let initialisms: Set<String> = ["id", "ids", "url", "urls", "uuid", "json", "api", "ip", "http", "https", "sql", "ttl", "utc", "sha"]

    /// Words Swift reserves in declarations (escaped with backquotes).
    public static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout", "internal",
        "let", "open", "operator", "private", "precedencegroup", "protocol", "public", "rethrows", "static", "struct", "subscript",
        "typealias", "var", "break", "case", "catch", "continue", "default", "defer", "do", "else", "fallthrough", "for", "guard",
        "if", "in", "repeat", "return", "throw", "switch", "where", "while", "as", "false", "is", "nil", "self", "Self", "super",
        "throws", "true", "try", "Any", "Type", "some", "any", "await", "async",
    ]

    /// Names a generated struct may not take: they would hide what the
    /// generated code itself uses.
    public static let reservedTypeNames: Set<String> = [
        "CodingKeys", "JSONValue", "CalendarDate", "InetAddress", "SchemaCoding", "Table", "Codable", "Sendable", "Hashable",
    ]

    // MARK: Types

    public static func swiftType(_ type: PostgresType, enumName: (QualifiedName) -> String) -> Mapped {
        let element: String
        switch type.base {
        case .domain: return swiftType(type.underlying, enumName: enumName)
        case .enumeration(let name): element = enumName(name)
        case .extensionType(let name, _):
            guard name == "citext" else { return .unsupported("extension type \(name) has no Swift mapping") }
            element = "Swift.String"
        case .builtin(let b):
            switch b {
            case .smallint: element = "Swift.Int16"
            case .integer: element = "Swift.Int32"
            case .bigint: element = "Swift.Int64"
            case .real: element = "Swift.Float"
            case .doublePrecision: element = "Swift.Double"
            case .numeric: element = "Foundation.Decimal"
            case .boolean: element = "Swift.Bool"
            case .text, .varchar, .character: element = "Swift.String"
            case .uuid: element = "Foundation.UUID"
            case .bytea: element = "Foundation.Data"
            case .date: element = "CalendarDate"
            case .timestamp, .timestamptz: element = "Foundation.Date"
            case .json, .jsonb: element = "JSONValue"
            case .inet, .cidr: element = "InetAddress"
            default: return .unsupported("PostgreSQL type \(b.rawValue) has no safe Swift mapping")
            }
        }
        return .type(type.isArray ? "[\(element)]" : element)
    }

    public static func swiftType(_ type: ClickHouseType, enumName: (ClickHouseType) -> String?) -> Mapped {
        switch type {
        case .plain(let name):
            let table: [String: String] = [
                "Int8": "Swift.Int8", "Int16": "Swift.Int16", "Int32": "Swift.Int32", "Int64": "Swift.Int64",
                "UInt8": "Swift.UInt8", "UInt16": "Swift.UInt16", "UInt32": "Swift.UInt32", "UInt64": "Swift.UInt64",
                "Float32": "Swift.Float", "Float64": "Swift.Double", "Bool": "Swift.Bool", "String": "Swift.String",
                "UUID": "Foundation.UUID", "Date": "CalendarDate", "Date32": "CalendarDate", "JSON": "JSONValue",
                "IPv4": "InetAddress", "IPv6": "InetAddress",
            ]
            guard let mapped = table[name] else { return .unsupported("ClickHouse type \(name) has no safe Swift mapping") }
            return .type(mapped)
        case .fixedString: return .type("Swift.String")
        case .decimal: return .type("Foundation.Decimal")
        case .dateTime, .dateTime64: return .type("Foundation.Date")
        case .enumeration:
            guard let name = enumName(type) else { return .unsupported("an Enum type without a Swift name") }
            return .type(name)
        case .nullable(let inner), .lowCardinality(let inner):
            let mapped = swiftType(inner, enumName: enumName)
            if case .nullable = type, case .type(let t) = mapped { return .type(t + "?") }
            return mapped
        case .array(let inner):
            guard case .type(let t) = swiftType(inner, enumName: enumName) else { return swiftType(inner, enumName: enumName) }
            return .type("[\(t)]")
        case .map(let key, let value):
            // JSON objects have string keys, and Swift writes a dictionary as
            // one only when its keys are String or Int: integer keys that fit
            // an Int are read as Int.
            let k: String
            switch key {
            case .plain("String"), .fixedString, .lowCardinality(.plain("String")), .lowCardinality(.fixedString): k = "Swift.String"
            case .plain(let name) where ["Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32"].contains(name): k = "Swift.Int"
            default: return .unsupported("Map(\(key.sql), …) has no safe Swift mapping: JSON object keys are strings or integers that fit an Int")
            }
            guard case .type(let v) = swiftType(value, enumName: enumName) else { return swiftType(value, enumName: enumName) }
            return .type("[\(k): \(v)]")
        case .tuple:
            return .unsupported("Tuple has no safe Swift mapping yet")
        case .aggregateFunction(let simple, _, let arguments):
            guard simple, let argument = arguments.first else {
                return .omitted("an aggregation state, read through its -Merge function")
            }
            return swiftType(argument, enumName: enumName)
        }
    }
}

/// Every Swift declaration the definitions make, with its names and types
/// decided once: the loader reports its problems, the renderer writes it.
public struct SwiftPlan: Sendable {
    /// What a problem is about, for the loader to find its place in a file.
    public enum Subject: Hashable, Sendable {
        case postgresTable(QualifiedName)
        case postgresColumn(QualifiedName, String)
        case postgresEnum(QualifiedName)
        case clickhouseTable(String)
        case clickhouseColumn(String, String)
        case redisKey(String)
    }

    public struct Problem: Sendable {
        public var subject: Subject
        public var message: String
        /// A name collision (else a type without a mapping).
        public var isCollision: Bool
    }

    public struct Member: Sendable {
        public var sqlName: String
        public var swiftName: String
        public var swiftType: String
        public var comment: String?
        /// What the engine computes (ClickHouse MATERIALIZED and ALIAS): an
        /// optional member, there when a query selects it (`SELECT *` leaves it
        /// out), never an initializer argument and never encoded, since an
        /// INSERT may not name it.
        public var computed = false
    }

    public struct Record: Sendable {
        /// The enclosing namespace (a PostgreSQL schema other than public, a
        /// ClickHouse database), or nil for the top level.
        public var namespace: String?
        public var typeName: String
        /// `schema.table` or `database.table`, as SQL names it.
        public var schemaName: String
        public var tableName: String
        public var comment: String?
        public var members: [Member]
        /// Columns that are no member, and why.
        public var omitted: [(String, String)] = []
        /// What a value of it is, for its documentation.
        public var summary: String { fieldsOfHash ? "The fields of the hash `\(tableName)`." : "A row of `\(schemaName).\(tableName)`." }
        /// The fields of a Redis hash (its `tableName` the key pattern), not a table's row.
        public var fieldsOfHash = false
        /// The PostgreSQL table it is a row of (whose declaration has a place), if any.
        public var postgresTable: QualifiedName?
    }

    public struct EnumDecl: Sendable {
        public var namespace: String?
        public var typeName: String
        public var sqlName: String
        public var comment: String?
        /// (case name, raw value)
        public var cases: [(String, String)]
    }

    /// A Redis key (or channel) builder: `RedisKeys.session(userId:)`.
    public struct KeyBuilder: Sendable {
        public var functionName: String
        public var pattern: String
        public var parts: [RedisPattern.Part]
        public var hashTag: String?
        /// (SQL-side placeholder, Swift parameter name, Swift type)
        public var params: [(String, String, String)]
        public var ttlSeconds: Int?
        public var typeDescription: String
        public var comment: String?
        /// The hash's fields as a struct, for a hash with fields.
        public var fields: Record?
    }

    /// A caller of a Redis Function: `RedisFunctions.reserveStock(stock:quantity:)`.
    public struct FunctionCaller: Sendable {
        public var functionName: String
        /// The function's name in Redis, and its library's.
        public var redisName: String
        public var library: String
        /// `FCALL`, or `FCALL_RO` for a function that does not write.
        public var command: String
        /// (key spec name, Swift parameter name), in the order the function takes them.
        public var keys: [(String, String)]
        /// (declared name, Swift parameter name).
        public var args: [(String, String)]
        public var comment: String?
    }

    public var keyBuilders: [KeyBuilder] = []
    public var channelBuilders: [KeyBuilder] = []
    public var functionCallers: [FunctionCaller] = []
    public var records: [Record] = []
    public var enums: [EnumDecl] = []
    public var namespaces: [String] = []
    public var problems: [Problem] = []

    public init(_ set: DefinitionSet) {
        if let pg = set.postgres { addPostgres(pg) }
        if let redis = set.redis { addRedis(redis) }
        if let ch = set.clickhouse { addClickHouse(ch) }
    }

    /// "namespace.Type" → the first definition that claimed it.
    private var declared: [String: Subject] = [:]

    /// Claims a Swift type name, a problem when it is taken or reserved.
    private mutating func claim(_ namespace: String?, _ name: String, _ subject: Subject, _ what: String) {
        let key = (namespace.map { $0 + "." } ?? "") + name
        if SwiftMapping.reservedTypeNames.contains(name) {
            problems.append(Problem(subject: subject, message: "\(what) would be the Swift type \(key), a name the generated code uses itself",
                                    isCollision: true))
        } else if declared[key] != nil {
            problems.append(Problem(subject: subject, message: "\(what) would be the Swift type \(key), which another definition already is",
                                    isCollision: true))
        } else {
            declared[key] = subject
        }
    }

    /// The Swift member names of SQL names, a problem where two come out the same.
    private mutating func members(_ names: [(String, Subject)], in what: String) -> [String] {
        var seen: [String: String] = [:]
        return names.map { sql, subject in
            let swift = SwiftMapping.memberName(sql)
            if let other = seen[swift] {
                problems.append(Problem(subject: subject, message: "'\(sql)' of \(what) would be the Swift name \(swift), as '\(other)' is",
                                        isCollision: true))
            } else {
                seen[swift] = sql
            }
            return swift
        }
    }

    private mutating func addPostgres(_ pg: PostgresSchema) {
        func namespace(_ schema: String) -> String? { schema == "public" ? nil : SwiftMapping.typeName(schema) }
        var enumNames: [QualifiedName: String] = [:]
        for e in pg.enums {
            let typeName = SwiftMapping.typeName(e.name.name)
            enumNames[e.name] = (namespace(e.name.schema).map { $0 + "." } ?? "") + typeName
            claim(namespace(e.name.schema), typeName, .postgresEnum(e.name), "enum \(e.name)")
            let caseNames = members(e.values.map { ($0, .postgresEnum(e.name)) }, in: "enum \(e.name)")
            enums.append(EnumDecl(namespace: namespace(e.name.schema), typeName: typeName, sqlName: e.name.description,
                                  comment: e.comment, cases: Array(zip(caseNames, e.values))))
        }
        for t in pg.tables {
            let typeName = SwiftMapping.typeName(t.name.name)
            claim(namespace(t.name.schema), typeName, .postgresTable(t.name), "table \(t.name)")
            let names = members(t.columns.map { ($0.name, .postgresColumn(t.name, $0.name)) }, in: "table \(t.name)")
            var record = Record(namespace: namespace(t.name.schema), typeName: typeName, schemaName: t.name.schema, tableName: t.name.name,
                                comment: t.comment, members: [])
            record.postgresTable = t.name
            for (c, swiftName) in zip(t.columns, names) {
                switch SwiftMapping.swiftType(c.type, enumName: { enumNames[$0] ?? SwiftMapping.typeName($0.name) }) {
                case .type(let type):
                    // A generated column is still read; only identity and defaults make no difference to reading.
                    record.members.append(Member(sqlName: c.name, swiftName: swiftName, swiftType: c.nullable ? type + "?" : type,
                                                 comment: c.comment))
                case .unsupported(let why):
                    problems.append(Problem(subject: .postgresColumn(t.name, c.name), message: "column '\(c.name)' of table \(t.name): \(why)",
                                            isCollision: false))
                case .omitted(let why):
                    record.omitted.append((c.name, why))
                }
            }
            records.append(record)
        }
        namespaces += Set(pg.tables.map(\.name.schema) + pg.enums.map(\.name.schema)).compactMap(namespace).sorted()
    }

    /// Key and channel builders, and the fields of hash keys.
    private mutating func addRedis(_ redis: RedisSchema) {
        func swiftType(_ t: RedisValueType) -> String {
            switch t {
            case .string, .json: "Swift.String"
            case .uuid: "Foundation.UUID"
            case .int: "Swift.Int"
            case .float: "Swift.Double"
            case .bool: "Swift.Bool"
            case .timestamp: "Foundation.Date"
            case .date: "CalendarDate"
            }
        }
        func fieldType(_ t: RedisValueType) -> String { t == .json ? "JSONValue" : swiftType(t) }
        var functions: [String: String] = [:]
        func builder(_ name: String, _ pattern: RedisPattern, _ params: [RedisParam], hashTag: String?, ttl: Int?, type: String,
                     comment: String?, what: String) -> KeyBuilder {
            let function = SwiftMapping.memberName(name)
            if let other = functions[function] {
                problems.append(Problem(subject: .redisKey(name), message: "\(what) '\(name)' would be the Swift builder \(function), as '\(other)' is",
                                        isCollision: true))
            }
            functions[function] = name
            let paramNames = members(params.map { ($0.name, .redisKey(name)) }, in: "\(what) '\(name)'")
            return KeyBuilder(functionName: function, pattern: pattern.text, parts: pattern.parts, hashTag: hashTag,
                              params: zip(params, paramNames).map { ($0.name, $1, swiftType($0.type)) }, ttlSeconds: ttl,
                              typeDescription: type, comment: comment, fields: nil)
        }
        for k in redis.keys {
            var b = builder(k.name, k.pattern, k.params, hashTag: k.hashTag, ttl: k.ttlSeconds, type: k.type.rawValue, comment: k.comment,
                            what: "Redis key")
            if !k.fields.isEmpty {
                let typeName = SwiftMapping.typeName(k.name) + "Fields"
                claim("RedisKeys", typeName, .redisKey(k.name), "the fields of Redis key \(k.name)")
                let names = members(k.fields.map { ($0.name, .redisKey(k.name)) }, in: "the fields of Redis key '\(k.name)'")
                b.fields = Record(namespace: "RedisKeys", typeName: typeName, schemaName: "redis", tableName: k.pattern.text, comment: nil,
                                  members: zip(k.fields, names).map { Member(sqlName: $0.name, swiftName: $1, swiftType: fieldType($0.type), comment: nil) },
                                  fieldsOfHash: true)
            }
            keyBuilders.append(b)
        }
        functions = [:]
        for c in redis.channels {
            channelBuilders.append(builder(c.name, c.pattern, c.params, hashTag: nil, ttl: nil, type: "channel", comment: c.comment,
                                           what: "Redis channel"))
        }
        functions = [:]
        for library in redis.libraries {
            for f in library.functions {
                let name = SwiftMapping.memberName(f.name)
                if let other = functions[name] {
                    problems.append(Problem(subject: .redisKey(f.name), message: "Redis function '\(f.name)' would be the Swift caller \(name), as '\(other)' is",
                                            isCollision: true))
                }
                functions[name] = f.name
                let parameters = members(Self.callerParameters(f).map { ($0, .redisKey(f.name)) }, in: "Redis function '\(f.name)'")
                functionCallers.append(FunctionCaller(functionName: name, redisName: f.name, library: library.name, command: f.command,
                                                      keys: Array(zip(f.keys, parameters.prefix(f.keys.count))),
                                                      args: Array(zip(f.args, parameters.dropFirst(f.keys.count))), comment: f.comment))
            }
        }
    }

    /// The names a caller's parameters are made from: a key by its spec
    /// (`account1`, `account2` when a spec comes twice), an arg by its name
    /// (`arg3` when it holds no letter or digit to make one of).
    static func callerParameters(_ f: RedisFunction) -> [String] {
        let keys = f.keys.enumerated().map { i, spec in
            f.keys.filter { $0 == spec }.count > 1 ? "\(spec)\(f.keys[...i].filter { $0 == spec }.count)" : spec
        }
        let args = f.args.enumerated().map { i, arg in
            arg.unicodeScalars.contains { $0.properties.isAlphabetic || ("0"..."9").contains($0) } ? arg : "arg\(f.keys.count + i + 1)"
        }
        return keys + args
    }

    /// One namespace for the database; an enum of its own for each Enum column.
    private mutating func addClickHouse(_ ch: ClickHouseSchema) {
        let space = SwiftMapping.typeName(ch.database)
        if declared[space] != nil {
            problems.append(Problem(subject: .clickhouseTable(ch.tables.first?.name ?? ch.database),
                                    message: "ClickHouse database \(ch.database) would be the Swift namespace \(space), which a PostgreSQL definition already is",
                                    isCollision: true))
        }
        namespaces.append(space)
        for t in ch.tables {
            let typeName = SwiftMapping.typeName(t.name)
            claim(space, typeName, .clickhouseTable(t.name), "ClickHouse table \(t.name)")
            let names = members(t.columns.map { ($0.name, .clickhouseColumn(t.name, $0.name)) }, in: "ClickHouse table \(t.name)")
            var record = Record(namespace: space, typeName: typeName, schemaName: ch.database, tableName: t.name, comment: t.comment, members: [])
            for (c, swiftName) in zip(t.columns, names) {
                // An Enum8/16 column gets an enum of its own, named after the table and column.
                let enumName = typeName + SwiftMapping.typeName(c.name)
                var enumType: ClickHouseType?
                switch SwiftMapping.swiftType(c.type, enumName: { type in enumType = type; return enumName }) {
                case .type(let type):
                    let computed = c.defaultKind == .materialized || c.defaultKind == .alias
                    record.members.append(Member(sqlName: c.name, swiftName: swiftName,
                                                 swiftType: computed && !type.hasSuffix("?") ? type + "?" : type,
                                                 comment: c.comment, computed: computed))
                    if case .enumeration(_, let values)? = enumType {
                        claim(space, enumName, .clickhouseColumn(t.name, c.name), "the Enum of column \(t.name).\(c.name)")
                        let caseNames = members(values.map { ($0.name, .clickhouseColumn(t.name, c.name)) }, in: "the Enum of \(t.name).\(c.name)")
                        enums.append(EnumDecl(namespace: space, typeName: enumName, sqlName: c.type.sql, comment: nil,
                                              cases: Array(zip(caseNames, values.map(\.name)))))
                    }
                case .unsupported(let why):
                    problems.append(Problem(subject: .clickhouseColumn(t.name, c.name),
                                            message: "column '\(c.name)' of ClickHouse table \(t.name): \(why)", isCollision: false))
                case .omitted(let why):
                    record.omitted.append((c.name, why))
                }
            }
            records.append(record)
        }
    }
}
