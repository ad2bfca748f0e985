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
///   their own table: each is built in a context that holds just the columns
///   its text names, with the same names and types. Equal text in an equal
///   context prints equally, so it is built once: across a thousand tenant
///   tables the tenant policy is built once, not a thousand times.
/// - Contexts share scratch tables wherever no text would see a column its
///   own table lacks (`ScratchTable.admits`): a thousand checks that each name
///   their own column are one table, not a thousand (a table costs the server
///   as much as a thousand checks).
/// - The predicate of an index on plain columns is printed as a check (the
///   server keeps and prints both alike; a bare `true` it drops from an
///   index), and what only an index refuses (a function that is not
///   immutable) is found by one index over many predicates: an index costs
///   the server as much as a table.
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

    /// Where the server prints an item: the object `name` of the relation
    /// `table`; an index predicate printed as a check says so.
    struct Slot: Hashable {
        var table: QualifiedName
        var name: String
        var asCheck = false
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
    /// Items whose printed texts were known from an earlier run, with them.
    private(set) var known: [Item: [String?]] = [:]
    /// The key of each item built here, under which its printed texts are kept.
    private(set) var keys: [Item: String] = [:]
    /// Printed texts of earlier runs, by key; and the key of a placement
    /// from its scratch spelling (the scratch schemas named as the real ones).
    private let printedBefore: [String: [String?]]
    private let realKey: (String) -> String

    private let contextSchema: String
    private struct DefaultKey: Hashable {
        var type: PostgresType
        var sql: String
    }

    private var defaultColumns: [DefaultKey: Slot] = [:]
    private var defaultTables: [(name: QualifiedName, columns: [(sql: String, target: String)])] = []

    /// What a scratch table holds, as the server would be asked to build it.
    private enum Built {
        case generated(PostgresType, String)
        case check(String)
        case predicate(String)
        case exclusion(String)
        case index(Index)
        case policy(Policy)
        case trigger(Trigger)
    }

    /// A text's context (the columns of its table that it names) and what is built for it.
    private struct Placement {
        var context: [Column]
        var built: Built

        /// The placement as text, under which what the server printed for it is kept between runs.
        var key: String {
            let columns = context.map { "\(SQL.identifier($0.name)) \($0.type.sql)" }.joined(separator: ", ")
            let anywhere = QualifiedName(schema: "s", name: "t")
            let what = switch built {
            case .generated(let type, let sql): "generated \(type.sql) \(sql)"
            case .check(let sql): "check \(sql)"
            case .predicate(let sql): "predicate \(sql)"
            case .exclusion(let sql): "exclusion \(sql)"
            case .index(let index): DDL.createIndex(index, on: anywhere)
            case .policy(let policy): DDL.createPolicy(policy, on: anywhere)
            case .trigger(let trigger): DDL.createTrigger(trigger, on: anywhere)
            }
            return "(\(columns)) \(what)"
        }
    }

    /// What was built for each placement, by its key: the key says all a
    /// placement is (names and types, the text), and holding the keys rather
    /// than placements (columns, indexes) was 30 MiB less at 10,000 tables.
    private var placed: [String: Slot] = [:]
    private var scratchTables: [ScratchTable] = []

    /// A table of the context schema, holding the contexts of many texts.
    private struct ScratchTable {
        /// Kept small: the server prints each text with a description of its
        /// table, so printing costs the texts times the columns (a thousand
        /// checks on a table of a thousand columns: 2 s; of 32 columns: 10 ms).
        static let columnLimit = 32
        /// Predicates checked by one index, by the length of their text: an
        /// index's row holds at most 8 kB of predicate, as the server keeps it.
        static let predicateBytes = 1000

        var name: QualifiedName
        var columns: [Column] = []
        var types: [String: PostgresType] = [:]
        /// Every word of the texts built on it.
        var words: Set<String> = []
        /// Every name it holds: columns, generated columns, constraints.
        var names: Set<String> = []
        var generated: [(column: String, sql: String, target: String)] = []
        var checks: [(name: String, sql: String, target: String)] = []
        var objects: [Step] = []  // indexes, policies, triggers
        var predicates: [(sql: String, target: String)] = []
        private var count = 0

        init(name: QualifiedName) { self.name = name }

        /// Whether a text naming `words`, in `context`, prints here as on a
        /// table of its own: its columns are here with the same types or can
        /// be added, no name it uses is a column it lacks, and no text built
        /// here uses the name of a column added for it.
        func admits(_ context: [Column], words textWords: Set<String>) -> Bool {
            var added = 0
            for c in context {
                if let type = types[c.name] {
                    guard type == c.type else { return false }
                } else {
                    guard !names.contains(c.name), !words.contains(c.name) else { return false }
                    added += 1
                }
            }
            guard columns.count + generated.count + added <= Self.columnLimit else { return false }
            let own = Set(context.map(\.name))
            return !textWords.contains { names.contains($0) && !own.contains($0) }
        }

        mutating func add(_ context: [Column], words textWords: Set<String>) {
            for c in context where types[c.name] == nil {
                columns.append(c)
                types[c.name] = c.type
                names.insert(c.name)
            }
            words.formUnion(textWords)
        }

        /// A name for a new object, clear of every name and word here.
        mutating func fresh(_ prefix: String) -> String {
            count += 1
            var name = "\(prefix)\(count)"
            while names.contains(name) || words.contains(name) { name += "_" }
            names.insert(name)
            return name
        }
    }

    init(_ shadow: PostgresSchema, contextSchema: String, printedBefore: [String: [String?]] = [:], realKey: @escaping (String) -> String = { $0 }) {
        self.contextSchema = contextSchema
        self.printedBefore = printedBefore
        self.realKey = realKey
        let placement = Self.placement(shadow)
        let (tableWords, inPlace) = (placement.words, placement.inPlace)

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

    /// Which tables are built in place, and why.
    struct PlacementAnalysis {
        /// The words of each table's texts, in `texts(of:)` order, table by table.
        var words: [[Set<String>]]
        /// Tables built in place, by their names in their schemas.
        var inPlace: Set<String>
        /// Tables whose own text names a relation (a subquery, a whole-row
        /// reference, a regclass literal), or that are
        /// partitioned or partitions: what the server prints for them depends
        /// on other relations. What it prints for every other table depends
        /// only on the table and the printing environment.
        var dependsOnOthers: Set<String>
    }

    static func placement(_ shadow: PostgresSchema) -> PlacementAnalysis {
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

        var analysis = PlacementAnalysis(words: [], inPlace: [], dependsOnOthers: [])
        for t in shadow.tables {
            let texts = Self.texts(of: t)
            let words = texts.map(SQLWords.of)
            analysis.words.append(words)
            let all = words.reduce(into: Set<String>()) { $0.formUnion($1) }
            let mentioned = named(all)
            if !mentioned.isEmpty || all.contains("select") || t.partitioning != nil || !t.partitions.isEmpty {
                analysis.inPlace.insert(t.name.name)
                analysis.dependsOnOthers.insert(t.name.name)
            }
            analysis.inPlace.formUnion(mentioned)
            // A default cannot hold a subquery or a column: only a literal
            // (`'orgs'::regclass`) can name a relation there.
            for c in t.columns {
                if let d = c.defaultSQL, d.utf8.contains(0x27) {
                    let inDefault = named(SQLWords.of(d))
                    analysis.inPlace.formUnion(inDefault)
                    if !inDefault.isEmpty { analysis.dependsOnOthers.insert(t.name.name) }
                }
            }
        }
        for v in shadow.views { analysis.inPlace.formUnion(named(SQLWords.of(v.query))) }
        for f in shadow.functions {
            // A SQL-standard body is parsed at once: what it reads is built first.
            analysis.inPlace.formUnion(named(SQLWords.of(f.arguments + " " + f.returns + (f.isStandardBody ? " " + f.body : ""))))
        }
        return analysis
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
        // Only names and types matter to how text prints.
        func context(_ w: Set<String>, also extra: [String] = []) -> [Column] {
            t.columns.filter { w.contains($0.name) || extra.contains($0.name) }.map { Column(name: $0.name, type: $0.type, nullable: true) }
        }
        func describe(_ what: String, _ name: String) -> String { "\(what) \(name) of \(t.name.schema).\(t.name.name)" }

        for c in t.columns {
            if let d = c.defaultSQL, c.generated == nil { placeDefault(t.name, c, d, target: describe("default of column", c.name)) }
        }
        for c in t.columns {
            guard let g = c.generated else { continue }
            let w = words.next()!
            build(.generated, c.name, of: t.name, in: context(w), words: w, as: .generated(c.type, g), prefix: "g") { name, table in
                table.generated.append((name, "\(SQL.identifier(name)) \(c.type.sql) GENERATED ALWAYS AS (\(g)) STORED",
                                        describe("generated column", c.name)))
            }
        }
        for c in t.checks {
            let w = words.next()!
            build(.check, c.name, of: t.name, in: context(w), words: w, as: .check(c.expression), prefix: "c") { name, table in
                table.checks.append((name, DDL.check(CheckConstraint(name: name, expression: c.expression)), describe("check", c.name)))
            }
        }
        for x in t.exclusions {
            let w = words.next()!
            build(.exclusion, x.name, of: t.name, in: context(w), words: w, as: .exclusion(x.definition), prefix: "_x") { name, table in
                table.objects.append(Step(sql: "ALTER TABLE \(SQL.qualified(table.name)) ADD \(DDL.exclusion(ExclusionConstraint(name: name, definition: x.definition)));",
                                          target: describe("exclusion", x.name)))
            }
        }
        for i in t.indexes where Self.carriesText(i) {
            let w = words.next()!
            if let predicate = i.predicate, i.keys.allSatisfy({ $0.column != nil }) {
                build(.index, i.name, of: t.name, in: context(w), words: w, as: .predicate(predicate), prefix: "c", asCheck: true) { name, table in
                    table.checks.append((name, DDL.check(CheckConstraint(name: name, expression: predicate)), describe("index", i.name)))
                    table.predicates.append((predicate, describe("index", i.name)))
                }
                continue
            }
            var probe = i
            probe.name = ""
            probe.comment = nil
            build(.index, i.name, of: t.name, in: context(w, also: i.keys.compactMap(\.column) + i.include), words: w, as: .index(probe),
                  prefix: "_i") { name, table in
                probe.name = name
                table.objects.append(Step(sql: DDL.createIndex(probe, on: table.name), target: describe("index", i.name)))
            }
        }
        for p in t.policies {
            var probe = p
            probe.name = ""
            probe.roles = []
            let w = words.next()!
            build(.policy, p.name, of: t.name, in: context(w), words: w, as: .policy(probe), prefix: "p") { name, table in
                probe.name = name
                table.objects.append(Step(sql: DDL.createPolicy(probe, on: table.name), target: describe("policy", p.name)))
            }
        }
        for tr in t.triggers where tr.when != nil {
            var probe = tr
            probe.name = ""
            probe.arguments = []
            let w = words.next()!
            build(.trigger, tr.name, of: t.name, in: context(w), words: w, as: .trigger(probe), prefix: "t") { name, table in
                probe.name = name
                table.objects.append(Step(sql: DDL.createTrigger(probe, on: table.name), target: describe("trigger", tr.name)))
            }
        }
    }

    /// Places the item `name` of `table`: on the object built for `key` in
    /// the same context, or on a new one that `add` builds under a fresh name
    /// on a scratch table that admits the context. A prefix that starts with
    /// `_` names an index, which shares the schema's namespace with tables.
    private mutating func build(_ kind: Item.Kind, _ name: String, of table: QualifiedName, in context: [Column], words: Set<String>,
                                as key: Built, prefix: String, asCheck: Bool = false, _ add: (String, inout ScratchTable) -> Void) {
        let placement = Placement(context: context, built: key).key
        let item = Item(table: table, kind: kind, name: name)
        if recalled(item, key: placement) { return }
        if let slot = placed[placement] {
            slots[Item(table: table, kind: kind, name: name)] = slot
            return
        }
        // The newest few tables are tried: contexts that clash start a new one.
        let k = scratchTables.indices.suffix(8).reversed().first { scratchTables[$0].admits(context, words: words) } ?? {
            scratchTables.append(ScratchTable(name: QualifiedName(schema: contextSchema, name: "x\(scratchTables.count + 1)")))
            return scratchTables.count - 1
        }()
        scratchTables[k].add(context, words: words)
        let object = scratchTables[k].fresh(prefix.hasPrefix("_") ? scratchTables[k].name.name + prefix : prefix)
        add(object, &scratchTables[k])
        let slot = Slot(table: scratchTables[k].name, name: object, asCheck: asCheck)
        placed[placement] = slot
        slots[Item(table: table, kind: kind, name: name)] = slot
    }

    /// Records the key `item` is kept under (`key` in scratch spelling);
    /// true when an earlier run printed it, whose texts are then taken.
    private mutating func recalled(_ item: Item, key: String) -> Bool {
        let printedKey = realKey(key)
        keys[item] = printedKey
        guard let texts = printedBefore[printedKey] else { return false }
        known[item] = texts
        return true
    }

    private mutating func placeDefault(_ table: QualifiedName, _ c: Column, _ d: String, target: @autoclosure () -> String) {
        let key = DefaultKey(type: c.type, sql: d)
        let item = Item(table: table, kind: .defaultValue, name: c.name)
        if recalled(item, key: "default \(c.type.sql) \(d)") { return }
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
        for table in scratchTables {
            let name = SQL.qualified(table.name)
            let columns = table.columns.map(DDL.columnDefinition)
            let items = columns + table.generated.map(\.sql) + table.checks.map(\.sql)
            statements.append(Statement(
                sql: "CREATE TABLE \(name) (\(items.joined(separator: ", ")));",
                steps: [Step(sql: "CREATE TABLE \(name) (\(columns.joined(separator: ", ")));", target: name)]
                    + table.generated.map { Step(sql: "ALTER TABLE \(name) ADD COLUMN \($0.sql);", target: $0.target) }
                    + table.checks.map { Step(sql: "ALTER TABLE \(name) ADD \($0.sql);", target: $0.target) }))
            for object in table.objects { statements.append(Statement(sql: object.sql, steps: [object])) }
            statements += Self.predicateIndexes(table)
        }
    }

    /// Indexes over the predicates printed as checks on `table`, many
    /// predicates to an index, for what the server refuses only in an index;
    /// replayed one predicate to an index when it refuses one.
    private static func predicateIndexes(_ table: ScratchTable) -> [Statement] {
        var chunks: [[(sql: String, target: String)]] = []
        var bytes = 0
        for predicate in table.predicates {
            if chunks.isEmpty || bytes + predicate.sql.utf8.count > ScratchTable.predicateBytes { chunks.append([]); bytes = 0 }
            chunks[chunks.count - 1].append(predicate)
            bytes += predicate.sql.utf8.count
        }
        let on = SQL.qualified(table.name)
        return chunks.enumerated().map { n, chunk in
            let index = "\(table.name.name)_v\(n + 1)"
            return Statement(
                sql: "CREATE INDEX \(SQL.identifier(index)) ON \(on) ((1)) WHERE \(chunk.map { "(\($0.sql))" }.joined(separator: " AND "));",
                steps: chunk.enumerated().map { j, p in
                    Step(sql: "CREATE INDEX \(SQL.identifier("\(index)_\(j + 1)")) ON \(on) ((1)) WHERE \(p.sql);", target: p.target)
                })
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
