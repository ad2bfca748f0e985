import Foundation
import SchemacModel

/// Orders changes into statements that PostgreSQL accepts in sequence: schemas,
/// extensions and roles first, then types and functions, tables in foreign-key
/// order (a key to a table not yet created waits for an ALTER after all tables),
/// then policies, views and their grants.
public enum PostgresPlanner {
    public static func plan(_ changes: [SchemaChange]) -> MigrationPlan {
        var schemas: [String] = [], extensions: [String] = [], roles: [String] = []
        var enums: [EnumType] = [], functions: [Function] = [], tables: [Table] = [], views: [View] = []
        var enumValues: [PlannedStatement] = [], renames: [PlannedStatement] = [], columnAdds: [PlannedStatement] = []
        var columnAlters: [PlannedStatement] = [], notNulls: [PlannedStatement] = [], indexDrops: [PlannedStatement] = []
        var indexBuilds: [PlannedStatement] = [], columnDrops: [PlannedStatement] = [], tableDrops: [PlannedStatement] = []
        var enumDrops: [PlannedStatement] = [], viewDrops: [PlannedStatement] = [], functionReplaces: [PlannedStatement] = []
        var objectDrops: [PlannedStatement] = [], keyAdds: [PlannedStatement] = [], foreignKeyAdds: [PlannedStatement] = []
        var security: [PlannedStatement] = [], policyCreates: [PlannedStatement] = [], triggerCreates: [PlannedStatement] = []
        var privileges: [PlannedStatement] = [], comments: [PlannedStatement] = [], partitionAdds: [PlannedStatement] = []
        var partitionDrops: [PlannedStatement] = [], partitionDetaches: [PlannedStatement] = [], partitionAttaches: [PlannedStatement] = []
        var identities: [PlannedStatement] = [], columnReplaces: [PlannedStatement] = [], functionDrops: [PlannedStatement] = []
        var schemaDrops: [PlannedStatement] = [], schemaFunctionDrops: [PlannedStatement] = [], sequenceRenames: [PlannedStatement] = []
        // Type changes under views go in one transaction with the views' drop and creation.
        var aroundRetype: (old: [View], new: [View], columns: Set<ColumnName>)?
        var retypes: [PlannedStatement] = []
        for case .viewsAroundTypeChanges(let old, let new, let columns) in changes { aroundRetype = (old, new, columns) }
        func underViews(_ t: QualifiedName, _ column: String) -> Bool { aroundRetype?.columns.contains(ColumnName(t, column)) ?? false }
        for change in changes {
            switch change {
            case .viewsAroundTypeChanges: break
            case .createSchema(let s): schemas.append(s)
            case .dropSchema(let s):
                schemaDrops.append(PlannedStatement(kind: .dropSchema, target: s, sql: "DROP SCHEMA \(SQL.identifier(s));", hazards: [.dataLoss]))
            case .dropFunction(let f):
                schemaFunctionDrops.append(PlannedStatement(kind: .dropFunction, target: f.name.description,
                                                    sql: "DROP FUNCTION \(DDL.functionSignature(f));", hazards: [.dataLoss]))
            case .createExtension(let e): extensions.append(e)
            case .createRole(let r): roles.append(r)
            case .createEnum(let e): enums.append(e)
            case .createFunction(let f): functions.append(f)
            case .createTable(let t): tables.append(t)
            case .createView(let v): views.append(v)
            case .unsupported: break
            case .replaceFunctionSignature(let old, let new):
                let drop = PlannedStatement(kind: .dropFunction, target: old.name.description, sql: "DROP FUNCTION \(DDL.functionSignature(old));")
                // New arguments make an overload that can live beside the old
                // function until the end; a new result type alone cannot.
                if old.arguments == new.arguments { functionReplaces.append(drop) } else { functionDrops.append(drop) }
                functionReplaces += functionStatements(new)
            case .renameIndex(let i, let from, let to):
                renames.append(PlannedStatement(kind: .renameIndex, target: "\(i.schema).\(to)",
                                                sql: "ALTER INDEX \(SQL.qualified(QualifiedName(schema: i.schema, name: from))) RENAME TO \(SQL.identifier(to));"))
            case .setIdentity(let t, let c, let from):
                let column = "ALTER TABLE \(SQL.qualified(t)) ALTER COLUMN \(SQL.identifier(c.name))"
                guard let identity = c.identity else {
                    columnAlters.append(PlannedStatement(kind: .setIdentity, target: "\(t).\(c.name)", sql: "\(column) DROP IDENTITY;"))
                    break
                }
                if from != nil {
                    identities.append(PlannedStatement(kind: .setIdentity, target: "\(t).\(c.name)",
                                                       sql: "\(column) SET GENERATED \(identity.rawValue.uppercased());"))
                } else {
                    identities.append(PlannedStatement(kind: .setIdentity, target: "\(t).\(c.name)",
                                                       sql: "\(column) ADD GENERATED \(identity.rawValue.uppercased()) AS IDENTITY;"))
                    // The new sequence starts past the values already there.
                    let sequence = "pg_catalog.pg_get_serial_sequence(\(SQL.literal(SQL.qualified(t))), \(SQL.literal(c.name)))"
                    identities.append(PlannedStatement(
                        kind: .setIdentity, target: "\(t).\(c.name)",
                        sql: "SELECT pg_catalog.setval(\(sequence), coalesce(max(\(SQL.identifier(c.name))), 0) + 1, false) FROM \(SQL.qualified(t));"))
                }
            case .dropExpression(let t, let c):
                columnAlters.append(PlannedStatement(kind: .dropExpression, target: "\(t).\(c)",
                                                     sql: "ALTER TABLE \(SQL.qualified(t)) ALTER COLUMN \(SQL.identifier(c)) DROP EXPRESSION;"))
            case .replaceGeneratedColumn(let t, let c, let keepsData):
                columnReplaces.append(PlannedStatement(
                    kind: .replaceColumn, target: "\(t).\(c.name)",
                    sql: "ALTER TABLE \(SQL.qualified(t)) DROP COLUMN \(SQL.identifier(c.name)), ADD COLUMN \(DDL.columnDefinition(c));",
                    hazards: [.tableRewrite, .longLock] + (keepsData ? [] : [.dataLoss])))
                if let comment = c.comment {
                    columnReplaces.append(PlannedStatement(kind: .comment, target: "\(t).\(c.name)",
                                                           sql: DDL.comment(on: "COLUMN \(SQL.qualified(t)).\(SQL.identifier(c.name))", comment)))
                }
            case .rebound(let parent, let p):
                partitionDetaches.append(PlannedStatement(kind: .detachPartition, target: p.name.description,
                                                          sql: "ALTER TABLE \(SQL.qualified(parent)) DETACH PARTITION \(SQL.qualified(p.name));"))
                partitionAttaches.append(PlannedStatement(
                    kind: .attachPartition, target: p.name.description,
                    sql: "ALTER TABLE \(SQL.qualified(parent)) ATTACH PARTITION \(SQL.qualified(p.name)) \(DDL.partitionBound(p.bound));",
                    hazards: [.longLock]))
            case .dropView(let v):
                viewDrops.append(PlannedStatement(kind: .dropView, target: v.name.description,
                                                  sql: "DROP \(v.materialized ? "MATERIALIZED VIEW" : "VIEW") \(SQL.qualified(v.name));"))
            case .setViewSecurityInvoker(let v, let on):
                let option = on ? "SET (security_invoker = true)" : "RESET (security_invoker)"
                privileges.append(PlannedStatement(kind: .setViewOption, target: v.description, sql: "ALTER VIEW \(SQL.qualified(v)) \(option);"))
            case .replaceFunction(let f):
                functionReplaces.append(PlannedStatement(kind: .createFunction, target: f.name.description, sql: DDL.createFunction(f, orReplace: true)))
                if let c = f.comment {
                    functionReplaces.append(PlannedStatement(kind: .comment, target: f.name.description,
                                                             sql: DDL.comment(on: "FUNCTION \(DDL.functionSignature(f))", c)))
                }
            case .dropConstraint(let t, let name, let c):
                let statement = PlannedStatement(kind: .dropConstraint, target: "\(t).\(name)",
                                                 sql: "ALTER TABLE \(SQL.qualified(t)) DROP CONSTRAINT \(SQL.identifier(name));")
                // Keys go after the foreign keys that may lean on them.
                if case .foreignKey = c { objectDrops.insert(statement, at: 0) } else { objectDrops.append(statement) }
            case .addConstraint(let t, let c, let partitioned):
                // Foreign keys after the keys they may reference.
                if case .foreignKey = c {
                    foreignKeyAdds += Alter.addConstraint(t, c, partitioned: partitioned)
                } else {
                    keyAdds += Alter.addConstraint(t, c, partitioned: partitioned)
                }
            case .setRowLevelSecurity(let t, let enabled, let forced):
                security.append(PlannedStatement(kind: .enableRowLevelSecurity, target: t.description,
                                                 sql: "ALTER TABLE \(SQL.qualified(t)) \(enabled ? "ENABLE" : "DISABLE") ROW LEVEL SECURITY;"))
                security.append(PlannedStatement(kind: .enableRowLevelSecurity, target: t.description,
                                                 sql: "ALTER TABLE \(SQL.qualified(t)) \(forced ? "FORCE" : "NO FORCE") ROW LEVEL SECURITY;"))
            case .createPolicy(let t, let p):
                policyCreates.append(PlannedStatement(kind: .createPolicy, target: "\(t).\(p.name)", sql: DDL.createPolicy(p, on: t)))
            case .alterPolicy(let t, let p):
                policyCreates.append(PlannedStatement(kind: .alterPolicy, target: "\(t).\(p.name)", sql: DDL.alterPolicy(p, on: t)))
            case .dropPolicy(let t, let name):
                objectDrops.insert(PlannedStatement(kind: .dropPolicy, target: "\(t).\(name)",
                                                    sql: "DROP POLICY \(SQL.identifier(name)) ON \(SQL.qualified(t));"), at: 0)
            case .createTrigger(let t, let tr):
                triggerCreates.append(PlannedStatement(kind: .createTrigger, target: "\(t).\(tr.name)", sql: DDL.createTrigger(tr, on: t)))
            case .dropTrigger(let t, let name):
                objectDrops.insert(PlannedStatement(kind: .dropTrigger, target: "\(t).\(name)",
                                                    sql: "DROP TRIGGER \(SQL.identifier(name)) ON \(SQL.qualified(t));"), at: 0)
            case .grant(let object, let g):
                privileges.append(PlannedStatement(kind: .grant, target: object.description, sql: DDL.grant(g, on: object)))
            case .revoke(let object, let g):
                let list = g.privileges.sorted().map { $0.rawValue.uppercased() }.joined(separator: ", ")
                privileges.append(PlannedStatement(kind: .revoke, target: object.description,
                                                   sql: "REVOKE \(list) ON TABLE \(SQL.qualified(object)) FROM \(SQL.identifier(g.role));"))
            case .comment(let object, let target, let text):
                comments.append(PlannedStatement(kind: .comment, target: target, sql: DDL.comment(on: object, text)))
            case .addPartition(let parent, let p, let defaultPartition):
                if let defaultPartition {
                    partitionAdds.append(Alter.addPartition(p, of: parent, besideDefault: defaultPartition))
                } else {
                    partitionAdds.append(PlannedStatement(kind: .createPartition, target: p.name.description,
                                                          sql: DDL.createPartition(p, of: parent), hazards: [.longLock]))
                }
            case .dropPartition(let p):
                partitionDrops.append(PlannedStatement(kind: .dropTable, target: p.description,
                                                       sql: "DROP TABLE \(SQL.qualified(p));", hazards: [.dataLoss]))
            case .addEnumValue(let e, let value, let before):
                enumValues.append(PlannedStatement(kind: .addEnumValue, target: e.description, sql: Alter.addEnumValue(e, value, before: before)))
            case .dropEnum(let e):
                enumDrops.append(PlannedStatement(kind: .dropEnum, target: e.description, sql: "DROP TYPE \(SQL.qualified(e));", hazards: [.dataLoss]))
            case .renameTable(let from, let to):
                var at = from
                if from.schema != to.schema {
                    renames.append(PlannedStatement(kind: .renameTable, target: to.description,
                                                    sql: "ALTER TABLE \(SQL.qualified(from)) SET SCHEMA \(SQL.identifier(to.schema));",
                                                    hazards: [.longLock]))
                    at = QualifiedName(schema: to.schema, name: from.name)
                }
                if from.name != to.name {
                    renames.append(PlannedStatement(kind: .renameTable, target: to.description,
                                                    sql: "ALTER TABLE \(SQL.qualified(at)) RENAME TO \(SQL.identifier(to.name));", hazards: [.longLock]))
                }
            case .renameSequence(let t, let column, let from, let to):
                sequenceRenames.append(PlannedStatement(kind: .renameSequence, target: "\(t).\(column)", sql: Alter.renameSequence(
                    of: t, column: column, from: QualifiedName(schema: t.schema, name: from), to: to)))
            case .renameColumn(let t, let from, let to):
                renames.append(PlannedStatement(kind: .renameColumn, target: "\(t).\(to)",
                                                sql: "ALTER TABLE \(SQL.qualified(t)) RENAME COLUMN \(SQL.identifier(from)) TO \(SQL.identifier(to));"))
            case .renameConstraint(let t, let from, let to):
                renames.append(PlannedStatement(kind: .renameColumn, target: "\(t).\(to)",
                                                sql: "ALTER TABLE \(SQL.qualified(t)) RENAME CONSTRAINT \(SQL.identifier(from)) TO \(SQL.identifier(to));"))
            case .dropTable(let t):
                tableDrops.append(PlannedStatement(kind: .dropTable, target: t.description, sql: "DROP TABLE \(SQL.qualified(t));", hazards: [.dataLoss]))
            case .addColumn(let t, let c):
                columnAdds += Alter.addColumn(t, c)
            case .dropColumn(let t, let c):
                columnDrops.append(PlannedStatement(kind: .dropColumn, target: "\(t).\(c)",
                                                    sql: "ALTER TABLE \(SQL.qualified(t)) DROP COLUMN \(SQL.identifier(c));", hazards: [.dataLoss]))
            case .alterColumnType(let t, let c, let from):
                if underViews(t, c.name) { retypes.append(Alter.columnType(t, c, from: from)) } else { columnAlters.append(Alter.columnType(t, c, from: from)) }
            case .setDefault(let t, let c, let sql):
                let statement = PlannedStatement(kind: .setDefault, target: "\(t).\(c)",
                                                 sql: "ALTER TABLE \(SQL.qualified(t)) ALTER COLUMN \(SQL.identifier(c)) SET DEFAULT \(sql);")
                if underViews(t, c) { retypes.append(statement) } else { columnAlters.append(statement) }
            case .dropDefault(let t, let c):
                columnAlters.append(PlannedStatement(kind: .dropDefault, target: "\(t).\(c)",
                                                     sql: "ALTER TABLE \(SQL.qualified(t)) ALTER COLUMN \(SQL.identifier(c)) DROP DEFAULT;"))
            case .dropNotNull(let t, let c):
                columnAlters.append(PlannedStatement(kind: .dropNotNull, target: "\(t).\(c)",
                                                     sql: "ALTER TABLE \(SQL.qualified(t)) ALTER COLUMN \(SQL.identifier(c)) DROP NOT NULL;"))
            case .setNotNull(let t, let c):
                notNulls += Alter.setNotNull(t, c)
            case .createIndex(let t, let i, _, let partitioned):
                indexBuilds.append(Alter.createIndex(i, on: t, partitioned: partitioned))
            case .dropIndex(let i):
                indexDrops.append(PlannedStatement(kind: .dropIndex, target: i.description,
                                                   sql: "DROP INDEX CONCURRENTLY \(SQL.qualified(i));", transactional: false))
            }
        }

        var plan = MigrationPlan()
        plan.append("Schemas", schemas.map { PlannedStatement(kind: .createSchema, target: $0, sql: DDL.createSchema($0)) })
        plan.append("Extensions", extensions.map { PlannedStatement(kind: .createExtension, target: $0, sql: DDL.createExtension($0)) })
        plan.append("Roles", roles.map { PlannedStatement(kind: .createRole, target: $0, sql: DDL.createRole($0)) })
        plan.append("Schema privileges", schemaUsage(tables: tables, views: views))
        plan.append("Enums", enums.flatMap(enumStatements))
        plan.append("Enum values", enumValues)
        plan.append("Functions", functions.flatMap(functionStatements))
        plan.append("Changed functions", functionReplaces)
        plan.append("Renames", renames + sequenceRenames)
        plan.append("Views that change or read changed columns", viewDrops)
        plan.append("Dropped or changed policies, triggers and constraints", objectDrops)

        let ordered = foreignKeyOrder(tables)
        let planned = Set(tables.map(\.name))
        var created = Set<QualifiedName>()
        var deferred: [(QualifiedName, ForeignKey)] = []
        var inlineKeys: [[ForeignKey]] = []
        for table in ordered {
            created.insert(table.name)
            var inline: [ForeignKey] = []
            for fk in table.foreignKeys {
                if created.contains(fk.referencedTable) || !planned.contains(fk.referencedTable) {
                    inline.append(fk)
                } else {
                    deferred.append((table.name, fk))
                }
            }
            inlineKeys.append(inline)
        }
        // Rendering a table touches nothing shared: do it on every core.
        let sections = parallelMap(Array(zip(ordered, inlineKeys))) { table, inline in
            MigrationPlan.Section(title: "Table \(table.name.description)", statements: tableStatements(table, inlineForeignKeys: inline))
        }
        plan.sections += sections
        plan.append("Foreign keys between tables created above", deferred.map { table, fk in
            PlannedStatement(kind: .addForeignKey, target: "\(table).\(fk.name)", sql: DDL.addForeignKey(table, fk))
        })
        plan.append("Row level security policies", ordered.flatMap { table in
            table.policies.map {
                PlannedStatement(kind: .createPolicy, target: "\(table.name).\($0.name)", sql: DDL.createPolicy($0, on: table.name))
            }
        })
        plan.append("New columns", columnAdds)
        plan.append("Column changes", columnAlters)
        if let group = aroundRetype {
            let drops = group.old.map { v in
                PlannedStatement(kind: .dropView, target: v.name.description,
                                 sql: "DROP \(v.materialized ? "MATERIALIZED VIEW" : "VIEW") \(SQL.qualified(v.name));",
                                 hazards: v.materialized ? [.validation] : [])
            }
            // Set defaults come after the type change of their column.
            let ordered = retypes.filter { $0.kind == .alterColumnType } + retypes.filter { $0.kind != .alterColumnType }
            plan.append("Type changes under the views that read the columns, in one transaction",
                        drops + ordered + group.new.flatMap(viewStatements), atomic: true)
        }
        plan.append("NOT NULL, through a validated check", notNulls)
        plan.append("Identity", identities)
        plan.append("Dropped or changed indexes", indexDrops)
        plan.append("Columns added again as generated (what reads them is built again below)", columnReplaces)
        plan.append("Index builds", indexBuilds)
        plan.append("Keys and checks", keyAdds)
        plan.append("Foreign keys", foreignKeyAdds)
        // Partitions whose bounds change are out while other partitions are
        // dropped and added, so no two ever overlap.
        plan.append("Partitions detached to change their bounds", partitionDetaches)
        plan.append("Dropped partitions", partitionDrops)
        plan.append("Partitions attached again with their new bounds", partitionAttaches)
        plan.append("New partitions", partitionAdds)
        plan.append("Row level security", security)
        plan.append("Policies", policyCreates)
        plan.append("Triggers", triggerCreates)
        plan.append("Privileges", privileges)
        plan.append("Comments", comments)
        for view in viewOrder(views) {
            plan.append("\(view.materialized ? "Materialized view" : "View") \(view.name.description)", viewStatements(view))
        }
        plan.append("Dropped columns", columnDrops)
        plan.append("Dropped tables", tableDrops)
        plan.append("Dropped enums", enumDrops)
        plan.append("Functions replaced by a new signature", functionDrops)
        // Functions first: a schema is dropped only once it is empty.
        plan.append("Dropped schemas", schemaFunctionDrops + schemaDrops)
        return plan
    }

