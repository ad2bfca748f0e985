import Foundation

/// The `clickhouse:` section of the definitions, resolved: one database, its
/// tables, the materialized views that feed them and the dictionaries.
///
/// Expressions (keys, TTLs, defaults, view bodies) are ClickHouse SQL as
/// written; the loader checks names and shapes, the engine checks the SQL.
public struct ClickHouseSchema: Hashable, Sendable, Codable {
    public var database: String
    /// With a cluster: every statement ON CLUSTER, Replicated engines, and a
    /// Distributed table over each table that has `shardBy`.
    public var cluster: String?
    /// The named collection dictionaries read PostgreSQL through.
    public var postgresCollection: String
    public var tables: [ClickHouseTable]
    public var materializedViews: [ClickHouseMaterializedView]
    public var dictionaries: [ClickHouseDictionary]

    public init(database: String, cluster: String? = nil, postgresCollection: String = "postgres", tables: [ClickHouseTable] = [],
                materializedViews: [ClickHouseMaterializedView] = [], dictionaries: [ClickHouseDictionary] = []) {
        self.database = database
        self.cluster = cluster
        self.postgresCollection = postgresCollection
        self.tables = tables
        self.materializedViews = materializedViews
        self.dictionaries = dictionaries
    }
}

/// A ClickHouse data type, as a tree: the loader checks where wrappers may go
/// (`Nullable` only around a plain value, `LowCardinality` only around a
/// string, a number or a date, map keys of a hashable kind).
public indirect enum ClickHouseType: Hashable, Sendable, Codable {
    /// A type without arguments: `UInt64`, `String`, `Date`, `UUID`, `JSON`…
    case plain(String)
    case fixedString(Int)
    case decimal(precision: Int, scale: Int)
    case dateTime(timezone: String?)
    case dateTime64(precision: Int, timezone: String?)
    case enumeration(bits: Int, values: [EnumValue])
    case nullable(ClickHouseType)
    case lowCardinality(ClickHouseType)
    case array(ClickHouseType)
    case map(key: ClickHouseType, value: ClickHouseType)
    case tuple([TupleElement])
    /// `AggregateFunction(sum, UInt64)` and `SimpleAggregateFunction(…)`:
    /// the function as written (with its parameters), then argument types.
    case aggregateFunction(simple: Bool, function: String, arguments: [ClickHouseType])

    public struct EnumValue: Hashable, Sendable, Codable {
        public var name: String
        public var value: Int
        public init(name: String, value: Int) {
            self.name = name
            self.value = value
        }
    }

    public struct TupleElement: Hashable, Sendable, Codable {
        public var name: String?
        public var type: ClickHouseType
        public init(name: String?, type: ClickHouseType) {
            self.name = name
            self.type = type
        }
    }

    /// The type as ClickHouse prints it in `system.columns`.
    public var sql: String {
        switch self {
        case .plain(let name): name
        case .fixedString(let n): "FixedString(\(n))"
        case .decimal(let p, let s): "Decimal(\(p), \(s))"
        case .dateTime(let tz): tz.map { "DateTime(\(ClickHouseSQL.literal($0)))" } ?? "DateTime"
        case .dateTime64(let p, let tz): "DateTime64(\(p)\(tz.map { ", " + ClickHouseSQL.literal($0) } ?? ""))"
        case .enumeration(let bits, let values):
            "Enum\(bits)(" + values.map { "\(ClickHouseSQL.literal($0.name)) = \($0.value)" }.joined(separator: ", ") + ")"
        case .nullable(let t): "Nullable(\(t.sql))"
        case .lowCardinality(let t): "LowCardinality(\(t.sql))"
        case .array(let t): "Array(\(t.sql))"
        case .map(let k, let v): "Map(\(k.sql), \(v.sql))"
        case .tuple(let elements):
            "Tuple(" + elements.map { e in e.name.map { "\(ClickHouseSQL.identifier($0)) \(e.type.sql)" } ?? e.type.sql }
                .joined(separator: ", ") + ")"
        case .aggregateFunction(let simple, let function, let arguments):
            "\(simple ? "Simple" : "")AggregateFunction(" + ([function] + arguments.map(\.sql)).joined(separator: ", ") + ")"
        }
    }

    public var isNullable: Bool {
        if case .nullable = self { return true }
        return false
    }
}

