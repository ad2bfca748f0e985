import SchemacMigrate
import SchemacModel

/// The statement kinds of a ClickHouse plan.
public enum ClickHouseStatementKind {
    public static let createDatabase = StatementKind("create_database")
    public static let createTable = StatementKind("create_table")
    public static let dropTable = StatementKind("drop_table")
    public static let addColumn = StatementKind("add_column")
    public static let dropColumn = StatementKind("drop_column")
    public static let renameColumn = StatementKind("rename_column")
    public static let alterColumnType = StatementKind("alter_column_type")
    public static let alterColumnDefault = StatementKind("alter_column_default")
    public static let alterColumnCodec = StatementKind("alter_column_codec")
    public static let alterColumnTTL = StatementKind("alter_column_ttl")
    public static let commentColumn = StatementKind("comment_column")
    public static let createDistributed = StatementKind("create_distributed_table")
    public static let dropDistributed = StatementKind("drop_distributed_table")
    public static let modifyOrderBy = StatementKind("modify_order_by")
    public static let modifyTTL = StatementKind("modify_ttl")
    public static let modifySetting = StatementKind("modify_setting")
    public static let modifyComment = StatementKind("modify_comment")
    public static let addIndex = StatementKind("add_index")
    public static let dropIndex = StatementKind("drop_index")
    public static let materializeIndex = StatementKind("materialize_index")
    public static let addProjection = StatementKind("add_projection")
    public static let dropProjection = StatementKind("drop_projection")
    public static let materializeProjection = StatementKind("materialize_projection")
    public static let createView = StatementKind("create_materialized_view")
    public static let dropView = StatementKind("drop_materialized_view")
    public static let modifyQuery = StatementKind("modify_query")
    public static let createDictionary = StatementKind("create_dictionary")
    public static let replaceDictionary = StatementKind("replace_dictionary")
    public static let dropDictionary = StatementKind("drop_dictionary")
    public static let copyRows = StatementKind("copy_rows")
    public static let exchangeTables = StatementKind("exchange_tables")
    public static let renameTable = StatementKind("rename_table")
}

/// The plan that brings a live ClickHouse database to the definitions, in
/// the engine-neutral plan: what ALTER can do, statement by statement (each
/// one change, so that a run that stops resumes after the last that
/// completed); what it cannot, named.
public enum ClickHousePlanner {
    public struct Options: Sendable {
        /// Build a table ALTER cannot change again beside the old one, copy
        /// its rows, swap the two, and keep the old as a backup.
        public var allowRecreate = false
        /// Drop the backups rebuilds keep (destructive changes allowed).
        public var dropBackups = false

        public init(allowRecreate: Bool = false, dropBackups: Bool = false) {
            self.allowRecreate = allowRecreate
            self.dropBackups = dropBackups
        }
    }

    /// The suffixes of the tables a rebuild makes beside the one it rebuilds:
    /// the new table while rows are copied, the old one kept after the swap.
    public static let rebuildSuffix = "_schemac_new", backupSuffix = "_schemac_old"

    public struct Result: Sendable {
        public var plan = MigrationPlan()
        /// What the engine cannot change in place, in words: the plan is refused.
        public var unsupported: [String] = []
        /// What is on the server and not in the definitions, left alone.
        public var unmanaged: [String] = []
    }

    /// The plan from what `server` holds to `schema`: the database read, the
    /// desired side spelled by the engine, the two compared.
    public static func plan(_ schema: ClickHouseSchema, on server: any ClickHouseQuerying, options: Options = Options()) throws -> Result {
        try plan(schema, live: ClickHouseInspector.inspect(database: schema.database, on: server), on: server, options: options)
    }

    /// The plan from `live`, as read from `server`, to `schema`.
    public static func plan(_ schema: ClickHouseSchema, live: ClickHouseLiveState, on server: any ClickHouseQuerying,
                            options: Options = Options()) throws -> Result {
        let spelled = try ClickHouseDesiredText.read(schema, live: live, on: server) { name, text in
            guard let have = live.tables[name]?.text else { return true }
            return !text.matches(have, defaults: live.settingDefaults)
        }
        return plan(schema, spelled: spelled, live: live, options: options)
    }

