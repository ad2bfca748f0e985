import SchemacMigrate
import SchemacModel

/// What a function's SQL-standard body names among the definitions'
/// relations: the server parses such a body when it is created, so the
/// function waits for the tables (or the views) it reads.
public enum FunctionReads: Hashable, Sendable {
    case nothing, tables, views

    /// For each function of `schema`, what its body reads.
    static func reader(_ schema: PostgresSchema) -> (Function) -> FunctionReads {
        var tables = Set<String>(), views = Set<String>()
        for t in schema.tables {
            tables.insert(t.name.name)
            t.partitions.forEach { tables.insert($0.name.name) }
        }
        schema.views.forEach { views.insert($0.name.name) }
        return { f in
            guard f.isStandardBody else { return .nothing }
            let words = SQLWords.of(f.body)
            return !words.isDisjoint(with: views) ? .views : !words.isDisjoint(with: tables) ? .tables : .nothing
        }
    }
}

/// A constraint of an existing table, for adding and dropping.
public enum TableConstraint: Hashable, Sendable {
    case primaryKey(PrimaryKey)
    case unique(UniqueConstraint)
    case check(CheckConstraint)
    case foreignKey(ForeignKey)
    case exclusion(ExclusionConstraint)

    public var name: String {
        switch self {
        case .exclusion(let c): c.name
        case .primaryKey(let c): c.name
        case .unique(let c): c.name
        case .check(let c): c.name
        case .foreignKey(let c): c.name
        }
    }
}

/// One difference between two PostgreSQL schemas, as the planner consumes it.
/// Creating a table carries everything that belongs to it (constraints, indexes,
/// partitions, policies, triggers, grants, comments).
public enum SchemaChange: Hashable, Sendable {
    case createSchema(String)
    /// A schema the definitions no longer name, once what it held is dropped.
    case dropSchema(String)
    /// A function of a dropped schema.
    case dropFunction(Function)
    /// schemac's own function (`auto_updated_at`'s) whose last user is gone: no data in it.
    case dropHelperFunction(Function)
    case createExtension(String)
    case createRole(String)
    case createEnum(EnumType)
    case addEnumValue(QualifiedName, value: String, before: String?)
    /// An enum that loses or reorders values, which PostgreSQL cannot do in
    /// place: the old type renamed aside and the new one created, the
    /// columns of it converted through text (their defaults set again), the
    /// old type dropped. `columns` are the current columns of the type, with
    /// whether each is an array and the default the definitions give it.
    case recreateEnum(EnumType, columns: [RecreatedEnumColumn])
    case dropEnum(QualifiedName)
    /// `afterFunctions`: its checks or default call a function of the
    /// definitions, so it is created once they are.
    case createDomain(Domain, afterFunctions: Bool)
    /// `ALTER DOMAIN name <clause>`; `validates` for a VALIDATE, which reads
    /// every column of the domain.
    case alterDomain(QualifiedName, clause: String, validates: Bool)
    case dropDomain(QualifiedName)
    case createSequence(PostgresSequence)
    /// Options of an existing sequence changed in place.
    case alterSequence(from: PostgresSequence, to: PostgresSequence)
    /// OWNED BY a column (its drop drops the sequence), or by none.
    case setSequenceOwner(QualifiedName, ColumnName?)
    /// `implicit`: its owning column or table is dropped by the same plan,
    /// which drops the sequence with it.
    /// `ownerGainsIdentity`: its column (a serial's) becomes an identity column,
    /// whose own sequence would otherwise take another name.
    case dropSequence(QualifiedName, implicit: Bool, ownerGainsIdentity: Bool = false)
    /// `reads`: what a SQL-standard body names, which must exist when it is created.
    case createFunction(Function, reads: FunctionReads = .nothing)
    /// A function whose arguments or result change: a different function to
    /// PostgreSQL. `old` is dropped; `new` created.
    case replaceFunctionSignature(old: Function, new: Function)
    case createTable(Table)
    case renameTable(from: QualifiedName, to: QualifiedName)
    /// The sequence of an identity column whose table or column was renamed,
    /// named again as PostgreSQL would name it now (when it has the name
    /// PostgreSQL gave it then).
    case renameSequence(table: QualifiedName, column: String, from: String, to: String)
    case dropTable(QualifiedName)
    case addColumn(QualifiedName, Column)
    case renameColumn(QualifiedName, from: String, to: String)
    case renameConstraint(QualifiedName, from: String, to: String)
    case renameIndex(QualifiedName, from: String, to: String)
    /// Identity added (`from` nil), removed (`column.identity` nil) or switched.
    case setIdentity(QualifiedName, Column, from: Column.Identity?)
    /// A generated column becomes a plain one, keeping its values.
    case dropExpression(QualifiedName, String)
    /// A column becomes generated or changes its expression: PostgreSQL
    /// (before 17) can only drop it and add it again. `keepsData` is false when
    /// a plain column's values are replaced.
    case replaceGeneratedColumn(QualifiedName, Column, keepsData: Bool)
    case dropColumn(QualifiedName, String)
    case alterColumnType(QualifiedName, Column, from: PostgresType)
    case setNotNull(QualifiedName, String)
    case dropNotNull(QualifiedName, String)
    case setDefault(QualifiedName, String, sql: String)
    case dropDefault(QualifiedName, String)
    case createIndex(QualifiedName, Index, newTable: Bool, partitioned: Bool)
    /// `partitioned`: of a partitioned table, which cannot drop it concurrently.
    case dropIndex(QualifiedName, partitioned: Bool)
    case createView(View)
    case dropView(View)
    /// Views that read columns whose type changes (and the views that read
    /// those views): dropped, the columns retyped, and the views created again,
    /// in one transaction, so that a type change that gives up (a lock timeout)
    /// leaves every view in place. `old` in the order they are dropped,
    /// `new` in the order they are created.
    case viewsAroundTypeChanges(old: [View], new: [View], columns: Set<ColumnName>)
    /// `security_invoker` of a view turned on or off in place.
    case setViewSecurityInvoker(QualifiedName, Bool)
    case replaceFunction(Function, reads: FunctionReads = .nothing)
    case addConstraint(QualifiedName, TableConstraint, partitioned: Bool)
    case dropConstraint(QualifiedName, String, TableConstraint)
    /// A check or foreign key the target holds NOT VALID, validated.
    case validateConstraint(QualifiedName, String)
    /// Row level security to `enabled`/`forced`, from `wasEnabled`/`wasForced`.
    case setRowLevelSecurity(QualifiedName, enabled: Bool, forced: Bool, wasEnabled: Bool, wasForced: Bool)
    case createPolicy(QualifiedName, Policy)
    case dropPolicy(QualifiedName, String)
    /// A policy whose roles or expressions change: ALTER POLICY in place.
    case alterPolicy(QualifiedName, Policy)
    case createTrigger(QualifiedName, Trigger)
    case dropTrigger(QualifiedName, String)
    case grant(QualifiedName, Grant)
    case revoke(QualifiedName, Grant)
    /// COMMENT ON `object` (already SQL, e.g. `TABLE "s"."t"`); nil removes it.
    case comment(object: String, target: String, text: String?)
    /// A new partition. When the table already has a default partition,
    /// `default` names it: the rows the new partition takes must move out of
    /// it, or PostgreSQL refuses the partition.
    case addPartition(QualifiedName, Partition, default: QualifiedName? = nil)
    /// A partition whose bounds change: detached and attached again, rows kept.
    case rebound(QualifiedName, Partition)
    case dropPartition(QualifiedName)
    /// A difference this version cannot migrate yet: reported, never skipped.
    case unsupported(String)
}

