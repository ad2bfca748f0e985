import SchemacDiagnostics
/// Everything schemac manages in one PostgreSQL database, resolved: no YAML, no
/// shorthand, every name explicit. The definitions resolve to one of these and
/// (later) introspection of a live database reads into one, so the diff compares
/// like with like.
public struct PostgresSchema: Hashable, Sendable {
    /// Schemas the objects live in, besides the ones every database has.
    public var schemas: [String] = []
    public var extensions: [String] = []
    public var roles: [String] = []
    public var enums: [EnumType] = []
    /// In the order they are created: a domain over another comes after it.
    public var domains: [Domain] = []
    /// Sequences of their own (a serial column's among them); an identity
    /// column's sequence belongs to its column, not here.
    public var sequences: [PostgresSequence] = []
    public var functions: [Function] = []
    public var tables: [Table] = []
    public var views: [View] = []
    /// What each view reads, as the database records it (`pg_depend`): only
    /// an inspected database has it. It tells which views a column's type
    /// change must drop and create again, and which views read other views.
    public var viewReads: [QualifiedName: Set<ColumnName>] = [:]

    public init() {}

    /// Every schema an object lives in, in order of first use.
    public var namespacesInUse: [String] {
        var used: [String] = []
        func note(_ s: String) { if !used.contains(s) { used.append(s) } }
        enums.forEach { note($0.name.schema) }
        domains.forEach { note($0.name.schema) }
        sequences.forEach { note($0.name.schema) }
        functions.forEach { note($0.name.schema) }
        tables.forEach { t in note(t.name.schema); t.partitions.forEach { note($0.name.schema) } }
        views.forEach { note($0.name.schema) }
        return used
    }

    /// A new database: only `public` and what PostgreSQL makes by itself.
    public static let empty = PostgresSchema()

    /// Schemas a fresh database already has, never created or dropped.
    public static let builtinSchemas: Set<String> = ["public", "pg_catalog", "information_schema"]
}

/// A column of a table or view; `column` nil for the relation as a whole.
public struct ColumnName: Hashable, Sendable {
    public var relation: QualifiedName
    public var column: String?

    public init(_ relation: QualifiedName, _ column: String?) {
        self.relation = relation
        self.column = column
    }
}

public struct EnumType: Hashable, Sendable {
    public var name: QualifiedName
    public var values: [String]
    public var comment: String?

    public init(name: QualifiedName, values: [String], comment: String? = nil) {
        self.name = name
        self.values = values
        self.comment = comment
    }
}

/// A domain: a type over another, with its NOT NULL, default and checks
/// (whose expressions name the value `VALUE`).
public struct Domain: Hashable, Sendable {
    public var name: QualifiedName
    public var type: PostgresType
    public var notNull: Bool
    public var defaultSQL: String?
    public var checks: [CheckConstraint]
    public var comment: String?

    public init(name: QualifiedName, type: PostgresType, notNull: Bool = false, defaultSQL: String? = nil,
                checks: [CheckConstraint] = [], comment: String? = nil) {
        self.name = name
        self.type = type
        self.notNull = notNull
        self.defaultSQL = defaultSQL
        self.checks = checks
        self.comment = comment
    }

    public var asType: PostgresType { PostgresType(base: .domain(name, over: type)) }
}

/// A sequence, every option explicit (those left out of the definitions
/// have PostgreSQL's defaults for the type and direction).
public struct PostgresSequence: Hashable, Sendable {
    public enum DataType: String, Hashable, Sendable, CaseIterable {
        case smallint, integer, bigint

        public var range: ClosedRange<Int> {
            switch self {
            case .smallint: Int(Int16.min)...Int(Int16.max)
            case .integer: Int(Int32.min)...Int(Int32.max)
            case .bigint: Int.min...Int.max
            }
        }
    }

