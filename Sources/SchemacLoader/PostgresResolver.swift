import Foundation
import SchemacDiagnostics
import SchemacModel
import Yams

/// Pass two: every declaration resolved into the model, references checked
/// against the whole set of definitions.
typealias PendingForeignKey = (table: QualifiedName, fk: ForeignKey, node: Node, reader: NodeReader, targetWritten: String,
                                targetDefaultSchema: String, implicitColumns: Bool)

struct RelationClaim {
    enum Owner {
        /// The index at this position of the table's indexes.
        case index(Int)
        case partition(Int)
        case constraint
    }

    var name: QualifiedName
    var display: String
    var location: SourceLocation
    var reader: NodeReader
    var kind: String
    var owner: Owner
    var declaration: Int
    var sequence: Int
}

struct PostgresResolver {
    var decls: PostgresDeclarations
    var schema = PostgresSchema()
    var enumsByName: [QualifiedName: EnumType] = [:]
    var functionsByName: [QualifiedName: Function] = [:]
    var roleSet: Set<String> = []
    /// Foreign keys are checked once every table's columns are known.
    var pendingForeignKeys: [PendingForeignKey] = []
    /// Position in `decls.tables` of the table being resolved.
    var currentDeclaration = 0
    var tableIndex: [QualifiedName: Int] = [:]
    /// Names tables take in their schema's relation namespace (indexes, partitions,
    /// constraint indexes), checked after every file's tables are resolved.
    var relationClaims: [RelationClaim] = []
    /// Schema of the shared auto_updated_at trigger function: that of the first
    /// table (in declaration order) that asks for it.
    var updatedAtFunctionSchema: String?

    static let sharedUpdatedAtFunction = "schemac_set_updated_at"

    /// Every table name declared, resolved or not, for reference lookups.
    let declaredTables: Set<QualifiedName>
    let declaredViews: Set<QualifiedName>
    /// Tables, partitions and views a view's query may name.
    var knownRelations: Set<QualifiedName> = []
    /// Tables under row level security, which a view must read as its invoker.
    var rowSecureTables: Set<QualifiedName> = []
    /// The views each view reads, and where its query is.
    var viewDependencies: [QualifiedName: (reads: [QualifiedName], location: SourceLocation)] = [:]
    /// Views whose security_invoker the definitions set themselves.
    var explicitSecurityInvoker: Set<QualifiedName> = []
    /// Types already parsed, by default schema and spelling: most columns repeat a few types.
    var typeCache: [String: PostgresType] = [:]

    init(_ decls: PostgresDeclarations) {
        self.decls = decls
        self.declaredTables = Set(decls.tables.map(\.name))
        self.declaredViews = Set(decls.views.map(\.name))
    }

    mutating func resolve() -> PostgresSchema {
        schema.extensions = decls.extensions.map(\.0)
        schema.roles = decls.roles.map(\.0)
        roleSet = Set(schema.roles)
        for d in decls.enums { resolveEnum(d) }
        for d in decls.functions { resolveFunction(d) }
        updatedAtFunctionSchema = decls.tables.first { d in
            if case .mapping(let m) = d.node { return m.contains { $0.key.scalar?.string == "auto_updated_at" } }
            return false
        }?.name.schema
        resolveTables()
        if let fnSchema = updatedAtFunctionSchema,
           schema.tables.contains(where: { $0.triggers.contains { $0.function.name == Self.sharedUpdatedAtFunction && $0.function.schema == fnSchema } }) {
            schema.functions.append(Self.updatedAtFunction(schema: fnSchema))
        }
        checkForeignKeys()
        knownRelations = declaredTables.union(declaredViews).union(schema.tables.flatMap { $0.partitions.map(\.name) })
        rowSecureTables = Set(schema.tables.filter(\.rowLevelSecurity).map(\.name))
        for d in decls.views { resolveView(d) }
        checkViewCycles()
        inheritSecurityInvoker()
        schema.schemas = Set(schema.namespacesInUse).subtracting(PostgresSchema.builtinSchemas).sorted()
        return schema
    }

    /// Resolves the tables of each file on a core of its own (a file's diagnostics
    /// go to its own reader), then merges in declaration order and settles the
    /// relation names they claimed, so output and diagnostics do not depend on
    /// which worker finished first.
    mutating func resolveTables() {
        var groups: [[Int]] = []
        var groupOfFile: [ObjectIdentifier: Int] = [:]
        for (i, d) in decls.tables.enumerated() {
            let file = ObjectIdentifier(d.reader)
            if let g = groupOfFile[file] { groups[g].append(i) } else {
                groupOfFile[file] = groups.count
                groups.append([i])
            }
        }
        let base = UncheckedSendable(self)
        let results = parallelMap(groups) { group -> (tables: [(Int, Table)], pending: [PendingForeignKey], claims: [RelationClaim]) in
            var worker = base.value
            var tables: [(Int, Table)] = []
            for i in group {
                worker.currentDeclaration = i
                if let t = worker.resolveTable(worker.decls.tables[i]) { tables.append((i, t)) }
            }
            return (tables, worker.pendingForeignKeys, worker.relationClaims)
        }
        var byDeclaration: [Int: Table] = [:]
        for r in results {
            for (i, t) in r.tables { byDeclaration[i] = t }
            pendingForeignKeys += r.pending
        }
        // Claims in declaration order; a losing index or partition is dropped.
        var losers: [Int: (indexes: [Int], partitions: [Int])] = [:]
        for claim in results.flatMap(\.claims).sorted(by: { ($0.declaration, $0.sequence) < ($1.declaration, $1.sequence) }) {
            guard byDeclaration[claim.declaration] != nil else { continue }
            if !decls.relationNames.claim(claim.name.description, display: claim.display, at: claim.location, claim.reader, kind: claim.kind) {
                switch claim.owner {
                case .index(let position): losers[claim.declaration, default: ([], [])].indexes.append(position)
                case .partition(let position): losers[claim.declaration, default: ([], [])].partitions.append(position)
                case .constraint: break
                }
            }
        }
        for i in byDeclaration.keys.sorted() {
            var table = byDeclaration[i]!
            if let lost = losers[i] {
                for p in lost.indexes.sorted(by: >) { table.indexes.remove(at: p) }
                for p in lost.partitions.sorted(by: >) { table.partitions.remove(at: p) }
            }
            tableIndex[table.name] = schema.tables.count
            schema.tables.append(table)
        }
    }