public struct ClickHouseColumn: Hashable, Sendable, Codable {
    public enum DefaultKind: String, Hashable, Sendable, Codable {
        case `default` = "DEFAULT", materialized = "MATERIALIZED", alias = "ALIAS"
    }

    public var name: String
    public var type: ClickHouseType
    public var defaultKind: DefaultKind?
    public var defaultExpression: String?
    public var codec: String?
    public var ttl: String?
    public var comment: String?
    /// The name the column had before (`renamed_from`): a migration renames it.
    public var renamedFrom: String?

    public init(name: String, type: ClickHouseType, defaultKind: DefaultKind? = nil, defaultExpression: String? = nil,
                codec: String? = nil, ttl: String? = nil, comment: String? = nil, renamedFrom: String? = nil) {
        self.name = name
        self.type = type
        self.defaultKind = defaultKind
        self.defaultExpression = defaultExpression
        self.codec = codec
        self.ttl = ttl
        self.comment = comment
        self.renamedFrom = renamedFrom
    }
}

/// The MergeTree family. Arguments are column names.
public enum ClickHouseEngine: Hashable, Sendable, Codable {
    case mergeTree
    case replacingMergeTree(version: String?, isDeleted: String?)
    case summingMergeTree(columns: [String])
    case aggregatingMergeTree
    case collapsingMergeTree(sign: String)
    case versionedCollapsingMergeTree(sign: String, version: String)

    public var name: String {
        switch self {
        case .mergeTree: "MergeTree"
        case .replacingMergeTree: "ReplacingMergeTree"
        case .summingMergeTree: "SummingMergeTree"
        case .aggregatingMergeTree: "AggregatingMergeTree"
        case .collapsingMergeTree: "CollapsingMergeTree"
        case .versionedCollapsingMergeTree: "VersionedCollapsingMergeTree"
        }
    }

    /// The engine's own arguments, as they follow the replication path.
    public var arguments: [String] {
        switch self {
        case .mergeTree, .aggregatingMergeTree: []
        case .replacingMergeTree(let version, let isDeleted): [version, isDeleted].compactMap { $0 }
        case .summingMergeTree(let columns): columns.isEmpty ? [] : ["(" + columns.joined(separator: ", ") + ")"]
        case .collapsingMergeTree(let sign): [sign]
        case .versionedCollapsingMergeTree(let sign, let version): [sign, version]
        }
    }

    /// The columns the engine names, for checking that they exist.
    public var columns: [String] {
        switch self {
        case .mergeTree, .aggregatingMergeTree: []
        case .replacingMergeTree(let version, let isDeleted): [version, isDeleted].compactMap { $0 }
        case .summingMergeTree(let columns): columns
        case .collapsingMergeTree(let sign): [sign]
        case .versionedCollapsingMergeTree(let sign, let version): [sign, version]
        }
    }
}

/// One TTL rule: when `expression` passes, rows are deleted (those matching
/// `condition`, when given), moved, or rolled up.
public struct ClickHouseTTLRule: Hashable, Sendable, Codable {
    public enum Action: Hashable, Sendable, Codable {
        case delete
        case toDisk(String)
        case toVolume(String)
        case groupBy(keys: [String], set: [Assignment])
    }

    public struct Assignment: Hashable, Sendable, Codable {
        public var column: String
        public var expression: String
        public init(column: String, expression: String) {
            self.column = column
            self.expression = expression
        }
    }

    public var expression: String
    public var action: Action
    /// `DELETE WHERE …`, or the rows a GROUP BY rolls up.
    public var condition: String?

    public init(expression: String, action: Action = .delete, condition: String? = nil) {
        self.expression = expression
        self.action = action
        self.condition = condition
    }
}

public struct ClickHouseSkipIndex: Hashable, Sendable, Codable {
    public var name: String
    public var expression: String
    /// The index type with its arguments: `minmax`, `set(100)`, `bloom_filter(0.01)`.
    public var type: String
    public var granularity: Int

    public init(name: String, expression: String, type: String, granularity: Int) {
        self.name = name
        self.expression = expression
        self.type = type
        self.granularity = granularity
    }
}

public struct ClickHouseProjection: Hashable, Sendable, Codable {
    public var name: String
    public var select: String

    public init(name: String, select: String) {
        self.name = name
        self.select = select
    }
}