    static func enumStatements(_ e: EnumType) -> [PlannedStatement] {
        var out = [PlannedStatement(kind: .createEnum, target: e.name.description, sql: DDL.createEnum(e))]
        if let c = e.comment {
            out.append(PlannedStatement(kind: .comment, target: e.name.description,
                                        sql: DDL.comment(on: "TYPE \(SQL.qualified(e.name))", c)))
        }
        return out
    }

    static func functionStatements(_ f: Function) -> [PlannedStatement] {
        var out = [PlannedStatement(kind: .createFunction, target: f.name.description, sql: DDL.createFunction(f))]
        if let c = f.comment {
            out.append(PlannedStatement(kind: .comment, target: f.name.description,
                                        sql: DDL.comment(on: "FUNCTION \(DDL.functionSignature(f))", c)))
        }
        return out
    }

    static func tableStatements(_ t: Table, inlineForeignKeys: [ForeignKey]) -> [PlannedStatement] {
        let target = t.name.description
        var out = [PlannedStatement(kind: .createTable, target: target, sql: DDL.createTable(t, inlineForeignKeys: inlineForeignKeys))]
        if let c = t.comment {
            out.append(PlannedStatement(kind: .comment, target: target, sql: DDL.comment(on: "TABLE \(SQL.qualified(t.name))", c)))
        }
        for column in t.columns {
            if let c = column.comment {
                out.append(PlannedStatement(kind: .comment, target: "\(target).\(column.name)",
                                            sql: DDL.comment(on: "COLUMN \(SQL.qualified(t.name)).\(SQL.identifier(column.name))", c)))
            }
        }
        for p in t.partitions {
            out.append(PlannedStatement(kind: .createPartition, target: p.name.description, sql: DDL.createPartition(p, of: t.name)))
        }
        for i in t.indexes {
            out.append(PlannedStatement(kind: .createIndex, target: "\(t.name.schema).\(i.name)", sql: DDL.createIndex(i, on: t.name)))
            if let c = i.comment {
                let name = QualifiedName(schema: t.name.schema, name: i.name)
                out.append(PlannedStatement(kind: .comment, target: name.description, sql: DDL.comment(on: "INDEX \(SQL.qualified(name))", c)))
            }
        }
        for trigger in t.triggers {
            out.append(PlannedStatement(kind: .createTrigger, target: "\(target).\(trigger.name)", sql: DDL.createTrigger(trigger, on: t.name)))
        }
        if t.rowLevelSecurity {
            out.append(PlannedStatement(kind: .enableRowLevelSecurity, target: target, sql: DDL.enableRowLevelSecurity(t.name)))
        }
        if t.forceRowLevelSecurity {
            out.append(PlannedStatement(kind: .enableRowLevelSecurity, target: target, sql: DDL.forceRowLevelSecurity(t.name)))
        }
        out += grantStatements(t.grants, on: t.name)
        return out
    }