    /// Records a relation name for `resolveTables` to check.
    mutating func claimRelation(_ name: QualifiedName, display: String, at location: SourceLocation, _ reader: NodeReader,
                                kind: String = "relation", owner: RelationClaim.Owner) {
        relationClaims.append(RelationClaim(name: name, display: display, location: location, reader: reader, kind: kind,
                                            owner: owner, declaration: currentDeclaration, sequence: relationClaims.count))
    }

    /// One trigger function serves every `auto_updated_at`: the column to stamp is
    /// its argument, so tables may name the column as they like.
    static func updatedAtFunction(schema: String) -> Function {
        Function(
            name: QualifiedName(schema: schema, name: sharedUpdatedAtFunction),
            returns: "trigger",
            language: "plpgsql",
            body: """
                BEGIN
                    NEW := jsonb_populate_record(NEW, jsonb_build_object(TG_ARGV[0], now()));
                    RETURN NEW;
                END;
                """,
            comment: "Sets the column named by the trigger's argument to now() on every update (schemac auto_updated_at).")
    }

    // MARK: Enums and functions

    mutating func resolveEnum(_ d: Declaration) {
        let r = d.reader
        var valuesNode: Node? = d.node
        var comment: String?
        if case .mapping = d.node {
            guard let f = r.fields(d.node, "enum '\(d.name.name)'", allowed: ["values", "comment"]) else { return }
            valuesNode = f["values"]
            comment = f["comment"].flatMap { r.string($0, "comment") }
            if valuesNode == nil { r.report(.missingKey("values", in: "enum '\(d.name.name)'", at: f.location)) }
        }
        guard let node = valuesNode, let items = r.sequence(node, "the values of enum '\(d.name.name)'") else { return }
        var values: [String] = []
        var seen = Namespace(kind: "enum value")
        for item in items {
            guard let v = r.scalar(item, "an enum value") else { continue }
            if v.isEmpty { r.report(.emptyName("enum value", at: r.location(item))); continue }
            if Identifier.byteCount(v) > Identifier.maxBytes {
                r.report(.identifierTooLong(v, bytes: Identifier.byteCount(v), at: r.location(item)))
                continue
            }
            if seen.claim(v, at: r.location(item), r) { values.append(v) }
        }
        if items.isEmpty {
            r.report(.invalidValue("enum '\(d.name.name)' has no values", at: r.location(node)))
        }
        let e = EnumType(name: d.name, values: values, comment: comment)
        enumsByName[d.name] = e
        schema.enums.append(e)
    }

    static let functionKeys = ["args", "returns", "language", "body", "volatility", "security_definer", "comment"]

    mutating func resolveFunction(_ d: Declaration) {
        let r = d.reader
        let what = "function '\(d.name.name)'"
        guard let f = r.fields(d.node, what, allowed: Self.functionKeys) else { return }
        guard let returnsNode = f["returns"] else { r.report(.missingKey("returns", in: what, at: f.location)); return }
        guard let bodyNode = f["body"] else { r.report(.missingKey("body", in: what, at: f.location)); return }
        guard let returns = r.string(returnsNode, "returns"), let body = r.string(bodyNode, "body") else { return }
        let language = f["language"].flatMap { r.name($0, "language") } ?? "plpgsql"
        let volatility: Function.Volatility? = f["volatility"].flatMap {
            r.choice($0, "volatility", [("volatile", .volatile), ("stable", .stable), ("immutable", .immutable)])
        }
        let fn = Function(name: d.name, arguments: f["args"].flatMap { r.string($0, "args") } ?? "", returns: returns,
                          language: language, body: body, volatility: volatility,
                          securityDefiner: f["security_definer"].flatMap { r.bool($0, "security_definer") } ?? false,
                          comment: f["comment"].flatMap { r.string($0, "comment") })
        functionsByName[d.name] = fn
        schema.functions.append(fn)
    }

    // MARK: Tables

    static let tableKeys = ["comment", "tenant", "columns", "primary_key", "unique", "checks", "foreign_keys", "indexes",
                            "policies", "grants", "auto_updated_at", "triggers", "partition_by", "partitions", "renamed_from"]
    static let columnKeys = ["type", "nullable", "primary_key", "unique", "index", "default", "default_sql", "check",
                             "references", "on_delete", "on_update", "identity", "generated", "comment", "renamed_from"]

    func typeParser(defaultSchema: String) -> TypeParser {
        TypeParser(enums: enumsByName, extensions: Set(schema.extensions), defaultSchema: defaultSchema)
    }

    /// Resolves a type as written, reporting what is wrong with it.
    mutating func resolveType(_ written: String, _ node: Node, _ r: NodeReader, defaultSchema: String) -> PostgresType? {
        let key = defaultSchema + "\u{0}" + written
        if let cached = typeCache[key] { return cached }
        switch typeParser(defaultSchema: defaultSchema).parse(written) {
        case .success(let t):
            typeCache[key] = t
            return t
        case .failure(.unknown(let suggestion, let enumLike)):
            if enumLike {
                r.report(.unknownEnum(written, suggestion: suggestion, at: r.location(node)))
            } else {
                r.report(.unknownType(written, suggestion: suggestion, at: r.location(node)))
            }
        case .failure(.unsupported(let advice)):
            r.report(.unsupportedType(written, advice: advice, at: r.location(node)))
        case .failure(.badModifiers(let why)):
            r.report(.invalidValue("type '\(written)': \(why)", at: r.location(node)))
        case .failure(.needsExtension(let ext)):
            r.report(.unsupportedType(written, advice: "it comes with the extension '\(ext)'; add it to postgres.extensions", at: r.location(node)))
        }
        return nil
    }

