import SchemacModel

/// One difference between two PostgreSQL schemas, as the planner consumes it.
/// Creating a table carries everything that belongs to it (constraints, indexes,
/// partitions, policies, triggers, grants, comments).
public enum SchemaChange: Hashable, Sendable {
    case createSchema(String)
    case createExtension(String)
    case createRole(String)
    case createEnum(EnumType)
    case addEnumValue(QualifiedName, value: String, before: String?)
    case dropEnum(QualifiedName)
    case createFunction(Function)
    case createTable(Table)
    case renameTable(from: QualifiedName, to: QualifiedName)
    case dropTable(QualifiedName)
    case addColumn(QualifiedName, Column)
    case renameColumn(QualifiedName, from: String, to: String)
    case renameConstraint(QualifiedName, from: String, to: String)
    case dropColumn(QualifiedName, String)
    case alterColumnType(QualifiedName, Column, from: PostgresType)
    case setNotNull(QualifiedName, String)
    case dropNotNull(QualifiedName, String)
    case setDefault(QualifiedName, String, sql: String)
    case dropDefault(QualifiedName, String)
    case createIndex(QualifiedName, Index, newTable: Bool, partitioned: Bool)
    case dropIndex(QualifiedName)
    case createView(View)
    /// A difference this version cannot migrate yet: reported, never skipped.
    case unsupported(String)
}