public struct RecreatedEnumColumn: Hashable, Sendable {
    public var table: QualifiedName
    public var column: String
    public var isArray: Bool
    public var hadDefault: Bool
    public var defaultSQL: String?
}

public enum PostgresDiff {
    /// What must be created, altered or dropped to turn `current` into `desired`.
    /// `generate` calls it with `current == .empty`, so fresh DDL and migrations
    /// share one path.
    /// Functions with those their signatures and bodies call first (a
    /// default that calls another function, a SQL-standard body that does),
    /// by name, in the definitions' order otherwise; a cycle keeps that order.
    static func functionOrder(_ functions: [Function]) -> [Function] {
        guard functions.count > 1 else { return functions }
        let byName = Dictionary(grouping: functions.indices, by: { functions[$0].name.name })
        var placed = [Bool](repeating: false, count: functions.count), visiting = placed
        var out: [Function] = []
        func visit(_ i: Int) {
            guard !placed[i], !visiting[i] else { return }
            visiting[i] = true
            let f = functions[i]
            for word in SQLWords.of(f.arguments + " " + f.returns + " " + f.body).sorted() where word != f.name.name {
                byName[word]?.forEach(visit)
            }
            placed[i] = true
            out.append(f)
        }
        functions.indices.forEach(visit)
        return out
    }