    func enumValues(_ type: PostgresType) -> [String]? {
        if case .enumeration(let name) = type.base, !type.isArray { return enumsByName[name]?.values }
        return nil
    }

    mutating func resolveColumn(_ entry: Fields.Entry, table: inout Table, tableDecl d: Declaration,
                                constraintNames: inout Namespace, columnPrimaryKeys: inout [(String, Node)],
                                columnIndexes: inout [(index: Index, node: Node)]) -> Column? {
        let r = d.reader
        let name = entry.key
        let what = "column '\(name)'"
        var typeNode: Node
        var fields: Fields?
        switch entry.value {
        case .scalar:
            typeNode = entry.value
        case .mapping:
            guard let f = r.fields(entry.value, what, allowed: Self.columnKeys) else { return nil }
            guard let t = f["type"] else {
                r.report(.missingKey("type", in: what, at: f.location))
                return nil
            }
            fields = f
            typeNode = t
        default:
            r.report(.wrongKind(what, expected: .stringOrMapping, found: r.describe(entry.value), at: r.location(entry.value)))
            return nil
        }
        guard var written = r.string(typeNode, "the type of \(what)") else { return nil }
        var nullable = false
        if written.hasSuffix("?") {
            nullable = true
            written = String(written.dropLast())
        }
        guard let type = resolveType(written, typeNode, r, defaultSchema: d.defaultSchema) else {
            // The values that do not depend on the type are still read: one
            // bad value does not hide the next.
            if let f = fields {
                if let n = f["identity"] { _ = r.choice(n, "identity", [("always", 0), ("by_default", 1), ("by default", 1)]) }
                for key in ["on_delete", "on_update"] { if let n = f[key] { _ = referentialAction(n, r, key) } }
                for key in ["nullable", "primary_key", "unique", "index"] { if let n = f[key], case .scalar = n { _ = r.bool(n, key) } }
            }
            return nil
        }
        var column = Column(name: name, type: type, nullable: nullable)
        guard let f = fields else { return column }

        if let n = f["nullable"], let b = r.bool(n, "nullable") { column.nullable = column.nullable || b }
        if let n = f["comment"] { column.comment = r.string(n, "comment") }
        if let n = f["renamed_from"] { column.renamedFrom = r.name(n, "renamed_from") }
        if let n = f["generated"] { column.generated = r.string(n, "generated") }
        if let n = f["identity"] {
            column.identity = r.choice(n, "identity", [("always", .always), ("by_default", .byDefault), ("by default", .byDefault)])
            if column.identity != nil {
                if !Self.isIdentityCapable(type) {
                    r.report(.invalidValue("identity column '\(name)' must be smallint, integer or bigint, not \(type.sql)", at: r.location(n)))
                }
            }
        }
        let exclusive = ["default", "default_sql", "identity", "generated"].filter { f.has($0) }
        if exclusive.count > 1 {
            r.report(.conflictingKeys(exclusive[0], exclusive[1], in: what, at: r.location(f.keyNode(exclusive[1])!)))
        }
        if let n = f["default_sql"] { column.defaultSQL = r.string(n, "default_sql") }
        if let n = f["default"], !f.has("default_sql") {
            column.defaultSQL = literalDefault(n, column: column, r)
        }
        if let n = f["primary_key"], r.bool(n, "primary_key") == true {
            columnPrimaryKeys.append((name, n))
            if column.nullable {
                r.report(.conflictingKeys("primary_key", "nullable", in: what, at: r.location(n)))
            }
        }
        if let n = f["unique"], r.bool(n, "unique") == true {
            let cname = Identifier.derived(d.name.name, name, label: "key")
            if constraintNames.claim(cname, at: r.location(n), r) {
                table.uniques.append(UniqueConstraint(name: cname, columns: [name]))
            }
        }
        if let n = f["index"], r.bool(n, "index") == true {
            columnIndexes.append((Index(name: Identifier.derived(d.name.name, name, label: "idx"), keys: [.column(name)]), n))
        }
        if let n = f["check"], let expr = r.string(n, "check") {
            let cname = Identifier.derived(d.name.name, name, label: "check")
            if constraintNames.claim(cname, at: r.location(n), r) {
                table.checks.append(CheckConstraint(name: cname, expression: expr))
            }
        }
        if let n = f["references"], let ref = r.string(n, "references"),
           let target = parseReference(ref, r, n, defaultSchema: d.defaultSchema) {
            let cname = Identifier.derived(d.name.name, name, label: "fkey")
            if constraintNames.claim(cname, at: r.location(n), r) {
                let fk = ForeignKey(name: cname, columns: [name], referencedTable: target.table, referencedColumns: target.columns,
                                    onDelete: f["on_delete"].flatMap { referentialAction($0, r, "on_delete") } ?? .noAction,
                                    onUpdate: f["on_update"].flatMap { referentialAction($0, r, "on_update") } ?? .noAction)
                table.foreignKeys.append(fk)
                pendingForeignKeys.append((d.name, fk, n, r, ref, d.defaultSchema, target.columns.isEmpty))
            }
        } else if f["references"] == nil {
            for key in ["on_delete", "on_update"] where f.has(key) {
                r.report(.invalidValue("'\(key)' applies only to a column with 'references'", at: r.location(f.keyNode(key)!)))
            }
        }
        return column
    }

    static func isIdentityCapable(_ type: PostgresType) -> Bool {
        guard !type.isArray, case .builtin(let b) = type.base else { return false }
        return b == .smallint || b == .integer || b == .bigint
    }

