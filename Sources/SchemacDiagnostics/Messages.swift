// Every diagnostic schemac reports is worded here, so that ids stay stable and
// messages consistent. Callers pick a constructor; they never write prose.

public enum DiagnosticID: String, Sendable, CaseIterable {
    case yamlSyntax = "yaml-syntax"
    case fileUnreadable = "file-unreadable"
    case noDefinitions = "no-definitions"
    case unknownKey = "unknown-key"
    case missingKey = "missing-key"
    case wrongKind = "wrong-kind"
    case invalidValue = "invalid-value"
    case conflictingKeys = "conflicting-keys"
    case flowMappingSplit = "flow-mapping-split"
    case unknownType = "unknown-type"
    case duplicateName = "duplicate-name"
    case identifierTooLong = "identifier-too-long"
    case emptyName = "empty-name"
    case unknownTable = "unknown-table"
    case unknownColumn = "unknown-column"
    case unknownEnum = "unknown-enum"
    case unknownRole = "unknown-role"
    case unknownFunction = "unknown-function"
    case tenancyNotConfigured = "tenancy-not-configured"
    case tenantColumnMissing = "tenant-column-missing"
    case autoUpdatedAtColumn = "auto-updated-at-column"
    case defaultLooksLikeCall = "default-looks-like-call"
    case invalidDefault = "invalid-default"
    case foreignKeyMismatch = "foreign-key-mismatch"
    case multiplePrimaryKeys = "multiple-primary-keys"
    case partitionMismatch = "partition-mismatch"
    case partitionKeyNotInUnique = "partition-key-not-in-unique"
    case invalidType = "invalid-type"
    case primaryKeyNotPrefix = "primary-key-not-prefix"
    case shardByWithoutCluster = "shard-by-without-cluster"
    case conflictingSettings = "conflicting-settings"
    case swiftNameCollision = "swift-name-collision"
    case swiftUnsupportedType = "swift-unsupported-type"
    case redisKeyWithoutTTL = "redis-key-without-ttl"
    case redisPatternsOverlap = "redis-patterns-overlap"
    case redisCrossSlot = "redis-cross-slot"
    case unknownPlaceholder = "unknown-placeholder"
    case unknownRedisKey = "unknown-redis-key"
    case missingScriptFile = "missing-script-file"
    case tenantColumnWithoutTenant = "tenant-column-without-tenant"
    case foreignKeyWithoutIndex = "foreign-key-without-index"
    case clickhouseTableWithoutTTL = "clickhouse-table-without-ttl"
    case nullableUniqueColumn = "nullable-unique-column"
    case missingPrimaryKey = "missing-primary-key"
    case viewCycle = "view-cycle"
    case serverRefuses = "server-refuses"
    case redisScriptUndeclaredKey = "redis-script-undeclared-key"
    case redisFunctionHeader = "redis-function-header"
    case redisFunctionNotRegistered = "redis-function-not-registered"
    case redisFunctionUndeclared = "redis-function-undeclared"
    case redisFunctionFlagsDiffer = "redis-function-flags-differ"
    case viewBypassesRowSecurity = "view-bypasses-row-security"
    case materializedViewOverRowSecurity = "materialized-view-over-row-security"
    // What a run finds outside the definitions: no place in a file, except stale output.
    case staleOutput = "stale-output"
    case usage
    case unsupportedTarget = "unsupported-target"
    case connectionFailed = "connection-failed"
    case noPostgresSection = "no-postgres-section"
    case noRedisSection = "no-redis-section"
    case noClickHouseSection = "no-clickhouse-section"
    case unsupportedChange = "unsupported-change"
    case serverUnsupported = "server-unsupported"
    case dataRefusesMigration = "data-refuses-migration"
    case destructiveChange = "destructive-change"
    case migrationExists = "migration-exists"
    case writeFailed = "write-failed"
    case gitFailed = "git-failed"
    case hookFailed = "hook-failed"
    case pullUnsupported = "pull-unsupported"
    case pullWouldOverwrite = "pull-would-overwrite"
    case sqlRefused = "sql-refused"
    case pullInvalid = "pull-invalid"
    case migrationFailed = "migration-failed"
    case migrationLocked = "migration-locked"
    case migrationRefused = "migration-refused"
    case migrationEdited = "migration-edited"
    case noDownMigration = "no-down-migration"
    case unmanagedObjects = "unmanaged-objects"
}

