import SchemacMigrate
import SchemacModel

/// A plan checked and reordered against the target's own dependency graph
/// (`pg_depend`): the phases put kinds of change in an order that holds for
/// what the definitions say, but only the server knows that this function
/// calls that one, or that a table of a schema the definitions leave alone
/// has a foreign key to a table the plan drops.
///
/// For each normal dependency of an object D on an object R that the plan
/// drops, D must be gone (dropped, or made again without it) before R goes:
/// - a drop of D that comes later moves to just before R's drop, unless
///   something between them still names D; then R's drop waits for D's;
/// - a foreign key the plan keeps is dropped just before and added again at
///   the end, once the keys it references are there;
/// - what the plan cannot drop (D is not in the definitions' reach, or is
///   kept as it is) is named: the plan is refused rather than left to fail.
/// A drop that frees a name a new relation takes moves before its creation.
public enum DependencyOrder {
    public struct Result {
        public var plan: MigrationPlan
        /// What stops the plan, one sentence each.
        public var blocked: [String]
    }

    /// Whether `plan` removes anything: only then does the server's graph
    /// reorder it or stop it, so a plan that only adds needs no graph (at
    /// 10,000 tables, reading it costs about two seconds).
    public static func needsGraph(_ plan: MigrationPlan) -> Bool {
        plan.statements.contains { Entry.effects(of: $0).contains { $0.removes } }
    }

    public static func apply(_ plan: MigrationPlan, _ dependencies: ServerDependencies) -> Result {
        guard needsGraph(plan) else { return Result(plan: plan, blocked: []) }
        var entries = plan.sections.enumerated().flatMap { index, section in
            section.statements.map { Entry(section: index, statement: $0) }
        }
        freeNames(&entries, dependencies)
        let (blocked, readded) = reorder(&entries, dependencies)
        var out = sections(entries, of: plan)
        out.append("Foreign keys dropped above while the keys they reference changed, added again", readded)
        return Result(plan: out, blocked: blocked)
    }

    /// Moves and adds statements until every normal dependency on a dropped
    /// object is gone before it; returns what stops the plan and the foreign
    /// keys to add back at the end. A move per pass, at most twice as many
    /// passes as statements (a cycle the moves cannot break stops there).
    static func reorder(_ entries: inout [Entry], _ dependencies: ServerDependencies) -> (blocked: [String], readded: [PlannedStatement]) {
        var blocked: [String] = [], readded: [PlannedStatement] = [], droppedKeys = Set<CatalogObject>()
        var moves = 0
        outer: while moves <= 2 * entries.count {
            let removedAt = firstRemovals(entries), resetAt = firstResets(entries)
            func removal(_ o: CatalogObject) -> Int? { dependencies.ownerChain(o).compactMap { removedAt[$0] }.min() }
            func change(_ o: CatalogObject) -> Int? {
                ([resetAt[o]] + dependencies.ownerChain(o).map { removedAt[$0] }).compactMap { $0 }.min()
            }
            blocked = []
            for edge in dependencies.edges {
                guard let i = removal(edge.referenced) else { continue }
                if let j = change(edge.dependent), j < i { continue }
                if let j = removal(edge.dependent), j > i {
                    // A key of a table dropped later goes first on its own: two tables whose keys reference each other go in any order.
                    if edge.dependent.kind == .constraint, removedAt[edge.dependent] == nil {
                        entries.insert(Entry(section: entries[i].section, statement: dropConstraint(edge.dependent)), at: i)
                        moves += 1
                        continue outer
                    }
                    if move(&entries, from: j, before: i) || move(&entries, from: i, after: j) {
                        moves += 1
                        continue outer
                    }
                    continue
                }
                if change(edge.dependent) != nil { continue }  // made again after: the server's order for it is the phases'
                if !dependencies.unmanaged.contains(edge.dependent), edge.dependent.kind == .constraint,
                   let definition = dependencies.foreignKeys[edge.dependent], droppedKeys.insert(edge.dependent).inserted {
                    let (drop, add) = foreignKeyAround(edge.dependent, definition, partitioned: dependencies.partitioned.contains(edge.dependent))
                    entries.insert(Entry(section: entries[i].section, statement: drop), at: i)
                    readded += add
                    moves += 1
                    continue outer
                }
                if droppedKeys.contains(edge.dependent) { continue }
                blocked.append(blockedDrop(edge, unmanaged: dependencies.unmanaged.contains(edge.dependent)))
            }
            break
        }
        return (Array(Set(blocked)).sorted(), readded)
    }