    /// `default:` as a quoted literal of the column's type.
    func literalDefault(_ node: Node, column: Column, _ r: NodeReader) -> String? {
        if r.isNull(node) { return nil }
        switch node {
        case .sequence(let seq) where column.type.isArray:
            var items: [String] = []
            var valid = true
            for item in seq {
                guard let s = r.scalar(item, "an array item") else { return nil }
                switch Literals.render(s, as: column.type.element, enumValues: enumValues(column.type)) {
                case .success: items.append(s)
                case .failure(let failure):
                    r.report(.invalidDefault(s, column: column.name, type: column.type.element.sql, reason: failure.reason, at: r.location(item)))
                    valid = false
                }
            }
            return valid ? Literals.arrayLiteral(items) : nil
        case .mapping, .sequence:
            if let b = column.type.builtin, b == .json || b == .jsonb, !column.type.isArray {
                return SQL.literal(JSONText.render(node))
            }
            r.report(.wrongKind("the default of column '\(column.name)'", expected: .scalar, found: r.describe(node), at: r.location(node)))
            return nil
        default:
            guard let value = r.scalar(node, "default") else { return nil }
            switch Literals.render(value, as: column.type, enumValues: enumValues(column.type)) {
            case .success(let sql): return sql
            case .failure(.looksLikeCall):
                r.report(.defaultLooksLikeCall(value, column: column.name, type: column.type.sql, at: r.location(node)))
            case .failure(.invalid(let why)):
                r.report(.invalidDefault(value, column: column.name, type: column.type.sql, reason: why, at: r.location(node)))
            }
            return nil
        }
    }

    func referentialAction(_ node: Node, _ r: NodeReader, _ what: String) -> ReferentialAction? {
        r.choice(node, what, [("cascade", .cascade), ("restrict", .restrict), ("set null", .setNull), ("set_null", .setNull),
                              ("set default", .setDefault), ("set_default", .setDefault), ("no action", .noAction), ("no_action", .noAction)])
    }

    /// `table.column`, `schema.table.column`, `table(col, ...)`, or `table` (its primary key).
    func parseReference(_ text: String, _ r: NodeReader, _ node: Node, defaultSchema: String) -> (table: QualifiedName, columns: [String])? {
        let trimmed = text.trimmedSpaces()
        if let open = trimmed.firstIndex(of: "("), trimmed.hasSuffix(")") {
            let tablePart = trimmed[..<open].trimmedSpaces()
            let cols = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
                .split(separator: ",").map { $0.trimmedSpaces() }
            guard !tablePart.isEmpty, !cols.isEmpty, !cols.contains(where: \.isEmpty) else {
                r.report(.invalidValue("'\(text)' is not a reference; write table.column or table(column, ...)", at: r.location(node)))
                return nil
            }
            return (QualifiedName(parsing: tablePart, defaultSchema: defaultSchema), cols)
        }
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !parts.contains(where: \.isEmpty), !trimmed.contains("("), !trimmed.contains(")") else {
            r.report(.invalidValue("'\(text)' is not a reference; write table.column or table(column, ...)", at: r.location(node)))
            return nil
        }
        switch parts.count {
        case 1: return (QualifiedName(schema: defaultSchema, name: parts[0]), [])
        case 2:
            // `a.b` is table.column unless `a.b` names a table (schema.table).
            let asTable = QualifiedName(schema: parts[0], name: parts[1])
            if declaredTables.contains(asTable) && !declaredTables.contains(QualifiedName(schema: defaultSchema, name: parts[0])) {
                return (asTable, [])
            }
            return (QualifiedName(schema: defaultSchema, name: parts[0]), [parts[1]])
        case 3: return (QualifiedName(schema: parts[0], name: parts[1]), [parts[2]])
        default:
            r.report(.invalidValue("'\(text)' is not a reference; write table.column or table(column, ...)", at: r.location(node)))
            return nil
        }
    }

    mutating func checkForeignKeys() {
        for pending in pendingForeignKeys {
            let r = pending.reader
            guard let ti = tableIndex[pending.fk.referencedTable], let source = tableIndex[pending.table] else {
                if tableIndex[pending.table] != nil {
                    let candidates = schema.tables.map { $0.name.display(defaultSchema: pending.targetDefaultSchema) }
                    let written = pending.fk.referencedTable.display(defaultSchema: pending.targetDefaultSchema)
                    if !declaredTables.contains(pending.fk.referencedTable) {
                        r.report(.unknownTable(written, suggestion: Spelling.closest(to: written, among: candidates), at: r.location(pending.node)))
                    }
                }
                continue
            }
            let target = schema.tables[ti]
            let targetName = target.name.display(defaultSchema: pending.targetDefaultSchema)
            var fk = pending.fk
            if pending.implicitColumns {
                guard let pk = target.primaryKey else {
                    r.report(.foreignKeyMismatch("table '\(targetName)' has no primary key; name the referenced column(s)", at: r.location(pending.node)))
                    continue
                }
                fk.referencedColumns = pk.columns
            }
            var ok = true
            for c in fk.referencedColumns where target.column(named: c) == nil {
                ok = false
                r.report(.unknownColumn(c, table: targetName, suggestion: Spelling.closest(to: c, among: target.columns.map(\.name)), at: r.location(pending.node)))
            }
            guard ok else { continue }
            if fk.referencedColumns.count != fk.columns.count {
                r.report(.foreignKeyMismatch("foreign key '\(fk.name)' has \(fk.columns.count) column(s) but references \(fk.referencedColumns.count)", at: r.location(pending.node)))
                continue
            }
            let keySets = ([target.primaryKey?.columns].compactMap { $0 } + target.uniques.map(\.columns)
                + target.indexes.filter { $0.unique && $0.predicate == nil }.compactMap { idx -> [String]? in
                    let cols = idx.keys.compactMap(\.column)
                    return cols.count == idx.keys.count ? cols : nil
                }).map(Set.init)
            if !keySets.contains(Set(fk.referencedColumns)) {
                r.report(.foreignKeyMismatch("the referenced column(s) \(fk.referencedColumns.map { "'\($0)'" }.joined(separator: ", ")) of table '\(targetName)' are not its primary key or a unique constraint", at: r.location(pending.node)))
                continue
            }
            let sourceTable = schema.tables[source]
            for (a, b) in zip(fk.columns, fk.referencedColumns) {
                if let ca = sourceTable.column(named: a), let cb = target.column(named: b), !Self.comparable(ca.type, cb.type) {
                    r.report(.foreignKeyMismatch("column '\(a)' (\(ca.type.sql)) cannot reference '\(targetName).\(b)' (\(cb.type.sql))", at: r.location(pending.node)))
                    ok = false
                }
            }
            guard ok else { continue }
            if let i = schema.tables[source].foreignKeys.firstIndex(where: { $0.name == fk.name }) {
                schema.tables[source].foreignKeys[i] = fk
            }
        }
    }

