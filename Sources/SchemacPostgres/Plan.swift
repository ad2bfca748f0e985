import SchemacModel

/// One statement of a migration plan: what it does, to which object, and its SQL.
public struct PlannedStatement: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        case createSchema = "create_schema"
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
        case grant
        case comment
        case createView = "create_view"
    }

    public var kind: Kind
    /// The object the statement acts on, `schema.name[.part]`.
    public var target: String
    public var sql: String

    public init(kind: Kind, target: String, sql: String) {
        self.kind = kind
        self.target = target
        self.sql = sql
    }
}

/// Statements in the order they must run, grouped in titled sections for people.
public struct MigrationPlan: Hashable, Sendable {
    public struct Section: Hashable, Sendable {
        public var title: String
        public var statements: [PlannedStatement]
    }

    public var sections: [Section] = []

    public init() {}

    public var statements: [PlannedStatement] { sections.flatMap(\.statements) }
    public var isEmpty: Bool { sections.allSatisfy { $0.statements.isEmpty } }

    mutating func append(_ title: String, _ statements: [PlannedStatement]) {
        guard !statements.isEmpty else { return }
        sections.append(Section(title: title, statements: statements))
    }
}