    static func blockedDrop(_ edge: ServerDependencies.Edge, unmanaged: Bool) -> String {
        let why = unmanaged ? "which the definitions do not manage (another schema, or a kind schemac does not hold)"
            : "which the plan keeps as it is"
        return "\(edge.referenced) cannot be dropped: \(edge.dependent) depends on it, \(why); "
            + "drop or change it first, or keep \(edge.referenced.name) in the definitions"
    }

    /// The statements back into titled sections: consecutive statements of one section stay one.
    static func sections(_ entries: [Entry], of plan: MigrationPlan) -> MigrationPlan {
        var out = MigrationPlan()
        var start = 0
        while start < entries.count {
            var end = start
            while end < entries.count, entries[end].section == entries[start].section { end += 1 }
            let section = plan.sections[entries[start].section]
            out.append(section.title, entries[start..<end].map(\.statement), atomic: section.atomic)
            start = end
        }
        return out
    }

    /// What a statement does to the objects the dependency graph names.
    struct Effect: Hashable {
        var object: CatalogObject
        /// Gone, rather than made again in place (CREATE OR REPLACE, a new default).
        var removes: Bool
    }

    struct Entry {
        var section: Int
        var statement: PlannedStatement
        var effects: [Effect]

        init(section: Int, statement: PlannedStatement) {
            self.section = section
            self.statement = statement
            effects = Self.effects(of: statement)
        }

        static func effects(of s: PlannedStatement) -> [Effect] {
            func gone(_ k: CatalogObject.Kind) -> [Effect] { [Effect(object: CatalogObject(k, s.target), removes: true)] }
            func again(_ k: CatalogObject.Kind) -> [Effect] { [Effect(object: CatalogObject(k, s.target), removes: false)] }
            switch s.kind {
            case .dropFunction: return gone(.function)
            case .dropView, .dropTable, .dropIndex, .dropSequence: return gone(.relation)
            case .dropConstraint: return gone(.constraint)
            case .dropTrigger: return gone(.trigger)
            case .dropPolicy: return gone(.policy)
            case .dropEnum, .dropDomain: return gone(.type)
            case .dropColumn, .replaceColumn: return gone(.column) + gone(.columnDefault)
            case .dropDefault: return gone(.columnDefault)
            case .setDefault: return again(.columnDefault)
            case .alterColumnType: return again(.column)
            case .createFunction: return again(.function)
            case .createView: return again(.relation)
            case .alterPolicy: return again(.policy)
            default: return []
            }
        }

        /// A plain drop that may run earlier or later than its phase puts it.
        var movable: Bool { !effects.isEmpty && effects.allSatisfy(\.removes) }
    }

    static func firstRemovals(_ entries: [Entry]) -> [CatalogObject: Int] {
        var out: [CatalogObject: Int] = [:]
        for (i, e) in entries.enumerated() { for effect in e.effects where effect.removes && out[effect.object] == nil { out[effect.object] = i } }
        return out
    }

    static func firstResets(_ entries: [Entry]) -> [CatalogObject: Int] {
        var out: [CatalogObject: Int] = [:]
        for (i, e) in entries.enumerated() { for effect in e.effects where out[effect.object] == nil { out[effect.object] = i } }
        return out
    }

    /// Whether a statement names the object or one of its parts.
    static func touches(_ s: PlannedStatement, _ name: String) -> Bool { s.target == name || s.target.hasPrefix(name + ".") }

    /// The drop at `j` run just before `i`, if nothing between them names what it drops.
    static func move(_ entries: inout [Entry], from j: Int, before i: Int) -> Bool {
        guard j > i, entries[j].movable else { return false }
        let name = entries[j].statement.target
        guard !entries[i..<j].contains(where: { touches($0.statement, name) }) else { return false }
        var entry = entries.remove(at: j)
        entry.section = entries[i].section
        entries.insert(entry, at: i)
        return true
    }