public struct ClickHouseSetting: Hashable, Sendable, Codable {
    public var name: String
    /// As it goes in SQL: a number as written, anything else a string literal.
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// The value of a string literal as ClickHouse prints one (`'it\'s'`,
    /// with `\n`, `\t` and `\0` escapes), or nil when `literal` is not one.
    public static func stringValue(of literal: Substring) -> String? {
        guard literal.utf8.count >= 2, literal.utf8.first == UInt8(ascii: "'"), literal.utf8.last == UInt8(ascii: "'") else { return nil }
        var out: [UInt8] = [], escaped = false
        for byte in literal.utf8.dropFirst().dropLast() {
            if escaped {
                switch byte {
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "0"): out.append(0)
                default: out.append(byte)
                }
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

public struct ClickHouseTable: Hashable, Sendable, Codable {
    public var name: String
    public var columns: [ClickHouseColumn]
    public var engine: ClickHouseEngine
    public var partitionBy: String?
    public var orderBy: [String]
    public var primaryKey: [String]?
    public var sampleBy: String?
    public var ttl: [ClickHouseTTLRule]
    public var indexes: [ClickHouseSkipIndex]
    public var projections: [ClickHouseProjection]
    public var settings: [ClickHouseSetting]
    public var shardBy: String?
    public var comment: String?

    public init(name: String, columns: [ClickHouseColumn] = [], engine: ClickHouseEngine = .mergeTree, partitionBy: String? = nil,
                orderBy: [String] = [], primaryKey: [String]? = nil, sampleBy: String? = nil, ttl: [ClickHouseTTLRule] = [],
                indexes: [ClickHouseSkipIndex] = [], projections: [ClickHouseProjection] = [], settings: [ClickHouseSetting] = [],
                shardBy: String? = nil, comment: String? = nil) {
        self.name = name
        self.columns = columns
        self.engine = engine
        self.partitionBy = partitionBy
        self.orderBy = orderBy
        self.primaryKey = primaryKey
        self.sampleBy = sampleBy
        self.ttl = ttl
        self.indexes = indexes
        self.projections = projections
        self.settings = settings
        self.shardBy = shardBy
        self.comment = comment
    }
}

public struct ClickHouseMaterializedView: Hashable, Sendable, Codable {
    public var name: String
    /// The table the view writes to.
    public var to: String
    public var select: String
    public var comment: String?

    public init(name: String, to: String, select: String, comment: String? = nil) {
        self.name = name
        self.to = to
        self.select = select
        self.comment = comment
    }
}

public struct ClickHouseDictionary: Hashable, Sendable, Codable {
    public enum Source: Hashable, Sendable, Codable {
        /// A PostgreSQL table of the same definitions, read through the named collection.
        case postgres(table: QualifiedName)
        /// A ClickHouse table of the same database.
        case clickhouse(table: String)
    }

    public struct Attribute: Hashable, Sendable, Codable {
        public var name: String
        public var type: ClickHouseType
        public init(name: String, type: ClickHouseType) {
            self.name = name
            self.type = type
        }
    }

    public var name: String
    public var source: Source
    public var key: [String]
    /// The key's attributes first, then the others, in the source's order.
    public var attributes: [Attribute]
    /// `hashed`, `flat`, `complex_key_hashed`, …
    public var layout: String
    public var lifetimeMin: Int
    public var lifetimeMax: Int
    public var comment: String?

    public init(name: String, source: Source, key: [String], attributes: [Attribute], layout: String, lifetimeMin: Int,
                lifetimeMax: Int, comment: String? = nil) {
        self.name = name
        self.source = source
        self.key = key
        self.attributes = attributes
        self.layout = layout
        self.lifetimeMin = lifetimeMin
        self.lifetimeMax = lifetimeMax
        self.comment = comment
    }
}

/// Quoting for ClickHouse SQL.
public enum ClickHouseSQL {
    /// A name as is when it is a plain identifier, else in backquotes.
    public static func identifier(_ name: String) -> String {
        let plain = !name.isEmpty && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || $0 == "_" || ("0"..."9").contains($0)) }
            && !("0"..."9").contains(name.unicodeScalars.first!)
        if plain { return name }
        return "`" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "`", with: "\\`") + "`"
    }

    public static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}