    static func viewStatements(_ v: View) -> [PlannedStatement] {
        let target = v.name.description
        var out = [PlannedStatement(kind: .createView, target: target, sql: DDL.createView(v))]
        if let c = v.comment {
            let kind = v.materialized ? "MATERIALIZED VIEW" : "VIEW"
            out.append(PlannedStatement(kind: .comment, target: target, sql: DDL.comment(on: "\(kind) \(SQL.qualified(v.name))", c)))
        }
        out += grantStatements(v.grants, on: v.name)
        return out
    }

    static func grantStatements(_ grants: [Grant], on object: QualifiedName) -> [PlannedStatement] {
        grants.map { PlannedStatement(kind: .grant, target: object.description, sql: DDL.grant($0, on: object)) }
    }

    /// Privileges on a table are useless without USAGE on its schema: every role
    /// granted something in a schema of the definitions' own gets USAGE there, once.
    static func schemaUsage(tables: [Table], views: [View]) -> [PlannedStatement] {
        var seen = Set<String>()
        var out: [PlannedStatement] = []
        let granted = tables.map { ($0.name.schema, $0.grants) } + views.map { ($0.name.schema, $0.grants) }
        for (schema, grants) in granted where !PostgresSchema.builtinSchemas.contains(schema) {
            for g in grants where seen.insert("\(schema)\u{0}\(g.role)").inserted {
                out.append(PlannedStatement(kind: .grant, target: schema, sql: DDL.grantSchemaUsage(schema, to: g.role)))
            }
        }
        return out
    }

