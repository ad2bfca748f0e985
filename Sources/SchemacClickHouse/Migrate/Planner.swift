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
    public static let alterColumn = StatementKind("alter_column")
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
}

/// The plan that brings a live ClickHouse database to the definitions, in
/// the engine-neutral plan: what ALTER can do, statement by statement (each
/// one change, so that a run that stops resumes after the last that
/// completed); what it cannot, named.
public enum ClickHousePlanner {
    public struct Result: Sendable {
        public var plan = MigrationPlan()
        /// What the engine cannot change in place, in words: the plan is refused.
        public var unsupported: [String] = []
        /// What is on the server and not in the definitions, left alone.
        public var unmanaged: [String] = []
    }

    /// The plan from what `server` holds to `schema`: the database read, the
    /// desired side spelled by the engine, the two compared.
    public static func plan(_ schema: ClickHouseSchema, on server: any ClickHouseQuerying) throws -> Result {
        let live = try ClickHouseInspector.inspect(database: schema.database, on: server)
        let spelled = try ClickHouseDesiredText.read(schema, live: live, on: server) { name, text in
            guard let have = live.tables[name]?.text else { return true }
            return !text.matches(have, defaults: live.settingDefaults)
        }
        return plan(schema, spelled: spelled, live: live)
    }

    public static func plan(_ schema: ClickHouseSchema, spelled: ClickHouseDesiredText, live: ClickHouseLiveState) -> Result {
        var result = Result()
        let context = Context(schema: schema)
        guard live.databaseExists else {
            result.plan = fromEmpty(schema, context)
            return result
        }
        var dropsFirst: [PlannedStatement] = [], created: [PlannedStatement] = [], altered: [PlannedStatement] = []
        var mutations: [PlannedStatement] = [], dictionaries: [PlannedStatement] = [], views: [PlannedStatement] = []
        var dropsLast: [PlannedStatement] = []
        let declaredTables = Set(schema.tables.map(\.name))
        for t in schema.tables {
            guard let have = live.tables[t.name] else {
                created.append(statement(ClickHouseStatementKind.createTable, context.target(t.name), ClickHouseRenderer.createTable(t, schema: schema)))
                continue
            }
            guard let haveText = have.text, let want = spelled.tables[t.name] else {
                result.unsupported.append("table \(context.target(t.name)) is a \(have.engine) table that schemac does not read: \(have.createQuery)")
                continue
            }
            var table = TablePlanner(table: t, want: want, have: haveText, defaults: live.settingDefaults, context: context)
            table.plan()
            altered += table.alters
            mutations += table.mutations
            result.unsupported += table.unsupported
        }
        for name in live.tables.keys.sorted() where !declaredTables.contains(name) {
            dropsLast.append(statement(ClickHouseStatementKind.dropTable, context.target(name), "DROP TABLE \(context.qualified(name))\(context.onCluster) SYNC",
                                       [Hazard(.dataLoss, "drops table \(context.target(name)) and every row in it")]))
        }
        planDictionaries(schema, spelled, live, context, drops: &dropsFirst, creates: &dictionaries)
        planViews(schema, spelled, live, context, drops: &dropsFirst, creates: &views)
        for (name, engine) in live.others.sorted(by: { $0.key < $1.key }) where !context.distributedNames.contains(name) {
            result.unmanaged.append("\(context.target(name)) (\(engine)) is not in the definitions: left as it is")
        }
        result.plan.append("Materialized views and dictionaries dropped", dropsFirst)
        result.plan.append("Tables created", created)
        result.plan.append("Tables altered", altered)
        result.plan.append("Indexes and projections built for the rows already there", mutations)
        result.plan.append("Dictionaries", dictionaries)
        result.plan.append("Materialized views", views)
        result.plan.append("Tables dropped", dropsLast)
        return result
    }

    /// The plan from nothing: the schema file's statements, each a step.
    static func fromEmpty(_ schema: ClickHouseSchema, _ context: Context) -> MigrationPlan {
        var plan = MigrationPlan()
        plan.append("Database", [statement(ClickHouseStatementKind.createDatabase, schema.database,
                                            "CREATE DATABASE IF NOT EXISTS \(ClickHouseSQL.identifier(schema.database))\(context.onCluster)")])
        plan.append("Tables", schema.tables.map {
            statement(ClickHouseStatementKind.createTable, context.target($0.name), ClickHouseRenderer.createTable($0, schema: schema))
        })
        plan.append("Dictionaries", schema.dictionaries.map {
            statement(ClickHouseStatementKind.createDictionary, context.target($0.name), ClickHouseRenderer.createDictionary($0, schema: schema))
        })
        plan.append("Materialized views", schema.materializedViews.map {
            statement(ClickHouseStatementKind.createView, context.target($0.name), ClickHouseRenderer.createMaterializedView($0, schema: schema))
        })
        return plan
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
