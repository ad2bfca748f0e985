import Foundation
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
/// How: inside a transaction that is always rolled back, the desired objects
/// are created in scratch schemas of unique names (roles, grants and extensions
/// left out, so nothing outside the transaction is touched), inspected, and
/// their printed text copied back. It needs only the privilege to create a
/// schema, which a migration role has. An object the server refuses to create
/// there keeps its text as written, and is named in `unnormalized`.
public enum PostgresNormalizer {
    public struct Result {
        public var schema: PostgresSchema
        /// Objects whose text could not be normalized, and why.
        public var unnormalized: [String]
    }

    public static func normalize(_ desired: PostgresSchema, on db: CatalogSession) throws -> Result {
        let token = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        var toShadow: [String: String] = [:]
        for (i, s) in desired.namespacesInUse.enumerated() { toShadow[s] = "schemac_\(token)_\(i)" }
        let shadow = remap(desired, toShadow)

        var unnormalized: [String] = []
        let plan = PostgresPlanner.plan(PostgresDiff.changes(from: .empty, to: shadow))
        try db.execute("BEGIN")
        defer { try? db.execute("ROLLBACK") }
        // As in an ordinary session: pg_catalog first (pgcrypto's
        // public.gen_random_uuid must not shadow the built-in one), then the
        // scratch public, then the real public schema, where extensions usually
        // put their types and functions (citext, gen_random_bytes).
        let path = ["pg_catalog"] + (toShadow["public"].map { [$0] } ?? []) + ["public"]
        try db.execute("SET LOCAL check_function_bodies = false; SET LOCAL search_path = \(path.joined(separator: ", ")); SET LOCAL lock_timeout = '2s'")
        // Everything in one round trip; only if the server refuses something is
        // it replayed statement by statement, so that one refusal costs one object.
        try db.execute("SAVEPOINT schemac_all")
        do {
            try db.execute(plan.statements.map(\.sql).joined(separator: "\n"))
            try db.execute("RELEASE SAVEPOINT schemac_all")
        } catch {
            try db.execute("ROLLBACK TO SAVEPOINT schemac_all")
            for statement in plan.statements {
                do {
                    try db.execute("SAVEPOINT schemac_step; \(statement.sql)\nRELEASE SAVEPOINT schemac_step")
                } catch {
                    try db.execute("ROLLBACK TO SAVEPOINT schemac_step")
                    unnormalized.append("\(unmapText(statement.target, toShadow, asSQL: false)): \(unmapText(String(describing: error), toShadow))")
                }
            }
        }
        try db.execute("SET LOCAL search_path = pg_catalog")
        let printed = try PostgresInspector.inspect(db, schemas: Array(toShadow.values).sorted())
        let fromShadow = Dictionary(uniqueKeysWithValues: toShadow.map { ($0.value, $0.key) })
        return Result(schema: merge(desired, printed: remap(printed, fromShadow, text: toShadow)), unnormalized: unnormalized)
    }

    // MARK: Schema names

