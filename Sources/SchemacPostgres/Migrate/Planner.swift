import Foundation
import SchemacMigrate
import SchemacModel

/// Orders changes into statements that PostgreSQL accepts in sequence: schemas,
/// extensions and roles first, then types and functions, tables in foreign-key
/// order (a key to a table not yet created waits for an ALTER after all tables),
/// then policies, views and their grants.
public enum PostgresPlanner {
    public static func plan(_ changes: [SchemaChange]) -> MigrationPlan {
        var gathered = GatheredChanges(changes)
        for change in changes { gathered.route(change) }
        return assemble(gathered, gainingKeys: tablesGainingColumnsOrKeys(changes))
    }

    /// Existing tables that get a column, a key or a unique index in the
    /// plan: a new table's foreign key to one waits until they are there.
    static func tablesGainingColumnsOrKeys(_ changes: [SchemaChange]) -> Set<QualifiedName> {
        Set(changes.compactMap { change -> QualifiedName? in
            switch change {
            case .addColumn(let t, _): t
            case .addConstraint(let t, .primaryKey, _), .addConstraint(let t, .unique, _): t
            case .createIndex(let t, let i, newTable: false, _) where i.unique: t
            default: nil
            }
        })
    }

    /// The sections of the plan, phase by phase in `PostgresPhase` order.
    static func assemble(_ gathered: GatheredChanges, gainingKeys: Set<QualifiedName> = []) -> MigrationPlan {
        var plan = MigrationPlan()
        let tables = newTables(gathered.tables, waitingFor: gainingKeys)
        for phase in PostgresPhase.allCases {
            switch phase {
            case .schemaPrivileges:
                plan.append(phase.title!, schemaUsage(tables: gathered.tables, views: gathered.views))
            case .tables:
                // Rendering a table touches nothing shared: do it on every core.
                plan.sections += parallelMap(Array(zip(tables.ordered, tables.inlineKeys))) { table, inline in
                    MigrationPlan.Section(title: "Table \(table.name.description)", statements: tableStatements(table, inlineForeignKeys: inline))
                }
            case .deferredForeignKeys:
                plan.append(phase.title!, tables.deferred.map { table, fk in
                    PlannedStatement(kind: .addForeignKey, target: "\(table).\(fk.name)", sql: DDL.addForeignKey(table, fk))
                })
            case .newTablePolicies:
                plan.append(phase.title!, tables.ordered.flatMap { table in
                    table.policies.map {
                        PlannedStatement(kind: .createPolicy, target: "\(table.name).\($0.name)", sql: DDL.createPolicy($0, on: table.name))
                    }
                })
            case .foreignKeys:
                // After the keys and columns of existing tables that new tables' keys reference.
                let late = tables.late.flatMap { table, fk, partitioned in Alter.addConstraint(table, .foreignKey(fk), partitioned: partitioned) }
                plan.append(phase.title!, gathered.phased[phase] + late, atomic: phase.atomic)
            case .typeChangesUnderViews:
                plan.append(phase.title!, gathered.typeChangesUnderViews(), atomic: true)
            case .views:
                for view in viewOrder(gathered.views) {
                    plan.append("\(view.materialized ? "Materialized view" : "View") \(view.name.description)", viewStatements(view))
                }
            default:
                plan.append(phase.title!, gathered.phased[phase], atomic: phase.atomic)
            }
        }
        return plan
    }