    /// Whether PostgreSQL has an equality operator between the two types.
    static func comparable(_ a: PostgresType, _ b: PostgresType) -> Bool {
        if a.base == b.base && a.isArray == b.isArray { return true }
        guard let x = a.builtin, let y = b.builtin, a.isArray == b.isArray else { return false }
        let families: [Set<BuiltinType>] = [
            [.smallint, .integer, .bigint, .numeric, .real, .doublePrecision],
            [.text, .varchar, .character],
            [.timestamp, .timestamptz, .date],
        ]
        return families.contains { $0.contains(x) && $0.contains(y) }
    }

    // MARK: Indexes, policies, grants, triggers

    static let indexKeys = ["name", "columns", "expression", "opclass", "using", "unique", "include", "where", "comment"]
    static let indexKeyKeys = ["column", "opclass", "order", "nulls"]

    /// An item of `columns:`: a column name, or `{column, opclass, order, nulls}`.
    func indexKey(_ node: Node, _ r: NodeReader) -> (String, Index.Key)? {
        if case .mapping = node {
            guard let f = r.fields(node, "an index column", allowed: Self.indexKeyKeys) else { return nil }
            guard let c = f["column"] else { r.report(.missingKey("column", in: "an index column", at: f.location)); return nil }
            guard let name = r.name(c, "column") else { return nil }
            var key = Index.Key.column(name)
            key.opclass = f["opclass"].flatMap { r.name($0, "opclass") }
            key.descending = f["order"].flatMap { r.choice($0, "sort order", [("asc", false), ("desc", true)]) } ?? false
            key.nullsFirst = f["nulls"].flatMap { r.choice($0, "nulls order", [("first", true), ("last", false)]) }
            return (name, key)
        }
        guard let name = r.name(node, "an index column") else { return nil }
        return (name, .column(name))
    }

    func resolveIndex(_ item: Node, _ d: Declaration, _ r: NodeReader, _ checkColumns: ([String], Node) -> Bool) -> Index? {
        guard let f = r.fields(item, "an index", allowed: Self.indexKeys) else { return nil }
        var keys: [Index.Key] = []
        var nameParts: [String] = []
        if f.has("columns") && f.has("expression") {
            r.report(.conflictingKeys("columns", "expression", in: "an index", at: f.location))
            return nil
        }
        if let n = f["columns"] {
            let items: [Node]
            if case .sequence(let s) = n { items = Array(s) } else { items = [n] }
            let parsed = items.map { indexKey($0, r) }
            guard !parsed.contains(where: { $0 == nil }) else { return nil }
            let cols = parsed.map { $0!.0 }
            guard !cols.isEmpty, checkColumns(cols, n) else {
                if cols.isEmpty { r.report(.invalidValue("an index needs at least one column", at: r.location(n))) }
                return nil
            }
            keys = parsed.map { $0!.1 }
            nameParts = cols
            if f.has("opclass") {
                r.report(.invalidValue("'opclass' goes with 'expression'; for columns write {column: name, opclass: ...}", at: r.location(f.keyNode("opclass")!)))
            }
        } else if let n = f["expression"] {
            guard let expr = r.string(n, "expression") else { return nil }
            keys = [Index.Key(.expression(expr), opclass: f["opclass"].flatMap { r.name($0, "opclass") })]
            nameParts = ["expr"]
        } else {
            r.report(.missingKey("columns", in: "an index", at: f.location))
            return nil
        }
        var index = Index(name: "", keys: keys)
        index.method = f["using"].flatMap { r.choice($0, "index method", Index.Method.allCases.map { ($0.rawValue, $0) }) } ?? .btree
        index.unique = f["unique"].flatMap { r.bool($0, "unique") } ?? false
        if index.unique && ![.btree].contains(index.method) {
            r.report(.invalidValue("a unique index must use btree, not \(index.method.rawValue)", at: r.location(f["using"]!)))
        }
        if let n = f["include"], let cols = r.stringList(n, "include", allowSingle: true) {
            if checkColumns(cols, n) { index.include = cols }
        }
        index.predicate = f["where"].flatMap { r.string($0, "where") }
        index.comment = f["comment"].flatMap { r.string($0, "comment") }
        if let n = f["name"] {
            guard let name = r.name(n, "index name"), checkIdentifier(name, n, r) else { return nil }
            index.name = name
        } else {
            index.name = Identifier.derived(d.name.name, nameParts.joined(separator: "_"), label: "idx")
        }
        return index
    }

    func resolvePolicy(_ entry: Fields.Entry, _ r: NodeReader) -> Policy? {
        let what = "policy '\(entry.key)'"
        guard let f = r.fields(entry.value, what, allowed: ["for", "to", "using", "with_check", "as"]) else { return nil }
        var policy = Policy(name: entry.key)
        if let n = f["for"] { policy.command = r.choice(n, "policy command", Policy.Command.allCases.map { ($0.rawValue, $0) }) ?? .all }
        if let n = f["as"] { policy.permissive = r.choice(n, "policy kind", [("permissive", true), ("restrictive", false)]) ?? true }
        if let n = f["to"], let roles = r.stringList(n, "to", allowSingle: true) {
            policy.roles = checkRoles(roles.filter { $0.lowercased() != "public" }, n, r)
        }
        policy.using = f["using"].flatMap { r.string($0, "using") }
        policy.withCheck = f["with_check"].flatMap { r.string($0, "with_check") }
        if policy.using == nil && policy.withCheck == nil {
            r.report(.missingKey("using", in: what, at: f.location))
            return nil
        }
        if policy.command == .insert, policy.using != nil {
            r.report(.invalidValue("an insert policy takes only with_check, not using", at: r.location(f.keyNode("using")!)))
        }
        if [.select, .delete].contains(policy.command), policy.withCheck != nil {
            r.report(.invalidValue("a \(policy.command.rawValue) policy takes only using, not with_check", at: r.location(f.keyNode("with_check")!)))
        }
        return policy
    }

