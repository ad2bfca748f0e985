import SchemacModel

/// What a statement does, in its engine's words (`create_table`,
/// `add_column`): each engine declares its own kinds as static members.
public struct StatementKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

/// A kind of risk a statement carries, the same words for every engine.
public enum HazardKind: String, Hashable, Sendable, CaseIterable {
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
    /// Rows already there disappear from sessions the new rules do not let
    /// in (row level security turned on over a table that has rows).
    case hidesRows = "hides_rows"
    /// Clients that use the old name fail (a table or column renamed).
    case breaksClients = "breaks_clients"
    /// Rewrites the table's data in the background (a ClickHouse mutation):
    /// time and I/O proportional to the table; the runner waits for it.
    case mutation
    /// Builds the table again beside the old one and copies every row.
    case rebuild
    /// Rows written meanwhile do not reach a materialized view's target (a
    /// view dropped and made again).
    case ingestGap = "ingest_gap"
}

/// One risk of one statement: its kind, for machines and policy, and a
/// sentence saying what it risks for this statement, for the person who
/// reviews the plan.
public struct Hazard: Hashable, Sendable {
    public var kind: HazardKind
    public var message: String

    public init(_ kind: HazardKind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

/// One statement of a migration plan: what it does, to which object, its
/// text, whether it may run inside a transaction, and what it risks.
public struct PlannedStatement: Hashable, Sendable {
    public var kind: StatementKind
    /// The object the statement acts on, `schema.name[.part]`.
    public var target: String
    public var sql: String
    public var hazards: [Hazard]
    /// How the statement stands to the transactions around it.
    public var isolation: Isolation
    /// What the rows must satisfy for the statement to succeed, where the
    /// data can refuse it: checked against a live target before anything runs.
    public var precondition: DataPrecondition?

    public init(kind: StatementKind, target: String, sql: String, hazards: [Hazard], isolation: Isolation = .shared,
                precondition: DataPrecondition? = nil) {
        self.kind = kind
        self.target = target
        self.sql = sql
        self.hazards = hazards
        self.isolation = isolation
        self.precondition = precondition
    }

    public var isDestructive: Bool { hazards.contains { $0.kind == .dataLoss } }

    /// False for statements the engine refuses inside a transaction block
    /// (PostgreSQL's CREATE INDEX CONCURRENTLY).
    public var transactional: Bool { isolation != .outside }

    /// Where a statement runs in a migration: the transactions of a file are
    /// made from these, so that what must be atomic is, and what runs long
    /// holds no lock taken by the statements before it.
    public enum Isolation: String, Hashable, Sendable {
        /// In one transaction with the statements beside it.
        case shared
        /// In a transaction of its own, after the ones before it commit: it
        /// runs long (a validation scan, a rewrite) and must not hold their
        /// locks meanwhile, or it needs their work committed first (a value
        /// added to an enum can be used only once committed).
        case alone
        /// Outside any transaction block (the engine refuses one).
        case outside
    }
}

/// A condition on the rows of a table that a statement needs, with what to
/// do when it does not hold. Names are those of the desired state, before
/// the plan's renames are undone by the engine that asks the target.
public struct DataPrecondition: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// The table has no row (a NOT NULL column without a default).
        case noRows
        /// The column holds no NULL (SET NOT NULL).
        case noNulls(column: String)
        /// The server can convert the column's values from one type to the
        /// other (ALTER … TYPE … USING column::type); types named as in SQL.
        case castable(column: String, from: String, to: String)
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

    /// The refusal, in words.
    public var problem: String {
        switch kind {
        case .noRows: "table \(table) has rows, and the new column cannot be NOT NULL without a value for them"
        case .noNulls(let column): "column \(column) of table \(table) holds NULLs, so it cannot be made NOT NULL"
        case .castable(let column, let from, let to):
            "column \(column) of table \(table) cannot change from \(from) to \(to): the server has no cast between them"
        }
    }
}

/// Statements in the order they must run, grouped in titled sections for people.
public struct MigrationPlan: Hashable, Sendable {
    public struct Section: Hashable, Sendable {
        public var title: String
        public var statements: [PlannedStatement]
        /// Run as one transaction: all of it or none.
        public var atomic: Bool

        public init(title: String, statements: [PlannedStatement], atomic: Bool = false) {
            self.title = title
            self.statements = statements
            self.atomic = atomic
        }
    }

    public var sections: [Section] = []

    public init() {}

    public var statements: [PlannedStatement] { sections.flatMap(\.statements) }
    public var isEmpty: Bool { sections.allSatisfy { $0.statements.isEmpty } }

    /// Adds a section; an empty one is left out.
    public mutating func append(_ title: String, _ statements: [PlannedStatement], atomic: Bool = false) {
        guard !statements.isEmpty else { return }
        sections.append(Section(title: title, statements: statements, atomic: atomic))
    }
}

extension MigrationPlan {
    /// One step of a plan as it runs: a transaction, or a statement that runs
    /// outside one.
    public struct Step: Hashable, Sendable {
        public struct Entry: Hashable, Sendable {
            /// The index of the statement's section in `sections`.
            public var section: Int
            public var statement: PlannedStatement
        }

        public var inTransaction: Bool
        public var entries: [Entry]
    }

    /// The plan in transactions: the statements that may share one do, in
    /// the order of the plan; a statement that runs alone has a transaction of
    /// its own; an atomic section is one transaction whole; and what refuses a
    /// transaction runs between them.
    public var steps: [Step] {
        var out: [Step] = [], open: Step?
        func close() {
            if let step = open { out.append(step) }
            open = nil
        }
        for (index, section) in sections.enumerated() {
            let entries = section.statements.map { Step.Entry(section: index, statement: $0) }
            if section.atomic {
                close()
                out.append(Step(inTransaction: true, entries: entries))
                continue
            }
            for entry in entries {
                switch entry.statement.isolation {
                case .shared:
                    if open == nil { open = Step(inTransaction: true, entries: []) }
                    open?.entries.append(entry)
                case .alone, .outside:
                    close()
                    out.append(Step(inTransaction: entry.statement.isolation == .alone, entries: [entry]))
                }
            }
        }
        close()
        return out
    }
}