    /// The drop at `i` run just after `j`, if nothing between them names what it drops.
    static func move(_ entries: inout [Entry], from i: Int, after j: Int) -> Bool {
        guard j > i, entries[i].movable else { return false }
        let name = entries[i].statement.target
        guard !entries[(i + 1)...j].contains(where: { touches($0.statement, name) }) else { return false }
        var entry = entries.remove(at: i)
        entry.section = entries[j - 1].section
        entries.insert(entry, at: j)
        return true
    }

    /// A drop of a relation whose name a new table, view, index or sequence
    /// takes goes before that creation: the names share one namespace.
    /// (A partition goes with its table: a drop of the table frees the partition's name.)
    static func freeNames(_ entries: inout [Entry], _ dependencies: ServerDependencies) {
        let creates: Set<StatementKind> = [.createTable, .createView, .createIndex, .createSequence, .createPartition]
        var i = 0
        while i < entries.count {
            defer { i += 1 }
            guard creates.contains(entries[i].statement.kind) else { continue }
            let holders = Set(dependencies.ownerChain(CatalogObject(.relation, entries[i].statement.target)))
            guard let j = entries.indices.first(where: { $0 > i && entries[$0].movable && entries[$0].effects.contains { holders.contains($0.object) } })
            else { continue }
            var entry = entries.remove(at: j)
            entry.section = entries[i].section
            entries.insert(entry, at: i)
            i += 1
        }
    }

    static func dropConstraint(_ key: CatalogObject) -> PlannedStatement {
        let parts = key.name.split(separator: ".", maxSplits: 2).map(String.init)
        let table = SQL.qualified(QualifiedName(schema: parts[0], name: parts[1]))
        return PlannedStatement(kind: .dropConstraint, target: key.name, sql: "ALTER TABLE \(table) DROP CONSTRAINT \(SQL.identifier(parts[2]));")
    }

    /// A foreign key dropped for a moment, and added again as the server
    /// printed it: NOT VALID, then validated without blocking writes (at once
    /// on a partitioned table, which has no NOT VALID keys).
    static func foreignKeyAround(_ key: CatalogObject, _ definition: String, partitioned: Bool) -> (PlannedStatement, [PlannedStatement]) {
        let parts = key.name.split(separator: ".", maxSplits: 2).map(String.init)
        let table = SQL.qualified(QualifiedName(schema: parts[0], name: parts[1])), name = SQL.identifier(parts[2])
        let drop = dropConstraint(key)
        let add = "ALTER TABLE \(table) ADD CONSTRAINT \(name) \(definition)"
        if partitioned { return (drop, [PlannedStatement(kind: .addForeignKey, target: key.name, sql: add + ";", hazards: [.validation, .longLock])]) }
        return (drop, [
            PlannedStatement(kind: .addForeignKey, target: key.name, sql: add + " NOT VALID;"),
            PlannedStatement(kind: .addConstraint, target: key.name, sql: "ALTER TABLE \(table) VALIDATE CONSTRAINT \(name);", hazards: [.validation]),
        ])
    }
}

/// What the target's default privileges give a table, view or sequence the
/// plan creates is taken back at once, before the definitions' own grants:
/// the definitions say who may do what, and a second diff finds nothing.
public enum DefaultPrivilegeRevokes {
    public static func apply(_ plan: MigrationPlan, _ grantees: [ServerDependencies.DefaultGrantee]) -> MigrationPlan {
        guard !grantees.isEmpty else { return plan }
        var out = plan
        for s in out.sections.indices {
            out.sections[s].statements = out.sections[s].statements.flatMap { statement -> [PlannedStatement] in
                let type: String, word: String
                switch statement.kind {
                case .createTable, .createPartition, .createView: (type, word) = ("r", "TABLE")
                case .createSequence: (type, word) = ("S", "SEQUENCE")
                default: return [statement]
                }
                let schema = statement.target.split(separator: ".", maxSplits: 1).first.map(String.init)
                let name = QualifiedName(schema: schema ?? "public", name: String(statement.target.dropFirst((schema?.count ?? 0) + 1)))
                let roles = Set(grantees.filter { $0.objectType == type && ($0.schema == nil || $0.schema == schema) }.map(\.role)).sorted()
                return [statement] + roles.map { role in
                    PlannedStatement(kind: .revoke, target: statement.target,
                                     sql: "REVOKE ALL ON \(word) \(SQL.qualified(name)) FROM \(role == "PUBLIC" ? role : SQL.identifier(role));")
                }
            }
        }
        return out
    }
}