    func checkRoles(_ roles: [String], _ node: Node, _ r: NodeReader) -> [String] {
        for role in roles where !roleSet.contains(role) {
            r.report(.unknownRole(role, suggestion: Spelling.closest(to: role, among: roleSet), at: r.location(node)))
        }
        return roles
    }

    func resolveGrants(_ node: Node, _ r: NodeReader) -> [Grant] {
        var grants: [Grant] = []
        var seen = Namespace(kind: "grant for role")
        for entry in r.namedEntries(node, "grants") ?? [] {
            guard seen.claim(entry.key, at: r.location(entry.keyNode), r) else { continue }
            if !roleSet.contains(entry.key) {
                r.report(.unknownRole(entry.key, suggestion: Spelling.closest(to: entry.key, among: roleSet), at: r.location(entry.keyNode)))
                continue
            }
            guard let words = r.stringList(entry.value, "the privileges of '\(entry.key)'", allowSingle: true) else { continue }
            var privileges: [Privilege] = []
            for word in words {
                if word.lowercased() == "all" { privileges = Privilege.allCases; break }
                if let p = Privilege(rawValue: word.lowercased()) {
                    if !privileges.contains(p) { privileges.append(p) }
                } else {
                    r.report(.invalidValue(word, for: "privilege", allowed: Privilege.allCases.map(\.rawValue) + ["all"], at: r.location(entry.value)))
                }
            }
            if !privileges.isEmpty { grants.append(Grant(role: entry.key, privileges: privileges.sorted())) }
        }
        return grants
    }

    func resolveTrigger(_ entry: Fields.Entry, _ r: NodeReader, defaultSchema: String) -> Trigger? {
        let what = "trigger '\(entry.key)'"
        guard let f = r.fields(entry.value, what, allowed: ["function", "timing", "events", "for_each", "when", "args"]) else { return nil }
        guard let fnNode = f["function"] else { r.report(.missingKey("function", in: what, at: f.location)); return nil }
        guard let fnName = r.name(fnNode, "function") else { return nil }
        let fn = QualifiedName(parsing: fnName, defaultSchema: defaultSchema)
        if fn.schema != "pg_catalog" {
            guard let def = functionsByName[fn] else {
                let names = functionsByName.keys.map { $0.display(defaultSchema: defaultSchema) }
                r.report(.unknownFunction(fnName, suggestion: Spelling.closest(to: fnName, among: names), at: r.location(fnNode)))
                return nil
            }
            if def.returns.lowercased() != "trigger" {
                r.report(.invalidValue("function '\(fnName)' returns \(def.returns), but a trigger function must return trigger", at: r.location(fnNode)))
            }
        }
        guard let timingNode = f["timing"] else { r.report(.missingKey("timing", in: what, at: f.location)); return nil }
        guard let eventsNode = f["events"] else { r.report(.missingKey("events", in: what, at: f.location)); return nil }
        guard let timing = r.choice(timingNode, "trigger timing", [("before", Trigger.Timing.before), ("after", .after), ("instead_of", .insteadOf), ("instead of", .insteadOf)]),
              let words = r.stringList(eventsNode, "events", allowSingle: true) else { return nil }
        var events: [Trigger.Event] = []
        for w in words {
            guard let e = Trigger.Event(rawValue: w.lowercased()) else {
                r.report(.invalidValue(w, for: "trigger event", allowed: Trigger.Event.allCases.map(\.rawValue), at: r.location(eventsNode)))
                return nil
            }
            if !events.contains(e) { events.append(e) }
        }
        if events.isEmpty { r.report(.invalidValue("a trigger needs at least one event", at: r.location(eventsNode))); return nil }
        let row = f["for_each"].flatMap { r.choice($0, "for_each", [("row", true), ("statement", false)]) } ?? true
        return Trigger(name: entry.key, timing: timing, events: events, forEachRow: row, function: fn,
                       arguments: f["args"].flatMap { r.stringList($0, "args", allowSingle: true) } ?? [],
                       when: f["when"].flatMap { r.string($0, "when") })
    }

    // MARK: Partitions