    public static func changes(from current: PostgresSchema, to desired: PostgresSchema) -> [SchemaChange] {
        var changes: [SchemaChange] = []
        let currentSchemas = Set(current.schemas).union(PostgresSchema.builtinSchemas)
        changes += desired.schemas.filter { !currentSchemas.contains($0) }.map(SchemaChange.createSchema)
        let currentExtensions = Set(current.extensions)
        changes += desired.extensions.filter { !currentExtensions.contains($0) }.map(SchemaChange.createExtension)
        let currentRoles = Set(current.roles)
        changes += desired.roles.filter { !currentRoles.contains($0) }.map(SchemaChange.createRole)

        changes += enumChanges(current, desired)
        changes += enumRecreations(current, desired)
        changes += domainChanges(current, desired)

        let currentFunctions = Dictionary(current.functions.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let reads = FunctionReads.reader(desired)
        for f in functionOrder(desired.functions) {
            guard let old = currentFunctions[f.name] else { changes.append(.createFunction(f, reads: reads(f))); continue }
            // A body made by hand (`AS $$SELECT 1$$`) is the one the definitions create on lines of their own.
            var asCreated = old
            asCreated.body = old.bodyAsCreated
            var desiredAsCreated = f
            desiredAsCreated.body = f.bodyAsCreated
            if asCreated != desiredAsCreated {
                // Same signature: replaced in place; a new signature would be a new function.
                if old.arguments == f.arguments && old.returns == f.returns {
                    changes.append(.replaceFunction(f, reads: reads(f)))
                    if old.comment != nil && f.comment == nil {
                        changes.append(.comment(object: "\(f.routineWord) \(DDL.functionSignature(f))", target: f.name.description, text: nil))
                    }
                } else {
                    changes.append(.replaceFunctionSignature(old: old, new: f))
                }
            }
        }

        // Tables, with renames first so that a renamed table is compared, not recreated.
        var currentTables = Dictionary(current.tables.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let desiredNames = Set(desired.tables.map(\.name))
        var renamedTables: [QualifiedName: QualifiedName] = [:]
        for t in desired.tables {
            if currentTables[t.name] == nil, let oldName = t.renamedFrom {
                if var existing = currentTables[oldName], !desiredNames.contains(oldName) {
                    changes.append(.renameTable(from: oldName, to: t.name))
                    currentTables[oldName] = nil
                    existing.name = t.name
                    // SET SCHEMA leaves partitions where they are: they move too,
                    // when the definitions keep them under the same name.
                    if oldName.schema != t.name.schema {
                        existing.partitions = existing.partitions.map { p in
                            let moved = QualifiedName(schema: t.name.schema, name: p.name.name)
                            guard p.name.schema == oldName.schema, t.partitions.contains(where: { $0.name == moved }) else { return p }
                            changes.append(.renameTable(from: p.name, to: moved))
                            return Partition(name: moved, bound: p.bound)
                        }
                    }
                    currentTables[t.name] = existing
                    renamedTables[oldName] = t.name
                }
            }
        }
        // Foreign keys follow a renamed table: they are the same keys.
        if !renamedTables.isEmpty {
            for (name, table) in currentTables {
                currentTables[name]!.foreignKeys = table.foreignKeys.map { fk in
                    var fk = fk
                    if let renamed = renamedTables[fk.referencedTable] { fk.referencedTable = renamed }
                    return fk
                }
            }
        }
        // Tables compare independently: on every core, merged in declaration order.
        let pairs = desired.tables.map { ($0, currentTables[$0.name]) }
        for tableChanges in parallelMap(pairs, { t, old in old.map { tableChanges($0, t) } ?? [.createTable(t)] }) {
            changes += tableChanges
        }
        changes += sequenceRenames(desired, currentTables, renamedTables: renamedTables, changes: changes)
        // Dropped tables go children first: a foreign key between two of them would refuse the drop.
        let dropped = current.tables.filter { currentTables[$0.name] != nil && !desiredNames.contains($0.name) }
        for t in PostgresPlanner.foreignKeyOrder(dropped).reversed() {
            changes.append(.dropTable(t.name))
        }

        changes += viewChanges(current, desired, changes: changes, renamedTables: renamedTables)
        changes += sequenceChanges(current, desired, renamedTables: renamedTables, changes: changes)
        let desiredEnums = Set(desired.enums.map(\.name))
        changes += domainDrops(current, desired)
        for e in current.enums where !desiredEnums.contains(e.name) { changes.append(.dropEnum(e.name)) }
        // Schemas the definitions stopped naming go, with the functions they hold.
        let desiredSchemas = Set(desired.schemas).union(PostgresSchema.builtinSchemas).union(desired.namespacesInUse)
        let droppedSchemas = current.schemas.filter { !desiredSchemas.contains($0) }
        // Dropped functions go callers first (the reverse of the order they are created in).
        let droppedFunctions = functionOrder(current.functions.filter { f in !desired.functions.contains(where: { $0.name == f.name }) }).reversed()
        for f in droppedFunctions where droppedSchemas.contains(f.name.schema) && currentFunctions[f.name] != nil {
            changes.append(.dropFunction(f))
        }
        // A function the definitions no longer have goes, after what reads it; schemac's own helper goes with
        // its last user, as a fresh build never has it without one.
        for f in droppedFunctions where !droppedSchemas.contains(f.name.schema) {
            changes.append(f.name.name == Function.updatedAtHelperName ? .dropHelperFunction(f) : .dropFunction(f))
        }
        changes += droppedSchemas.map(SchemaChange.dropSchema)
        // A key to a partitioned table is added checked at once: PostgreSQL validates
        // the parent's key but not the ones it makes for the partitions it references.
        let partitioned = Set(desired.tables.filter { $0.partitioning != nil }.map(\.name))
        if !partitioned.isEmpty {
            changes = changes.map { change in
                if case .addConstraint(let t, .foreignKey(let fk), partitioned: false) = change, partitioned.contains(fk.referencedTable) {
                    return .addConstraint(t, .foreignKey(fk), partitioned: true)
                }
                return change
            }
        }
        return changes
    }

    /// Privileges granted and revoked, role by role.
    static func grantChanges(_ object: QualifiedName, _ old: [Grant], _ new: [Grant]) -> [SchemaChange] {
        var changes: [SchemaChange] = []
        let before = Dictionary(old.map { ($0.role, Set($0.privileges)) }, uniquingKeysWith: { a, b in a.union(b) })
        let after = Dictionary(new.map { ($0.role, Set($0.privileges)) }, uniquingKeysWith: { a, b in a.union(b) })
        for role in Set(before.keys).union(after.keys).sorted() {
            let had = before[role] ?? [], wants = after[role] ?? []
            let revoked = had.subtracting(wants), granted = wants.subtracting(had)
            if !revoked.isEmpty { changes.append(.revoke(object, Grant(role: role, privileges: revoked.sorted()))) }
            if !granted.isEmpty { changes.append(.grant(object, Grant(role: role, privileges: granted.sorted()))) }
        }
        return changes
    }

    /// Whether two tables are the same object for object, whatever the order
    /// of their lists: most tables of a database in sync, and settled cheaply.
    static func unchanged(_ old: Table, _ new: Table) -> Bool {
        func same<T: Hashable>(_ a: [T], _ b: [T]) -> Bool { a.count == b.count && (a == b || Set(a) == Set(b)) }
        return old.name == new.name && old.columns == new.columns && old.primaryKey == new.primaryKey
            && same(old.uniques, new.uniques) && same(old.checks, new.checks) && same(old.foreignKeys, new.foreignKeys)
            && same(old.exclusions, new.exclusions)
            && same(old.indexes, new.indexes) && old.rowLevelSecurity == new.rowLevelSecurity
            && old.forceRowLevelSecurity == new.forceRowLevelSecurity && same(old.policies, new.policies)
            && same(old.grants, new.grants) && same(old.triggers, new.triggers) && old.comment == new.comment
            && old.partitioning == new.partitioning && same(old.partitions, new.partitions) && old.notValidConstraints == new.notValidConstraints
            && old.deferrableKeys == new.deferrableKeys
    }

    /// Domains created, and changed in place: NOT NULL, default, checks
    /// (a new one added NOT VALID, then validated). A domain over another
    /// type is another domain, which PostgreSQL cannot change in place.
    static func domainChanges(_ current: PostgresSchema, _ desired: PostgresSchema) -> [SchemaChange] {
        guard !current.domains.isEmpty || !desired.domains.isEmpty else { return [] }
        var out: [SchemaChange] = []
        let currentByName = Dictionary(current.domains.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let functionNames = Set(desired.functions.map(\.name.name))
        // Over a domain that waits for the functions, a domain waits too.
        var waiting: Set<QualifiedName> = []
        for d in desired.domains {
            guard let old = currentByName[d.name] else {
                let words = SQLWords.of(([d.defaultSQL ?? ""] + d.checks.map(\.expression)).joined(separator: " "))
                var overWaiting = false
                if case .domain(let over, _) = d.type.base { overWaiting = waiting.contains(over) }
                let after = overWaiting || !words.isDisjoint(with: functionNames)
                if after { waiting.insert(d.name) }
                out.append(.createDomain(d, afterFunctions: after))
                if let c = d.comment { out.append(.comment(object: "DOMAIN \(SQL.qualified(d.name))", target: d.name.description, text: c)) }
                continue
            }
            guard old.type == d.type else {
                out.append(.unsupported("domain \(d.name) is over \(old.type.sql) and the definitions put it over \(d.type.sql): PostgreSQL cannot change a domain's type in place"))
                continue
            }
            if old.defaultSQL != d.defaultSQL {
                out.append(.alterDomain(d.name, clause: d.defaultSQL.map { "SET DEFAULT \($0)" } ?? "DROP DEFAULT", validates: false))
            }
            if old.notNull != d.notNull {
                out.append(.alterDomain(d.name, clause: d.notNull ? "SET NOT NULL" : "DROP NOT NULL", validates: false))
            }
            let oldChecks = Dictionary(old.checks.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            for c in old.checks where !d.checks.contains(c) {
                out.append(.alterDomain(d.name, clause: "DROP CONSTRAINT \(SQL.identifier(c.name))", validates: false))
            }
            for c in d.checks where oldChecks[c.name] != c {
                out.append(.alterDomain(d.name, clause: "ADD \(DDL.check(c)) NOT VALID", validates: false))
                out.append(.alterDomain(d.name, clause: "VALIDATE CONSTRAINT \(SQL.identifier(c.name))", validates: true))
            }
            if old.comment != d.comment {
                out.append(.comment(object: "DOMAIN \(SQL.qualified(d.name))", target: d.name.description, text: d.comment))
            }
        }
        return out
    }

    /// Domains the definitions no longer have, one over another first.
    static func domainDrops(_ current: PostgresSchema, _ desired: PostgresSchema) -> [SchemaChange] {
        let kept = Set(desired.domains.map(\.name))
        func depth(_ t: PostgresType) -> Int { if case .domain(_, let over) = t.base { 1 + depth(over) } else { 0 } }
        return current.domains.filter { !kept.contains($0.name) }
            .sorted { (depth($0.type), $0.name.description) > (depth($1.type), $1.name.description) }
            .map { .dropDomain($0.name) }
    }

    /// Sequences created, changed in place, owned anew, dropped. An owner
    /// renamed by the plan is the same owner (PostgreSQL follows the rename).
    static func sequenceChanges(_ current: PostgresSchema, _ desired: PostgresSchema, renamedTables: [QualifiedName: QualifiedName],
                                changes: [SchemaChange]) -> [SchemaChange] {
        guard !current.sequences.isEmpty || !desired.sequences.isEmpty else { return [] }
        var out: [SchemaChange] = []
        var renamedColumns: [ColumnName: String] = [:]
        var droppedColumns: Set<ColumnName> = []
        var droppedTables: Set<QualifiedName> = []
        var gainingIdentity: Set<ColumnName> = []
        for change in changes {
            switch change {
            case .renameColumn(let t, let from, let to): renamedColumns[ColumnName(t, from)] = to
            case .dropColumn(let t, let c): droppedColumns.insert(ColumnName(t, c))
            case .replaceGeneratedColumn(let t, let c, _): droppedColumns.insert(ColumnName(t, c.name))
            case .dropTable(let t): droppedTables.insert(t)
            case .setIdentity(let t, let c, from: nil): gainingIdentity.insert(ColumnName(t, c.name))
            default: break
            }
        }
        // Renames name the table as the definitions do.
        func currentOwner(_ owner: ColumnName?) -> ColumnName? {
            guard let owner, let column = owner.column else { return owner }
            let table = renamedTables[owner.relation] ?? owner.relation
            return ColumnName(table, renamedColumns[ColumnName(table, column)] ?? column)
        }
        let currentByName = Dictionary(current.sequences.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for s in desired.sequences {
            guard let old = currentByName[s.name] else {
                out.append(.createSequence(s))
                if s.ownedBy != nil { out.append(.setSequenceOwner(s.name, s.ownedBy)) }
                if let c = s.comment { out.append(.comment(object: "SEQUENCE \(SQL.qualified(s.name))", target: s.name.description, text: c)) }
                continue
            }
            var compared = old
            compared.ownedBy = s.ownedBy
            compared.comment = s.comment
            if compared != s { out.append(.alterSequence(from: old, to: s)) }
            // A new owner is set before the old one is dropped (which would take the sequence with it).
            if currentOwner(old.ownedBy) != s.ownedBy { out.append(.setSequenceOwner(s.name, s.ownedBy)) }
            if old.comment != s.comment {
                out.append(.comment(object: "SEQUENCE \(SQL.qualified(s.name))", target: s.name.description, text: s.comment))
            }
        }
        let desiredNames = Set(desired.sequences.map(\.name))
        for s in current.sequences where !desiredNames.contains(s.name) {
            let owner = currentOwner(s.ownedBy)
            let implicit = owner.map { droppedColumns.contains($0) || droppedTables.contains($0.relation) } ?? false
            out.append(.dropSequence(s.name, implicit: implicit, ownerGainsIdentity: owner.map(gainingIdentity.contains) ?? false))
        }
        return out
    }

    /// Enums: new ones, values added in place; a removed value cannot be migrated in place.
    static func enumChanges(_ current: PostgresSchema, _ desired: PostgresSchema) -> [SchemaChange] {
        var changes: [SchemaChange] = []
        let currentEnums = Dictionary(current.enums.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for e in desired.enums {
            guard let old = currentEnums[e.name] else { changes.append(.createEnum(e)); continue }
            let removed = old.values.filter { !e.values.contains($0) }
            let kept = e.values.filter { old.values.contains($0) }
            if !removed.isEmpty || kept != old.values { continue }  // enumRecreations
            for (i, value) in e.values.enumerated() where !old.values.contains(value) {
                // Place it before the next value that already exists, else at the end.
                let before = e.values[(i + 1)...].first { old.values.contains($0) }
                changes.append(.addEnumValue(e.name, value: value, before: before))
            }
            if old.comment != e.comment { changes.append(.comment(object: "TYPE \(SQL.qualified(e.name))", target: e.name.description, text: e.comment)) }
        }
        return changes
    }

    /// Enums that lose or reorder values, made again; refused where a view,
    /// a domain or a function signature uses the type (they would have to be
    /// made again with it).
    static func enumRecreations(_ current: PostgresSchema, _ desired: PostgresSchema) -> [SchemaChange] {
        let currentEnums = Dictionary(current.enums.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let desiredTables = Dictionary(desired.tables.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var changes: [SchemaChange] = []
        for e in desired.enums {
            guard let old = currentEnums[e.name] else { continue }
            let removed = old.values.filter { !e.values.contains($0) }
            guard !removed.isEmpty || e.values.filter({ old.values.contains($0) }) != old.values else { continue }
            func ofType(_ t: PostgresType) -> Bool { if case .enumeration(let n) = t.base { n == e.name } else { false } }
            var columns: [RecreatedEnumColumn] = []
            for t in current.tables {
                for c in t.columns where ofType(c.type) {
                    let wanted = desiredTables[t.name]?.column(named: c.name)
                    guard wanted.map({ ofType($0.type) && $0.type.isArray == c.type.isArray }) ?? false else { continue }
                    columns.append(RecreatedEnumColumn(table: t.name, column: c.name, isArray: c.type.isArray,
                                                       hadDefault: c.defaultSQL != nil, defaultSQL: wanted?.defaultSQL))
                }
            }
            // What a view reads: as the server records it, else (definitions) by the tables its query names.
            let tables = Set(columns.map(\.table.name))
            let readByViews = current.viewReads.values.contains { reads in columns.contains { reads.contains(ColumnName($0.table, $0.column)) } }
                || current.views.contains { v in current.viewReads[v.name] == nil && !SQLWords.of(v.query).isDisjoint(with: tables) }
            let inDomains = current.domains.contains { d in
                if case .enumeration(let n) = d.type.underlying.base { n == e.name } else { false }
            }
            let words = current.functions.map { SQLWords.of($0.arguments + " " + $0.returns) }
            if readByViews || inDomains || words.contains(where: { $0.contains(e.name.name) }) {
                changes.append(.unsupported("enum \(e.name) loses or reorders values \(removed): PostgreSQL cannot drop enum values in place, and a view, domain or function signature uses it"))
                continue
            }
            changes.append(.recreateEnum(e, columns: columns))
        }
        return changes
    }

    static func tableChanges(_ old: Table, _ new: Table) -> [SchemaChange] {
        if unchanged(old, new) { return [] }
        let name = new.name
        var (changes, replacedColumns) = columnChanges(old, new)
        // PostgreSQL rewrites what reads a renamed column (indexes, checks,
        // policies, trigger conditions): compare those as it will print them.
        var old = old
        for case .renameColumn(_, let from, let to) in changes { old = renamingColumn(old, from: from, to: to) }
        let replaced = ReplacedColumns(names: replacedColumns)
        changes += indexChanges(old, new, replaced)
        changes += constraintChanges(old, new, replaced)
        changes += securityAndTriggerChanges(old, new, replaced)
        changes += grantChanges(name, old.grants, new.grants)
        if old.comment != new.comment {
            changes.append(.comment(object: "TABLE \(SQL.qualified(name))", target: name.description, text: new.comment))
        }
        changes += partitionChanges(old, new)
        return changes
    }

    /// The changes of a table's columns, and the columns dropped and added
    /// again (what reads them is built again with them).
    static func columnChanges(_ old: Table, _ new: Table) -> (changes: [SchemaChange], replaced: Set<String>) {
        var changes: [SchemaChange] = []
        let name = new.name
        var oldColumns = Dictionary(old.columns.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var replaced = Set<String>()
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
            if o.generated != c.generated {
                if c.generated == nil {
                    changes.append(.dropExpression(name, c.name))
                } else {
                    // Dropped and added again, with everything that reads it.
                    changes.append(.replaceGeneratedColumn(name, c, keepsData: o.generated != nil))
                    replaced.insert(c.name)
                    continue
                }
            }
            if o.identity != nil && c.identity == nil { changes.append(.setIdentity(name, c, from: o.identity)) }
            if o.type != c.type {
                // The old default may not cast to the new type: off before, on again after.
                if o.defaultSQL != nil && o.identity == nil && o.generated == nil { changes.append(.dropDefault(name, c.name)) }
                changes.append(.alterColumnType(name, c, from: o.type))
                if let d = c.defaultSQL, c.identity == nil, c.generated == nil { changes.append(.setDefault(name, c.name, sql: d)) }
            } else if o.defaultSQL != c.defaultSQL, c.identity == nil, c.generated == nil {
                changes.append(c.defaultSQL.map { .setDefault(name, c.name, sql: $0) } ?? .dropDefault(name, c.name))
            }
            if o.nullable && !c.nullable { changes.append(.setNotNull(name, c.name)) }
            if !o.nullable && c.nullable { changes.append(.dropNotNull(name, c.name)) }
            if c.identity != nil && o.identity != c.identity {
                if o.defaultSQL != nil && o.generated == nil && c.type == o.type { changes.append(.dropDefault(name, c.name)) }
                changes.append(.setIdentity(name, c, from: o.identity))
            }
            if o.comment != c.comment {
                changes.append(.comment(object: "COLUMN \(SQL.qualified(name)).\(SQL.identifier(c.name))", target: "\(name).\(c.name)", text: c.comment))
            }
        }
        for c in old.columns where oldColumns[c.name] != nil && !newNames.contains(c.name) {
            changes.append(.dropColumn(name, c.name))
        }
        return (changes, replaced)
    }

    /// Indexes: renamed where only the name changes, else dropped and built again.
    static func indexChanges(_ old: Table, _ new: Table, _ replaced: ReplacedColumns) -> [SchemaChange] {
        var changes: [SchemaChange] = []
        let name = new.name
        var oldIndexes = Dictionary(old.indexes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let newIndexNames = Set(new.indexes.map(\.name))
        func sameButNameAndComment(_ a: Index, _ b: Index) -> Bool { var a = a; a.name = b.name; a.comment = b.comment; return a == b }
        for i in new.indexes where oldIndexes[i.name] == nil && !replaced.readBy(i) {
            if let o = old.indexes.first(where: { !newIndexNames.contains($0.name) && oldIndexes[$0.name] != nil && sameButNameAndComment($0, i) }) {
                changes.append(.renameIndex(QualifiedName(schema: name.schema, name: o.name), from: o.name, to: i.name))
                oldIndexes[o.name] = nil
                var renamed = o
                renamed.name = i.name
                oldIndexes[i.name] = renamed
            }
        }
        func sameButComment(_ a: Index, _ b: Index) -> Bool { var a = a; a.comment = b.comment; return a == b }
        for i in oldIndexes.values.sorted(by: { $0.name < $1.name }) {
            if let n = new.indexes.first(where: { $0.name == i.name }), sameButComment(i, n), !replaced.readBy(n) { continue }
            changes.append(.dropIndex(QualifiedName(schema: name.schema, name: i.name), partitioned: old.partitioning != nil))
        }
        for i in new.indexes where oldIndexes[i.name] != i || replaced.readBy(i) {
            var build = i
            let onlyComment = !replaced.readBy(i) && (oldIndexes[i.name].map { var o = $0; o.comment = i.comment; return o == i } ?? false)
            if onlyComment {
                changes.append(.comment(object: "INDEX \(SQL.qualified(QualifiedName(schema: name.schema, name: i.name)))",
                                        target: "\(name.schema).\(i.name)", text: i.comment))
                continue
            }
            build.comment = i.comment
            changes.append(.createIndex(name, build, newTable: false, partitioned: new.partitioning != nil))
        }

        return changes
    }

    /// Keys, uniques, checks and foreign keys: renamed where only the name
    /// changes, else dropped and added again.
    static func constraintChanges(_ old: Table, _ new: Table, _ replaced: ReplacedColumns) -> [SchemaChange] {
        var changes: [SchemaChange] = []
        let name = new.name
        // A renamed table keeps its old key name; follow the new one.
        var oldPrimaryKey = old.primaryKey
        if let o = old.primaryKey, let n = new.primaryKey, o.columns == n.columns, o.name != n.name {
            changes.append(.renameConstraint(name, from: o.name, to: n.name))
            oldPrimaryKey = n
        }
        // Constraints: changed ones are dropped and added again.
        var oldConstraints: [String: TableConstraint] = [:]
        var newConstraints: [String: TableConstraint] = [:]
        if let pk = oldPrimaryKey { oldConstraints[pk.name] = .primaryKey(pk) }
        if let pk = new.primaryKey { newConstraints[pk.name] = .primaryKey(pk) }
        old.uniques.forEach { oldConstraints[$0.name] = .unique($0) }
        new.uniques.forEach { newConstraints[$0.name] = .unique($0) }
        old.checks.forEach { oldConstraints[$0.name] = .check($0) }
        new.checks.forEach { newConstraints[$0.name] = .check($0) }
        old.foreignKeys.forEach { oldConstraints[$0.name] = .foreignKey($0) }
        new.foreignKeys.forEach { newConstraints[$0.name] = .foreignKey($0) }
        old.exclusions.forEach { oldConstraints[$0.name] = .exclusion($0) }
        new.exclusions.forEach { newConstraints[$0.name] = .exclusion($0) }
        // A constraint that only changes its name is renamed.
        func renamed(_ c: TableConstraint, to name: String) -> TableConstraint {
            switch c {
            case .primaryKey(var k): k.name = name; return .primaryKey(k)
            case .unique(var u): u.name = name; return .unique(u)
            case .check(var k): k.name = name; return .check(k)
            case .foreignKey(var f): f.name = name; return .foreignKey(f)
            case .exclusion(var x): x.name = name; return .exclusion(x)
            }
        }
        for (cname, c) in newConstraints.sorted(by: { $0.key < $1.key }) where oldConstraints[cname] == nil && !replaced.readBy(c) {
            if let (oname, _) = oldConstraints.sorted(by: { $0.key < $1.key }).first(where: { newConstraints[$0.key] == nil && renamed($0.value, to: cname) == c }) {
                changes.append(.renameConstraint(name, from: oname, to: cname))
                oldConstraints[oname] = nil
                oldConstraints[cname] = c
            }
        }
        // A key the target holds DEFERRABLE is made again as the definitions have it, checked at once.
        for cname in old.deferrableKeys.sorted() where newConstraints[cname] != nil { oldConstraints[cname] = nil; changes.append(.dropConstraint(name, cname, newConstraints[cname]!)) }
        for (cname, c) in oldConstraints.sorted(by: { $0.key < $1.key }) where newConstraints[cname] != c || replaced.readBy(c) {
            changes.append(.dropConstraint(name, cname, c))
        }
        for (cname, c) in newConstraints.sorted(by: { $0.key < $1.key }) where oldConstraints[cname] != c || replaced.readBy(c) {
            changes.append(.addConstraint(name, c, partitioned: new.partitioning != nil))
        }
        // One the target holds NOT VALID and the definitions as it is: checked now.
        for cname in old.notValidConstraints.sorted() where newConstraints[cname] != nil && oldConstraints[cname] == newConstraints[cname]
            && !replaced.readBy(newConstraints[cname]!) {
            changes.append(.validateConstraint(name, cname))
        }

        return changes
    }

    /// Row level security, policies (altered in place where PostgreSQL can) and triggers.
    static func securityAndTriggerChanges(_ old: Table, _ new: Table, _ replaced: ReplacedColumns) -> [SchemaChange] {
        var changes: [SchemaChange] = []
        let name = new.name
        if old.rowLevelSecurity != new.rowLevelSecurity || old.forceRowLevelSecurity != new.forceRowLevelSecurity {
            changes.append(.setRowLevelSecurity(name, enabled: new.rowLevelSecurity, forced: new.forceRowLevelSecurity,
                                                wasEnabled: old.rowLevelSecurity, wasForced: old.forceRowLevelSecurity))
        }
        let oldPolicies = Dictionary(old.policies.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let newPolicies = Dictionary(new.policies.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
                // In place where ALTER POLICY can: same command and kind, and no
        // expression removed (ALTER can set USING or WITH CHECK, not drop it).
        func alterable(_ o: Policy, _ n: Policy) -> Bool {
            o.command == n.command && o.permissive == n.permissive && (n.using != nil || o.using == nil)
                && (n.withCheck != nil || o.withCheck == nil) && !replaced.readBy(o)
        }
        for p in old.policies where newPolicies[p.name] != p || replaced.readBy(p) {
            if let n = newPolicies[p.name], alterable(p, n) { continue }
            changes.append(.dropPolicy(name, p.name))
        }
        for p in new.policies where oldPolicies[p.name] != p || replaced.readBy(p) {
            if let o = oldPolicies[p.name], alterable(o, p) { changes.append(.alterPolicy(name, p)); continue }
            changes.append(.createPolicy(name, p))
        }
        let oldTriggers = Dictionary(old.triggers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let newTriggers = Dictionary(new.triggers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for t in old.triggers where newTriggers[t.name] != t || replaced.readBy(t) { changes.append(.dropTrigger(name, t.name)) }
        for t in new.triggers where oldTriggers[t.name] != t || replaced.readBy(t) { changes.append(.createTrigger(name, t)) }
        return changes
    }

    /// Partitions: new bounds attached again, new partitions (beside a default
    /// one, which gives up its rows), dropped ones; a new partitioning is refused.
    static func partitionChanges(_ old: Table, _ new: Table) -> [SchemaChange] {
        var changes: [SchemaChange] = []
        let name = new.name
        if old.partitioning != new.partitioning {
            changes.append(.unsupported("partitioning of table \(name) (a table cannot change how it is partitioned in place)"))
        } else {
            let oldParts = Dictionary(old.partitions.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            let newParts = Dictionary(new.partitions.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            let oldDefault = old.partitions.first { $0.bound == .default && newParts[$0.name]?.bound == .default }?.name
            for p in new.partitions {
                if let o = oldParts[p.name] {
                    if o != p { changes.append(.rebound(name, p)) }
                } else {
                    changes.append(.addPartition(name, p, default: p.bound == .default ? nil : oldDefault))
                }
            }
            for p in old.partitions where newParts[p.name] == nil { changes.append(.dropPartition(p.name)) }
        }
        return changes
    }
}

/// Columns dropped and added again (a column becoming generated): whatever
/// reads one is dropped and built again with it.
struct ReplacedColumns {
    let names: Set<String>

    func reads(_ texts: [String?], columns: [String] = []) -> Bool {
        !names.isEmpty && (columns.contains(where: names.contains)
            || texts.contains { $0.map { t in names.contains { SQLText.mentions(t, identifier: $0) } } ?? false })
    }

    func readBy(_ i: Index) -> Bool {
        reads([i.predicate] + i.keys.map { k in if case .expression(let e) = k.target { e } else { nil } },
              columns: i.keys.compactMap(\.column) + i.include)
    }

    func readBy(_ c: TableConstraint) -> Bool {
        switch c {
        case .primaryKey(let k): reads([], columns: k.columns)
        case .unique(let u): reads([], columns: u.columns)
        case .check(let k): reads([k.expression])
        case .foreignKey(let f): reads([], columns: f.columns)
        case .exclusion(let x): reads([x.definition])
        }
    }

    func readBy(_ p: Policy) -> Bool { reads([p.using, p.withCheck]) }
    func readBy(_ t: Trigger) -> Bool { reads([t.when]) }
}

extension PostgresDiff {
    /// Changes found by comparing with a normalized desired schema, with every
    /// object they create put back as the definitions wrote it. The server's
    /// printed form is right for comparing but not always for re-running:
    /// printing `x IN ('a', 'b')` and reading it back does not give the same text.
    public static func asWritten(_ changes: [SchemaChange], in written: PostgresSchema) -> [SchemaChange] {
        let tables = Dictionary(written.tables.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let views = Dictionary(written.views.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let functions = Dictionary(written.functions.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func column(_ t: QualifiedName, _ c: Column) -> Column { tables[t]?.column(named: c.name) ?? c }
        return changes.map { change in
            switch change {
            case .createTable(let t): return .createTable(tables[t.name] ?? t)
            case .createView(let v): return .createView(views[v.name] ?? v)
            case .viewsAroundTypeChanges(let old, let new, let columns):
                return .viewsAroundTypeChanges(old: old, new: new.map { views[$0.name] ?? $0 }, columns: columns)
            case .createFunction(let f, let reads): return .createFunction(functions[f.name] ?? f, reads: reads)
            case .replaceFunction(let f, let reads): return .replaceFunction(functions[f.name] ?? f, reads: reads)
            case .replaceFunctionSignature(let old, let f): return .replaceFunctionSignature(old: old, new: functions[f.name] ?? f)
            case .replaceGeneratedColumn(let t, let c, let keepsData): return .replaceGeneratedColumn(t, column(t, c), keepsData: keepsData)
            case .rebound(let t, let p): return .rebound(t, tables[t]?.partitions.first { $0.name == p.name } ?? p)
            case .addColumn(let t, let c): return .addColumn(t, column(t, c))
            case .alterColumnType(let t, let c, let from): return .alterColumnType(t, column(t, c), from: from)
            case .setDefault(let t, let c, let sql):
                return .setDefault(t, c, sql: tables[t]?.column(named: c)?.defaultSQL ?? sql)
            case .createIndex(let t, let i, let newTable, let partitioned):
                return .createIndex(t, tables[t]?.indexes.first { $0.name == i.name } ?? i, newTable: newTable, partitioned: partitioned)
            case .addConstraint(let t, let c, let partitioned):
                guard let table = tables[t] else { return change }
                let original: TableConstraint? = switch c {
                case .primaryKey: table.primaryKey.map(TableConstraint.primaryKey)
                case .unique(let u): table.uniques.first { $0.name == u.name }.map(TableConstraint.unique)
                case .check(let k): table.checks.first { $0.name == k.name }.map(TableConstraint.check)
                case .foreignKey(let f): table.foreignKeys.first { $0.name == f.name }.map(TableConstraint.foreignKey)
                case .exclusion(let x): table.exclusions.first { $0.name == x.name }.map(TableConstraint.exclusion)
                }
                return .addConstraint(t, original ?? c, partitioned: partitioned)
            case .createPolicy(let t, let p): return .createPolicy(t, tables[t]?.policies.first { $0.name == p.name } ?? p)
            case .alterPolicy(let t, let p): return .alterPolicy(t, tables[t]?.policies.first { $0.name == p.name } ?? p)
            case .createTrigger(let t, let tr): return .createTrigger(t, tables[t]?.triggers.first { $0.name == tr.name } ?? tr)
            case .addPartition(let t, let p, let d):
                return .addPartition(t, tables[t]?.partitions.first { $0.name == p.name } ?? p, default: d)
            default: return change
            }
        }
    }
}

extension PostgresDiff {
    /// The renames among `changes`: new table name → name in the target, and
    /// per table (new name) new column name → name in the target.
    public static func renames(_ changes: [SchemaChange]) -> (tables: [QualifiedName: QualifiedName], columns: [QualifiedName: [String: String]]) {
        var tables: [QualifiedName: QualifiedName] = [:], columns: [QualifiedName: [String: String]] = [:]
        for change in changes {
            switch change {
            case .renameTable(let from, let to): tables[to] = from
            case .renameColumn(let t, let from, let to): columns[t, default: [:]][to] = from
            default: break
            }
        }
        return (tables, columns)
    }
}

extension PostgresDiff {
    /// Views created, dropped, changed in place, and dropped and created again:
    /// when their query changes, when they read a column whose type changes
    /// (PostgreSQL refuses to retype it under them), and when they read a view
    /// that is dropped and created again. What a view reads comes from the
    /// database's own record where there is one, else from its text.
    static func viewChanges(_ current: PostgresSchema, _ desired: PostgresSchema, changes: [SchemaChange],
                            renamedTables: [QualifiedName: QualifiedName]) -> [SchemaChange] {
        var out: [SchemaChange] = []
        let currentViews = Dictionary(current.views.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let desiredViews = Dictionary(desired.views.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        // Columns retyped, and columns replaced, by their names in the target.
        let toCurrentTable = Dictionary(renamedTables.map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let renamedColumns = renames(changes).columns
        // Retyped: name in the target → name after the migration (the planner's).
        var retyped: [ColumnName: ColumnName] = [:], replaced = Set<ColumnName>()
        for change in changes {
            switch change {
            case .alterColumnType(let t, let c, _):
                retyped[ColumnName(toCurrentTable[t] ?? t, renamedColumns[t]?[c.name] ?? c.name)] = ColumnName(t, c.name)
            case .replaceGeneratedColumn(let t, let c, _):
                replaced.insert(ColumnName(toCurrentTable[t] ?? t, renamedColumns[t]?[c.name] ?? c.name))
            case .dropColumn(let t, let c):
                // A view the definitions keep over a column (or a table) that goes reads what takes its name, once made again.
                replaced.insert(ColumnName(toCurrentTable[t] ?? t, c))
            case .dropTable(let t):
                replaced.insert(ColumnName(t, nil))
            default: break
            }
        }
        func reads(_ v: View, _ column: ColumnName) -> Bool {
            if let recorded = current.viewReads[v.name] {
                return recorded.contains(column) || column.column == nil && recorded.contains { $0.relation == column.relation }
            }
            guard SQLText.mentions(v.query, identifier: column.relation.name) else { return false }
            return column.column.map { SQLText.mentions(v.query, identifier: $0) } ?? true
        }
        /// `seed` and every view that reads one of them, however indirectly.
        func withReaders(_ seed: Set<QualifiedName>) -> Set<QualifiedName> {
            var all = seed, grew = true
            while grew {
                grew = false
                for v in current.views where !all.contains(v.name) && all.contains(where: { reads(v, ColumnName($0, nil)) }) {
                    all.insert(v.name)
                    grew = true
                }
            }
            return all
        }
        let changed = Set(desired.views.compactMap { v in
            currentViews[v.name].flatMap { old in old.query != v.query || old.materialized != v.materialized ? v.name : nil }
        })
        let readsReplaced = Set(current.views.filter { v in replaced.contains { reads(v, $0) } }.map(\.name))
        let gone = Set(current.views.map(\.name)).subtracting(desiredViews.keys)
        var recreated = withReaders(changed.union(readsReplaced).union(gone))
        var aroundRetype = withReaders(Set(current.views.filter { v in retyped.keys.contains { reads(v, $0) } }.map(\.name)))
        // One group when they touch: a view cannot be both out and in.
        if !aroundRetype.isDisjoint(with: recreated) {
            aroundRetype.formUnion(recreated)
            recreated = []
        }
        let dropOrder = PostgresPlanner.viewOrder(current.views).reversed()
        let createOrder = PostgresPlanner.viewOrder(desired.views)
        if !aroundRetype.isEmpty {
            let columns = retyped.filter { c, _ in current.views.contains { aroundRetype.contains($0.name) && reads($0, c) } }
            out.append(.viewsAroundTypeChanges(old: dropOrder.filter { aroundRetype.contains($0.name) },
                                               new: createOrder.filter { aroundRetype.contains($0.name) },
                                               columns: Set(columns.values)))
        }
        for v in dropOrder where recreated.contains(v.name) { out.append(.dropView(v)) }
        for v in createOrder {
            guard !aroundRetype.contains(v.name) else { continue }
            guard let old = currentViews[v.name], !recreated.contains(v.name) else { out.append(.createView(v)); continue }
            if old.securityInvoker != v.securityInvoker && !v.materialized { out.append(.setViewSecurityInvoker(v.name, v.securityInvoker)) }
            if old.comment != v.comment {
                let kind = v.materialized ? "MATERIALIZED VIEW" : "VIEW"
                out.append(.comment(object: "\(kind) \(SQL.qualified(v.name))", target: v.name.description, text: v.comment))
            }
            out += grantChanges(v.name, old.grants, v.grants)
            out += matviewIndexChanges(old, v)
        }
        return out
    }

    /// The indexes of a materialized view kept as it is: a changed one is
    /// dropped and built again, as a table's is.
    static func matviewIndexChanges(_ old: View, _ new: View) -> [SchemaChange] {
        guard !old.indexes.isEmpty || !new.indexes.isEmpty else { return [] }
        let oldByName = Dictionary(old.indexes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let newByName = Dictionary(new.indexes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [SchemaChange] = []
        for i in old.indexes where newByName[i.name] != i {
            out.append(.dropIndex(QualifiedName(schema: old.name.schema, name: i.name), partitioned: false))
        }
        for i in new.indexes where oldByName[i.name] != i {
            out.append(.createIndex(new.name, i, newTable: false, partitioned: false))
            if let c = i.comment {
                let name = QualifiedName(schema: new.name.schema, name: i.name)
                out.append(.comment(object: "INDEX \(SQL.qualified(name))", target: name.description, text: c))
            }
        }
        return out
    }
}

extension PostgresDiff {
    /// `table` as PostgreSQL has it after `RENAME COLUMN from TO to`.
    static func renamingColumn(_ table: Table, from: String, to: String) -> Table {
        var t = table
        func text(_ s: String?) -> String? { s.map { SQLText.renaming($0, from: from, to: to) } }
        func column(_ c: String) -> String { c == from ? to : c }
        t.indexes = t.indexes.map { i in
            var i = i
            i.keys = i.keys.map { k in
                var k = k
                switch k.target {
                case .column(let c): k.target = .column(column(c))
                case .expression(let e): k.target = .expression(text(e)!)
                }
                return k
            }
            i.predicate = text(i.predicate)
            i.include = i.include.map(column)
            return i
        }
        t.checks = t.checks.map { var c = $0; c.expression = text(c.expression)!; return c }
        t.policies = t.policies.map { var p = $0; p.using = text(p.using); p.withCheck = text(p.withCheck); return p }
        t.triggers = t.triggers.map { var tr = $0; tr.when = text(tr.when); return tr }
        return t
    }
}

extension PostgresDiff {
    /// Identity sequences of renamed tables and columns: a fresh database
    /// would name them after the new names.
    static func sequenceRenames(_ desired: PostgresSchema, _ currentTables: [QualifiedName: Table],
                                renamedTables: [QualifiedName: QualifiedName], changes: [SchemaChange]) -> [SchemaChange] {
        let oldTableName = Dictionary(renamedTables.map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let oldColumnName = renames(changes).columns
        var out: [SchemaChange] = []
        for t in desired.tables {
            guard let current = currentTables[t.name] else { continue }
            let table = oldTableName[t.name] ?? t.name
            for c in t.columns where c.identity != nil {
                let column = oldColumnName[t.name]?[c.name] ?? c.name
                guard current.column(named: column)?.identity != nil, table.name != t.name.name || column != c.name else { continue }
                out.append(.renameSequence(table: t.name, column: c.name, from: Identifier.derived(table.name, column, label: "seq"),
                                           to: Identifier.derived(t.name.name, c.name, label: "seq")))
            }
        }
        return out
    }
}
