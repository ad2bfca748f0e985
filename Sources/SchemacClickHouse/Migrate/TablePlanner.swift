import SchemacMigrate
import SchemacModel

/// The ALTERs of one table: its columns, then its keys, TTL, settings,
/// comment, skip indexes and projections; what ALTER cannot change, named.
struct TablePlanner {
    typealias Kind = ClickHouseStatementKind

    let table: ClickHouseTable
    let want: ClickHouseTableText
    let have: ClickHouseTableText
    let defaults: [String: String]
    let context: ClickHousePlanner.Context
    /// The skip indexes and projections the rows already there lack.
    var unbuilt: (indexes: Set<String>, projections: Set<String>) = ([], [])

    var alters: [PlannedStatement] = []
    var mutations: [PlannedStatement] = []
    var unsupported: [String] = []
    /// Columns this plan adds, which a sorting key may take on at its end.
    private var added: [String: String] = [:]

    init(table: ClickHouseTable, want: ClickHouseTableText, have: ClickHouseTableText, defaults: [String: String],
         context: ClickHousePlanner.Context) {
        self.table = table
        self.want = want
        self.have = have
        self.defaults = defaults
        self.context = context
    }

    var name: String { context.target(table.name) }
    var alter: String { context.alter(table.name) }

    mutating func plan() {
        planUnbuilt()
        guard !want.matches(have, defaults: defaults) else { return }
        checkUnalterable()
        planColumns()
        planOrderBy()
        planTableParts()
        planElements(want.indexes, have.indexes, what: "INDEX", add: Kind.addIndex, drop: Kind.dropIndex, materialize: Kind.materializeIndex)
        planElements(want.projections, have.projections, what: "PROJECTION", add: Kind.addProjection, drop: Kind.dropProjection,
                     materialize: Kind.materializeProjection)
    }

    mutating func checkUnalterable() {
        func refuse(_ what: String, _ from: String?, _ to: String?) {
            unsupported.append("table \(name): its \(what) changes from \(from ?? "none") to \(to ?? "none"), which ClickHouse cannot ALTER: "
                               + "the table has to be built again with its rows copied")
        }
        if want.engineApartFromReplication != have.engineApartFromReplication { refuse("engine", have.engine, want.engine) }
        if want.partitionBy != have.partitionBy { refuse("partition key", have.partitionBy, want.partitionBy) }
        if want.sampleBy != have.sampleBy { refuse("sampling key", have.sampleBy, want.sampleBy) }
    }

    // MARK: Columns

