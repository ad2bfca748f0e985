import SchemacMigrate
import SchemacModel

/// The changes of a diff read into statements, each in its phase, and the
/// objects whose sections are made at assembly (new tables and views).
struct GatheredChanges {
    var phased = PhasedStatements()
    var tables: [Table] = []
    var views: [View] = []
    /// Views around type changes: dropped and created again with the columns
    /// they read retyped, in one transaction.
    private var aroundRetype: (old: [View], new: [View], columns: Set<ColumnName>)?
    private var retypes: [PlannedStatement] = []

    init(_ changes: [SchemaChange]) {
        for case .viewsAroundTypeChanges(let old, let new, let columns) in changes { aroundRetype = (old, new, columns) }
    }

    private func underViews(_ t: QualifiedName, _ column: String) -> Bool {
        aroundRetype?.columns.contains(ColumnName(t, column)) ?? false
    }

    /// The statements of one change, in their phases.
    mutating func route(_ change: SchemaChange) {
        typealias P = PostgresPlanner
        switch change {
        case .viewsAroundTypeChanges, .unsupported: break
        case .createSchema(let s): phased.add(.schemas, PlannedStatement(kind: .createSchema, target: s, sql: DDL.createSchema(s)))
        case .dropSchema(let s):
            phased.addLast(.schemaDrops, PlannedStatement(kind: .dropSchema, target: s, sql: "DROP SCHEMA \(SQL.identifier(s));", hazards: [.dataLoss]))
        case .dropFunction(let f):
            phased.add(.schemaDrops, PlannedStatement(kind: .dropFunction, target: f.name.description,
                                                      sql: "DROP \(f.routineWord) \(DDL.functionSignature(f));", hazards: [.dataLoss]))
        case .dropHelperFunction(let f):
            phased.add(.schemaDrops, PlannedStatement(kind: .dropFunction, target: f.name.description, sql: "DROP \(f.routineWord) \(DDL.functionSignature(f));"))
        case .createExtension(let e): phased.add(.extensions, PlannedStatement(kind: .createExtension, target: e, sql: DDL.createExtension(e)))
        case .createRole(let r): phased.add(.roles, PlannedStatement(kind: .createRole, target: r, sql: DDL.createRole(r)))
        case .createEnum(let e): phased.add(.enums, contentsOf: P.enumStatements(e))
        case .createFunction(let f, let reads): phased.add(Self.phase(creating: reads, else: .functions), contentsOf: P.functionStatements(f))
        case .createDomain(let d, let afterFunctions):
            phased.add(afterFunctions ? .domainsCallingFunctions : .domains, PlannedStatement(kind: .createDomain, target: d.name.description, sql: DDL.createDomain(d)))
        case .alterDomain(let d, let clause, let validates):
            phased.add(.domains, PlannedStatement(kind: .alterDomain, target: d.description, sql: "ALTER DOMAIN \(SQL.qualified(d)) \(clause);",
                                                  hazards: validates ? [.validation] : []))
        case .dropDomain(let d):
            phased.add(.domainDrops, PlannedStatement(kind: .dropDomain, target: d.description, sql: "DROP DOMAIN \(SQL.qualified(d));", hazards: [.dataLoss]))
        case .createSequence(let s):
            phased.add(.sequences, PlannedStatement(kind: .createSequence, target: s.name.description, sql: DDL.createSequence(s)))
        case .alterSequence(let old, let new):
            if let sql = DDL.alterSequence(from: old, to: new) {
                phased.add(.sequences, PlannedStatement(kind: .alterSequence, target: new.name.description, sql: sql))
            }
        case .setSequenceOwner(let s, let owner):
            phased.add(.sequenceOwners, PlannedStatement(kind: .alterSequence, target: s.description, sql: DDL.sequenceOwner(s, owner)))
        case .dropSequence(let s, let implicit, let ownerGainsIdentity):
            let drop = PlannedStatement(kind: .dropSequence, target: s.description,
                                        sql: "DROP SEQUENCE \(implicit ? "IF EXISTS " : "")\(SQL.qualified(s));", hazards: [.dataLoss])
            // Before the identity is added, so that its sequence takes the name the serial's had.
            if ownerGainsIdentity { phased.addFirst(.identity, drop) } else { phased.add(.sequenceDrops, drop) }
        case .validateConstraint(let t, let name):
            phased.add(.keys, PlannedStatement(kind: .addConstraint, target: "\(t).\(name)",
                                               sql: "ALTER TABLE \(SQL.qualified(t)) VALIDATE CONSTRAINT \(SQL.identifier(name));", hazards: [.validation]))
        case .createTable(let t): tables.append(t)
        case .createView(let v): views.append(v)
        case .replaceFunctionSignature(let old, let new): routeNewSignature(old, new)
        case .replaceFunction(let f, let reads): routeReplacedFunction(f, in: Self.phase(creating: reads, else: .changedFunctions))
        case .renameIndex(let i, let from, let to):
            phased.add(.renames, PlannedStatement(
                kind: .renameIndex, target: "\(i.schema).\(to)",
                sql: "ALTER INDEX \(SQL.qualified(QualifiedName(schema: i.schema, name: from))) RENAME TO \(SQL.identifier(to));"))
        case .renameTable(let from, let to): phased.add(.renames, contentsOf: Alter.renameTable(from: from, to: to))
        case .renameSequence(let t, let column, let from, let to):
            phased.addLast(.renames, PlannedStatement(kind: .renameSequence, target: "\(t).\(column)", sql: Alter.renameSequence(
                of: t, column: column, from: QualifiedName(schema: t.schema, name: from), to: to)))
        case .renameColumn(let t, let from, let to):
            phased.add(.renames, PlannedStatement(
                kind: .renameColumn, target: "\(t).\(to)",
                sql: "ALTER TABLE \(SQL.qualified(t)) RENAME COLUMN \(SQL.identifier(from)) TO \(SQL.identifier(to));", hazards: [.breaksClients]))
        case .renameConstraint(let t, let from, let to):
            phased.add(.renames, PlannedStatement(
                kind: .renameConstraint, target: "\(t).\(to)",
                sql: "ALTER TABLE \(SQL.qualified(t)) RENAME CONSTRAINT \(SQL.identifier(from)) TO \(SQL.identifier(to));"))
        case .setIdentity(let t, let c, let from): routeIdentity(t, c, from: from)
        case .dropExpression(let t, let c):
            phased.add(.columnChanges, PlannedStatement(kind: .dropExpression, target: "\(t).\(c)",
                                                        sql: "ALTER TABLE \(SQL.qualified(t)) ALTER COLUMN \(SQL.identifier(c)) DROP EXPRESSION;"))
        case .replaceGeneratedColumn(let t, let c, let keepsData):
            phased.add(.generatedColumnReplaces, contentsOf: Alter.replaceGeneratedColumn(t, c, keepsData: keepsData))
        case .rebound(let parent, let p): routeRebound(parent, p)
        case .dropView(let v):
            phased.add(.viewDrops, PlannedStatement(kind: .dropView, target: v.name.description,
                                                    sql: "DROP \(v.materialized ? "MATERIALIZED VIEW" : "VIEW") \(SQL.qualified(v.name));"))
        case .setViewSecurityInvoker(let v, let on):
            let option = on ? "SET (security_invoker = true)" : "RESET (security_invoker)"
            phased.add(.privileges, PlannedStatement(kind: .setViewOption, target: v.description, sql: "ALTER VIEW \(SQL.qualified(v)) \(option);"))
        case .dropConstraint(let t, let name, let c):
            let statement = PlannedStatement(kind: .dropConstraint, target: "\(t).\(name)",
                                             sql: "ALTER TABLE \(SQL.qualified(t)) DROP CONSTRAINT \(SQL.identifier(name));")
            // Keys go after the foreign keys that may lean on them.
            if case .foreignKey = c { phased.addFirst(.objectDrops, statement) } else { phased.add(.objectDrops, statement) }
        case .addConstraint(let t, let c, let partitioned):
            // Foreign keys after the keys they may reference.
            let isForeignKey = if case .foreignKey = c { true } else { false }
            phased.add(isForeignKey ? .foreignKeys : .keys, contentsOf: Alter.addConstraint(t, c, partitioned: partitioned))
        case .setRowLevelSecurity(let t, let enabled, let forced, let wasEnabled, let wasForced):
            phased.add(.rowLevelSecurity, contentsOf: Alter.setRowLevelSecurity(t, enabled: enabled, forced: forced,
                                                                                 wasEnabled: wasEnabled, wasForced: wasForced))
        case .createPolicy(let t, let p):
            phased.add(.policies, PlannedStatement(kind: .createPolicy, target: "\(t).\(p.name)", sql: DDL.createPolicy(p, on: t)))
        case .alterPolicy(let t, let p):
            phased.add(.policies, PlannedStatement(kind: .alterPolicy, target: "\(t).\(p.name)", sql: DDL.alterPolicy(p, on: t)))
        case .dropPolicy(let t, let name):
            phased.addFirst(.objectDrops, PlannedStatement(kind: .dropPolicy, target: "\(t).\(name)",
                                                           sql: "DROP POLICY \(SQL.identifier(name)) ON \(SQL.qualified(t));"))
        case .createTrigger(let t, let tr):
            phased.add(.triggers, PlannedStatement(kind: .createTrigger, target: "\(t).\(tr.name)", sql: DDL.createTrigger(tr, on: t)))
        case .dropTrigger(let t, let name):
            phased.addFirst(.objectDrops, PlannedStatement(kind: .dropTrigger, target: "\(t).\(name)",
                                                           sql: "DROP TRIGGER \(SQL.identifier(name)) ON \(SQL.qualified(t));"))
        case .grant(let object, let g):
            phased.add(.privileges, PlannedStatement(kind: .grant, target: object.description, sql: DDL.grant(g, on: object)))
        case .revoke(let object, let g): phased.add(.privileges, Alter.revoke(g, on: object))
        case .comment(let object, let target, let text):
            phased.add(.comments, PlannedStatement(kind: .comment, target: target, sql: DDL.comment(on: object, text)))
        case .addPartition(let parent, let p, let defaultPartition?):
            phased.add(.partitionAdds, Alter.addPartition(p, of: parent, besideDefault: defaultPartition))
        case .addPartition(let parent, let p, nil):
            phased.add(.partitionAdds, PlannedStatement(kind: .createPartition, target: p.name.description,
                                                        sql: DDL.createPartition(p, of: parent), hazards: [.longLock]))
        case .dropPartition(let p):
            phased.add(.partitionDrops, PlannedStatement(kind: .dropTable, target: p.description, sql: "DROP TABLE \(SQL.qualified(p));", hazards: [.dataLoss]))
        case .recreateEnum(let e, let columns): routeRecreatedEnum(e, columns)
        case .addEnumValue(let e, let value, let before):
            phased.add(.enumValues, PlannedStatement(kind: .addEnumValue, target: e.description, sql: Alter.addEnumValue(e, value, before: before)))
        case .dropEnum(let e):
            phased.add(.enumDrops, PlannedStatement(kind: .dropEnum, target: e.description, sql: "DROP TYPE \(SQL.qualified(e));", hazards: [.dataLoss]))
        case .dropTable(let t):
            phased.add(.tableDrops, PlannedStatement(kind: .dropTable, target: t.description, sql: "DROP TABLE \(SQL.qualified(t));", hazards: [.dataLoss]))
        case .addColumn(let t, let c): phased.add(.newColumns, contentsOf: Alter.addColumn(t, c))
        case .dropColumn(let t, let c):
            phased.add(.columnDrops, PlannedStatement(kind: .dropColumn, target: "\(t).\(c)",
                                                      sql: "ALTER TABLE \(SQL.qualified(t)) DROP COLUMN \(SQL.identifier(c));", hazards: [.dataLoss]))
        default: routeColumnChange(change)
        }
    }