    static func remap(_ s: PostgresSchema, _ map: [String: String], text textMap: [String: String]? = nil) -> PostgresSchema {
        func q(_ n: QualifiedName) -> QualifiedName { QualifiedName(schema: map[n.schema] ?? n.schema, name: n.name) }
        func t(_ x: String?) -> String? {
            guard let x else { return nil }
            return textMap.map { unmapText(x, $0) } ?? x
        }
        func type(_ ty: PostgresType) -> PostgresType {
            var ty = ty
            if case .enumeration(let n) = ty.base { ty.base = .enumeration(q(n)) }
            return ty
        }
        var out = s
        let mapsOut = textMap == nil
        out.schemas = mapsOut ? Array(map.values).sorted() : s.schemas.map { map[$0] ?? $0 }
        if mapsOut {
            out.roles = []
            out.extensions = []
        }
        out.enums = s.enums.map { var e = $0; e.name = q(e.name); return e }
        out.functions = s.functions.map { var f = $0; f.name = q(f.name); f.arguments = t(f.arguments) ?? ""; f.returns = t(f.returns) ?? ""; return f }
        out.tables = s.tables.map { table in
            var table = table
            table.name = q(table.name)
            table.columns = table.columns.map { var c = $0; c.type = type(c.type); c.defaultSQL = t(c.defaultSQL); c.generated = t(c.generated); return c }
            table.checks = table.checks.map { var c = $0; c.expression = t(c.expression)!; return c }
            table.foreignKeys = table.foreignKeys.map { var f = $0; f.referencedTable = q(f.referencedTable); return f }
            table.indexes = table.indexes.map { i in
                var i = i
                i.predicate = t(i.predicate)
                i.keys = i.keys.map { k in
                    var k = k
                    if case .expression(let e) = k.target { k.target = .expression(t(e)!) }
                    return k
                }
                return i
            }
            table.policies = table.policies.map { var p = $0; p.using = t(p.using); p.withCheck = t(p.withCheck); if mapsOut { p.roles = [] }; return p }
            table.triggers = table.triggers.map { var tr = $0; tr.function = q(tr.function); tr.when = t(tr.when); return tr }
            table.partitions = table.partitions.map { p in
                var p = p
                p.name = q(p.name)
                if case .printed(let text) = p.bound { p.bound = .printed(t(text)!) }
                return p
            }
            if mapsOut { table.grants = [] }
            return table
        }
        out.views = s.views.map { var v = $0; v.name = q(v.name); v.query = t(v.query)!; if mapsOut { v.grants = [] }; return v }
        return out
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

    static func merge(_ desired: PostgresSchema, printed: PostgresSchema) -> PostgresSchema {
        var out = desired
        let tables = Dictionary(printed.tables.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let views = Dictionary(printed.views.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let functions = Dictionary(printed.functions.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        out.functions = desired.functions.map { f in
            var f = f
            if f.volatility == nil { f.volatility = .volatile }
            if let p = functions[f.name] {
                f.arguments = p.arguments
                f.returns = p.returns
                f.language = p.language
                f.body = p.body
            }
            return f
        }
        out.tables = desired.tables.map { table in
            var table = table
            let order = Trigger.Event.allCases
            table.triggers = table.triggers.map { var tr = $0; tr.events.sort { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! }; return tr }
            table.policies = table.policies.map { var p = $0; p.roles.sort(); return p }
            guard let p = tables[table.name] else { return table }
            table.columns = adopt(table.columns, from: p.columns, by: \.name) { c, pc in
                c.defaultSQL = pc.defaultSQL
                c.generated = pc.generated
            }
            table.checks = adopt(table.checks, from: p.checks, by: \.name) { c, pc in c.expression = pc.expression }
            table.indexes = adopt(table.indexes, from: p.indexes, by: \.name) { i, pi in
                guard pi.keys.count == i.keys.count else { return }
                i.predicate = pi.predicate
                i.keys = zip(i.keys, pi.keys).map { mine, theirs in
                    var k = mine
                    if case .expression = mine.target { k.target = theirs.target }
                    return k
                }
            }
            table.policies = adopt(table.policies, from: p.policies, by: \.name) { policy, pp in
                policy.using = pp.using
                policy.withCheck = pp.withCheck
            }
            table.triggers = adopt(table.triggers, from: p.triggers, by: \.name) { tr, pt in tr.when = pt.when }
            table.partitions = adopt(table.partitions, from: p.partitions, by: \.name) { part, pp in part.bound = pp.bound }
            return table
        }
        out.views = desired.views.map { v in
            var v = v
            if let pv = views[v.name] { v.query = pv.query }
            return v
        }
        return out
    }
}

/// `mine` with each item updated from the `printed` item of the same key, if any.
func adopt<T, K: Hashable>(_ mine: [T], from printed: [T], by key: KeyPath<T, K>, _ update: (inout T, T) -> Void) -> [T] {
    let byKey = Dictionary(printed.map { ($0[keyPath: key], $0) }, uniquingKeysWith: { a, _ in a })
    return mine.map { item in
        var item = item
        if let other = byKey[item[keyPath: key]] { update(&item, other) }
        return item
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