    public var name: QualifiedName
    public var type: DataType
    public var start: Int
    public var increment: Int
    public var minValue: Int
    public var maxValue: Int
    public var cache: Int
    public var cycle: Bool
    /// The column whose drop (or its table's) drops the sequence too.
    public var ownedBy: ColumnName?
    public var comment: String?

    /// A sequence with PostgreSQL's defaults where an option is nil.
    public init(name: QualifiedName, type: DataType = .bigint, start: Int? = nil, increment: Int = 1, minValue: Int? = nil,
                maxValue: Int? = nil, cache: Int = 1, cycle: Bool = false, ownedBy: ColumnName? = nil, comment: String? = nil) {
        self.name = name
        self.type = type
        self.increment = increment
        let minimum = minValue ?? Self.defaultMin(type, increment: increment)
        let maximum = maxValue ?? Self.defaultMax(type, increment: increment)
        self.minValue = minimum
        self.maxValue = maximum
        self.start = start ?? (increment > 0 ? minimum : maximum)
        self.cache = cache
        self.cycle = cycle
        self.ownedBy = ownedBy
        self.comment = comment
    }

    /// Whether each bound and the start are what PostgreSQL would pick
    /// unasked: DDL and pull write only the others.
    public var minIsDefault: Bool { minValue == Self.defaultMin(type, increment: increment) }
    public var maxIsDefault: Bool { maxValue == Self.defaultMax(type, increment: increment) }
    public var startIsDefault: Bool { start == (increment > 0 ? minValue : maxValue) }

    public static func defaultMin(_ type: DataType, increment: Int) -> Int { increment > 0 ? 1 : type.range.lowerBound }
    public static func defaultMax(_ type: DataType, increment: Int) -> Int { increment > 0 ? type.range.upperBound : -1 }
}

public struct Function: Hashable, Sendable {
    public enum Volatility: String, Hashable, Sendable { case volatile, stable, immutable }

    /// schemac's own trigger function behind `auto_updated_at`: created with
    /// its first user, dropped with its last.
    public static let updatedAtHelperName = "schemac_set_updated_at"

    public var name: QualifiedName
    /// The argument list as SQL, e.g. `org uuid, amount numeric`.
    public var arguments: String
    public var returns: String
    public var language: String
    public var body: String
    public var volatility: Volatility?
    public var securityDefiner: Bool
    public var comment: String?
    /// A procedure (CALLed, no result; `returns` is empty) rather than a function.
    public var isProcedure = false
    /// A SQL-standard body (`RETURN …` or `BEGIN ATOMIC … END`), written after
    /// the header rather than as a string: the server parses it when the
    /// function is created, and records what it names.
    public var isStandardBody = false
    /// `STRICT` (`RETURNS NULL ON NULL INPUT`): called with a NULL argument, it returns NULL without running.
    public var isStrict = false
    /// `PARALLEL SAFE` or `RESTRICTED` (nil: UNSAFE, the default).
    public var parallel: String?
    public var leakproof = false
    /// `COST`, where it is not the default (100; 1 for C functions).
    public var cost: String?
    /// `ROWS` of a set-returning function, where it is not the default (1000).
    public var rows: String?
    /// `SET name = value` for calls of the function, as `proconfig` holds them (`search_path=public, pg_temp`).
    public var settings: [String] = []

    /// `FUNCTION` or `PROCEDURE`, as DROP, COMMENT ON and CREATE name it.
    public var routineWord: String { isProcedure ? "PROCEDURE" : "FUNCTION" }

    public init(name: QualifiedName, arguments: String = "", returns: String, language: String, body: String,
                volatility: Volatility? = nil, securityDefiner: Bool = false, comment: String? = nil) {
        self.name = name
        self.arguments = arguments
        self.returns = returns
        self.language = language
        self.body = body
        self.volatility = volatility
        self.securityDefiner = securityDefiner
        self.comment = comment
    }

    /// The body as `CREATE FUNCTION` puts it between its dollar quotes, on
    /// lines of its own: what the server then holds, and what compares.
    public var bodyAsCreated: String {
        if isStandardBody { return body.trimmingCharacters(in: .whitespacesAndNewlines) }
        var text = body
        if !text.hasPrefix("\n") { text = "\n" + text }
        if !text.hasSuffix("\n") { text += "\n" }
        return text
    }
}