    /// New tables in foreign-key order, each with the keys its CREATE TABLE
    /// can hold; a key to a table created later waits for an ALTER after all.
    /// `late`: keys to existing tables that gain the referenced column or key
    /// in the same plan, added with the foreign keys of existing tables.
    static func newTables(_ tables: [Table], waitingFor gainingKeys: Set<QualifiedName> = [])
        -> (ordered: [Table], inlineKeys: [[ForeignKey]], deferred: [(QualifiedName, ForeignKey)], late: [(QualifiedName, ForeignKey, Bool)]) {
        let ordered = foreignKeyOrder(tables)
        let planned = Set(tables.map(\.name))
        var created = Set<QualifiedName>()
        // A partitioned table refuses NOT VALID: its late keys are added (and checked) at once.
        var deferred: [(QualifiedName, ForeignKey)] = [], late: [(QualifiedName, ForeignKey, Bool)] = []
        var inlineKeys: [[ForeignKey]] = []
        for table in ordered {
            created.insert(table.name)
            var inline: [ForeignKey] = []
            for fk in table.foreignKeys {
                if gainingKeys.contains(fk.referencedTable) && !planned.contains(fk.referencedTable) {
                    late.append((table.name, fk, table.partitioning != nil))
                } else if created.contains(fk.referencedTable) || !planned.contains(fk.referencedTable) {
                    inline.append(fk)
                } else {
                    deferred.append((table.name, fk))
                }
            }
            inlineKeys.append(inline)
        }
        return (ordered, inlineKeys, deferred, late)
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
                                        sql: DDL.comment(on: "\(f.routineWord) \(DDL.functionSignature(f))", c)))
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
            out.append(PlannedStatement(kind: .forceRowLevelSecurity, target: target, sql: DDL.forceRowLevelSecurity(t.name)))
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
        // Built with the view, as a new table's indexes are: nothing reads it yet.
        for i in v.indexes {
            let name = QualifiedName(schema: v.name.schema, name: i.name)
            out.append(PlannedStatement(kind: .createIndex, target: name.description, sql: DDL.createIndex(i, on: v.name)))
            if let c = i.comment { out.append(PlannedStatement(kind: .comment, target: name.description, sql: DDL.comment(on: "INDEX \(SQL.qualified(name))", c))) }
        }
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
        // At each step the first table, in declaration order, whose referenced
        // tables are all placed (or the first left, to break a cycle); counted
        // and kept in a heap, since a scan of what is left is quadratic.
        let names = Set(tables.map(\.name))
        var waiting = [Int](repeating: 0, count: tables.count)
        var dependents: [QualifiedName: [Int]] = [:]
        for (i, t) in tables.enumerated() {
            for fk in t.foreignKeys where fk.referencedTable != t.name && names.contains(fk.referencedTable) {
                waiting[i] += 1
                dependents[fk.referencedTable, default: []].append(i)
            }
        }
        var ready = IndexHeap(tables.indices.filter { waiting[$0] == 0 })
        var done = [Bool](repeating: false, count: tables.count)
        var firstLeft = 0
        var placed = Set<QualifiedName>()
        var result: [Table] = []
        result.reserveCapacity(tables.count)
        while result.count < tables.count {
            // A table enters the heap once, before it is placed: what the heap
            // gives is never placed yet.
            let i = ready.popMin() ?? {
                while done[firstLeft] { firstLeft += 1 }
                return firstLeft
            }()
            done[i] = true
            result.append(tables[i])
            guard placed.insert(tables[i].name).inserted else { continue }
            for d in dependents[tables[i].name] ?? [] where !done[d] {
                waiting[d] -= 1
                if waiting[d] == 0 { ready.insert(d) }
            }
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

/// A binary min-heap of indices: the first ready table of `foreignKeyOrder`.
struct IndexHeap {
    private var items: [Int] = []

    init(_ initial: [Int]) {
        for i in initial { insert(i) }
    }

    mutating func insert(_ value: Int) {
        items.append(value)
        var child = items.count - 1
        while child > 0, items[(child - 1) / 2] > items[child] {
            items.swapAt(child, (child - 1) / 2)
            child = (child - 1) / 2
        }
    }

    mutating func popMin() -> Int? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return first }
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count, items[left] < items[smallest] { smallest = left }
            if right < items.count, items[right] < items[smallest] { smallest = right }
            if smallest == parent { return first }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