    public static func plan(_ schema: ClickHouseSchema, spelled: ClickHouseDesiredText, live: ClickHouseLiveState,
                            options: Options = Options()) -> Result {
        var result = Result()
        let context = Context(schema: schema)
        guard live.databaseExists else {
            result.plan = fromEmpty(schema, context)
            return result
        }
        var p = Phases()
        planDistributed(schema, spelled, live, context, drops: &p.dropsFirst, creates: &p.created, afterAlters: &p.distributedAfter)
        for t in schema.tables { planTable(t, spelled, live, context, options, into: &p, result: &result) }
        planDroppedTables(schema, live, context, options, into: &p, result: &result)
        planDictionaries(schema, spelled, live, context, drops: &p.dropsFirst, creates: &p.dictionaries)
        planViews(schema, spelled, live, context, drops: &p.dropsFirst, creates: &p.views)
        refreshViews(reading: p.retyped, schema, live, context, views: &p.views)
        for (name, engine) in live.others.sorted(by: { $0.key < $1.key }) {
            result.unmanaged.append("\(context.target(name)) (\(engine)) is not in the definitions: left as it is")
        }
        result.plan.append("Dropped first: materialized views, dictionaries, Distributed tables", p.dropsFirst)
        result.plan.append("Tables created", p.created)
        result.plan.append("Tables altered", p.altered)
        result.plan.append("Tables rebuilt: made again beside the old, rows copied, swapped", p.rebuilt)
        result.plan.append("Distributed tables made over the tables as altered", p.distributedAfter)
        result.plan.append("Indexes and projections built for the rows already there", p.mutations)
        result.plan.append("Dictionaries", p.dictionaries)
        result.plan.append("Materialized views", p.views)
        result.plan.append("Tables dropped", p.dropsLast)
        return result
    }

    /// The statements of a plan by the part of it they go in, in the order the parts run.
    struct Phases {
        var dropsFirst: [PlannedStatement] = [], created: [PlannedStatement] = [], altered: [PlannedStatement] = []
        var rebuilt: [PlannedStatement] = [], distributedAfter: [PlannedStatement] = [], mutations: [PlannedStatement] = []
        var dictionaries: [PlannedStatement] = [], views: [PlannedStatement] = [], dropsLast: [PlannedStatement] = []
        /// Tables whose columns change type: the views that read them are told again, so that the columns they hold follow.
        var retyped: Set<String> = []
        /// Tables this plan rebuilds: their leftovers are the rebuild's to deal with.
        var rebuilding: Set<String> = []
    }

    /// One declared table: created, altered (with its Distributed table),
    /// rebuilt, or refused with what ALTER cannot do.
    static func planTable(_ t: ClickHouseTable, _ spelled: ClickHouseDesiredText, _ live: ClickHouseLiveState, _ context: Context,
                          _ options: Options, into p: inout Phases, result: inout Result) {
        let schema = context.schema
        guard let have = live.tables[t.name] else {
            let create = statement(ClickHouseStatementKind.createTable, context.target(t.name), ClickHouseRenderer.createTable(t, schema: schema))
            // Before the Distributed table made AS it.
            p.created.insert(create, at: p.created.firstIndex { $0.target == context.target(ClickHouseRenderer.distributedName(t)) } ?? p.created.endIndex)
            return
        }
        guard let haveText = have.text, let want = spelled.tables[t.name] else {
            result.unsupported.append("table \(context.target(t.name)) is a \(have.engine) table that schemac does not read: \(have.createQuery)")
            return
        }
        var table = TablePlanner(table: t, want: want, have: haveText, defaults: live.settingDefaults, context: context)
        table.unbuilt = (have.unbuiltIndexes, have.unbuiltProjections)
        table.plan()
        if table.alters.contains(where: { $0.kind == ClickHouseStatementKind.alterColumnType }) { p.retyped.insert(t.name) }
        let distributed = ClickHouseRenderer.distributedName(t), backup = t.name + backupSuffix
        if table.unsupported.isEmpty {
            let followed = schema.cluster != nil && t.shardBy != nil && live.distributed[distributed] != nil
                && spelled.distributedEngines[distributed] == live.distributed[distributed].map(ClickHouseDesiredText.distributedEngine)
            p.altered += followed ? table.withDistributed(distributed) : table.alters
            p.mutations += table.mutations
        } else if options.allowRecreate, schema.cluster == nil, live.tables[backup] == nil || options.dropBackups {
            if live.tables[backup] != nil {
                p.rebuilt.append(statement(ClickHouseStatementKind.dropTable, context.target(backup), "DROP TABLE \(context.qualified(backup)) SYNC",
                                           [Hazard(.dataLoss, "drops the backup an earlier rebuild of \(context.target(t.name)) kept")]))
            }
            p.rebuilt += rebuild(t, have: haveText, context: context, dropBackup: options.dropBackups)
            p.retyped.insert(t.name)
            p.rebuilding.insert(t.name)
        } else {
            let advice = schema.cluster != nil ? " (with a cluster, schemac does not rebuild tables yet)"
                : live.tables[backup] != nil ? " (an earlier rebuild's backup \(backup) is still there: --allow-recreate --allow-destructive drops it and rebuilds)"
                : " (--allow-recreate rebuilds it beside the old one and swaps them)"
            result.unsupported += table.unsupported.map { $0 + advice }
        }
    }