    /// Tables in declaration order, except that a table comes after the tables its
    /// foreign keys reference. Cycles are broken in declaration order; their keys
    /// are the ones deferred to ALTER TABLE.
    public static func foreignKeyOrder(_ tables: [Table]) -> [Table] {
        let names = Set(tables.map(\.name))
        var placed = Set<QualifiedName>()
        var remaining = tables
        var result: [Table] = []
        while !remaining.isEmpty {
            let ready = remaining.firstIndex { t in
                t.foreignKeys.allSatisfy { fk in
                    fk.referencedTable == t.name || placed.contains(fk.referencedTable) || !names.contains(fk.referencedTable)
                }
            } ?? 0
            let table = remaining.remove(at: ready)
            placed.insert(table.name)
            result.append(table)
        }
        return result
    }

    /// Views after the views their queries mention, otherwise in declaration order.
    static func viewOrder(_ views: [View]) -> [View] {
        var placed = Set<QualifiedName>()
        var remaining = views
        var result: [View] = []
        func mentions(_ v: View, _ other: View) -> Bool {
            v.name != other.name && SQLText.mentions(v.query, identifier: other.name.name)
        }
        while !remaining.isEmpty {
            let ready = remaining.firstIndex { v in
                views.allSatisfy { other in placed.contains(other.name) || !mentions(v, other) }
            } ?? 0
            let view = remaining.remove(at: ready)
            placed.insert(view.name)
            result.append(view)
        }
        return result
    }
}

