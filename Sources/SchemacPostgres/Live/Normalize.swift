import Foundation
import SchemacMigrate
import SchemacModel

/// A connection the normalizer can also run statements on.
public protocol CatalogSession: CatalogReader {
    func execute(_ sql: String) throws
}

/// Makes the desired schema's SQL text (defaults, checks, predicates, index
/// expressions, policies, trigger conditions, view bodies, partition bounds,
/// function signatures) read exactly as the server would print it, so that a
/// diff against a live database never reports a difference of spelling.
///
/// How: inside a transaction that is always rolled back, the server builds the
/// least that makes it print that text (see `ScratchBuild`) in scratch schemas
/// of unique names (roles, grants and extensions left out, so nothing outside
/// the transaction is touched); that is inspected, and the printed text copied
/// back. It needs only the privilege to create a schema, which a migration role
/// has. An object the server refuses to build keeps its text as written, and is
/// named in `unnormalized`.
public enum PostgresNormalizer {
    public struct Result {
        public var schema: PostgresSchema
        /// Objects whose text could not be normalized, and why.
        public var unnormalized: [Unbuilt]
        /// Statements the server ran to print the text: far fewer than the
        /// objects, because equal text in an equal context is printed once.
        public var scratchStatements: Int
        /// What the server printed for each context text, by its key, for
        /// `printedBefore` of a later run against the same server.
        public var printed: [String: [String?]] = [:]

        public init(schema: PostgresSchema, unnormalized: [Unbuilt], scratchStatements: Int, printed: [String: [String?]] = [:]) {
            self.schema = schema
            self.unnormalized = unnormalized
            self.scratchStatements = scratchStatements
            self.printed = printed
        }
    }

    /// An object of the definitions the server refused to build, and its words.
    public struct Unbuilt: Hashable, Sendable, CustomStringConvertible {
        /// What it is, as `schema.name[.part]` or `index i of schema.table`.
        public var target: String
        public var reason: String
        public var description: String { "\(target): \(reason)" }

        /// The `schema.name` of the table, view, function or enum it belongs
        /// to, among `known` names.
        public func owner(among known: Set<String>) -> String? {
            var candidate = target
            if let of = candidate.range(of: " of ", options: .backwards) { candidate = String(candidate[of.upperBound...]) }
            if let space = candidate.lastIndex(of: " ") { candidate = String(candidate[candidate.index(after: space)...]) }
            while !candidate.isEmpty {
                if known.contains(candidate) { return candidate }
                guard let dot = candidate.lastIndex(of: ".") else { return nil }
                candidate = String(candidate[..<dot])
            }
            return nil
        }
    }