    /// The live tables the definitions no longer hold, dropped last; a
    /// rebuild's leftover only with `dropBackups`, else named.
    static func planDroppedTables(_ schema: ClickHouseSchema, _ live: ClickHouseLiveState, _ context: Context, _ options: Options,
                                  into p: inout Phases, result: inout Result) {
        let declared = Set(schema.tables.map(\.name))
        for name in live.tables.keys.sorted() where !declared.contains(name) {
            if let original = leftoverOf(name), p.rebuilding.contains(original) { continue }
            if let original = leftoverOf(name), declared.contains(original), !options.dropBackups {
                result.unmanaged.append("\(context.target(name)) holds the rows \(context.target(original)) had before it was rebuilt: "
                                        + "kept until --allow-destructive drops it")
                continue
            }
            p.dropsLast.append(statement(ClickHouseStatementKind.dropTable, context.target(name), "DROP TABLE \(context.qualified(name))\(context.onCluster) SYNC",
                                         [Hazard(.dataLoss, "drops table \(context.target(name)) and every row in it")]))
        }
    }

    /// The table a rebuild left `name` beside, if `name` is one of its leftovers.
    static func leftoverOf(_ name: String) -> String? {
        for suffix in [backupSuffix, rebuildSuffix] where name.hasSuffix(suffix) && name.count > suffix.count {
            return String(name.dropLast(suffix.count))
        }
        return nil
    }

    /// A table built again: the new one made beside it (after any left by a
    /// rebuild that stopped before the swap), the rows copied, the two
    /// swapped, the old one kept under the backup name (or dropped).
    static func rebuild(_ t: ClickHouseTable, have: ClickHouseTableText, context: Context, dropBackup: Bool) -> [PlannedStatement] {
        let target = context.target(t.name)
        let new = t.name + rebuildSuffix, old = t.name + backupSuffix
        var copy = t
        copy.name = new
        let existing = Set(have.columns.map(\.name))
        var into: [String] = [], from: [String] = []
        for c in t.columns where c.defaultKind != .alias && c.defaultKind != .materialized {
            if existing.contains(c.name) {
                into.append(ClickHouseSQL.identifier(c.name)); from.append(ClickHouseSQL.identifier(c.name))
            } else if let before = c.renamedFrom, existing.contains(before) {
                into.append(ClickHouseSQL.identifier(c.name)); from.append(ClickHouseSQL.identifier(before))
            }
        }
        var statements = [
            statement(ClickHouseStatementKind.dropTable, context.target(new), "DROP TABLE IF EXISTS \(context.qualified(new)) SYNC"),
            statement(ClickHouseStatementKind.createTable, context.target(new), ClickHouseRenderer.createTable(copy, schema: context.schema)),
            statement(ClickHouseStatementKind.copyRows, target,
                      "INSERT INTO \(context.qualified(new)) (\(into.joined(separator: ", ")))\nSELECT \(from.joined(separator: ", ")) FROM \(context.qualified(t.name))",
                      [Hazard(.rebuild, "copies every row of \(target) into the rebuilt table: time and disk in proportion to the table; rows "
                              + "written to \(target) after the copy starts and before the swap stay only in the backup \(old)")]),
            statement(ClickHouseStatementKind.exchangeTables, target, "EXCHANGE TABLES \(context.qualified(new)) AND \(context.qualified(t.name))"),
            statement(ClickHouseStatementKind.renameTable, context.target(old),
                      "RENAME TABLE \(context.qualified(new)) TO \(context.qualified(old))"),
        ]
        if dropBackup {
            statements.append(statement(ClickHouseStatementKind.dropTable, context.target(old), "DROP TABLE \(context.qualified(old)) SYNC",
                                        [Hazard(.dataLoss, "drops \(context.target(old)), the rows \(target) had before it was rebuilt")]))
        }
        return statements
    }