enum SQLText {
    /// `sql` with the column `from` named `to`, spelled as PostgreSQL prints
    /// names: string literals and names after a `.` are left alone.
    static func renaming(_ sql: String, from: String, to: String) -> String {
        let chars = Array(sql.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        var previous: Unicode.Scalar = " "
        func isWordStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic }
        func isWordPart(_ c: Unicode.Scalar) -> Bool { isWordStart(c) || ("0"..."9").contains(c) || c == "$" }
        while i < chars.count {
            let c = chars[i]
            if c == "'" {
                var j = i + 1
                while j < chars.count { if chars[j] == "'" { if j + 1 < chars.count, chars[j + 1] == "'" { j += 2; continue }; break }; j += 1 }
                out.append(contentsOf: chars[i..<min(j + 1, chars.count)])
                i = j + 1
                previous = "'"
                continue
            }
            if c == "\"" || isWordStart(c) {
                var name = "", j = i
                if c == "\"" {
                    j += 1
                    while j < chars.count {
                        if chars[j] == "\"" { if j + 1 < chars.count, chars[j + 1] == "\"" { name.unicodeScalars.append("\""); j += 2; continue }; break }
                        name.unicodeScalars.append(chars[j])
                        j += 1
                    }
                    j += 1
                } else {
                    while j < chars.count, isWordPart(chars[j]) { name.unicodeScalars.append(chars[j]); j += 1 }
                    name = name.lowercased()
                }
                let matches = name == from && previous != "."
                if matches {
                    out.append(contentsOf: SQLIdentifier.asPrinted(to).unicodeScalars)
                } else {
                    out.append(contentsOf: chars[i..<min(j, chars.count)])
                }
                i = j
                previous = "a"
                continue
            }
            out.append(c)
            if !c.properties.isWhitespace { previous = c }
            i += 1
        }
        return String(out)
    }