public struct Column: Hashable, Sendable {
    public enum Identity: String, Hashable, Sendable {
        case always
        case byDefault = "by default"
    }

    public var name: String
    public var type: PostgresType
    public var nullable: Bool
    /// SQL text of the default: a quoted literal or a `default_sql` expression.
    public var defaultSQL: String?
    public var identity: Identity?
    /// Expression of a stored generated column.
    public var generated: String?
    public var comment: String?
    public var renamedFrom: String?

    public init(name: String, type: PostgresType, nullable: Bool = false, defaultSQL: String? = nil,
                identity: Identity? = nil, generated: String? = nil, comment: String? = nil, renamedFrom: String? = nil) {
        self.name = name
        self.type = type
        self.nullable = nullable
        self.defaultSQL = defaultSQL
        self.identity = identity
        self.generated = generated
        self.comment = comment
        self.renamedFrom = renamedFrom
    }
}

public struct PrimaryKey: Hashable, Sendable {
    public var name: String
    public var columns: [String]

    public init(name: String, columns: [String]) {
        self.name = name
        self.columns = columns
    }
}

public struct UniqueConstraint: Hashable, Sendable {
    public var name: String
    public var columns: [String]
    public var nullsNotDistinct: Bool

    public init(name: String, columns: [String], nullsNotDistinct: Bool = false) {
        self.name = name
        self.columns = columns
        self.nullsNotDistinct = nullsNotDistinct
    }
}

public struct CheckConstraint: Hashable, Sendable {
    public var name: String
    public var expression: String
    /// NO INHERIT: the table's own, not its children's.
    public var noInherit: Bool

    public init(name: String, expression: String, noInherit: Bool = false) {
        self.name = name
        self.expression = expression
        self.noInherit = noInherit
    }
}

public enum ReferentialAction: String, Hashable, Sendable, CaseIterable {
    case noAction = "no action"
    case restrict
    case cascade
    case setNull = "set null"
    case setDefault = "set default"

    public var sql: String { rawValue.uppercased() }
}

public struct ForeignKey: Hashable, Sendable {
    public var name: String
    public var columns: [String]
    public var referencedTable: QualifiedName
    public var referencedColumns: [String]
    public var onDelete: ReferentialAction
    public var onUpdate: ReferentialAction
    public var deferrable: Bool

    public init(name: String, columns: [String], referencedTable: QualifiedName, referencedColumns: [String],
                onDelete: ReferentialAction = .noAction, onUpdate: ReferentialAction = .noAction, deferrable: Bool = false) {
        self.name = name
        self.columns = columns
        self.referencedTable = referencedTable
        self.referencedColumns = referencedColumns
        self.onDelete = onDelete
        self.onUpdate = onUpdate
        self.deferrable = deferrable
    }
}

public struct Index: Hashable, Sendable {
    public enum Method: String, Hashable, Sendable, CaseIterable { case btree, hash, gist, gin, brin, spgist }

    public struct Key: Hashable, Sendable {
        public enum Target: Hashable, Sendable {
            case column(String)
            case expression(String)
        }

        public var target: Target
        /// Operator class, e.g. `gin_trgm_ops`.
        public var opclass: String?
        public var descending: Bool
        /// nil: PostgreSQL's default for the direction.
        public var nullsFirst: Bool?

        public init(_ target: Target, opclass: String? = nil, descending: Bool = false, nullsFirst: Bool? = nil) {
            self.target = target
            self.opclass = opclass
            self.descending = descending
            self.nullsFirst = nullsFirst
        }

        public static func column(_ name: String) -> Key { Key(.column(name)) }
        public static func expression(_ sql: String) -> Key { Key(.expression(sql)) }

