import SchemacModel

/// One statement of a migration plan: what it does, to which object, and its SQL.
public struct PlannedStatement: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        case createSchema = "create_schema"
        case dropSchema = "drop_schema"
        case createExtension = "create_extension"
        case createRole = "create_role"
        case createEnum = "create_enum"
        case createFunction = "create_function"
        case createTable = "create_table"
        case createPartition = "create_partition"
        case addForeignKey = "add_foreign_key"
        case createIndex = "create_index"
        case createTrigger = "create_trigger"
        case enableRowLevelSecurity = "enable_row_level_security"
        case createPolicy = "create_policy"
        case alterPolicy = "alter_policy"
        case grant
        case comment
        case createView = "create_view"
        case setViewOption = "set_view_option"
        case addEnumValue = "add_enum_value"
        case dropEnum = "drop_enum"
        case renameTable = "rename_table"
        case renameSequence = "rename_sequence"
        case dropTable = "drop_table"
        case addColumn = "add_column"
        case renameColumn = "rename_column"
        case dropColumn = "drop_column"
        case alterColumnType = "alter_column_type"
        case setNotNull = "set_not_null"
        case dropNotNull = "drop_not_null"
        case setDefault = "set_default"
        case dropDefault = "drop_default"
        case dropIndex = "drop_index"
        case dropView = "drop_view"
        case dropConstraint = "drop_constraint"
        case addConstraint = "add_constraint"
        case dropPolicy = "drop_policy"
        case dropTrigger = "drop_trigger"
        case revoke
        case dropFunction = "drop_function"
        case renameIndex = "rename_index"
        case setIdentity = "set_identity"
        case dropExpression = "drop_expression"
        case replaceColumn = "replace_column"
        case detachPartition = "detach_partition"
        case attachPartition = "attach_partition"
    }

    /// What running a statement risks, shown beside it and in JSON.
    public enum Hazard: String, Hashable, Sendable, CaseIterable {
        /// Rows or values are lost: refused unless destructive changes are allowed.
        case dataLoss = "data_loss"
        /// The table is rewritten while locked.
        case tableRewrite = "table_rewrite"
        /// Takes a lock that blocks reads and writes until it finishes.
        case longLock = "long_lock"
        /// Builds an index: time and I/O proportional to the table.
        case indexBuild = "index_build"
        /// Runs a full scan to validate existing rows.
        case validation
        /// Fails when the table already has rows (a NOT NULL column without a default).
        case failsIfRows = "fails_if_rows"
        /// Moves rows between partitions (out of a default partition into a new one).
        case movesRows = "moves_rows"
    }

    public var kind: Kind
    /// What the rows must satisfy for the statement to succeed, where the
    /// data can refuse it: checked against a live target before anything runs.
    public var precondition: DataPrecondition?
    /// The object the statement acts on, `schema.name[.part]`.
    public var target: String
    public var sql: String
    public var hazards: [Hazard]
    /// False for statements PostgreSQL refuses inside a transaction block
    /// (CREATE INDEX CONCURRENTLY).
    public var transactional: Bool

    public init(kind: Kind, target: String, sql: String, hazards: [Hazard] = [], transactional: Bool = true,
                precondition: DataPrecondition? = nil) {
        self.precondition = precondition
        self.kind = kind
        self.target = target
        self.sql = sql
        self.hazards = hazards
        self.transactional = transactional
    }

    public var isDestructive: Bool { hazards.contains(.dataLoss) }
}

/// A condition on the rows of a table that a statement needs, with what to
/// do when it does not hold. Names are those before the migration's renames
/// are applied by `query(renamedTables:renamedColumns:)`.
public struct DataPrecondition: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// The table has no row (a NOT NULL column without a default).
        case noRows
        /// The column holds no NULL (SET NOT NULL).
        case noNulls(column: String)
    }

    public var table: QualifiedName
    public var kind: Kind
    /// What to do instead, for the refusal.
    public var advice: String

    public init(table: QualifiedName, kind: Kind, advice: String) {
        self.table = table
        self.kind = kind
        self.advice = advice
    }

    /// A query that returns `true` when the statement would fail: bounded,
    /// since EXISTS stops at the first offending row. Table and column are
    /// named as the target has them now, before the migration renames them.
    public func query(renamedTables: [QualifiedName: QualifiedName], renamedColumns: [QualifiedName: [String: String]]) -> String {
        let current = renamedTables[table] ?? table
        switch kind {
        case .noRows:
            return "SELECT EXISTS (SELECT FROM \(SQL.qualified(current)))"
        case .noNulls(let column):
            let name = renamedColumns[table]?[column] ?? column
            return "SELECT EXISTS (SELECT FROM \(SQL.qualified(current)) WHERE \(SQL.identifier(name)) IS NULL)"
        }
    }

    /// The refusal, in words.
    public var problem: String {
        switch kind {
        case .noRows: "table \(table) has rows, and the new column cannot be NOT NULL without a value for them"
        case .noNulls(let column): "column \(column) of table \(table) holds NULLs, so it cannot be made NOT NULL"
        }
    }
}

/// Statements in the order they must run, grouped in titled sections for people.
public struct MigrationPlan: Hashable, Sendable {
    public struct Section: Hashable, Sendable {
        public var title: String
        public var statements: [PlannedStatement]
        /// Run as one transaction: all of it or none.
        public var atomic: Bool = false
    }

    public var sections: [Section] = []

    public init() {}

    public var statements: [PlannedStatement] { sections.flatMap(\.statements) }
    public var isEmpty: Bool { sections.allSatisfy { $0.statements.isEmpty } }

    mutating func append(_ title: String, _ statements: [PlannedStatement], atomic: Bool = false) {
        guard !statements.isEmpty else { return }
        sections.append(Section(title: title, statements: statements, atomic: atomic))
    }
}
