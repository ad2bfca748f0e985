import SchemacMigrate
import SchemacModel

/// What the server builds so that it prints the desired schema's text: for each
/// piece of text, the least context it is printed in.
///
/// - A default cannot refer to a column, so how it prints depends only on its
///   text and the column's type: each distinct (type, text) is one column of a
///   defaults table.
/// - A check, a generation expression, an index with expression keys or a
///   predicate, a policy and a trigger condition can refer only to columns of
///   their own table: each is built on a context table that holds just the
///   columns its text names, with the same names and types. Equal text in an
///   equal context prints equally, so it is built once: across a thousand
///   tenant tables the tenant policy is built once, not a thousand times.
/// - A table whose text names a relation (a subquery, a whole-row reference, a
///   regclass literal) is built in place, under its own name and with all it
///   holds, as are the relations its text names, partitioned tables, and the
///   tables view bodies and function signatures name. Views are built as they
///   are, enums and functions too.
///
/// What a text names is read conservatively, word by word (`SQLWords`): a word
/// that only looks like a column adds a column to the context, never removes one.
struct ScratchBuild {
    /// A piece of text in the desired schema (under scratch names).
    struct Item: Hashable {
        enum Kind: Hashable { case defaultValue, generated, check, exclusion, index, policy, trigger }
        var table: QualifiedName
        var kind: Kind
        var name: String
    }

    /// Where the server prints an item: the object `name` of the relation `table`.
    struct Slot: Hashable {
        var table: QualifiedName
        var name: String
    }

    /// One statement of the build, and the steps it is replayed as when the
    /// server refuses the whole, so that one refusal costs one object.
    struct Statement {
        var sql: String
        var steps: [Step]
    }

    struct Step {
        var sql: String
        /// The object it stands for, for people.
        var target: String
    }

    private(set) var statements: [Statement] = []
    private(set) var slots: [Item: Slot] = [:]

    private let contextSchema: String
    private struct DefaultKey: Hashable {
        var type: PostgresType
        var sql: String
    }

    private var defaultColumns: [DefaultKey: Slot] = [:]
    private var defaultTables: [(name: QualifiedName, columns: [(sql: String, target: String)])] = []
    private var contexts: [[Column]: Int] = [:]
    private var contextTables: [ContextTable] = []

    /// What a context table holds, as the server would be asked to build it.
    private enum Built: Hashable {
        case generated(PostgresType, String)
        case check(String)
        case exclusion(String)
        case index(Index)
        case policy(Policy)
        case trigger(Trigger)
    }

    private struct ContextTable {
        var name: QualifiedName
        var columns: [Column]
        var generated: [(column: String, sql: String, target: String)] = []
        var checks: [(name: String, sql: String, target: String)] = []
        var objects: [Step] = []  // indexes, policies, triggers
        var built: [Built: String] = [:]  // what is built → its object name
        var names: Set<String>

        init(name: QualifiedName, columns: [Column]) {
            self.name = name
            self.columns = columns
            names = Set(columns.map(\.name))
        }

        /// A name for a new object, clear of the context's column names.
        mutating func fresh(_ prefix: String) -> String {
            var name = "\(prefix)\(built.count + 1)"
            while names.contains(name) { name += "_" }
            names.insert(name)
            return name
        }
    }