/// Which kind of YAML node a key wants, for wrong-kind messages.
public enum ExpectedKind: String, Sendable {
    case mapping = "a mapping"
    case sequence = "a list"
    case string = "a string"
    case scalar = "a scalar value"
    case bool = "true or false"
    case integer = "an integer"
    case stringOrMapping = "a string or a mapping"
    case stringOrSequence = "a string or a list"
    case sequenceOrMapping = "a list or a mapping"
}

extension Diagnostic {
    private static func hint(_ suggestion: String?) -> String {
        suggestion.map { "; did you mean '\($0)'?" } ?? ""
    }

    private static func oneOf(_ values: [String]) -> String {
        values.map { "'\($0)'" }.joined(separator: ", ")
    }

    // MARK: Files and YAML

    public static func yamlSyntax(_ problem: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .yamlSyntax, "YAML syntax error: \(problem)", at: location)
    }

    public static func fileUnreadable(_ reason: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .fileUnreadable, "cannot read file: \(reason)", at: location)
    }

    public static func folderUnreadable(_ reason: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .fileUnreadable, reason, at: location)
    }

    public static func noDefinitions(directory: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .noDefinitions, "no definitions found: '\(directory)' holds no .yaml or .yml file", at: location)
    }

    public static func noDefinitionsFolder(directory: String, isFile: Bool, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .noDefinitions, isFile ? "the definitions folder '\(directory)' is a file, not a folder"
                       : "the definitions folder '\(directory)' does not exist (no such directory)", at: location)
    }

    // MARK: Shape of the document

    public static func unknownKey(_ key: String, in context: String, allowed: [String], at location: SourceLocation) -> Diagnostic {
        let suggestion = Spelling.closest(to: key, among: allowed)
        let tail = suggestion == nil ? "; expected one of \(oneOf(allowed))" : hint(suggestion)
        return Diagnostic(.error, .unknownKey, "unknown key '\(key)' in \(context)\(tail)", at: location)
    }

    public static func missingKey(_ key: String, in context: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .missingKey, "\(context) needs '\(key)'", at: location)
    }

    public static func wrongKind(_ what: String, expected: ExpectedKind, found: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .wrongKind, "\(what) must be \(expected.rawValue), found \(found)", at: location)
    }

    public static func invalidValue(_ value: String, for what: String, allowed: [String], at location: SourceLocation) -> Diagnostic {
        let suggestion = Spelling.closest(to: value, among: allowed)
        let tail = suggestion.map { "; did you mean '\($0)'?" } ?? "; expected one of \(oneOf(allowed))"
        return Diagnostic(.error, .invalidValue, "'\(value)' is not a valid \(what)\(tail)", at: location)
    }

    public static func invalidValue(_ message: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .invalidValue, message, at: location)
    }

    public static func conflictingKeys(_ a: String, _ b: String, in context: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .conflictingKeys, "\(context) cannot have both '\(a)' and '\(b)'", at: location)
    }

    public static func flowMappingSplit(value: String, fragment: String, at location: SourceLocation) -> Diagnostic {
        let whole = "\(value),\(fragment)"
        return Diagnostic(.error, .flowMappingSplit,
            "the comma in '\(whole)' ended the value inside a { … } flow mapping, leaving '\(fragment)' as a key; quote it: \"\(whole)\"",
            at: location)
    }

    // MARK: Names

    public static func duplicateName(_ kind: String, _ name: String, firstAt first: SourceLocation, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .duplicateName, "\(kind) '\(name)' is defined twice; first defined at \(first)", at: location)
    }

    public static func identifierTooLong(_ name: String, bytes: Int, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .identifierTooLong,
            "name '\(name)' is \(bytes) bytes long; PostgreSQL keeps at most 63 and would silently truncate it",
            at: location)
    }

    public static func emptyName(_ kind: String, at location: SourceLocation) -> Diagnostic {
        var kind = Substring(kind)
        for article in ["a ", "an "] where kind.hasPrefix(article) { kind = kind.dropFirst(article.count) }
        return Diagnostic(.error, .emptyName, "\(kind) name is empty", at: location)
    }

    // MARK: Types and values

    public static func unknownType(_ type: String, suggestion: String?, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .unknownType, "unknown PostgreSQL type '\(type)'\(hint(suggestion))", at: location)
    }

    public static func unknownClickHouseType(_ type: String, suggestion: String?, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .unknownType, "unknown ClickHouse type '\(type)'\(hint(suggestion))", at: location)
    }

    public static func invalidClickHouseType(_ type: String, reason: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .invalidType, "invalid ClickHouse type '\(type)': \(reason)", at: location)
    }

    public static func unsupportedType(_ type: String, advice: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .unknownType, "type '\(type)' is not supported: \(advice)", at: location)
    }

    public static func defaultLooksLikeCall(_ value: String, column: String, kind: String = "column", type: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .defaultLooksLikeCall,
            "default '\(value)' of \(kind) '\(column)' (\(type)) looks like an SQL expression but 'default' is a literal; use default_sql: \(value)",
            at: location)
    }

    public static func invalidDefault(_ value: String, column: String, kind: String = "column", type: String, reason: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .invalidDefault, "default '\(value)' does not fit \(kind) '\(column)' of type \(type): \(reason)", at: location)
    }

    public static func invalidLiteral(_ value: String, what: String, type: String, reason: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .invalidDefault, "\(what) '\(value)' does not fit type \(type): \(reason)", at: location)
    }

    // MARK: References

    public static func unknownTable(_ name: String, suggestion: String?, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .unknownTable, "no table '\(name)' is defined\(hint(suggestion))", at: location)
    }

    public static func unknownTable(_ name: String, suggestion: String?, in context: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .unknownTable, "\(context) reads '\(name)', which is no table or view of the definitions\(hint(suggestion))",
                   at: location)
    }

    public static func tableWithErrors(_ name: String, readBy reader: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .unknownTable, "table '\(name)', which \(reader) reads, has errors of its own (reported above); mend those first",
                   at: location)
    }

    /// `what`: "Redis script 'x'" or "Redis function 'x'"; `keysTable`: what its Lua calls the keys it is given.
    public static func redisScriptUndeclaredKey(_ what: String, path: String, line: Int?, expression: String, declared: Int? = nil,
                                                keysTable: String = "KEYS", at location: SourceLocation) -> Diagnostic {
        let place = line.map { "\(path):\($0)" } ?? path
        let message = declared.map { "\(what) reads \(expression) (\(place)) but declares \($0) key(s): list every key it touches in 'keys'" }
            ?? "\(what) builds the key \(expression) (\(place)), which no key spec declares: declare it as a key "
                + "(with its ttl and the same hash_tag), list it in 'keys' and read it as \(keysTable)[n]"
        return Diagnostic(.error, .redisScriptUndeclaredKey, message, at: location)
    }

    public static func redisFunctionHeader(_ library: String, path: String, found: String?, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .redisFunctionHeader,
            "'\(path)' of Redis function library '\(library)' must start with the line '#!lua name=\(library)', which FUNCTION LOAD requires"
            + (found.map { "; it starts with '\($0)'" } ?? "; it has no #! line"), at: location)
    }

    public static func redisFunctionNotRegistered(_ function: String, library: String, path: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .redisFunctionNotRegistered,
            "Redis function '\(function)' is declared in library '\(library)', but '\(path)' never registers it "
            + "(redis.register_function('\(function)', …) or redis.register_function{function_name = '\(function)', …})", at: location)
    }

    public static func redisLibraryRegistersNothing(_ library: String, path: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .redisFunctionNotRegistered,
            "'\(path)' of Redis function library '\(library)' registers no function, and FUNCTION LOAD refuses a library without one", at: location)
    }

    public static func redisFunctionUndeclared(_ function: String, library: String, path: String, line: Int, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.warning, .redisFunctionUndeclared,
            "'\(path):\(line)' registers Redis function '\(function)', which library '\(library)' does not declare: "
            + "it gets no typed caller and its keys go unchecked", at: location)
    }

    public static func redisFunctionFlagsDiffer(_ function: String, declared: [String], registered: [String], path: String, line: Int,
                                                at location: SourceLocation) -> Diagnostic {
        let declares = declared.isEmpty ? "declares no flags" : "declares the flags " + declared.joined(separator: ", ")
        let registers = registered.isEmpty ? "without flags" : "with " + registered.joined(separator: ", ")
        return Diagnostic(.error, .redisFunctionFlagsDiffer,
            "Redis function '\(function)' \(declares), but '\(path):\(line)' registers it \(registers): "
            + "callers pick FCALL or FCALL_RO by the declared ones", at: location)
    }

    /// What the server would not build on the target (found by `diff`): an
    /// error, or a warning while extensions the migration creates first are missing.
    public static func serverRefuses(_ what: String, pendingExtensions: [String], at location: SourceLocation) -> Diagnostic {
        pendingExtensions.isEmpty
            ? Diagnostic(.error, .serverRefuses, "the server refuses \(what)", at: location)
            : Diagnostic(.warning, .serverRefuses, "the server refuses \(what) before the extensions "
                             + "\(pendingExtensions.joined(separator: ", ")) exist; compared as written", at: location)
    }

    public static func viewCycle(_ views: [String], at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .viewCycle, "views read each other (\(views.joined(separator: " → "))); no database can create them", at: location)
    }

    public static func viewBypassesRowSecurity(view: String, table: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.warning, .viewBypassesRowSecurity,
                   "view '\(view)' reads '\(table)', which has row level security, with security_invoker: false: "
                       + "it shows every tenant's rows to whoever may read the view", at: location)
    }

    public static func materializedViewOverRowSecurity(view: String, table: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.warning, .materializedViewOverRowSecurity,
                   "materialized view '\(view)' reads '\(table)', which has row level security: its rows are stored as its owner "
                       + "saw them and cannot be isolated by tenant; grant it only to roles that may see every tenant", at: location)
    }

    public static func unknownColumn(_ column: String, table: String, suggestion: String?, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .unknownColumn, "table '\(table)' has no column '\(column)'\(hint(suggestion))", at: location)
    }

    public static func unknownEnum(_ name: String, suggestion: String?, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .unknownEnum, "no enum '\(name)' is defined\(hint(suggestion))", at: location)
    }

    public static func unknownRole(_ name: String, suggestion: String?, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .unknownRole, "role '\(name)' is not declared in postgres.roles\(hint(suggestion))", at: location)
    }

    public static func unknownFunction(_ name: String, suggestion: String?, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .unknownFunction, "no function '\(name)' is defined\(hint(suggestion))", at: location)
    }

    // MARK: Tenancy and triggers

    public static func tenancyNotConfigured(table: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .tenancyNotConfigured,
            "table '\(table)' has tenant: true but postgres.tenancy (column and setting) is not configured",
            at: location)
    }

    public static func tenantColumnMissing(table: String, column: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .tenantColumnMissing,
            "table '\(table)' has tenant: true but no tenancy column '\(column)'",
            at: location)
    }

    public static func autoUpdatedAtMissing(table: String, column: String, suggestion: String?, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .autoUpdatedAtColumn,
            "auto_updated_at names '\(column)', which is not a column of table '\(table)'\(hint(suggestion))",
            at: location)
    }

    public static func autoUpdatedAtType(table: String, column: String, type: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .autoUpdatedAtColumn,
            "auto_updated_at column '\(column)' of table '\(table)' is \(type); it must be a timestamp, timestamptz or date",
            at: location)
    }

    // MARK: Constraints and partitions

    public static func foreignKeyMismatch(_ message: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .foreignKeyMismatch, message, at: location)
    }

    public static func multiplePrimaryKeys(table: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .multiplePrimaryKeys,
            "table '\(table)' declares its primary key more than once; list every key column in one 'primary_key'",
            at: location)
    }

    public static func partitionMismatch(_ message: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .partitionMismatch, message, at: location)
    }

    public static func partitionKeyNotInUnique(table: String, constraint: String, missing: [String], at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .partitionKeyNotInUnique,
            "\(constraint) of partitioned table '\(table)' must include the partition column(s) \(oneOf(missing))",
            at: location)
    }

    public static func primaryKeyNotPrefix(table: String, primaryKey: [String], orderBy: [String], at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .primaryKeyNotPrefix,
            "primary_key (\(primaryKey.joined(separator: ", "))) of table '\(table)' must be a prefix of order_by (\(orderBy.joined(separator: ", ")))",
            at: location)
    }

    public static func shardByWithoutCluster(table: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.warning, .shardByWithoutCluster,
            "shard_by of table '\(table)' has no effect without a cluster: set 'cluster' in the clickhouse section",
            at: location)
    }

    public static func conflictingSettings(_ key: String, _ value: String, other: String, firstAt first: SourceLocation, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .conflictingSettings,
            "'\(key)' is '\(value)' here but '\(other)' at \(first.file):\(first.line):\(first.column); every file must agree",
            at: location)
    }

    public static func swiftNameCollision(_ message: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .swiftNameCollision, "\(message); rename it, or leave swift out of 'targets' in schemac.yaml", at: location)
    }

    public static func swiftUnsupportedType(_ message: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .swiftUnsupportedType, "\(message); leave swift out of 'targets' in schemac.yaml to generate SQL only", at: location)
    }

    public static func redisKeyWithoutTTL(_ name: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.warning, .redisKeyWithoutTTL,
            "Redis key '\(name)' has neither 'ttl' nor 'durable: true': keys without an expiry pile up unless that is meant", at: location)
    }

    public static func redisPatternsOverlap(_ name: String, _ pattern: String, other: String, otherPattern: String, otherAt: SourceLocation,
                                            at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .redisPatternsOverlap,
            "pattern '\(pattern)' of Redis key '\(name)' can match the same key as '\(otherPattern)' of '\(other)' (\(otherAt.file):\(otherAt.line):\(otherAt.column))",
            at: location)
    }

    /// `what`: "Redis script 'x'" or "Redis function 'x'".
    public static func redisCrossSlot(_ what: String, keys: [String], at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .redisCrossSlot,
            "the keys of \(what) do not share one hash tag, so Redis Cluster refuses it (CROSSSLOT): \(keys.joined(separator: ", "))",
            at: location)
    }

    public static func unknownPlaceholder(_ name: String, pattern: String, suggestion: String?, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .unknownPlaceholder, "pattern '\(pattern)' has no placeholder {\(name)}\(hint(suggestion))", at: location)
    }

    public static func unknownRedisKey(_ name: String, suggestion: String?, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .unknownRedisKey, "no Redis key '\(name)' is defined\(hint(suggestion))", at: location)
    }

    // MARK: Lint (warnings a reviewer would give; silenced by id in schemac.yaml)

    public static func tenantColumnWithoutTenant(table: String, column: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.warning, .tenantColumnWithoutTenant,
            "table '\(table)' has the tenancy column '\(column)' but not 'tenant: true', so no row-level security keeps tenants apart", at: location)
    }

    public static func foreignKeyWithoutIndex(table: String, columns: [String], at location: SourceLocation) -> Diagnostic {
        Diagnostic(.warning, .foreignKeyWithoutIndex,
            "foreign key (\(columns.joined(separator: ", "))) of table '\(table)' has no index that starts with its columns: deletes in the referenced table scan this one",
            at: location)
    }

    public static func clickhouseTableWithoutTTL(table: String, siblings: Int, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.warning, .clickhouseTableWithoutTTL,
            "ClickHouse table '\(table)' keeps rows forever while \(siblings) other table(s) of its database have a TTL", at: location)
    }

    public static func nullableUniqueColumn(table: String, column: String, constraint: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.warning, .nullableUniqueColumn,
            "column '\(column)' of \(constraint) on table '\(table)' is nullable: rows with NULL there are never duplicates (use nulls_not_distinct, or NOT NULL)",
            at: location)
    }

    public static func missingPrimaryKey(table: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.warning, .missingPrimaryKey, "table '\(table)' has no primary key", at: location)
    }

    public static func missingScriptFile(_ path: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .missingScriptFile, "script source '\(path)' cannot be read (paths are relative to the definitions folder)", at: location)
    }

}