        /// The column it indexes, when it is a plain column.
        public var column: String? {
            if case .column(let c) = target { return c }
            return nil
        }
    }

    public var name: String
    public var keys: [Key]
    public var unique: Bool
    public var method: Method
    public var include: [String]
    public var predicate: String?
    public var comment: String?
    /// A unique index under which NULLs are equal (`NULLS NOT DISTINCT`, PostgreSQL 15+).
    public var nullsNotDistinct = false

    public init(name: String, keys: [Key], unique: Bool = false, method: Method = .btree,
                include: [String] = [], predicate: String? = nil, comment: String? = nil) {
        self.name = name
        self.keys = keys
        self.unique = unique
        self.method = method
        self.include = include
        self.predicate = predicate
        self.comment = comment
    }
}

public struct Policy: Hashable, Sendable {
    public enum Command: String, Hashable, Sendable, CaseIterable { case all, select, insert, update, delete }

    public var name: String
    public var command: Command
    public var permissive: Bool
    /// Empty means PUBLIC.
    public var roles: [String]
    public var using: String?
    public var withCheck: String?

    public init(name: String, command: Command = .all, permissive: Bool = true, roles: [String] = [],
                using: String? = nil, withCheck: String? = nil) {
        self.name = name
        self.command = command
        self.permissive = permissive
        self.roles = roles
        self.using = using
        self.withCheck = withCheck
    }
}

public enum Privilege: String, Hashable, Sendable, CaseIterable, Comparable {
    case select, insert, update, delete, truncate, references, trigger

    private var rank: Int { Privilege.allCases.firstIndex(of: self)! }
    public static func < (a: Privilege, b: Privilege) -> Bool { a.rank < b.rank }
}

public struct Grant: Hashable, Sendable {
    public var role: String
    public var privileges: [Privilege]

    public init(role: String, privileges: [Privilege]) {
        self.role = role
        self.privileges = privileges
    }
}

public struct Trigger: Hashable, Sendable {
    public enum Timing: String, Hashable, Sendable, CaseIterable {
        case before, after
        case insteadOf = "instead of"
    }

    public enum Event: String, Hashable, Sendable, CaseIterable { case insert, update, delete, truncate }

    public var name: String
    public var timing: Timing
    public var events: [Event]
    public var forEachRow: Bool
    public var function: QualifiedName
    public var arguments: [String]
    public var when: String?

    public init(name: String, timing: Timing, events: [Event], forEachRow: Bool = true, function: QualifiedName,
                arguments: [String] = [], when: String? = nil) {
        self.name = name
        self.timing = timing
        self.events = events
        self.forEachRow = forEachRow
        self.function = function
        self.arguments = arguments
        self.when = when
    }
}

public struct Partitioning: Hashable, Sendable {
    public enum Strategy: String, Hashable, Sendable, CaseIterable { case range, list, hash }

    public var strategy: Strategy
    public var columns: [String]

    public init(strategy: Strategy, columns: [String]) {
        self.strategy = strategy
        self.columns = columns
    }
}

public struct Partition: Hashable, Sendable {
    public enum Bound: Hashable, Sendable {
        /// SQL texts of each bound value (quoted literals, MINVALUE, MAXVALUE).
        case range(from: [String], to: [String])
        case list([String])
        case hash(modulus: Int, remainder: Int)
        case `default`
        /// The bound as the server prints it (`FOR VALUES FROM (…) TO (…)`), read from a database.
        case printed(String)
    }

    public var name: QualifiedName
    public var bound: Bound

    public init(name: QualifiedName, bound: Bound) {
        self.name = name
        self.bound = bound
    }
}

/// `EXCLUDE …`: `definition` is the text after EXCLUDE, as the server prints
/// it (`USING gist (room WITH =, during WITH &&)`), a `WHERE` included.
public struct ExclusionConstraint: Hashable, Sendable {
    public var name: String
    public var definition: String

    public init(name: String, definition: String) {
        self.name = name
        self.definition = definition
    }
}