    init(_ shadow: PostgresSchema, contextSchema: String) {
        self.contextSchema = contextSchema
        var relations = Set<String>()
        for t in shadow.tables {
            relations.insert(t.name.name)
            t.partitions.forEach { relations.insert($0.name.name) }
        }
        shadow.views.forEach { relations.insert($0.name.name) }
        let parentOfPartition = Dictionary(shadow.tables.flatMap { t in t.partitions.map { ($0.name.name, t.name.name) } },
                                           uniquingKeysWith: { a, _ in a })
        func named(_ words: Set<String>) -> Set<String> {
            Set(words.intersection(relations).map { parentOfPartition[$0] ?? $0 })
        }

        // Which tables are built in place.
        var tableWords: [[Set<String>]] = []
        var inPlace = Set<String>()
        for t in shadow.tables {
            let texts = Self.texts(of: t)
            let words = texts.map(SQLWords.of)
            tableWords.append(words)
            let all = words.reduce(into: Set<String>()) { $0.formUnion($1) }
            let mentioned = named(all)
            if !mentioned.isEmpty || all.contains("select") || t.partitioning != nil || !t.partitions.isEmpty {
                inPlace.insert(t.name.name)
            }
            inPlace.formUnion(mentioned)
            // A default cannot hold a subquery or a column: only a literal
            // (`'orgs'::regclass`) can name a relation there.
            for c in t.columns { if let d = c.defaultSQL, d.utf8.contains(0x27) { inPlace.formUnion(named(SQLWords.of(d))) } }
        }
        for v in shadow.views { inPlace.formUnion(named(SQLWords.of(v.query))) }
        for f in shadow.functions {
            // A SQL-standard body is parsed at once: what it reads is built first.
            inPlace.formUnion(named(SQLWords.of(f.arguments + " " + f.returns + (f.isStandardBody ? " " + f.body : ""))))
        }

        // The in-place part is planned as a fresh database would be, with what
        // carries no text left out.
        var subset = shadow
        subset.schemas = shadow.schemas + [contextSchema]
        subset.enums = shadow.enums.map { var e = $0; e.comment = nil; return e }
        subset.domains = shadow.domains.map { var d = $0; d.comment = nil; return d }
        // A serial's default names its sequence: built so that the default prints.
        subset.sequences = shadow.sequences.map { var q = $0; q.ownedBy = nil; q.comment = nil; return q }
        subset.functions = shadow.functions.map { var f = $0; f.comment = nil; return f }
        subset.views = shadow.views.map { var v = $0; v.comment = nil; v.grants = []; return v }
        subset.tables = shadow.tables.filter { inPlace.contains($0.name.name) }.map { t in
            var t = t
            t.comment = nil
            t.columns = t.columns.map { var c = $0; c.comment = nil; return c }
            t.uniques = []
            t.foreignKeys = []
            t.indexes = t.indexes.filter(Self.carriesText).map { var i = $0; i.comment = nil; return i }
            t.triggers = t.triggers.filter { $0.when != nil }
            t.rowLevelSecurity = false
            t.forceRowLevelSecurity = false
            t.grants = []
            return t
        }
        for s in PostgresPlanner.plan(PostgresDiff.changes(from: .empty, to: subset)).statements {
            statements.append(Statement(sql: s.sql, steps: [Step(sql: s.sql, target: s.target)]))
        }
        for t in subset.tables {
            for c in t.columns {
                if c.defaultSQL != nil { slots[Item(table: t.name, kind: .defaultValue, name: c.name)] = Slot(table: t.name, name: c.name) }
                if c.generated != nil { slots[Item(table: t.name, kind: .generated, name: c.name)] = Slot(table: t.name, name: c.name) }
            }
            for c in t.checks { slots[Item(table: t.name, kind: .check, name: c.name)] = Slot(table: t.name, name: c.name) }
            for x in t.exclusions { slots[Item(table: t.name, kind: .exclusion, name: x.name)] = Slot(table: t.name, name: x.name) }
            for i in t.indexes { slots[Item(table: t.name, kind: .index, name: i.name)] = Slot(table: t.name, name: i.name) }
            for p in t.policies { slots[Item(table: t.name, kind: .policy, name: p.name)] = Slot(table: t.name, name: p.name) }
            for tr in t.triggers { slots[Item(table: t.name, kind: .trigger, name: tr.name)] = Slot(table: t.name, name: tr.name) }
        }

        for (t, words) in zip(shadow.tables, tableWords) where !inPlace.contains(t.name.name) {
            placeInContexts(t, words: words)
        }
        emitContextStatements()
    }

    /// Every text of a table that is printed in the table's context, in the
    /// order `placeInContexts` reads them.
    private static func texts(of t: Table) -> [String] {
        var texts: [String] = []
        for c in t.columns { if let g = c.generated { texts.append(g) } }
        for c in t.checks { texts.append(c.expression) }
        for x in t.exclusions { texts.append(x.definition) }
        for i in t.indexes where carriesText(i) {
            texts.append((i.keys.compactMap { k -> String? in
                if case .expression(let e) = k.target { return e }
                return nil
            } + [i.predicate ?? ""]).joined(separator: " "))
        }
        for p in t.policies { texts.append((p.using ?? "") + " " + (p.withCheck ?? "")) }
        for tr in t.triggers { if let w = tr.when { texts.append(w) } }
        return texts
    }