    /// `insideTransaction`: the session is in a transaction of its caller's
    /// (pull's SQL import), which a savepoint keeps as it was.
    /// `printedBefore`: what an earlier run on a server like this one
    /// printed (`Result.printed`), so that only texts it did not print are built.
    /// `namespaces`: the schemas to stand in for, when `desired` is part of
    /// a schema that uses more (`KeptNormalization`).
    public static func normalize(_ desired: PostgresSchema, on db: CatalogSession, insideTransaction: Bool = false,
                                 printedBefore: [String: [String?]] = [:], namespaces: [String]? = nil) throws -> Result {
        let token = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        var toShadow: [String: String] = [:]
        for (i, s) in (namespaces ?? desired.namespacesInUse).enumerated() { toShadow[s] = "schemac_\(token)_\(i)" }
        let contextSchema = "schemac_\(token)_x"
        let shadow = remap(desired, toShadow)
        let build = ScratchBuild(shadow, contextSchema: contextSchema, printedBefore: printedBefore) { key in
            mentionsScratch(key) ? unmapText(key, toShadow) : key
        }

        var unnormalized: [Unbuilt] = []
        if insideTransaction {
            try db.execute("SAVEPOINT schemac_normalize")
        } else {
            try db.execute("BEGIN")
        }
        defer { try? db.execute(insideTransaction ? "ROLLBACK TO SAVEPOINT schemac_normalize; RELEASE SAVEPOINT schemac_normalize" : "ROLLBACK") }
        // As in an ordinary session: pg_catalog first (pgcrypto's
        // public.gen_random_uuid must not shadow the built-in one), then the
        // scratch public, then the real public schema, where extensions usually
        // put their types and functions (citext, gen_random_bytes).
        let path = ["pg_catalog"] + (toShadow["public"].map { [$0] } ?? []) + ["public"]
        try db.execute("SET LOCAL check_function_bodies = false; SET LOCAL search_path = \(path.joined(separator: ", ")); SET LOCAL lock_timeout = '2s'")
        // Everything in one round trip; only if the server refuses something is
        // it replayed step by step, so that one refusal costs one object.
        try db.execute("SAVEPOINT schemac_all")
        do {
            try db.execute(build.statements.map(\.sql).joined(separator: "\n"))
            try db.execute("RELEASE SAVEPOINT schemac_all")
        } catch {
            try db.execute("ROLLBACK TO SAVEPOINT schemac_all")
            for statement in build.statements {
                for step in statement.steps {
                    do {
                        // Apart, so that a step the server cannot even parse is still rolled back to.
                        try db.execute("SAVEPOINT schemac_step")
                        try db.execute(step.sql)
                        try db.execute("RELEASE SAVEPOINT schemac_step")
                    } catch {
                        try db.execute("ROLLBACK TO SAVEPOINT schemac_step")
                        // An index predicate is built twice (printed as a check, then in an index): said once.
                        guard !unnormalized.contains(where: { $0.target == unmapText(step.target, toShadow, asSQL: false) }) else { continue }
                        unnormalized.append(Unbuilt(target: unmapText(step.target, toShadow, asSQL: false),
                                                    reason: unmapText(String(describing: error), toShadow)))
                    }
                }
            }
        }
        try db.execute("SET LOCAL search_path = pg_catalog")
        // Read back only what holds text the definitions have.
        var readBack: Set<CatalogQuery> = [.tables, .columns, .columnTypes, .defaults]
        if !desired.functions.isEmpty { readBack.insert(.functions) }
        if !desired.views.isEmpty { readBack.insert(.views) }
        if desired.views.contains(where: { !$0.indexes.isEmpty }) { readBack.formUnion([.indexes, .constraints, .opclasses]) }
        if !desired.domains.isEmpty { readBack.insert(.domains) }
        for t in desired.tables {
            if !t.checks.isEmpty || !t.exclusions.isEmpty { readBack.insert(.constraints) }
            if t.indexes.contains(where: ScratchBuild.carriesText) { readBack.formUnion([.indexes, .constraints]) }
            if !t.policies.isEmpty { readBack.insert(.policies) }
            if t.triggers.contains(where: { $0.when != nil }) { readBack.insert(.triggers) }
            if !t.partitions.isEmpty { readBack.insert(.partitions) }
        }
        // Indexes that back a constraint are told apart by reading the constraints.
        if readBack.contains(.indexes) { readBack.insert(.constraints) }
        let printed = try PostgresInspector.inspect(db, schemas: (Array(toShadow.values) + [contextSchema]).sorted(), scratch: true,
                                                    only: readBack)
        // Printed text repeats (one context serves many tables): unmap each once.
        var unmapped: [String: String] = [:]
        var (schema, found) = merge(desired, shadow: shadow, printed: printed, slots: build.slots) { text in
            if let known = unmapped[text] { return known }
            let real = unmapText(text, toShadow)
            unmapped[text] = real
            return real
        }
        let printedTexts = PrintedTexts.carry(build, found: found, into: &schema, tables: shadow.tables.map(\.name))
        return Result(schema: schema, unnormalized: unnormalized, scratchStatements: build.statements.count, printed: printedTexts)
    }

    /// All that the printing of a context text depends on besides the text
    /// and its columns, as one string: the server's version and the settings
    /// that print literals, its extensions, the functions, operators, types,
    /// casts and collations it holds outside pg_catalog (a new overload or
    /// cast changes what a text resolves to), and the definitions' own types,
    /// sequences and functions, which the scratch build makes.
    public static func printingEnvironment(_ desired: PostgresSchema, on db: CatalogReader) throws -> String {
        let row = try db.query(environmentQuery, []).first ?? []
        let own = [String(describing: desired.enums), String(describing: desired.domains), String(describing: desired.sequences),
                   String(describing: desired.functions), desired.extensions.joined(separator: ","), desired.namespacesInUse.joined(separator: ",")]
        return (row.map { $0 ?? "" } + own).joined(separator: "\u{0}")
    }