    /// The plan from nothing: the schema file's statements, each a step.
    static func fromEmpty(_ schema: ClickHouseSchema, _ context: Context) -> MigrationPlan {
        var plan = MigrationPlan()
        plan.append("Database", [statement(ClickHouseStatementKind.createDatabase, schema.database,
                                            "CREATE DATABASE IF NOT EXISTS \(ClickHouseSQL.identifier(schema.database))\(context.onCluster)")])
        plan.append("Tables", schema.tables.map {
            statement(ClickHouseStatementKind.createTable, context.target($0.name), ClickHouseRenderer.createTable($0, schema: schema))
        })
        plan.append("Distributed tables over the shards", schema.tables.compactMap { t in
            ClickHouseRenderer.createDistributed(t, schema: schema).map {
                statement(ClickHouseStatementKind.createDistributed, context.target(ClickHouseRenderer.distributedName(t)), $0)
            }
        })
        plan.append("Dictionaries", schema.dictionaries.map {
            statement(ClickHouseStatementKind.createDictionary, context.target($0.name), ClickHouseRenderer.createDictionary($0, schema: schema))
        })
        plan.append("Materialized views", schema.materializedViews.map {
            statement(ClickHouseStatementKind.createView, context.target($0.name), ClickHouseRenderer.createMaterializedView($0, schema: schema))
        })
        return plan
    }

    /// The Distributed table over each sharded table: made when missing,
    /// made again when its engine (cluster, shard key) changes, dropped when
    /// its table is no longer sharded. It holds no rows.
    static func planDistributed(_ schema: ClickHouseSchema, _ spelled: ClickHouseDesiredText, _ live: ClickHouseLiveState, _ context: Context,
                                drops: inout [PlannedStatement], creates: inout [PlannedStatement], afterAlters: inout [PlannedStatement]) {
        for t in schema.tables {
            guard let create = ClickHouseRenderer.createDistributed(t, schema: schema) else { continue }
            let name = ClickHouseRenderer.distributedName(t), target = context.target(name)
            let made = statement(ClickHouseStatementKind.createDistributed, target, create)
            guard let have = live.distributed[name] else {
                // Made AS its table: after the table's own changes, when the table is there already.
                if live.tables[t.name] == nil { creates.append(made) } else { afterAlters.append(made) }
                continue
            }
            guard ClickHouseDesiredText.distributedEngine(have) != spelled.distributedEngines[name] else { continue }
            drops.append(statement(ClickHouseStatementKind.dropDistributed, target, "DROP TABLE \(context.qualified(name))\(context.onCluster) SYNC",
                                   [Hazard(.breaksClients, "\(target) is made again over another shard key or cluster: queries through it fail "
                                           + "until it is back (it holds no rows of its own)")]))
            afterAlters.append(made)
        }
        for name in live.distributed.keys.sorted() where !context.distributedNames.contains(name) {
            drops.append(statement(ClickHouseStatementKind.dropDistributed, context.target(name),
                                   "DROP TABLE \(context.qualified(name))\(context.onCluster) SYNC",
                                   [Hazard(.breaksClients, "drops Distributed table \(context.target(name)): queries through it fail from then on "
                                           + "(it holds no rows of its own; the shards keep theirs)")]))
        }
    }

    static func planDictionaries(_ schema: ClickHouseSchema, _ spelled: ClickHouseDesiredText, _ live: ClickHouseLiveState, _ context: Context,
                                 drops: inout [PlannedStatement], creates: inout [PlannedStatement]) {
        for d in schema.dictionaries {
            let create = ClickHouseRenderer.createDictionary(d, schema: schema)
            guard let have = live.dictionaries[d.name] else {
                creates.append(statement(ClickHouseStatementKind.createDictionary, context.target(d.name), create))
                continue
            }
            guard have != spelled.dictionaries[d.name] else { continue }
            creates.append(statement(ClickHouseStatementKind.replaceDictionary, context.target(d.name),
                                     create.replacing("CREATE DICTIONARY", with: "CREATE OR REPLACE DICTIONARY")))
        }
        let declared = Set(schema.dictionaries.map(\.name))
        for name in live.dictionaries.keys.sorted() where !declared.contains(name) {
            drops.append(statement(ClickHouseStatementKind.dropDictionary, context.target(name), "DROP DICTIONARY \(context.qualified(name))\(context.onCluster)",
                                   [Hazard(.breaksClients, "drops dictionary \(context.target(name)): dictGet calls that name it fail from then on")]))
        }
    }