    static func carriesText(_ i: Index) -> Bool {
        i.predicate != nil || i.keys.contains { if case .expression = $0.target { return true } else { return false } }
    }

    private mutating func placeInContexts(_ t: Table, words allWords: [Set<String>]) {
        var words = allWords.makeIterator()
        func context(_ w: Set<String>, also extra: [String] = []) -> Int {
            // Only names and types matter to how text prints.
            let plain = t.columns.filter { w.contains($0.name) || extra.contains($0.name) }.map { c in
                Column(name: c.name, type: c.type, nullable: true)
            }
            if let k = contexts[plain] { return k }
            contextTables.append(ContextTable(name: QualifiedName(schema: contextSchema, name: "x\(contextTables.count + 1)"), columns: plain))
            contexts[plain] = contextTables.count - 1
            return contextTables.count - 1
        }
        func describe(_ what: String, _ name: String) -> String { "\(what) \(name) of \(t.name.schema).\(t.name.name)" }

        for c in t.columns {
            if let d = c.defaultSQL, c.generated == nil { placeDefault(t.name, c, d, target: describe("default of column", c.name)) }
        }
        for c in t.columns {
            guard let g = c.generated else { continue }
            build(.generated, c.name, of: t.name, in: context(words.next()!), as: .generated(c.type, g), prefix: "g") { name, ctx in
                ctx.generated.append((name, "\(SQL.identifier(name)) \(c.type.sql) GENERATED ALWAYS AS (\(g)) STORED",
                                      describe("generated column", c.name)))
            }
        }
        for c in t.checks {
            build(.check, c.name, of: t.name, in: context(words.next()!), as: .check(c.expression), prefix: "c") { name, ctx in
                ctx.checks.append((name, DDL.check(CheckConstraint(name: name, expression: c.expression)), describe("check", c.name)))
            }
        }
        for x in t.exclusions {
            // Its index shares the schema's namespace with the context tables.
            build(.exclusion, x.name, of: t.name, in: context(words.next()!), as: .exclusion(x.definition),
                  prefix: "\(contextTables.count)_x") { name, ctx in
                ctx.objects.append(Step(sql: "ALTER TABLE \(SQL.qualified(ctx.name)) ADD \(DDL.exclusion(ExclusionConstraint(name: name, definition: x.definition)));",
                                        target: describe("exclusion", x.name)))
            }
        }
        for i in t.indexes where Self.carriesText(i) {
            let k = context(words.next()!, also: i.keys.compactMap(\.column) + i.include)
            var probe = i
            probe.name = ""
            probe.comment = nil
            // Index names share the schema's namespace with tables.
            build(.index, i.name, of: t.name, in: k, as: .index(probe), prefix: "\(contextTables[k].name.name)_i") { name, ctx in
                probe.name = name
                ctx.objects.append(Step(sql: DDL.createIndex(probe, on: ctx.name), target: describe("index", i.name)))
            }
        }
        for p in t.policies {
            var probe = p
            probe.name = ""
            probe.roles = []
            build(.policy, p.name, of: t.name, in: context(words.next()!), as: .policy(probe), prefix: "p") { name, ctx in
                probe.name = name
                ctx.objects.append(Step(sql: DDL.createPolicy(probe, on: ctx.name), target: describe("policy", p.name)))
            }
        }
        for tr in t.triggers where tr.when != nil {
            var probe = tr
            probe.name = ""
            probe.arguments = []
            build(.trigger, tr.name, of: t.name, in: context(words.next()!), as: .trigger(probe), prefix: "t") { name, ctx in
                probe.name = name
                ctx.objects.append(Step(sql: DDL.createTrigger(probe, on: ctx.name), target: describe("trigger", tr.name)))
            }
        }
    }