    static let environmentQuery = """
        SELECT current_setting('server_version_num'), current_setting('TimeZone'), current_setting('DateStyle'),
               current_setting('IntervalStyle'), current_setting('extra_float_digits'), current_setting('standard_conforming_strings'),
               (SELECT string_agg(extname || ' ' || extversion || ' ' || extnamespace::regnamespace::text, ', ' ORDER BY extname) FROM pg_extension),
               (SELECT md5(string_agg(p.oid::text || ' ' || p.proname || ' ' || p.provolatile::text, ',' ORDER BY p.oid)) FROM pg_proc p
                 WHERE p.pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)),
               (SELECT md5(string_agg(o.oid::text || ' ' || o.oprname, ',' ORDER BY o.oid)) FROM pg_operator o
                 WHERE o.oprnamespace <> 'pg_catalog'::regnamespace),
               (SELECT md5(string_agg(t.oid::text || ' ' || t.typname, ',' ORDER BY t.oid)) FROM pg_type t
                 WHERE t.typnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
                   AND t.typtype NOT IN ('c', 'p') AND t.typcategory <> 'A'),
               (SELECT md5(string_agg(c.oid::text, ',' ORDER BY c.oid)) FROM pg_cast c WHERE c.oid >= 16384),
               (SELECT md5(string_agg(c.oid::text, ',' ORDER BY c.oid)) FROM pg_collation c WHERE c.oid >= 16384)
        """

    // MARK: Schema names

    /// The schema under scratch schema names, without what the scratch build
    /// must not touch (roles, extensions, grants). Text is left as written.
    static func remap(_ s: PostgresSchema, _ map: [String: String]) -> PostgresSchema {
        func q(_ n: QualifiedName) -> QualifiedName { QualifiedName(schema: map[n.schema] ?? n.schema, name: n.name) }
        func type(_ ty: PostgresType) -> PostgresType {
            var ty = ty
            if case .enumeration(let n) = ty.base { ty.base = .enumeration(q(n)) }
            if case .domain(let n, let over) = ty.base { ty.base = .domain(q(n), over: type(over)) }
            return ty
        }
        var out = s
        out.schemas = Array(map.values).sorted()
        out.roles = []
        out.extensions = []
        out.enums = s.enums.map { var e = $0; e.name = q(e.name); return e }
        out.domains = s.domains.map { d in
            var d = d
            d.name = q(d.name)
            d.type = type(d.type)
            return d
        }
        out.sequences = s.sequences.map { seq in
            var seq = seq
            seq.name = q(seq.name)
            seq.ownedBy = seq.ownedBy.map { ColumnName(q($0.relation), $0.column) }
            return seq
        }
        out.functions = s.functions.map { f in
            var f = f
            f.name = q(f.name)
            f.arguments = remapQualifiers(f.arguments, map)
            f.returns = remapQualifiers(f.returns, map)
            // A string body is not parsed here (nor read back as text to unmap); a SQL-standard one is.
            if f.isStandardBody { f.body = remapQualifiers(f.body, map) }
            return f
        }
        out.tables = s.tables.map { table in
            var table = table
            table.name = q(table.name)
            table.columns = table.columns.map { c in
                var c = c
                c.type = type(c.type)
                c.defaultSQL = c.defaultSQL.map { remapQualifiers($0, map) }
                return c
            }
            table.foreignKeys = table.foreignKeys.map { var f = $0; f.referencedTable = q(f.referencedTable); return f }
            table.policies = table.policies.map { p in
                var p = p
                p.roles = []
                p.using = p.using.map { remapQualifiers($0, map) }
                p.withCheck = p.withCheck.map { remapQualifiers($0, map) }
                return p
            }
            table.checks = table.checks.map { var c = $0; c.expression = remapQualifiers(c.expression, map); return c }
            table.triggers = table.triggers.map { var tr = $0; tr.function = q(tr.function); return tr }
            table.partitions = table.partitions.map { var p = $0; p.name = q(p.name); return p }
            table.grants = []
            return table
        }
        out.views = s.views.map { var v = $0; v.name = q(v.name); v.query = remapQualifiers(v.query, map); v.grants = []; return v }
        return out
    }