    /// Changes to a column of an existing table.
    private mutating func routeColumnChange(_ change: SchemaChange) {
        switch change {
        case .alterColumnType(let t, let c, let from):
            let statement = Alter.columnType(t, c, from: from)
            if underViews(t, c.name) { retypes.append(statement) } else { phased.add(.columnChanges, statement) }
        case .setDefault(let t, let c, let sql):
            let statement = PlannedStatement(kind: .setDefault, target: "\(t).\(c)",
                                             sql: "ALTER TABLE \(SQL.qualified(t)) ALTER COLUMN \(SQL.identifier(c)) SET DEFAULT \(sql);")
            if underViews(t, c) { retypes.append(statement) } else { phased.add(.columnChanges, statement) }
        case .dropDefault(let t, let c):
            phased.add(.columnChanges, PlannedStatement(kind: .dropDefault, target: "\(t).\(c)",
                                                        sql: "ALTER TABLE \(SQL.qualified(t)) ALTER COLUMN \(SQL.identifier(c)) DROP DEFAULT;"))
        case .dropNotNull(let t, let c):
            phased.add(.columnChanges, PlannedStatement(kind: .dropNotNull, target: "\(t).\(c)",
                                                        sql: "ALTER TABLE \(SQL.qualified(t)) ALTER COLUMN \(SQL.identifier(c)) DROP NOT NULL;"))
        case .setNotNull(let t, let c): phased.add(.notNulls, contentsOf: Alter.setNotNull(t, c))
        case .createIndex(let t, let i, _, let partitioned): phased.add(.indexBuilds, Alter.createIndex(i, on: t, partitioned: partitioned))
        case .dropIndex(let i, partitioned: true):
            phased.add(.indexDrops, PlannedStatement(kind: .dropIndex, target: i.description, sql: "DROP INDEX \(SQL.qualified(i));",
                                                     hazards: [.longLock]))
        case .dropIndex(let i, partitioned: false):
            phased.add(.indexDrops, PlannedStatement(kind: .dropIndex, target: i.description,
                                                     sql: "DROP INDEX CONCURRENTLY \(SQL.qualified(i));", isolation: .outside))
        default: preconditionFailure("no phase for \(change)")
        }
    }

