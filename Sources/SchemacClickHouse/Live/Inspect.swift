import SchemacModel

/// What the inspector needs of a server: rows of a query, statements run.
/// The HTTP driver provides it; nothing here knows how it is reached.
public protocol ClickHouseQuerying: Sendable {
    func rows(_ sql: String, settings: [String: String]) throws -> [[String]]
    func execute(_ sql: String, settings: [String: String]) throws
}

/// The definitions' database on a live server, as its system tables describe
/// it, in the engine's own spelling.
public struct ClickHouseLiveState: Sendable {
    public struct Table: Sendable {
        public var name: String
        /// `system.tables.engine`: `MergeTree`, `ReplicatedMergeTree`, `Distributed`, `View`…
        public var engine: String
        public var createQuery: String
        /// The parts of a MergeTree-family table; nil for other engines.
        public var text: ClickHouseTableText?
        public var comment: String
        /// Rows, as `system.tables.total_rows` counts them (nil when the engine does not).
        public var rows: Int?
        /// The materialized views that read the table (`system.tables.dependencies_table`).
        public var readBy: [String] = []
    }

    public struct MaterializedView: Sendable {
        public var name: String
        /// The table it writes to, `database.table`.
        public var to: String?
        public var select: String
        public var comment: String
        public var createQuery: String
    }

    public var database: String
    public var databaseExists = false
    public var tables: [String: Table] = [:]
    public var materializedViews: [String: MaterializedView] = [:]
    /// Each dictionary's `create_table_query`.
    public var dictionaries: [String: String] = [:]
    /// Each Distributed table's `create_table_query`.
    public var distributed: [String: String] = [:]
    /// Objects of other kinds (views, Distributed and other engines), by name, with their engine.
    public var others: [String: String] = [:]
    /// MergeTree settings at their server defaults: a table that shows one of
    /// these with this value has not been set apart from the default.
    public var settingDefaults: [String: String] = [:]

    public init(database: String) { self.database = database }
}

public enum ClickHouseInspector {
    /// The tables `schemac migrate` keeps its history and lease in: schemac's
    /// own, neither managed by the definitions nor reported as unmanaged.
    public static let runnerTables: Set<String> = ["schemac_migrations", "schemac_migrations_lock"]

    /// Reads the database in three queries, whatever its table count: the
    /// database, its objects, the MergeTree settings' defaults.
    public static func inspect(database: String, on server: any ClickHouseQuerying) throws -> ClickHouseLiveState {
        var state = ClickHouseLiveState(database: database)
        let db = ClickHouseSQL.literal(database)
        state.databaseExists = try !server.rows("SELECT name FROM system.databases WHERE name = \(db)", settings: [:]).isEmpty
        guard state.databaseExists else { return state }
        let rows = try server.rows("""
            SELECT name, engine, create_table_query, comment, as_select, toString(ifNull(total_rows, -1)),
                arrayStringConcat(arrayMap((d, t) -> concat(d, '.', t), dependencies_database, dependencies_table), '\n')
            FROM system.tables WHERE database = \(db) AND NOT is_temporary ORDER BY name
            """, settings: [:])
        for row in rows where row.count == 7 && !runnerTables.contains(row[0]) {
            let (name, engine, create, comment) = (row[0], row[1], row[2], row[3])
            switch engine {
            case "MaterializedView":
                state.materializedViews[name] = .init(name: name, to: viewTarget(create), select: row[4], comment: comment, createQuery: create)
            case "Dictionary":
                state.dictionaries[name] = create
            case "Distributed":
                state.distributed[name] = create
            case let e where e.hasSuffix("MergeTree"):
                state.tables[name] = .init(name: name, engine: engine, createQuery: create, text: ClickHouseTableText(createQuery: create),
                                           comment: comment, rows: Int(row[5]).flatMap { $0 < 0 ? nil : $0 },
                                           readBy: row[6].split(separator: "\n").map(String.init))
            default:
                state.others[name] = engine
            }
        }
        for row in try server.rows("SELECT name, default FROM system.merge_tree_settings", settings: [:]) where row.count == 2 {
            state.settingDefaults[row[0]] = row[1]
        }
        return state
    }

    /// `database.table` of `CREATE MATERIALIZED VIEW … TO database.table (…) AS …`.
    static func viewTarget(_ create: String) -> String? {
        let head = EngineText.parenthesized(Substring(create))?.before ?? Substring(create)
        guard let to = EngineText.clauses(head, keywords: ["TO"]).clauses.first?.text else { return nil }
        let (first, rest) = EngineText.leadingName(Substring(to.split(separator: " ").joined(separator: " ")))
        return rest.isEmpty ? first : first + "." + EngineText.leadingName(rest.dropFirst()).name
    }
}