    /// Text whose schema-qualified names (`billing.invoices`, `"Billing".f()`)
    /// name the scratch schemas, so that it reads what the scratch build
    /// makes rather than what the database holds; so do literals that start
    /// with one (`'billing.seq'`, a serial's `nextval('public.t_id_seq'::regclass)`).
    /// `unmapText` turns the printed names back.
    static func remapQualifiers(_ sql: String, _ map: [String: String]) -> String {
        guard !map.isEmpty, sql.utf8.contains(0x2E) else { return sql }
        let chars = Array(sql)
        var out = ""
        var i = 0
        // ASCII answered by its code: Character's Unicode properties were a tenth of normalizing 10,000 tables.
        func isWordStart(_ c: Character) -> Bool {
            guard let a = c.asciiValue else { return c.isLetter }
            return a == 0x5F || (0x61...0x7A).contains(a | 0x20)
        }
        func isWord(_ c: Character) -> Bool {
            guard let a = c.asciiValue else { return c.isLetter || c.isNumber }
            return a == 0x5F || a == 0x24 || (0x61...0x7A).contains(a | 0x20) || (0x30...0x39).contains(a)
        }
        /// A qualifier at `i` that names a remapped schema: its shadow and length.
        func qualifier(at i: Int) -> (String, Int)? {
            if chars[i] == "\"" {
                var j = i + 1, name = ""
                while j < chars.count {
                    if chars[j] == "\"" {
                        if j + 1 < chars.count, chars[j + 1] == "\"" { name.append("\""); j += 2; continue }
                        break
                    }
                    name.append(chars[j]); j += 1
                }
                guard j + 1 < chars.count, chars[j + 1] == ".", let shadow = map[name] else { return nil }
                return (shadow, j + 1 - i)
            }
            guard isWordStart(chars[i]) else { return nil }
            var j = i
            while j < chars.count, isWord(chars[j]) { j += 1 }
            guard j < chars.count, chars[j] == ".", let shadow = map[String(chars[i..<j]).lowercased()] else { return nil }
            return (shadow, j - i)
        }
        while i < chars.count {
            let c = chars[i]
            let afterName = i > 0 && (isWord(chars[i - 1]) || chars[i - 1] == "." || chars[i - 1] == "\"")
            if !afterName, c == "\"" || isWordStart(c), let (shadow, length) = qualifier(at: i) {
                out += shadow
                i += length
                continue
            }
            if c == "'" {
                // A literal, to its closing quote ('' inside stands for one); it may start with a qualifier.
                out.append(c); i += 1
                if i < chars.count, let (shadow, length) = qualifier(at: i) { out += shadow; i += length }
                while i < chars.count {
                    out.append(chars[i]); i += 1
                    if chars[i - 1] == "'" {
                        guard i < chars.count, chars[i] == "'" else { break }
                        out.append("'"); i += 1
                    }
                }
                continue
            }
            if c == "\"" {
                // A quoted identifier that is no qualifier, copied whole.
                out.append(c); i += 1
                while i < chars.count {
                    out.append(chars[i]); i += 1
                    if chars[i - 1] == "\"" {
                        guard i < chars.count, chars[i] == "\"" else { break }
                        out.append("\""); i += 1
                    }
                }
                continue
            }
            if isWordStart(c) {
                while i < chars.count, isWord(chars[i]) { out.append(chars[i]); i += 1 }
                continue
            }
            out.append(c); i += 1
        }
        return out
    }

    /// Whether `text` holds `schemac_`, the start of every scratch schema's
    /// name: by bytes (Foundation's `contains` was a twentieth of normalizing
    /// 10,000 tables, asked of every key).
    static func mentionsScratch(_ text: String) -> Bool {
        let needle = Array("schemac_".utf8), bytes = text.utf8
        guard bytes.count >= needle.count else { return false }
        var i = bytes.startIndex
        while let s = bytes[i...].firstIndex(of: needle[0]) {
            if bytes[s...].starts(with: needle) { return true }
            i = bytes.index(after: s)
        }
        return false
    }