    /// The new type beside the old one at once (new tables may use it), the
    /// columns moved over and the old type dropped later, together. Run
    /// again, the type already has the new values and is left as it is.
    private mutating func routeRecreatedEnum(_ e: EnumType, _ columns: [RecreatedEnumColumn]) {
        let aside = String(e.name.name.prefix(40)) + "__schemac_old"
        let old = QualifiedName(schema: e.name.schema, name: aside)
        let body = """
            BEGIN
                IF pg_catalog.to_regtype(\(SQL.literal(SQL.qualified(old)))) IS NULL
                   AND (SELECT pg_catalog.array_agg(enumlabel ORDER BY enumsortorder) FROM pg_catalog.pg_enum
                         WHERE enumtypid = pg_catalog.to_regtype(\(SQL.literal(SQL.qualified(e.name)))))
                       IS DISTINCT FROM ARRAY[\(e.values.map(SQL.literal).joined(separator: ", "))]::name[] THEN
                    ALTER TYPE \(SQL.qualified(e.name)) RENAME TO \(SQL.identifier(aside));
                    \(DDL.createEnum(e))
                END IF;
            END
            """
        phased.add(.enumValues, PlannedStatement(kind: .createEnum, target: e.name.description,
                                                 sql: "DO " + SQL.dollarQuoted("\n" + body + "\n", preferredTag: "enum") + ";"))
        let type = SQL.qualified(e.name)
        for c in columns {
            let table = SQL.qualified(c.table), column = SQL.identifier(c.column), target = "\(c.table).\(c.column)"
            if c.hadDefault {
                phased.add(.enumRecreations, PlannedStatement(kind: .dropDefault, target: target, sql: "ALTER TABLE \(table) ALTER COLUMN \(column) DROP DEFAULT;"))
            }
            let using = c.isArray ? "\(column)::text[]::\(type)[]" : "\(column)::text::\(type)"
            phased.add(.enumRecreations, PlannedStatement(kind: .alterColumnType, target: target,
                                                          sql: "ALTER TABLE \(table) ALTER COLUMN \(column) TYPE \(type)\(c.isArray ? "[]" : "") USING \(using);",
                                                          hazards: [.tableRewrite, .longLock], isolation: .shared))
            if let d = c.defaultSQL {
                phased.add(.enumRecreations, PlannedStatement(kind: .setDefault, target: target, sql: "ALTER TABLE \(table) ALTER COLUMN \(column) SET DEFAULT \(d);"))
            }
        }
        // Once the columns the plan drops are gone too (they keep the old type to the end).
        phased.add(.enumDrops, PlannedStatement(kind: .dropEnum, target: old.description, sql: "DROP TYPE \(SQL.qualified(old));"))
    }