public struct Table: Hashable, Sendable {
    public var name: QualifiedName
    public var columns: [Column]
    public var primaryKey: PrimaryKey?
    public var uniques: [UniqueConstraint]
    public var checks: [CheckConstraint]
    public var exclusions: [ExclusionConstraint] = []
    public var foreignKeys: [ForeignKey]
    public var indexes: [Index]
    public var rowLevelSecurity: Bool
    public var forceRowLevelSecurity: Bool
    public var policies: [Policy]
    public var grants: [Grant]
    public var triggers: [Trigger]
    public var comment: String?
    public var partitioning: Partitioning?
    public var partitions: [Partition]
    /// The table's name before, in its own schema or another (`SET SCHEMA`).
    public var renamedFrom: QualifiedName?
    /// Checks and foreign keys a live table holds NOT VALID (the definitions
    /// have none: what they declare holds for every row).
    public var notValidConstraints: Set<String> = []
    /// Primary and unique keys a live table holds DEFERRABLE (the definitions'
    /// keys are checked at once).
    public var deferrableKeys: Set<String> = []

    public init(name: QualifiedName, columns: [Column] = [], primaryKey: PrimaryKey? = nil,
                uniques: [UniqueConstraint] = [], checks: [CheckConstraint] = [], foreignKeys: [ForeignKey] = [],
                indexes: [Index] = [], rowLevelSecurity: Bool = false, forceRowLevelSecurity: Bool = false,
                policies: [Policy] = [], grants: [Grant] = [], triggers: [Trigger] = [], comment: String? = nil,
                partitioning: Partitioning? = nil, partitions: [Partition] = [], renamedFrom: QualifiedName? = nil) {
        self.name = name
        self.columns = columns
        self.primaryKey = primaryKey
        self.uniques = uniques
        self.checks = checks
        self.foreignKeys = foreignKeys
        self.indexes = indexes
        self.rowLevelSecurity = rowLevelSecurity
        self.forceRowLevelSecurity = forceRowLevelSecurity
        self.policies = policies
        self.grants = grants
        self.triggers = triggers
        self.comment = comment
        self.partitioning = partitioning
        self.partitions = partitions
        self.renamedFrom = renamedFrom
    }

    public func column(named name: String) -> Column? {
        columns.first { $0.name == name }
    }
}

public struct View: Hashable, Sendable {
    public var name: QualifiedName
    public var query: String
    public var materialized: Bool
    public var comment: String?
    public var grants: [Grant]
    /// `WITH (security_invoker = true)` (PostgreSQL 15+): the view reads its
    /// tables with the privileges, and under the row level security, of the
    /// role that queries it rather than of its owner. On by default for a view
    /// that reads a tenant table, which would otherwise show every tenant's rows.
    public var securityInvoker: Bool
    /// Indexes of a materialized view (a plain view has none).
    public var indexes: [Index] = []

    public init(name: QualifiedName, query: String, materialized: Bool = false, comment: String? = nil, grants: [Grant] = [],
                securityInvoker: Bool = false) {
        self.name = name
        self.query = query
        self.materialized = materialized
        self.comment = comment
        self.grants = grants
        self.securityInvoker = securityInvoker
    }
}

/// The resolved definitions of a project: what every generator reads.
public struct DefinitionSet: Sendable {
    /// Paths of the files the definitions came from, as shown in headers.
    public var sourceFiles: [String]
    public var postgres: PostgresSchema?
    public var clickhouse: ClickHouseSchema?
    public var redis: RedisSchema?
    /// Where each PostgreSQL table, view, function and enum is declared, by
    /// `schema.name`: for what only the server finds wrong with it.
    public var locations: [String: SourceLocation] = [:]

    public init(sourceFiles: [String], postgres: PostgresSchema?, clickhouse: ClickHouseSchema? = nil, redis: RedisSchema? = nil) {
        self.sourceFiles = sourceFiles
        self.postgres = postgres
        self.clickhouse = clickhouse
        self.redis = redis
    }
}
