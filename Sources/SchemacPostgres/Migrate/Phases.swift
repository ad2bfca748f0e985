import SchemacMigrate
import SchemacModel

/// The phases of a PostgreSQL plan, in the order they run: the one place that
/// says what comes before what. A phase's statements form one titled section
/// (a per-object phase, one section an object), and an empty phase is left out.
///
/// Why this order: what others depend on is created first (schemas, roles,
/// types, functions); renames come before anything names the new names; what
/// reads a changed object (views, policies, triggers, constraints) is dropped
/// before the change and built again after it; new tables go in foreign-key
/// order; columns change before the indexes, keys and partitions that use
/// them; privileges and comments follow what they are on; views come after
/// their tables; and what loses data (drops) comes last, once nothing reads it.
enum PostgresPhase: CaseIterable, Hashable {
    case schemas, extensions, roles, schemaPrivileges, enums, enumValues, domains, sequences, functions, changedFunctions, domainsCallingFunctions, renames
    case viewDrops, objectDrops
    /// One section a new table, in foreign-key order.
    case tables
    case deferredForeignKeys, newTablePolicies, newColumns, columnChanges
    /// Columns of enums made again, converted to the new type, the old one dropped, in one transaction.
    case enumRecreations
    /// Type changes under views, the views dropped and built again, in one transaction.
    case typeChangesUnderViews
    case notNulls, identity, sequenceOwners, indexDrops, generatedColumnReplaces, indexBuilds, keys, foreignKeys
    case partitionDetaches, partitionDrops, partitionAttaches, partitionAdds
    case rowLevelSecurity, policies, triggers, privileges, comments
    /// Functions whose SQL-standard bodies read tables: the server parses such a body at once.
    case functionsReadingTables
    /// One section a new view, after the views it reads.
    case views
    case functionsReadingViews
    case columnDrops, tableDrops, sequenceDrops, domainDrops, enumDrops, functionsReplacedBySignature, schemaDrops

    /// The title of the phase's section; nil for a phase of one section an object.
    var title: String? {
        switch self {
        case .schemas: "Schemas"
        case .extensions: "Extensions"
        case .roles: "Roles"
        case .schemaPrivileges: "Schema privileges"
        case .enums: "Enums"
        case .enumValues: "Enum values"
        case .domains: "Domains"
        case .sequences: "Sequences"
        case .functions: "Functions"
        case .changedFunctions: "Changed functions"
        case .domainsCallingFunctions: "Domains whose checks or defaults call the functions above"
        case .renames: "Renames"
        case .viewDrops: "Views that change or read changed columns"
        case .objectDrops: "Dropped or changed policies, triggers and constraints"
        case .tables, .views: nil
        case .deferredForeignKeys: "Foreign keys between tables created above"
        case .newTablePolicies: "Row level security policies"
        case .newColumns: "New columns"
        case .columnChanges: "Column changes"
        case .enumRecreations: "Columns of enums made again (values removed or reordered), in one transaction"
        case .typeChangesUnderViews: "Type changes under the views that read the columns, in one transaction"
        case .notNulls: "NOT NULL, through a validated check"
        case .identity: "Identity"
        case .sequenceOwners: "Sequences owned by columns"
        case .indexDrops: "Dropped or changed indexes"
        case .generatedColumnReplaces: "Columns added again as generated (what reads them is built again below)"
        case .indexBuilds: "Index builds"
        case .keys: "Keys and checks"
        case .foreignKeys: "Foreign keys"
        case .partitionDetaches: "Partitions detached to change their bounds"
        case .partitionDrops: "Dropped partitions"
        case .partitionAttaches: "Partitions attached again with their new bounds"
        case .partitionAdds: "New partitions"
        case .rowLevelSecurity: "Row level security"
        case .policies: "Policies"
        case .triggers: "Triggers"
        case .privileges: "Privileges"
        case .comments: "Comments"
        case .functionsReadingTables: "Functions whose bodies read the tables above"
        case .functionsReadingViews: "Functions whose bodies read the views above"
        case .columnDrops: "Dropped columns"
        case .tableDrops: "Dropped tables"
        case .sequenceDrops: "Dropped sequences"
        case .domainDrops: "Dropped domains"
        case .enumDrops: "Dropped enums"
        case .functionsReplacedBySignature: "Functions replaced by a new signature"
        case .schemaDrops: "Dropped schemas"
        }
    }

    /// Whether the phase runs as one transaction, all of it or none.
    var atomic: Bool { self == .typeChangesUnderViews || self == .enumRecreations }
}

/// Statements gathered by phase while the changes are read.
struct PhasedStatements {
    private var byPhase: [PostgresPhase: [PlannedStatement]] = [:]
    /// Statements that end their phase whatever order the changes come in.
    private var last: [PostgresPhase: [PlannedStatement]] = [:]

    mutating func add(_ phase: PostgresPhase, _ statements: PlannedStatement...) {
        byPhase[phase, default: []] += statements
    }

    mutating func add(_ phase: PostgresPhase, contentsOf statements: [PlannedStatement]) {
        byPhase[phase, default: []] += statements
    }

    /// Before what the phase holds so far: drops of what leans on other
    /// objects (foreign keys, policies, triggers) go before those objects' drops.
    mutating func addFirst(_ phase: PostgresPhase, _ statement: PlannedStatement) {
        byPhase[phase, default: []].insert(statement, at: 0)
    }

    /// After everything else of the phase: a sequence is renamed once its
    /// table and column have their new names; a schema is dropped once the
    /// functions in it are.
    mutating func addLast(_ phase: PostgresPhase, _ statement: PlannedStatement) {
        last[phase, default: []].append(statement)
    }

    subscript(_ phase: PostgresPhase) -> [PlannedStatement] { (byPhase[phase] ?? []) + (last[phase] ?? []) }
}