    /// New arguments make an overload that can live beside the old function
    /// until the end; a new result type alone cannot.
    private mutating func routeNewSignature(_ old: Function, _ new: Function) {
        let drop = PlannedStatement(kind: .dropFunction, target: old.name.description, sql: "DROP \(old.routineWord) \(DDL.functionSignature(old));")
        // The same identity (only names, defaults or the result change): the old goes first, as CREATE OR REPLACE cannot change those.
        let sameIdentity = DDL.identityTypes(old.arguments) == DDL.identityTypes(new.arguments)
        phased.add(sameIdentity ? .changedFunctions : .functionsReplacedBySignature, drop)
        phased.add(.changedFunctions, contentsOf: PostgresPlanner.functionStatements(new))
    }

    /// Where a function is created: after the relations its SQL-standard body reads.
    private static func phase(creating reads: FunctionReads, else early: PostgresPhase) -> PostgresPhase {
        switch reads {
        case .nothing: early
        case .tables: .functionsReadingTables
        case .views: .functionsReadingViews
        }
    }

    private mutating func routeReplacedFunction(_ f: Function, in phase: PostgresPhase) {
        phased.add(phase, PlannedStatement(kind: .createFunction, target: f.name.description, sql: DDL.createFunction(f, orReplace: true)))
        if let c = f.comment {
            phased.add(phase, PlannedStatement(kind: .comment, target: f.name.description,
                                                           sql: DDL.comment(on: "\(f.routineWord) \(DDL.functionSignature(f))", c)))
        }
    }