    mutating func resolvePartitioning(_ f: Fields, _ table: inout Table, _ d: Declaration, _ r: NodeReader,
                                      _ checkColumns: ([String], Node) -> Bool) {
        let tname = d.name.display(defaultSchema: d.defaultSchema)
        guard let byNode = f["partition_by"] else {
            if let p = f["partitions"] {
                r.report(.partitionMismatch("table '\(tname)' lists partitions but has no partition_by", at: r.location(p)))
            }
            return
        }
        guard let by = r.fields(byNode, "partition_by", allowed: ["range", "list", "hash", "partitions"]) else { return }
        let strategies = Partitioning.Strategy.allCases.filter { by.has($0.rawValue) }
        guard strategies.count == 1, let strategy = strategies.first, let colsNode = by[strategy.rawValue] else {
            r.report(.partitionMismatch("partition_by needs exactly one of 'range', 'list' or 'hash'", at: by.location))
            return
        }
        guard let cols = r.stringList(colsNode, strategy.rawValue, allowSingle: true), !cols.isEmpty, checkColumns(cols, colsNode) else { return }
        if strategy == .list && cols.count != 1 {
            r.report(.partitionMismatch("list partitioning takes exactly one column", at: r.location(colsNode)))
            return
        }
        table.partitioning = Partitioning(strategy: strategy, columns: cols)

        // Unique keys of a partitioned table must contain the partition key.
        let keyed = ([table.primaryKey.map { ("the primary key", $0.columns) }].compactMap { $0 })
            + table.uniques.map { ("unique constraint '\($0.name)'", $0.columns) }
            + table.indexes.filter(\.unique).map { ("unique index '\($0.name)'", $0.keys.compactMap(\.column)) }
        for (label, columns) in keyed {
            let missing = cols.filter { !columns.contains($0) }
            if !missing.isEmpty {
                r.report(.partitionKeyNotInUnique(table: tname, constraint: label, missing: missing, at: r.location(byNode)))
            }
        }

        var partitionNames = Namespace(kind: "partition")
        if let countNode = by["partitions"] {
            guard strategy == .hash else {
                r.report(.partitionMismatch("'partitions: N' creates hash partitions; it does not go with \(strategy.rawValue) partitioning", at: r.location(countNode)))
                return
            }
            guard let count = r.integer(countNode, "partitions") else { return }
            guard (1...1024).contains(count) else {
                r.report(.partitionMismatch("hash partition count must be between 1 and 1024, not \(count)", at: r.location(countNode)))
                return
            }
            if let listed = f["partitions"] {
                r.report(.partitionMismatch("table '\(tname)' has both partition_by.partitions and a partitions list; use one", at: r.location(listed)))
                return
            }
            for i in 0..<count {
                let name = QualifiedName(schema: d.name.schema, name: Identifier.derived(d.name.name, nil, label: "p\(i)"))
                claimRelation(name, display: name.name, at: r.location(countNode), r, owner: .partition(table.partitions.count))
                table.partitions.append(Partition(name: name, bound: .hash(modulus: count, remainder: i)))
            }
            return
        }
        guard let listNode = f["partitions"] else { return }
        let columnTypes = cols.compactMap { table.column(named: $0)?.type }
        var hasDefault = false
        for entry in r.namedEntries(listNode, "partitions") ?? [] {
            let loc = r.location(entry.keyNode)
            guard !entry.key.isEmpty else { r.report(.emptyName("partition", at: loc)); continue }
            let name = QualifiedName(parsing: entry.key, defaultSchema: d.name.schema)
            guard checkIdentifier(name.name, entry.keyNode, r), partitionNames.claim(name.description, at: loc, r) else { continue }
            // Claimed just before each append below, so the claim knows its position.
            let claim = { (resolver: inout PostgresResolver, table: Table) in
                resolver.claimRelation(name, display: entry.key, at: loc, r, owner: .partition(table.partitions.count))
            }
            if case .scalar(let s) = entry.value, s.string.lowercased() == "default" {
                if strategy == .hash {
                    r.report(.partitionMismatch("a hash-partitioned table cannot have a default partition", at: r.location(entry.value)))
                    continue
                }
                if hasDefault {
                    r.report(.partitionMismatch("table '\(tname)' has more than one default partition", at: r.location(entry.value)))
                    continue
                }
                hasDefault = true
                claim(&self, table)
                table.partitions.append(Partition(name: name, bound: .default))
                continue
            }
            guard let p = r.fields(entry.value, "partition '\(entry.key)'", allowed: ["from", "to", "in", "modulus", "remainder"]) else { continue }
            let given = Set(p.entries.map(\.key))
            switch strategy {
            case .range:
                guard given == ["from", "to"], let from = bounds(p["from"]!, columnTypes, r, range: true),
                      let to = bounds(p["to"]!, columnTypes, r, range: true) else {
                    if given != ["from", "to"] {
                        r.report(.partitionMismatch("partition '\(entry.key)' of range-partitioned table '\(tname)' needs 'from' and 'to' (or the word default)", at: p.location))
                    }
                    continue
                }
                claim(&self, table)
                table.partitions.append(Partition(name: name, bound: .range(from: from, to: to)))
            case .list:
                guard given == ["in"], let values = r.sequence(p["in"]!, "in") else {
                    if given != ["in"] {
                        r.report(.partitionMismatch("partition '\(entry.key)' of list-partitioned table '\(tname)' needs 'in: [values]' (or the word default)", at: p.location))
                    }
                    continue
                }
                var rendered: [String] = []
                for v in values {
                    if let sql = bound(v, columnTypes[0], r, range: false) { rendered.append(sql) }
                }
                guard rendered.count == values.count, !values.isEmpty else {
                    if values.isEmpty { r.report(.partitionMismatch("partition '\(entry.key)' lists no values", at: p.location)) }
                    continue
                }
                claim(&self, table)
                table.partitions.append(Partition(name: name, bound: .list(rendered)))
            case .hash:
                guard given == ["modulus", "remainder"], let m = r.integer(p["modulus"]!, "modulus"), let rem = r.integer(p["remainder"]!, "remainder") else {
                    if given != ["modulus", "remainder"] {
                        r.report(.partitionMismatch("partition '\(entry.key)' of hash-partitioned table '\(tname)' needs 'modulus' and 'remainder'", at: p.location))
                    }
                    continue
                }
                guard m > 0, (0..<m).contains(rem) else {
                    r.report(.partitionMismatch("hash partition remainder must be at least 0 and less than the modulus", at: p.location))
                    continue
                }
                claim(&self, table)
                table.partitions.append(Partition(name: name, bound: .hash(modulus: m, remainder: rem)))
            }
        }
    }

    /// A range bound: one value per partition column.
    func bounds(_ node: Node, _ types: [PostgresType], _ r: NodeReader, range: Bool) -> [String]? {
        let items: [Node]
        if case .sequence(let s) = node { items = Array(s) } else { items = [node] }
        guard items.count == types.count else {
            r.report(.partitionMismatch("the bound has \(items.count) value(s) but the table is partitioned by \(types.count) column(s)", at: r.location(node)))
            return nil
        }
        var out: [String] = []
        for (item, type) in zip(items, types) {
            guard let sql = bound(item, type, r, range: range) else { return nil }
            out.append(sql)
        }
        return out
    }