// The messages of a run rather than of a definition: what it was asked to
// read, write or run, and what it refused.
extension Diagnostic {
    /// A file of the output folder that `generate` would write otherwise.
    public static func staleOutput(_ path: String, exists: Bool) -> Diagnostic {
        Diagnostic(.error, .staleOutput, "\(exists ? "stale" : "missing"); run `schemac generate`", at: .wholeFile(path))
    }

    /// The command line asks for something that cannot be (beyond what the parser checks).
    public static func usage(_ message: String) -> Diagnostic {
        Diagnostic(.error, .usage, message, at: nil)
    }

    public static func unsupportedTarget(_ message: String) -> Diagnostic {
        Diagnostic(.error, .unsupportedTarget, message, at: nil)
    }

    /// The server could not be reached or refused the session; `reason` is
    /// the driver's, with any password already left out.
    public static func connectionFailed(_ reason: String) -> Diagnostic {
        Diagnostic(.error, .connectionFailed, reason, at: nil)
    }

    public static func noSection(_ section: String) -> Diagnostic {
        let id: DiagnosticID = switch section {
        case "redis": .noRedisSection
        case "clickhouse": .noClickHouseSection
        default: .noPostgresSection
        }
        return Diagnostic(.error, id, "the definitions have no \(section) section", at: nil)
    }