    /// Scratch schema names back to the real ones: in SQL text as the server
    /// prints it (identifiers quoted only where needed), or plain for people.
    static func unmapText(_ text: String, _ toShadow: [String: String], asSQL: Bool = true) -> String {
        var out = text
        // Longest first, so schemac_x_1 does not clip schemac_x_10.
        for (real, shadow) in toShadow.sorted(by: { $0.value.count > $1.value.count }) {
            out = out.replacingOccurrences(of: shadow, with: asSQL ? SQLIdentifier.asPrinted(real) : real)
        }
        return out
    }

    // MARK: Copying the printed text back

    /// `desired` with its text as printed where the scratch build has it.
    /// `shadow` is `desired` under scratch names, table for table; `unmap`
    /// turns scratch schema names in printed text back into the real ones.
    static func merge(_ desired: PostgresSchema, shadow: PostgresSchema, printed: PostgresSchema,
                      slots: [ScratchBuild.Item: ScratchBuild.Slot], unmap: (String) -> String) -> (PostgresSchema, found: Set<ScratchBuild.Item>) {
        var out = desired
        var found = Set<ScratchBuild.Item>()
        // One context table serves many tables: its objects are found by name, not by a scan each time.
        let tables = Dictionary(printed.tables.map { ($0.name, PrintedTable($0)) }, uniquingKeysWith: { a, _ in a })
        let views = Dictionary(printed.views.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let functions = Dictionary(printed.functions.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func lookup(_ table: QualifiedName, _ kind: ScratchBuild.Item.Kind, _ name: String) -> (table: PrintedTable, name: String)? {
            let item = ScratchBuild.Item(table: table, kind: kind, name: name)
            guard let slot = slots[item], let t = tables[slot.table] else { return nil }
            found.insert(item)
            return (t, slot.name)
        }
        func text(_ printed: String?) -> String? { printed.map(unmap) }

        out.functions = zip(desired.functions, shadow.functions).map { f, sf in
            var f = f
            if f.volatility == nil { f.volatility = .volatile }
            if let p = functions[sf.name] {
                f.arguments = unmap(p.arguments)
                f.returns = unmap(p.returns)
                f.language = p.language
                f.body = p.isStandardBody ? unmap(p.body) : p.body
            }
            return f
        }
        out.tables = zip(desired.tables, shadow.tables).map { table, st in
            var table = table
            let order = Trigger.Event.allCases
            table.triggers = table.triggers.map { var tr = $0; tr.events.sort { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! }; return tr }
            table.policies = table.policies.map { var p = $0; p.roles.sort(); return p }
            let name = st.name
            table.columns = table.columns.map { c in
                var c = c
                if c.defaultSQL != nil, let (t, n) = lookup(name, .defaultValue, c.name), let pc = t.columns[n] {
                    c.defaultSQL = text(pc.defaultSQL)
                }
                if c.generated != nil, let (t, n) = lookup(name, .generated, c.name), let pc = t.columns[n] {
                    c.generated = text(pc.generated)
                }
                return c
            }
            table.checks = table.checks.map { c in
                var c = c
                if let (t, n) = lookup(name, .check, c.name), let pc = t.checks[n] { c.expression = unmap(pc.expression) }
                return c
            }
            table.exclusions = table.exclusions.map { x in
                var x = x
                if let (t, n) = lookup(name, .exclusion, x.name), let px = t.exclusions[n] { x.definition = unmap(px.definition) }
                return x
            }
            table.indexes = table.indexes.map { i in
                var i = i
                let item = ScratchBuild.Item(table: name, kind: .index, name: i.name)
                if let slot = slots[item], slot.asCheck {
                    // A bare `true` the server drops from an index.
                    if let pc = tables[slot.table]?.checks[slot.name] {
                        i.predicate = pc.expression == "true" ? nil : unmap(pc.expression)
                        found.insert(item)
                    }
                    return i
                }
                guard let (t, n) = lookup(name, .index, i.name), let pi = t.indexes[n],
                      pi.keys.count == i.keys.count else { return i }
                i.predicate = text(pi.predicate)
                i.keys = zip(i.keys, pi.keys).map { mine, theirs in
                    var k = mine
                    if case .expression(let e) = theirs.target, case .expression = mine.target { k.target = .expression(unmap(e)) }
                    return k
                }
                return i
            }
            table.policies = table.policies.map { p in
                var p = p
                if let (t, n) = lookup(name, .policy, p.name), let pp = t.policies[n] {
                    p.using = text(pp.using)
                    p.withCheck = text(pp.withCheck)
                }
                return p
            }
            table.triggers = table.triggers.map { tr in
                var tr = tr
                if let (t, n) = lookup(name, .trigger, tr.name), let pt = t.triggers[n] { tr.when = text(pt.when) }
                return tr
            }
            if let pt = tables[name] {
                table.partitions = zip(table.partitions, st.partitions).map { part, sp in
                    var part = part
                    if let bound = pt.partitions[sp.name] {
                        if case .printed(let text) = bound { part.bound = .printed(unmap(text)) } else { part.bound = bound }
                    }
                    return part
                }
            }
            return table
        }
        let domains = Dictionary(printed.domains.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        out.domains = zip(desired.domains, shadow.domains).map { d, sd in
            var d = d
            guard let pd = domains[sd.name] else { return d }
            d.defaultSQL = text(pd.defaultSQL)
            let printedChecks = Dictionary(pd.checks.map { ($0.name, $0.expression) }, uniquingKeysWith: { a, _ in a })
            d.checks = d.checks.map { c in
                var c = c
                if let e = printedChecks[c.name] { c.expression = unmap(e) }
                return c
            }
            return d
        }
        out.views = zip(desired.views, shadow.views).map { v, sv in
            var v = v
            if let pv = views[sv.name] {
                v.query = unmap(pv.query)
                // Index keys and predicates as printed; the comment is the definitions' own.
                let printedIndexes = Dictionary(pv.indexes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
                v.indexes = v.indexes.map { i in
                    guard var p = printedIndexes[i.name] else { return i }
                    p.comment = i.comment
                    p.predicate = p.predicate.map(unmap)
                    p.keys = p.keys.map { k in
                        var k = k
                        if case .expression(let sql) = k.target { k.target = .expression(unmap(sql)) }
                        return k
                    }
                    return p
                }
            }
            return v
        }
        return (out, found)
    }
}

/// What the server printed for the texts of context items, kept between
/// runs by the key of what was built to print them (`ScratchBuild`): the
/// texts of an item in a fixed order for its kind.
enum PrintedTexts {
    /// Puts the texts known from an earlier run into `schema` (whose tables
    /// are `tables` under scratch names), and gives the texts of every item
    /// printed now or known, by key.
    static func carry(_ build: ScratchBuild, found: Set<ScratchBuild.Item>, into schema: inout PostgresSchema,
                      tables: [QualifiedName]) -> [String: [String?]] {
        let position = Dictionary(tables.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        for (item, texts) in build.known {
            guard let i = position[item.table] else { continue }
            set(texts, of: item, in: &schema.tables[i])
        }
        // Read table by table: a table taken from the schema for each of its texts was copied each time.
        var keysByTable: [Int: [(ScratchBuild.Item, String)]] = [:]
        for (item, key) in build.keys where build.known[item] != nil || found.contains(item) {
            guard let i = position[item.table] else { continue }
            keysByTable[i, default: []].append((item, key))
        }
        var printed: [String: [String?]] = [:]
        for (i, keys) in keysByTable {
            let table = schema.tables[i]
            for (item, key) in keys {
                if let texts = texts(of: item, in: table) { printed[key] = texts }
            }
        }
        return printed
    }

    static func texts(of item: ScratchBuild.Item, in table: Table) -> [String?]? {
        switch item.kind {
        case .defaultValue: table.columns.first { $0.name == item.name }.map { [$0.defaultSQL] }
        case .generated: table.columns.first { $0.name == item.name }.map { [$0.generated] }
        case .check: table.checks.first { $0.name == item.name }.map { [$0.expression] }
        case .exclusion: table.exclusions.first { $0.name == item.name }.map { [$0.definition] }
        case .index: table.indexes.first { $0.name == item.name }.map { i in [i.predicate] + expressionKeys(i).map { $0 } }
        case .policy: table.policies.first { $0.name == item.name }.map { [$0.using, $0.withCheck] }
        case .trigger: table.triggers.first { $0.name == item.name }.map { [$0.when] }
        }
    }

    static func set(_ texts: [String?], of item: ScratchBuild.Item, in table: inout Table) {
        guard let first = texts.first else { return }
        switch item.kind {
        case .defaultValue:
            if let c = table.columns.firstIndex(where: { $0.name == item.name }) { table.columns[c].defaultSQL = first }
        case .generated:
            if let c = table.columns.firstIndex(where: { $0.name == item.name }) { table.columns[c].generated = first }
        case .check:
            if let c = table.checks.firstIndex(where: { $0.name == item.name }), let first { table.checks[c].expression = first }
        case .exclusion:
            if let x = table.exclusions.firstIndex(where: { $0.name == item.name }), let first { table.exclusions[x].definition = first }
        case .index:
            guard let i = table.indexes.firstIndex(where: { $0.name == item.name }), expressionKeys(table.indexes[i]).count == texts.count - 1 else { return }
            table.indexes[i].predicate = first
            var printedKeys = texts.dropFirst().makeIterator()
            for k in table.indexes[i].keys.indices {
                guard case .expression = table.indexes[i].keys[k].target, let text = printedKeys.next() ?? nil else { continue }
                table.indexes[i].keys[k].target = .expression(text)
            }
        case .policy:
            guard let p = table.policies.firstIndex(where: { $0.name == item.name }), texts.count == 2 else { return }
            (table.policies[p].using, table.policies[p].withCheck) = (texts[0], texts[1])
        case .trigger:
            if let t = table.triggers.firstIndex(where: { $0.name == item.name }) { table.triggers[t].when = first }
        }
    }

    private static func expressionKeys(_ index: Index) -> [String] {
        index.keys.compactMap { if case .expression(let e) = $0.target { e } else { nil } }
    }
}

/// A table read back from the scratch schemas, its objects by name.
struct PrintedTable {
    var columns: [String: Column] = [:]
    var checks: [String: CheckConstraint] = [:]
    var exclusions: [String: ExclusionConstraint] = [:]
    var indexes: [String: Index] = [:]
    var policies: [String: Policy] = [:]
    var triggers: [String: Trigger] = [:]
    var partitions: [QualifiedName: Partition.Bound] = [:]

    init(_ t: Table) {
        for c in t.columns { columns[c.name] = c }
        for c in t.checks { checks[c.name] = c }
        for x in t.exclusions { exclusions[x.name] = x }
        for i in t.indexes { indexes[i.name] = i }
        for p in t.policies { policies[p.name] = p }
        for tr in t.triggers { triggers[tr.name] = tr }
        for p in t.partitions { partitions[p.name] = p.bound }
    }
}

/// PostgreSQL's quote_ident, for schema names put back into printed SQL.
enum SQLIdentifier {
    static let reserved: Set<String> = [
        "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast", "check",
        "collate", "column", "constraint", "create", "current_catalog", "current_date", "current_role", "current_time",
        "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end", "except",
        "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in", "initially", "intersect", "into",
        "lateral", "leading", "limit", "localtime", "localtimestamp", "not", "null", "offset", "on", "only", "or", "order",
        "placing", "primary", "references", "returning", "select", "session_user", "some", "symmetric", "table", "then",
        "to", "trailing", "true", "union", "unique", "user", "using", "variadic", "when", "where", "window", "with",
    ]

    static func asPrinted(_ name: String) -> String {
        let plain = name.unicodeScalars.enumerated().allSatisfy { i, c in
            ("a"..."z").contains(c) || c == "_" || (i > 0 && (("0"..."9").contains(c) || c == "$"))
        }
        return plain && !name.isEmpty && !reserved.contains(name) ? name : SQL.identifier(name)
    }
}