public enum PostgresDiff {
    /// What must be created, altered or dropped to turn `current` into `desired`.
    /// `generate` calls it with `current == .empty`, so fresh DDL and migrations
    /// share one path.
    public static func changes(from current: PostgresSchema, to desired: PostgresSchema) -> [SchemaChange] {
        var changes: [SchemaChange] = []
        let currentSchemas = Set(current.schemas).union(PostgresSchema.builtinSchemas)
        changes += desired.schemas.filter { !currentSchemas.contains($0) }.map(SchemaChange.createSchema)
        let currentExtensions = Set(current.extensions)
        changes += desired.extensions.filter { !currentExtensions.contains($0) }.map(SchemaChange.createExtension)
        let currentRoles = Set(current.roles)
        changes += desired.roles.filter { !currentRoles.contains($0) }.map(SchemaChange.createRole)

        // Enums: new ones, values added in place; a removed value cannot be migrated in place.
        let currentEnums = Dictionary(current.enums.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for e in desired.enums {
            guard let old = currentEnums[e.name] else { changes.append(.createEnum(e)); continue }
            let removed = old.values.filter { !e.values.contains($0) }
            let kept = e.values.filter { old.values.contains($0) }
            if !removed.isEmpty || kept != old.values {
                changes.append(.unsupported("enum \(e.name) loses or reorders values \(removed); PostgreSQL cannot drop enum values in place"))
                continue
            }
            for (i, value) in e.values.enumerated() where !old.values.contains(value) {
                // Place it before the next value that already exists, else at the end.
                let before = e.values[(i + 1)...].first { old.values.contains($0) }
                changes.append(.addEnumValue(e.name, value: value, before: before))
            }
            if old.comment != e.comment { changes.append(.unsupported("comment of enum \(e.name)")) }
        }

        let currentFunctions = Dictionary(current.functions.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for f in desired.functions {
            guard let old = currentFunctions[f.name] else { changes.append(.createFunction(f)); continue }
            if old != f { changes.append(.unsupported("function \(f.name) changed")) }
        }

        // Tables, with renames first so that a renamed table is compared, not recreated.
        var currentTables = Dictionary(current.tables.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let desiredNames = Set(desired.tables.map(\.name))
        for t in desired.tables {
            if currentTables[t.name] == nil, let old = t.renamedFrom {
                let oldName = QualifiedName(schema: t.name.schema, name: old)
                if var existing = currentTables[oldName], !desiredNames.contains(oldName) {
                    changes.append(.renameTable(from: oldName, to: t.name))
                    currentTables[oldName] = nil
                    existing.name = t.name
                    currentTables[t.name] = existing
                }
            }
            guard let old = currentTables[t.name] else {
                changes.append(.createTable(t))
                continue
            }
            changes += tableChanges(old, t)
        }
        for t in current.tables where currentTables[t.name] != nil && !desiredNames.contains(t.name) {
            changes.append(.dropTable(t.name))
        }

        let currentViews = Dictionary(current.views.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for v in desired.views {
            guard let old = currentViews[v.name] else { changes.append(.createView(v)); continue }
            if old != v { changes.append(.unsupported("view \(v.name) changed")) }
        }
        for v in current.views where !desired.views.contains(where: { $0.name == v.name }) {
            changes.append(.unsupported("view \(v.name) dropped"))
        }
        let desiredEnums = Set(desired.enums.map(\.name))
        for e in current.enums where !desiredEnums.contains(e.name) { changes.append(.dropEnum(e.name)) }
        return changes
    }

    static func tableChanges(_ old: Table, _ new: Table) -> [SchemaChange] {
        var changes: [SchemaChange] = []
        let name = new.name
        var oldColumns = Dictionary(old.columns.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let newNames = Set(new.columns.map(\.name))
        for c in new.columns {
            if oldColumns[c.name] == nil, let from = c.renamedFrom, var existing = oldColumns[from], !newNames.contains(from) {
                changes.append(.renameColumn(name, from: from, to: c.name))
                oldColumns[from] = nil
                existing.name = c.name
                oldColumns[c.name] = existing
            }
            guard let o = oldColumns[c.name] else {
                changes.append(.addColumn(name, c))
                continue
            }
            if o.identity != c.identity || o.generated != c.generated {
                changes.append(.unsupported("identity or generated expression of \(name).\(c.name)"))
            }
            if o.type != c.type { changes.append(.alterColumnType(name, c, from: o.type)) }
            if o.defaultSQL != c.defaultSQL, c.identity == nil, c.generated == nil {
                changes.append(c.defaultSQL.map { .setDefault(name, c.name, sql: $0) } ?? .dropDefault(name, c.name))
            }
            if o.nullable && !c.nullable { changes.append(.setNotNull(name, c.name)) }
            if !o.nullable && c.nullable { changes.append(.dropNotNull(name, c.name)) }
            if o.comment != c.comment { changes.append(.unsupported("comment of \(name).\(c.name)")) }
        }
        for c in old.columns where oldColumns[c.name] != nil && !newNames.contains(c.name) {
            changes.append(.dropColumn(name, c.name))
        }

        let oldIndexes = Dictionary(old.indexes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let newIndexes = Set(new.indexes.map(\.name))
        for i in old.indexes where !newIndexes.contains(i.name) || oldIndexes[i.name] != new.indexes.first(where: { $0.name == i.name }) {
            changes.append(.dropIndex(QualifiedName(schema: name.schema, name: i.name)))
        }
        for i in new.indexes where oldIndexes[i.name] != i {
            changes.append(.createIndex(name, i, newTable: false, partitioned: new.partitioning != nil))
        }

        // A renamed table keeps its old key name; follow the new one.
        var oldPrimaryKey = old.primaryKey
        if let o = old.primaryKey, let n = new.primaryKey, o.columns == n.columns, o.name != n.name {
            changes.append(.renameConstraint(name, from: o.name, to: n.name))
            oldPrimaryKey = n
        }
        // Everything else on a table is compared whole for now, and named when it differs.
        // Named parts compare as sets: the catalog lists them by name, definitions in the order written.
        func differ<T: Equatable>(_ a: [T], _ b: [T], _ key: (T) -> String) -> Bool {
            a.sorted { key($0) < key($1) } != b.sorted { key($0) < key($1) }
        }
        let aspects: [(String, Bool)] = [
            ("primary key", oldPrimaryKey != new.primaryKey), ("unique constraints", differ(old.uniques, new.uniques, \.name)),
            ("checks", differ(old.checks, new.checks, \.name)), ("foreign keys", differ(old.foreignKeys, new.foreignKeys, \.name)),
            ("row level security", old.rowLevelSecurity != new.rowLevelSecurity || old.forceRowLevelSecurity != new.forceRowLevelSecurity),
            ("policies", differ(old.policies, new.policies, \.name)), ("grants", differ(old.grants, new.grants, \.role)),
            ("triggers", differ(old.triggers, new.triggers, \.name)), ("comment", old.comment != new.comment),
            ("partitioning", old.partitioning != new.partitioning || differ(old.partitions, new.partitions, \.name.description)),
        ]
        for (aspect, differs) in aspects where differs {
            changes.append(.unsupported("\(aspect) of table \(name)"))
        }
        return changes
    }
}