    public static func unsupportedChange(_ what: String) -> Diagnostic {
        Diagnostic(.error, .unsupportedChange, "cannot migrate yet: \(what)", at: nil)
    }

    /// What the definitions need that the target's server version lacks.
    public static func serverUnsupported(_ what: String) -> Diagnostic {
        Diagnostic(.error, .serverUnsupported, what, at: nil)
    }

    public static func dataRefusesMigration(_ why: String) -> Diagnostic {
        Diagnostic(.error, .dataRefusesMigration, "the data refuses this migration: \(why)", at: nil)
    }

    /// The statements that lose data, one note each (`kind target: sql`).
    public static func destructiveChange(_ statements: [String]) -> Diagnostic {
        Diagnostic(.error, .destructiveChange, "the migration loses data; rerun with --allow-destructive to accept", at: nil, notes: statements)
    }

    public static func migrationExists(_ path: String) -> Diagnostic {
        Diagnostic(.note, .migrationExists, "\(path) already holds this migration; nothing written", at: nil)
    }

    public static func writeFailed(_ reason: String) -> Diagnostic {
        Diagnostic(.error, .writeFailed, reason, at: nil)
    }

    public static func gitFailed(_ message: String) -> Diagnostic {
        Diagnostic(.error, .gitFailed, message, at: nil)
    }