    func bound(_ node: Node, _ type: PostgresType, _ r: NodeReader, range: Bool) -> String? {
        if r.isNull(node) {
            if range { r.report(.partitionMismatch("a range bound cannot be null; use MINVALUE or MAXVALUE", at: r.location(node))); return nil }
            return "NULL"
        }
        guard let value = r.scalar(node, "a partition bound") else { return nil }
        if range, case .scalar(let s) = node, s.style == .plain, ["minvalue", "maxvalue"].contains(value.lowercased()) {
            return value.uppercased()
        }
        switch Literals.render(value, as: type, enumValues: enumValues(type)) {
        case .success(let sql): return sql
        case .failure(.looksLikeCall):
            r.report(.invalidLiteral(value, what: "partition bound", type: type.sql, reason: "a bound is a constant, not an expression", at: r.location(node)))
        case .failure(.invalid(let why)):
            r.report(.invalidLiteral(value, what: "partition bound", type: type.sql, reason: why, at: r.location(node)))
        }
        return nil
    }

    // MARK: Views

    mutating func resolveView(_ d: Declaration) {
        let r = d.reader
        let what = "view '\(d.name.display(defaultSchema: d.defaultSchema))'"
        guard let f = r.fields(d.node, what, allowed: ["sql", "materialized", "comment", "grants", "security_invoker"]) else { return }
        guard let sqlNode = f["sql"] else { r.report(.missingKey("sql", in: what, at: f.location)); return }
        guard let sql = r.string(sqlNode, "sql") else { return }
        if sql.trimmingTrailingSQLNoise().allSatisfy(\.isWhitespace) {
            r.report(.invalidValue("\(what) has an empty query", at: r.location(sqlNode)))
            return
        }
        let materialized = f["materialized"].flatMap { r.bool($0, "materialized") } ?? false
        let reads = viewReads(sql, of: d, at: r.location(sqlNode))
        viewDependencies[d.name] = (reads.filter { declaredViews.contains($0) }, r.location(sqlNode))
        // A view reads as its owner unless told otherwise, row level security
        // included: over a tenant table it would show every tenant's rows.
        let readsRowSecure = reads.contains { rowSecureTables.contains($0) }
        let explicit = f["security_invoker"].flatMap { r.bool($0, "security_invoker") }
        if explicit != nil { explicitSecurityInvoker.insert(d.name) }
        if materialized, explicit == true {
            r.report(.invalidValue("\(what): a materialized view has no security_invoker; its rows are stored as its owner read them",
                                   at: r.location(f["security_invoker"]!)))
        }
        schema.views.append(View(name: d.name, query: sql, materialized: materialized,
                                 comment: f["comment"].flatMap { r.string($0, "comment") },
                                 grants: f["grants"].map { resolveGrants($0, r) } ?? [],
                                 securityInvoker: !materialized && (explicit ?? readsRowSecure)))
    }

    /// The tables and views a view's query names, each checked to exist. The
    /// query runs with search_path public (see the migration header), so an
    /// unqualified name is a relation in public, or a system one.
    mutating func viewReads(_ sql: String, of d: Declaration, at location: SourceLocation) -> [QualifiedName] {
        var reads: [QualifiedName] = []
        for ref in ViewRelations.references(in: sql) {
            let schemaName = ref.schema ?? "public"
            if ["pg_catalog", "information_schema"].contains(schemaName) || ref.schema == nil && ref.name.hasPrefix("pg_") { continue }
            let name = QualifiedName(schema: schemaName, name: ref.name)
            if knownRelations.contains(name) {
                if !reads.contains(name) { reads.append(name) }
                continue
            }
            // Outside the definitions: an extension's or another schema's relation
            // the definitions do not manage would not be known here either.
            let inSchema = knownRelations.filter { $0.schema == schemaName }.map(\.name)
            var suggestion = Spelling.closest(to: ref.name, among: inSchema).map { QualifiedName(schema: schemaName, name: $0).display(defaultSchema: "public") }
            if ref.schema == nil, let elsewhere = knownRelations.first(where: { $0.name == ref.name }) {
                suggestion = elsewhere.description
            }
            d.reader.report(.unknownTable(name.display(defaultSchema: "public"), suggestion: suggestion, in: "the query of view '\(d.name.display(defaultSchema: "public"))'",
                                          at: location))
        }
        return reads
    }

    /// A view over a view that reads as its invoker must read as its invoker
    /// too: as its owner, it would run the inner view as the owner.
    mutating func inheritSecurityInvoker() {
        var changed = true
        while changed {
            changed = false
            let invokers = Set(schema.views.filter(\.securityInvoker).map(\.name))
            for i in schema.views.indices where !schema.views[i].securityInvoker && !schema.views[i].materialized
                && !explicitSecurityInvoker.contains(schema.views[i].name) {
                if viewDependencies[schema.views[i].name]?.reads.contains(where: invokers.contains) == true {
                    schema.views[i].securityInvoker = true
                    changed = true
                }
            }
        }
    }

    /// Views that read each other, which no database can create.
    mutating func checkViewCycles() {
        var state: [QualifiedName: Int] = [:]  // 1 visiting, 2 done
        var reported = Set<QualifiedName>()
        func visit(_ v: QualifiedName, _ path: [QualifiedName]) {
            if state[v] == 2 { return }
            if state[v] == 1 {
                let cycle = Array(path.drop { $0 != v }) + [v]
                guard let (_, location) = viewDependencies[v], !cycle.contains(where: reported.contains) else { return }
                reported.formUnion(cycle)
                let r = decls.views.first { $0.name == v }!.reader
                r.report(.viewCycle(cycle.map { $0.display(defaultSchema: "public") }, at: location))
                return
            }
            state[v] = 1
            for next in viewDependencies[v]?.reads ?? [] { visit(next, path + [v]) }
            state[v] = 2
        }
        for d in decls.views { visit(d.name, []) }
    }
}