    /// Identity dropped (a column change), switched, or added with its sequence
    /// started past the values already there.
    private mutating func routeIdentity(_ t: QualifiedName, _ c: Column, from: Column.Identity?) {
        let column = "ALTER TABLE \(SQL.qualified(t)) ALTER COLUMN \(SQL.identifier(c.name))"
        let target = "\(t).\(c.name)"
        guard let identity = c.identity else {
            phased.add(.columnChanges, PlannedStatement(kind: .setIdentity, target: target, sql: "\(column) DROP IDENTITY;"))
            return
        }
        if from != nil {
            phased.add(.identity, PlannedStatement(kind: .setIdentity, target: target, sql: "\(column) SET GENERATED \(identity.rawValue.uppercased());"))
            return
        }
        let sequence = "pg_catalog.pg_get_serial_sequence(\(SQL.literal(SQL.qualified(t))), \(SQL.literal(c.name)))"
        phased.add(.identity,
                   PlannedStatement(kind: .setIdentity, target: target, sql: "\(column) ADD GENERATED \(identity.rawValue.uppercased()) AS IDENTITY;"),
                   PlannedStatement(kind: .setIdentity, target: target,
                                    sql: "SELECT pg_catalog.setval(\(sequence), coalesce(max(\(SQL.identifier(c.name))), 0) + 1, false) FROM \(SQL.qualified(t));"))
    }

    /// Partitions whose bounds change are out while other partitions are
    /// dropped and added, so no two ever overlap.
    private mutating func routeRebound(_ parent: QualifiedName, _ p: Partition) {
        phased.add(.partitionDetaches, PlannedStatement(kind: .detachPartition, target: p.name.description,
                                                        sql: "ALTER TABLE \(SQL.qualified(parent)) DETACH PARTITION \(SQL.qualified(p.name));"))
        phased.add(.partitionAttaches, PlannedStatement(
            kind: .attachPartition, target: p.name.description,
            sql: "ALTER TABLE \(SQL.qualified(parent)) ATTACH PARTITION \(SQL.qualified(p.name)) \(DDL.partitionBound(p.bound));",
            hazards: [.longLock]))
    }