    public static func hookFailed(_ message: String) -> Diagnostic {
        Diagnostic(.error, .hookFailed, message, at: nil)
    }

    /// An object of the pulled database the definitions do not hold, at the file its schema's objects went to.
    public static func pullUnsupported(kind: String, object: String, reason: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.warning, .pullUnsupported, "\(kind) \(object) not pulled\(reason.isEmpty ? "" : ": \(reason)")", at: location)
    }

    public static func pullWouldOverwrite(_ paths: [String]) -> Diagnostic {
        Diagnostic(.error, .pullWouldOverwrite, "the definitions already hold objects of these schemas; nothing written (--force writes the pulled files anyway, replacing those of the same names)",
                   at: nil, notes: paths)
    }

    /// A statement of an imported SQL file that the server refused, or that no server can run.
    public static func sqlRefused(_ reason: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .sqlRefused, reason, at: location)
    }

    /// Pulled definitions that do not load: schemac's fault, said rather than written.
    public static func pullInvalid(_ problems: [String]) -> Diagnostic {
        Diagnostic(.error, .pullInvalid, "the pulled definitions do not load back, so nothing was written; please report this", at: nil,
                   notes: problems)
    }

    /// A statement of a migration file that the server refused, at its line; the history records it.
    public static func migrationFailed(_ reason: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, .migrationFailed, reason, at: location)
    }

    /// A statement of a plan that the server refused while it ran (no file, so no line to point at).
    public static func statementFailed(_ reason: String) -> Diagnostic {
        Diagnostic(.error, .migrationFailed, reason, at: nil)
    }

    /// Another runner holds the migration lock.
    public static func migrationLocked(_ reason: String) -> Diagnostic {
        Diagnostic(.error, .migrationLocked, reason, at: nil)
    }

    /// What the runner will not do, and why, before it runs anything.
    public static func migrationRefused(_ reason: String) -> Diagnostic {
        Diagnostic(.error, .migrationRefused, reason, at: nil)
    }

    /// A migration that differs from what the integrity file pinned.
    public static func migrationEdited(_ reason: String) -> Diagnostic {
        Diagnostic(.error, .migrationEdited, reason, at: nil)
    }

    /// `diff --write` wrote no `.down.sql`: the way back has changes the planner cannot make.
    public static func noDownMigration(_ reasons: [String]) -> Diagnostic {
        Diagnostic(.warning, .noDownMigration, "no down migration written: the way back cannot be migrated", at: nil, notes: reasons)
    }

    /// Objects of a live target that schemac does not manage: the plan leaves them as they are.
    public static func unmanagedObjects(_ objects: [String]) -> Diagnostic {
        Diagnostic(.warning, .unmanagedObjects, "the target holds \(objects.count) object\(objects.count == 1 ? "" : "s") schemac does not manage; "
                   + "the plan leaves \(objects.count == 1 ? "it" : "them") as \(objects.count == 1 ? "it is" : "they are")", at: nil, notes: objects)
    }
}
