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
        /// Skip indexes no part holds (`system.data_skipping_indices`, no bytes) while the table has rows.
        public var unbuiltIndexes: Set<String> = []
        /// Projections some active part lacks (`system.projection_parts` against `system.parts`).
        public var unbuiltProjections: Set<String> = []
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
    /// Views whose columns are not those their query gives now (a table they
    /// read changed the type of a column since they were made).
    public var staleViews: Set<String> = []
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

    /// Reads the database in six queries, whatever its table count: the
    /// database, its objects, the MergeTree settings' defaults, and how far
    /// skip indexes and projections are built for the rows already there.
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
        try readBuilt(&state, on: server)
        for (name, view) in state.materializedViews where try isStale(view, database: database, on: server) { state.staleViews.insert(name) }
        return state
    }

    /// Whether a view's columns differ from what its query gives
    /// (`DESCRIBE (query)`, a query a view: there are few); false when the
    /// engine cannot say (the query reads what is not there).
    static func isStale(_ view: ClickHouseLiveState.MaterializedView, database: String, on server: any ClickHouseQuerying) throws -> Bool {
        guard let (_, inside, _) = EngineText.parenthesized(Substring(view.createQuery)), !view.select.isEmpty,
              let described = try? server.rows("DESCRIBE TABLE (\(view.select))", settings: ["database": database]) else { return false }
        let held = EngineText.split(inside).map { element -> String in
            let (name, type) = EngineText.leadingName(element)
            return name + " " + type
        }
        return held != described.map { $0.count > 1 ? $0[0] + " " + $0[1] : "" }
    }

    /// Which skip indexes and projections the parts already written lack: an
    /// ADD that ran without the MATERIALIZE after it (a run that stopped
    /// between the two) is finished by the next plan.
    static func readBuilt(_ state: inout ClickHouseLiveState, on server: any ClickHouseQuerying) throws {
        let db = ClickHouseSQL.literal(state.database)
        for row in try server.rows("""
            SELECT table, name FROM system.data_skipping_indices
            WHERE database = \(db) AND data_compressed_bytes + marks_bytes = 0
            """, settings: [:]) where row.count == 2 {
            if let rows = state.tables[row[0]]?.rows, rows > 0 { state.tables[row[0]]?.unbuiltIndexes.insert(row[1]) }
        }
        let parts = Dictionary(try server.rows("SELECT table, toString(count()) FROM system.parts WHERE database = \(db) AND active GROUP BY table",
                                               settings: [:]).compactMap { $0.count == 2 ? ($0[0], Int($0[1]) ?? 0) : nil },
                               uniquingKeysWith: { a, _ in a })
        var built: [String: [String: Int]] = [:]
        for row in try server.rows("""
            SELECT table, name, toString(count()) FROM system.projection_parts WHERE database = \(db) AND active GROUP BY table, name
            """, settings: [:]) where row.count == 3 {
            built[row[0], default: [:]][row[1]] = Int(row[2]) ?? 0
        }
        for (name, table) in state.tables {
            guard let text = table.text, let count = parts[name], count > 0 else { continue }
            for projection in text.projections where (built[name]?[projection.name] ?? 0) < count {
                state.tables[name]?.unbuiltProjections.insert(projection.name)
            }
        }
    }

    /// `database.table` of `CREATE MATERIALIZED VIEW … TO database.table (…) AS …`.
    static func viewTarget(_ create: String) -> String? {
        let head = EngineText.parenthesized(Substring(create))?.before ?? Substring(create)
        guard let to = EngineText.clauses(head, keywords: ["TO"]).clauses.first?.text else { return nil }
        let (first, rest) = EngineText.leadingName(Substring(to.split(separator: " ").joined(separator: " ")))
        return rest.isEmpty ? first : first + "." + EngineText.leadingName(rest.dropFirst()).name
    }
}