    /// Splits at `separator` outside parentheses and quotes, trimming each part.
    static func splitTopLevel(_ text: String, separator: Character) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var quote: Character?
        for ch in text {
            if let q = quote {
                current.append(ch)
                if ch == q { quote = nil }
                continue
            }
            switch ch {
            case "'", "\"": quote = ch; current.append(ch)
            case "(": depth += 1; current.append(ch)
            case ")": depth -= 1; current.append(ch)
            default:
                if ch == separator && depth == 0 || separator == " " && ch.isWhitespace && depth == 0 {
                    parts.append(current)
                    current = ""
                } else {
                    current.append(ch)
                }
            }
        }
        parts.append(current)
        return parts.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    /// Whether `sql` mentions `identifier` as a whole word (quoted or not).
    static func mentions(_ sql: String, identifier: String) -> Bool {
        if sql.contains(SQL.identifier(identifier)) { return true }
        let text = Array(sql.lowercased().unicodeScalars)
        let word = Array(identifier.lowercased().unicodeScalars)
        guard !word.isEmpty, text.count >= word.count else { return false }
        func isWordScalar(_ s: Unicode.Scalar) -> Bool {
            s == "_" || s == "$" || s.properties.isAlphabetic || ("0"..."9").contains(s)
        }
        var i = 0
        while i + word.count <= text.count {
            if text[i..<(i + word.count)].elementsEqual(word) {
                let before = i == 0 || !isWordScalar(text[i - 1])
                let after = i + word.count == text.count || !isWordScalar(text[i + word.count])
                if before && after { return true }
            }
            i += 1
        }
        return false
    }
}