    /// Places the item `name` of `table` on context table `k`: on the object
    /// built there for `key`, or on a new one that `add` builds under a fresh name.
    private mutating func build(_ kind: Item.Kind, _ name: String, of table: QualifiedName, in k: Int, as key: Built, prefix: String,
                                _ add: (String, inout ContextTable) -> Void) {
        let object: String
        if let built = contextTables[k].built[key] {
            object = built
        } else {
            object = contextTables[k].fresh(prefix)
            contextTables[k].built[key] = object
            add(object, &contextTables[k])
        }
        slots[Item(table: table, kind: kind, name: name)] = Slot(table: contextTables[k].name, name: object)
    }

    private mutating func placeDefault(_ table: QualifiedName, _ c: Column, _ d: String, target: @autoclosure () -> String) {
        let key = DefaultKey(type: c.type, sql: d)
        let slot = defaultColumns[key] ?? {
            // A table holds at most 1,600 columns.
            if defaultTables.isEmpty || defaultTables[defaultTables.count - 1].columns.count == 1000 {
                defaultTables.append((QualifiedName(schema: contextSchema, name: "d\(defaultTables.count + 1)"), []))
            }
            let last = defaultTables.count - 1
            let name = "d\(defaultTables[last].columns.count + 1)"
            defaultTables[last].columns.append(("\(SQL.identifier(name)) \(c.type.sql) DEFAULT \(d)", target()))
            let slot = Slot(table: defaultTables[last].name, name: name)
            defaultColumns[key] = slot
            return slot
        }()
        slots[Item(table: table, kind: .defaultValue, name: c.name)] = slot
    }

    private mutating func emitContextStatements() {
        for (name, columns) in defaultTables {
            let table = SQL.qualified(name)
            statements.append(Statement(
                sql: "CREATE TABLE \(table) (\(columns.map(\.sql).joined(separator: ", ")));",
                steps: [Step(sql: "CREATE TABLE \(table) ();", target: table)]
                    + columns.map { Step(sql: "ALTER TABLE \(table) ADD COLUMN \($0.sql);", target: $0.target) }))
        }
        for ctx in contextTables {
            let table = SQL.qualified(ctx.name)
            let columns = ctx.columns.map(DDL.columnDefinition)
            let items = columns + ctx.generated.map(\.sql) + ctx.checks.map(\.sql)
            statements.append(Statement(
                sql: "CREATE TABLE \(table) (\(items.joined(separator: ", ")));",
                steps: [Step(sql: "CREATE TABLE \(table) (\(columns.joined(separator: ", ")));", target: table)]
                    + ctx.generated.map { Step(sql: "ALTER TABLE \(table) ADD COLUMN \($0.sql);", target: $0.target) }
                    + ctx.checks.map { Step(sql: "ALTER TABLE \(table) ADD \($0.sql);", target: $0.target) }))
            for object in ctx.objects { statements.append(Statement(sql: object.sql, steps: [object])) }
        }
    }
}

/// The words of SQL text, as names: unquoted words folded to lower case as
/// PostgreSQL folds them, double-quoted identifiers as written. Literals are
/// read as words too: `'orgs'::regclass` names a relation.
enum SQLWords {
    static func of(_ text: String) -> Set<String> {
        var words = Set<String>()
        var bytes = Array(text.utf8)
        bytes.append(0x20)
        var i = 0
        func isWordStart(_ b: UInt8) -> Bool {
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x5F || b >= 0x80
        }
        func isWord(_ b: UInt8) -> Bool { isWordStart(b) || (b >= 0x30 && b <= 0x39) || b == 0x24 }
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x22 {  // "quoted identifier", "" inside stands for "
                var name: [UInt8] = []
                i += 1
                while i < bytes.count {
                    if bytes[i] == 0x22 {
                        if i + 1 < bytes.count, bytes[i + 1] == 0x22 { name.append(0x22); i += 2; continue }
                        break
                    }
                    name.append(bytes[i])
                    i += 1
                }
                words.insert(String(decoding: name, as: UTF8.self))
                i += 1
            } else if isWordStart(b) {
                var j = i
                while j < bytes.count, isWord(bytes[j]) { j += 1 }
                let word = bytes[i..<j].map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
                words.insert(String(decoding: word, as: UTF8.self))
                i = j
            } else {
                i += 1
            }
        }
        return words
    }
}