    static func planViews(_ schema: ClickHouseSchema, _ spelled: ClickHouseDesiredText, _ live: ClickHouseLiveState, _ context: Context,
                          drops: inout [PlannedStatement], creates: inout [PlannedStatement]) {
        for v in schema.materializedViews {
            let target = context.target(v.name)
            let create = statement(ClickHouseStatementKind.createView, target, ClickHouseRenderer.createMaterializedView(v, schema: schema))
            guard let have = live.materializedViews[v.name] else {
                creates.append(create)
                continue
            }
            if have.to != schema.database + "." + v.to {
                drops.append(statement(ClickHouseStatementKind.dropView, target, "DROP VIEW \(context.qualified(v.name))\(context.onCluster) SYNC",
                                       [Hazard(.ingestGap, "\(target) now writes to \(v.to), which ALTER cannot change: it is dropped and made "
                                               + "again, and rows inserted into the tables it reads in between reach neither table")]))
                creates.append(create)
                continue
            }
            if have.select != spelled.viewQueries[v.name], !spelled.viewsSameByAnalysis.contains(v.name) {
                creates.append(statement(ClickHouseStatementKind.modifyQuery, target,
                                         // Metadata only: rows already in the target stay as the old query made them.
                                         "ALTER TABLE \(context.qualified(v.name))\(context.onCluster) MODIFY QUERY\n\(v.select)"))
            }
            if have.comment != (v.comment ?? "") {
                creates.append(statement(ClickHouseStatementKind.modifyComment, target,
                                         "ALTER TABLE \(context.qualified(v.name))\(context.onCluster) MODIFY COMMENT \(ClickHouseSQL.literal(v.comment ?? ""))"))
            }
        }
        let declared = Set(schema.materializedViews.map(\.name))
        for name in live.materializedViews.keys.sorted() where !declared.contains(name) {
            let into = live.materializedViews[name]?.to ?? "its target"
            drops.append(statement(ClickHouseStatementKind.dropView, context.target(name), "DROP VIEW \(context.qualified(name))\(context.onCluster) SYNC",
                                   [Hazard(.dataLoss, "drops materialized view \(context.target(name)): rows inserted from then on no longer reach \(into)")]))
        }
    }

    /// A view keeps the column types it was made with: one that reads a
    /// table whose columns change type in this plan, or whose columns already
    /// differ from what its query gives, has its query set again, which gives
    /// it the new ones.
    static func refreshViews(reading tables: Set<String>, _ schema: ClickHouseSchema, _ live: ClickHouseLiveState, _ context: Context,
                             views: inout [PlannedStatement]) {
        let readers = Set(tables.flatMap { live.tables[$0]?.readBy ?? [] })
        for v in schema.materializedViews where readers.contains(schema.database + "." + v.name) || live.staleViews.contains(v.name) {
            let target = context.target(v.name)
            guard live.materializedViews[v.name] != nil, !views.contains(where: { $0.target == target }) else { continue }
            views.append(statement(ClickHouseStatementKind.modifyQuery, target,
                                   "ALTER TABLE \(context.qualified(v.name))\(context.onCluster) MODIFY QUERY\n\(v.select)"))
        }
    }

    static func statement(_ kind: StatementKind, _ target: String, _ sql: String, _ hazards: [Hazard] = []) -> PlannedStatement {
        // No transactions in ClickHouse: every statement is its own step.
        PlannedStatement(kind: kind, target: target, sql: sql, hazards: hazards, isolation: .outside)
    }

    /// Names as statements need them.
    struct Context {
        let schema: ClickHouseSchema
        let onCluster: String
        let distributedNames: Set<String>

        init(schema: ClickHouseSchema) {
            self.schema = schema
            onCluster = schema.cluster.map { " ON CLUSTER " + ClickHouseSQL.identifier($0) } ?? ""
            distributedNames = schema.cluster == nil ? [] : Set(schema.tables.filter { $0.shardBy != nil }.map(ClickHouseRenderer.distributedName))
        }

        func target(_ name: String) -> String { schema.database + "." + name }
        func qualified(_ name: String) -> String { ClickHouseSQL.identifier(schema.database) + "." + ClickHouseSQL.identifier(name) }
        func alter(_ table: String) -> String { "ALTER TABLE \(qualified(table))\(onCluster)" }
    }
}