    /// The one transaction of type changes under views: the views dropped,
    /// the columns retyped (set defaults after the type change of their
    /// column), the views created again.
    func typeChangesUnderViews() -> [PlannedStatement] {
        guard let group = aroundRetype else { return [] }
        let drops = group.old.map { v in
            PlannedStatement(kind: .dropView, target: v.name.description,
                             sql: "DROP \(v.materialized ? "MATERIALIZED VIEW" : "VIEW") \(SQL.qualified(v.name));",
                             hazards: v.materialized ? [.validation] : [])
        }
        let ordered = retypes.filter { $0.kind == .alterColumnType } + retypes.filter { $0.kind != .alterColumnType }
        return drops + ordered + group.new.flatMap(PostgresPlanner.viewStatements)
    }
}

extension Alter {
    static func renameTable(from: QualifiedName, to: QualifiedName) -> [PlannedStatement] {
        var out: [PlannedStatement] = []
        var at = from
        if from.schema != to.schema {
            out.append(PlannedStatement(kind: .renameTable, target: to.description,
                                        sql: "ALTER TABLE \(SQL.qualified(from)) SET SCHEMA \(SQL.identifier(to.schema));", hazards: [.longLock, .breaksClients]))
            at = QualifiedName(schema: to.schema, name: from.name)
        }
        if from.name != to.name {
            out.append(PlannedStatement(kind: .renameTable, target: to.description,
                                        sql: "ALTER TABLE \(SQL.qualified(at)) RENAME TO \(SQL.identifier(to.name));", hazards: [.longLock, .breaksClients]))
        }
        return out
    }

    static func replaceGeneratedColumn(_ t: QualifiedName, _ c: Column, keepsData: Bool) -> [PlannedStatement] {
        var out = [PlannedStatement(
            kind: .replaceColumn, target: "\(t).\(c.name)",
            sql: "ALTER TABLE \(SQL.qualified(t)) DROP COLUMN \(SQL.identifier(c.name)), ADD COLUMN \(DDL.columnDefinition(c));",
            hazards: [.tableRewrite, .longLock] + (keepsData ? [] : [.dataLoss]))]
        if let comment = c.comment {
            out.append(PlannedStatement(kind: .comment, target: "\(t).\(c.name)",
                                        sql: DDL.comment(on: "COLUMN \(SQL.qualified(t)).\(SQL.identifier(c.name))", comment)))
        }
        return out
    }

    /// Only what changes. Turned on over a table that already has rows, it
    /// hides them from every session its policies do not let in.
    static func setRowLevelSecurity(_ t: QualifiedName, enabled: Bool, forced: Bool, wasEnabled: Bool, wasForced: Bool) -> [PlannedStatement] {
        var out: [PlannedStatement] = []
        if enabled != wasEnabled {
            out.append(PlannedStatement(kind: .enableRowLevelSecurity, target: t.description,
                                        sql: "ALTER TABLE \(SQL.qualified(t)) \(enabled ? "ENABLE" : "DISABLE") ROW LEVEL SECURITY;",
                                        hazards: enabled ? [.hidesRows] : []))
        }
        if forced != wasForced {
            out.append(PlannedStatement(kind: .forceRowLevelSecurity, target: t.description,
                                        sql: "ALTER TABLE \(SQL.qualified(t)) \(forced ? "FORCE" : "NO FORCE") ROW LEVEL SECURITY;",
                                        hazards: forced ? [.hidesRows] : []))
        }
        return out
    }

    static func revoke(_ g: Grant, on object: QualifiedName) -> PlannedStatement {
        let list = g.privileges.sorted().map { $0.rawValue.uppercased() }.joined(separator: ", ")
        return PlannedStatement(kind: .revoke, target: object.description,
                                sql: "REVOKE \(list) ON TABLE \(SQL.qualified(object)) FROM \(SQL.identifier(g.role));")
    }
}