    mutating func planColumns() {
        let haveByName = Dictionary(have.columns.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let declared = Set(table.columns.map(\.name))
        var matched: Set<String> = []
        var previous: String?
        for (model, wanted) in zip(table.columns, want.columns) {
            defer { previous = model.name }
            if let current = haveByName[model.name] {
                matched.insert(model.name)
                modify(model, wanted, current)
            } else if let old = model.renamedFrom, !declared.contains(old), let current = haveByName[old] {
                matched.insert(old)
                alters.append(step(Kind.renameColumn, model.name, "RENAME COLUMN \(quoted(old)) TO \(quoted(model.name))",
                                   [Hazard(.breaksClients, "renames column \(old) of \(name) to \(model.name): a client that still uses the "
                                           + "old name fails until it is deployed with the new one")]))
                modify(model, wanted, current)
            } else {
                let position = previous.map { " AFTER \(quoted($0))" } ?? " FIRST"
                added[model.name] = "ADD COLUMN " + ClickHouseRenderer.column(model) + position
            }
        }
        // Columns are added in the declared order, so that AFTER names one that exists.
        for model in table.columns {
            guard let clause = added[model.name], !appendsToSortingKey(model.name) else { continue }
            alters.append(step(Kind.addColumn, model.name, clause))
        }
        let keyColumns = Set(ClickHouseTableText.list(have.orderBy) + ClickHouseTableText.list(have.partitionBy))
        for column in have.columns where !matched.contains(column.name) {
            if keyColumns.contains(column.name) || keyColumns.contains(quoted(column.name)) {
                unsupported.append("table \(name): column \(column.name) is in its sorting or partition key, and ClickHouse cannot drop it")
                continue
            }
            alters.append(step(Kind.dropColumn, column.name, "DROP COLUMN \(quoted(column.name))",
                               [Hazard(.dataLoss, "drops column \(column.name) of \(name) and every value in it")]))
        }
    }

    /// The changes of a column that stays.
    mutating func modify(_ model: ClickHouseColumn, _ wanted: ClickHouseTableText.Column, _ current: ClickHouseTableText.Column) {
        let column = quoted(model.name)
        if wanted.type != current.type {
            let keys = ClickHouseTableText.list(have.orderBy) + ClickHouseTableText.list(have.partitionBy) + ClickHouseTableText.list(have.primaryKey)
            if keys.contains(model.name) || keys.contains(column) {
                unsupported.append("table \(name): column \(model.name) is in its sorting, primary or partition key, and ClickHouse cannot "
                                   + "change its type from \(current.type) to \(wanted.type) in place")
            }
            var statement = step(Kind.alterColumnType, model.name, "MODIFY COLUMN \(column) \(model.type.sql)", [
                Hazard(.mutation, "rewrites column \(model.name) of \(name) from \(current.type) to \(wanted.type) in every part; "
                       + "a value that does not convert stops the mutation"),
            ])
            // Checked before anything runs: a mutation that cannot convert a value retries for ever, and blocks the table's next ones.
            // The column by its name on the server, as the check runs before any rename.
            statement.precondition = DataPrecondition(table: QualifiedName(schema: context.schema.database, name: table.name),
                                                      kind: .castable(column: current.name, from: current.type, to: wanted.type),
                                                      advice: "convert or delete the values that do not fit first, or add a new column")
            alters.append(statement)
        }
        if wanted.defaultClause != current.defaultClause { modifyDefault(model, wanted, current) }
        if wanted.codec != current.codec {
            let sql = model.codec.map { "MODIFY COLUMN \(column) \(ClickHouseRenderer.codecClause($0))" } ?? "MODIFY COLUMN \(column) REMOVE CODEC"
            alters.append(step(Kind.alterColumnCodec, model.name, sql))
        }
        if wanted.ttl != current.ttl {
            if let ttl = model.ttl {
                alters.append(step(Kind.alterColumnTTL, model.name, "MODIFY COLUMN \(column) TTL \(ttl)", [
                    Hazard(.mutation, "applies the new TTL of column \(model.name) of \(name) to the parts already written"),
                    Hazard(.dataLoss, "values of column \(model.name) of \(name) past the new TTL are reset to the column's default"),
                ]))
            } else {
                alters.append(step(Kind.alterColumnTTL, model.name, "MODIFY COLUMN \(column) REMOVE TTL"))
            }
        }
        if (wanted.comment ?? "") != (current.comment ?? "") {
            alters.append(step(Kind.commentColumn, model.name, "COMMENT COLUMN \(column) \(ClickHouseSQL.literal(model.comment ?? ""))"))
        }
    }

    mutating func modifyDefault(_ model: ClickHouseColumn, _ wanted: ClickHouseTableText.Column, _ current: ClickHouseTableText.Column) {
        let column = quoted(model.name)
        let isAlias = { (clause: String?) in clause?.hasPrefix("ALIAS") ?? false }
        guard isAlias(wanted.defaultClause) == isAlias(current.defaultClause) else {
            unsupported.append("table \(name): column \(model.name) changes between ALIAS (computed, not stored) and a stored column, "
                               + "which ClickHouse cannot ALTER in place: add a new column instead")
            return
        }
        guard let kind = model.defaultKind, let expression = model.defaultExpression else {
            alters.append(step(Kind.alterColumnDefault, model.name, "MODIFY COLUMN \(column) REMOVE DEFAULT"))
            return
        }
        alters.append(step(Kind.alterColumnDefault, model.name, "MODIFY COLUMN \(column) \(kind.rawValue) \(expression)"))
    }

    // MARK: Keys

    /// Whether the column is added in the same ALTER that appends it to the sorting key.
    func appendsToSortingKey(_ column: String) -> Bool {
        guard let appended = sortingKeyAppended else { return false }
        return appended.contains(column) || appended.contains(quoted(column))
    }

    /// The expressions appended to the live sorting key, when that is the
    /// whole change and each is a column added by this plan.
    var sortingKeyAppended: [String]? {
        let old = have.sortingList, new = want.sortingList
        guard new != old, new.count > old.count, Array(new.prefix(old.count)) == old else { return nil }
        let extra = Array(new.dropFirst(old.count))
        let addedNames = Set(added.keys).union(added.keys.map(quoted))
        return extra.allSatisfy(addedNames.contains) ? extra : nil
    }

    mutating func planOrderBy() {
        let sortingChanges = want.sortingList != have.sortingList
        if want.primaryList != have.primaryList {
            let advice = sortingChanges && want.primaryKey == nil
                ? "; to append columns to the sorting key, keep the primary key as it is (primary_key: [\(have.primaryList.joined(separator: ", "))])"
                : ""
            unsupported.append("table \(name): its primary key changes from (\(have.primaryList.joined(separator: ", "))) to "
                               + "(\(want.primaryList.joined(separator: ", "))), which ClickHouse cannot ALTER\(advice)")
            return
        }
        guard sortingChanges else { return }
        guard let appended = sortingKeyAppended else {
            unsupported.append("table \(name): its sorting key changes from (\(have.sortingList.joined(separator: ", "))) to "
                               + "(\(want.sortingList.joined(separator: ", "))); ClickHouse can only append columns added in the same ALTER")
            return
        }
        let adds = table.columns.compactMap { column in appended.contains(column.name) || appended.contains(quoted(column.name)) ? added[column.name] : nil }
        alters.append(step(Kind.modifyOrderBy, "order_by", (adds + ["MODIFY ORDER BY \(ClickHouseRenderer.tuple(table.orderBy))"]).joined(separator: ", ")))
    }

    // MARK: TTL, settings, comment

    mutating func planTableParts() {
        if want.ttl != have.ttl {
            if table.ttl.isEmpty {
                alters.append(step(Kind.modifyTTL, "ttl", "REMOVE TTL"))
            } else {
                alters.append(step(Kind.modifyTTL, "ttl", "MODIFY TTL " + ClickHouseRenderer.ttlRules(table.ttl), [
                    Hazard(.mutation, "applies the new TTL of \(name) to the parts already written"),
                    Hazard(.dataLoss, "rows of \(name) the new TTL has expired are deleted (or moved or rolled up, as its rules say)"),
                ]))
            }
        }
        let wantSettings = want.settingsApart(from: defaults), haveSettings = have.settingsApart(from: defaults)
        for setting in table.settings where wantSettings[setting.name] != nil && wantSettings[setting.name] != haveSettings[setting.name] {
            alters.append(step(Kind.modifySetting, setting.name, "MODIFY SETTING \(setting.name) = \(setting.value)"))
        }
        for setting in haveSettings.keys.sorted() where wantSettings[setting] == nil {
            alters.append(step(Kind.modifySetting, setting, "RESET SETTING \(setting)"))
        }
        if (want.comment ?? "") != (have.comment ?? "") {
            alters.append(step(Kind.modifyComment, "comment", "MODIFY COMMENT \(ClickHouseSQL.literal(table.comment ?? ""))"))
        }
    }

    // MARK: Indexes and projections

    mutating func planElements(_ wanted: [ClickHouseTableText.Element], _ current: [ClickHouseTableText.Element], what: String,
                               add: StatementKind, drop: StatementKind, materialize: StatementKind) {
        let currentByName = Dictionary(current.map { ($0.name, $0.body) }, uniquingKeysWith: { a, _ in a })
        let wantedNames = Set(wanted.map(\.name))
        let word = what == "INDEX" ? "index" : "projection"
        for element in current where !wantedNames.contains(element.name) || currentByName[element.name] != wanted.first(where: { $0.name == element.name })?.body {
            alters.append(step(drop, element.name, "DROP \(what) \(quoted(element.name))"))
        }
        var previous: String?
        for element in wanted {
            defer { previous = element.name }
            guard currentByName[element.name] != element.body else { continue }
            let body: String
            if what == "INDEX" {
                guard let index = table.indexes.first(where: { $0.name == element.name }) else { continue }
                // In the declared place, as a fresh build has it.
                body = ClickHouseRenderer.indexBody(index) + (previous.map { " AFTER \(quoted($0))" } ?? " FIRST")
            } else {
                guard let projection = table.projections.first(where: { $0.name == element.name }) else { continue }
                body = "(\(projection.select))"
            }
            alters.append(step(add, element.name, "ADD \(what) \(quoted(element.name)) \(body)"))
            mutations.append(step(materialize, element.name, "MATERIALIZE \(what) \(quoted(element.name))", [
                Hazard(.mutation, "builds \(word) \(element.name) of \(name) for the parts already written: "
                       + "time and I/O in proportion to the table; parts written from now on have it at once"),
            ]))
        }
    }

    // MARK: The Distributed table over the table

    /// What the Distributed table over a sharded table must follow of the
    /// table's own changes: its columns (their types, defaults, comments and
    /// names), added after the table's and dropped before them.
    static let mirroredKinds: Set<StatementKind> = [Kind.addColumn, Kind.dropColumn, Kind.renameColumn, Kind.alterColumnType,
                                                    Kind.alterColumnDefault, Kind.commentColumn, Kind.modifyOrderBy]

    /// The table's statements with the Distributed table's beside them.
    func withDistributed(_ distributed: String) -> [PlannedStatement] {
        let local = alter + " ", other = context.alter(distributed) + " "
        var drops: [PlannedStatement] = [], out: [PlannedStatement] = []
        for statement in alters {
            guard Self.mirroredKinds.contains(statement.kind), statement.sql.hasPrefix(local) else { out.append(statement); continue }
            var clause = String(statement.sql.dropFirst(local.count))
            if statement.kind == Kind.modifyOrderBy {
                // Only the columns: a Distributed table has no sorting key.
                clause = EngineText.split(Substring(clause)).filter { $0.hasPrefix("ADD COLUMN") }.joined(separator: ", ")
            }
            var twin = statement
            twin.sql = other + clause
            twin.target = context.target(distributed) + statement.target.dropFirst(name.count)
            twin.hazards = statement.kind == Kind.dropColumn ? statement.hazards : []
            if statement.kind == Kind.dropColumn {
                twin.hazards = [Hazard(.breaksClients, "drops column \(twin.target) from the Distributed table first, so that no query "
                                       + "through it asks the shards for a column they no longer have")]
                drops.append(twin)
                out.append(statement)
            } else {
                out.append(statement)
                out.append(twin)
            }
        }
        return drops + out
    }

    /// The MATERIALIZE of an index or projection the definitions keep as it
    /// is, added before without it (the run stopped between the two, say).
    mutating func planUnbuilt() {
        let sides = [(want.indexes, have.indexes, unbuilt.indexes, "INDEX", Kind.materializeIndex),
                     (want.projections, have.projections, unbuilt.projections, "PROJECTION", Kind.materializeProjection)]
        for (wanted, current, names, what, kind) in sides {
            // One that changes is dropped, added and built by planElements.
            for element in wanted where names.contains(element.name) && current.contains(element) {
                mutations.append(step(kind, element.name, "MATERIALIZE \(what) \(quoted(element.name))", [
                    Hazard(.mutation, "builds \(what.lowercased()) \(element.name) of \(name), which the parts already written lack "
                           + "(it was added without being built for them): time and I/O in proportion to the table"),
                ]))
            }
        }
    }

    // MARK: Statements

    func step(_ kind: StatementKind, _ part: String, _ clause: String, _ hazards: [Hazard] = []) -> PlannedStatement {
        ClickHousePlanner.statement(kind, name + "." + part, alter + " " + clause, hazards)
    }

    func quoted(_ column: String) -> String { ClickHouseSQL.identifier(column) }
}
