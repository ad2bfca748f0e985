import SchemacModel

/// What `schemac pull` could not write as definitions: an object the language
/// does not hold yet (a domain, an exclusion constraint), or a detail of one
/// it does (a primary key's own name). Each is said, never dropped in silence.
public struct PullSkip: Hashable, Sendable, Comparable {
    /// The schema whose definitions file it belongs to.
    public var schema: String
    /// What kind of object it is: `domain`, `exclusion constraint`, …
    public var kind: String
    /// The object, qualified as a person reads it (`public.orders_no_overlap`).
    public var object: String
    /// What was written instead, or why nothing was.
    public var reason: String

    public init(schema: String, kind: String, object: String, reason: String) {
        self.schema = schema
        self.kind = kind
        self.object = object
        self.reason = reason
    }

    public static func < (a: PullSkip, b: PullSkip) -> Bool {
        (a.schema, a.object, a.kind, a.reason) < (b.schema, b.object, b.kind, b.reason)
    }
}

/// One definitions file of a pulled database: the objects of one schema.
public struct PulledFile: Sendable {
    public var schema: String
    public var document: YAMLValue
}

/// A live database's model written back as definitions, the way a person
/// would write them: shorthand where it fits, names only where they differ
/// from the ones schemac derives, `tenant: true` and `auto_updated_at` where
/// the database holds exactly what they generate. The inverse of the
/// resolver, and checked against it: loading what this writes gives the
/// model it was given (the pull tests hold every case to that).
public enum PostgresPull {
    public struct Result: Sendable {
        /// Schema by schema, in name order; a schema with nothing to write has no file.
        public var files: [PulledFile]
        public var skipped: [PullSkip]
    }

    /// `leavingOut`: functions not to write, already said to be skipped
    /// (their signatures name types the definitions create after them).
    public static func definitions(of schema: PostgresSchema, schemas: [String], leavingOut functions: Set<QualifiedName> = []) -> Result {
        var model = schema
        model.functions.removeAll { functions.contains($0.name) }
        var writer = PullWriter(model, schemas: schemas)
        return writer.write()
    }
}

/// The state of one pull: what is recognised across tables (the tenancy,
/// the shared updated-at function), and what was skipped so far.
struct PullWriter {
    let model: PostgresSchema
    let schemas: [String]
    var skipped: [PullSkip] = []
    /// `tenancy:` as recognised from the tenant tables' policies.
    var tenancy: (column: String, setting: String)?
    var tenantTables: Set<QualifiedName> = []
    /// Where the shared auto_updated_at function lives, when every trigger on it is schemac's own.
    var updatedAtFunction: QualifiedName?
    /// Functions written, by name: a trigger may only call one of these.
    var writtenFunctions: Set<QualifiedName> = []
    /// Roles a grant or policy names: the ones `roles:` lists.
    var rolesUsed: Set<String> = []
    /// Enum labels by type, to read defaults of enum columns.
    let enumLabels: [QualifiedName: [String]]
    let tableNames: Set<QualifiedName>
    /// The columns that can be written, by table: the tables written.
    let writtenColumns: [QualifiedName: Set<String>]

    init(_ model: PostgresSchema, schemas: [String]) {
        self.model = model
        self.schemas = schemas
        enumLabels = Dictionary(model.enums.map { ($0.name, $0.values) }, uniquingKeysWith: { a, _ in a })
        tableNames = Set(model.tables.map(\.name))
        let labels = enumLabels, inScope = Set(schemas)
        writtenColumns = Self.writableColumns(model, schemas: inScope) { Self.spelling($0, from: $1, enumLabels: labels, schemas: inScope) }
    }

    mutating func skip(_ schema: String, _ kind: String, _ object: String, _ reason: String) {
        skipped.append(PullSkip(schema: schema, kind: kind, object: object, reason: reason))
    }

    mutating func write() -> PostgresPull.Result {
        tenancy = recognisedTenancy()
        tenantTables = recognisedTenantTables()
        updatedAtFunction = recognisedUpdatedAtFunction()
        var sections: [String: [(String, YAMLValue)]] = [:]
        for s in schemas {
            var section: [(String, YAMLValue)] = []
            if let enums = enumsSection(s) { section.append(("enums", enums)) }
            if let domains = domainsSection(s) { section.append(("domains", domains)) }
            if let sequences = sequencesSection(s) { section.append(("sequences", sequences)) }
            if let functions = functionsSection(s) { section.append(("functions", functions)) }
            sections[s] = section
        }
        for s in schemas {
            if let tables = tablesSection(s) { sections[s]!.append(("tables", tables)) }
            if let views = viewsSection(s) { sections[s]!.append(("views", views)) }
        }
        return PostgresPull.Result(files: files(sections), skipped: skipped.sorted())
    }

    /// The files, the settings of the whole database (extensions, roles,
    /// tenancy) in the first one, each section headed by its schema.
    func files(_ sections: [String: [(String, YAMLValue)]]) -> [PulledFile] {
        var files: [PulledFile] = []
        var settings: [(String, YAMLValue)] = []
        if !model.extensions.isEmpty { settings.append(("extensions", .sequence(model.extensions.sorted().map(YAMLValue.string), flow: true))) }
        if !rolesUsed.isEmpty { settings.append(("roles", .sequence(rolesUsed.sorted().map(YAMLValue.string), flow: true))) }
        // Schemas no section is written for (empty, or holding only what the language lacks) are made all the same.
        let bare = schemas.filter { $0 != "public" && model.schemas.contains($0) && (sections[$0] ?? []).isEmpty }
        if !bare.isEmpty { settings.append(("schemas", .sequence(bare.sorted().map(YAMLValue.string), flow: true))) }
        if let tenancy {
            settings.append(("tenancy", .mapping([("column", .string(tenancy.column)), ("setting", .string(tenancy.setting))])))
        }
        for s in schemas where !(sections[s] ?? []).isEmpty {
            let section: [(String, YAMLValue)] = [("schema", .string(s))] + (files.isEmpty ? settings : []) + sections[s]!
            files.append(PulledFile(schema: s, document: .mapping([("postgres", .mapping(section))])))
        }
        if files.isEmpty, !settings.isEmpty {
            let s = schemas.contains("public") ? "public" : schemas.first ?? "public"
            files.append(PulledFile(schema: s, document: .mapping([("postgres", .mapping([("schema", .string(s))] + settings))])))
        }
        return files
    }

    /// How a name of `schema`'s objects is written in the file of `from`.
    func written(_ name: QualifiedName, from schema: String) -> String {
        name.display(defaultSchema: schema)
    }

    mutating func enumsSection(_ s: String) -> YAMLValue? {
        let enums = model.enums.filter { $0.name.schema == s }.sorted { $0.name.name < $1.name.name }
        guard !enums.isEmpty else { return nil }
        return .mapping(enums.map { e in
            let values = YAMLValue.sequence(e.values.map(YAMLValue.string), flow: true)
            guard let comment = e.comment else { return (e.name.name, values) }
            return (e.name.name, .mapping([("values", values), ("comment", .string(comment))]))
        })
    }

    /// Each domain over a type the language can write: `name: type` when it
    /// has nothing else; `check:` for the one check PostgreSQL would name so.
    mutating func domainsSection(_ s: String) -> YAMLValue? {
        let domains = model.domains.filter { $0.name.schema == s }
        guard !domains.isEmpty else { return nil }
        var entries: [(String, YAMLValue)] = []
        for d in domains {
            guard let type = typeSpelling(d.type, from: s), typeSpelling(d.asType, from: s) != nil else {
                skip(s, "domain", d.name.description, "it is over \(d.type.sql), which the language does not hold")
                continue
            }
            var f: [(String, YAMLValue)] = [("type", .string(type))]
            if d.notNull { f.append(("not_null", .bool(true))) }
            if let sql = d.defaultSQL {
                if let literal = literal(sql, of: d.type) { f.append(("default", literal)) } else {
                    f.append(("default_sql", PulledText.expression(sql, keepingParentheses: true)))
                }
            }
            if d.checks.count == 1, d.checks[0].name == Identifier.derived(d.name.name, nil, label: "check") {
                f.append(("check", PulledText.expression(d.checks[0].expression)))
            } else if !d.checks.isEmpty {
                f.append(("checks", .mapping(d.checks.map { ($0.name, PulledText.expression($0.expression)) })))
            }
            if let comment = d.comment { f.append(("comment", .string(comment))) }
            entries.append((d.name.name, f.count == 1 ? .string(type) : .mapping(f, flow: f.count <= 3)))
        }
        return entries.isEmpty ? nil : .mapping(entries)
    }

    /// Each sequence with the options that differ from PostgreSQL's defaults
    /// (`{}` when none do); `owned_by` when its column is written.
    mutating func sequencesSection(_ s: String) -> YAMLValue? {
        let sequences = model.sequences.filter { $0.name.schema == s }.sorted { $0.name.name < $1.name.name }
        guard !sequences.isEmpty else { return nil }
        return .mapping(sequences.map { q in
            var f: [(String, YAMLValue)] = []
            if q.type != .bigint { f.append(("type", .string(q.type.rawValue))) }
            // The loader starts at min (max when counting down) unless told.
            if !q.startIsDefault { f.append(("start", .int(q.start))) }
            if q.increment != 1 { f.append(("increment", .int(q.increment))) }
            if !q.minIsDefault { f.append(("min", .int(q.minValue))) }
            if !q.maxIsDefault { f.append(("max", .int(q.maxValue))) }
            if q.cache != 1 { f.append(("cache", .int(q.cache))) }
            if q.cycle { f.append(("cycle", .bool(true))) }
            if let owner = q.ownedBy, let column = owner.column {
                if writtenColumns[owner.relation]?.contains(column) ?? false {
                    f.append(("owned_by", .string("\(written(owner.relation, from: s)).\(column)")))
                } else {
                    skip(s, "sequence owner", q.name.description,
                         "it is owned by \(owner.relation).\(column), which is not written; written without owned_by")
                }
            }
            if let comment = q.comment { f.append(("comment", .string(comment))) }
            return (q.name.name, .mapping(f, flow: true))
        })
    }

    mutating func functionsSection(_ s: String) -> YAMLValue? {
        var entries: [(String, YAMLValue)] = []
        var seen: Set<String> = []
        for fn in model.functions where fn.name.schema == s {
            if fn.name == updatedAtFunction { continue }
            let object = fn.name.description + "(\(fn.arguments))"
            guard !seen.contains(fn.name.name) else {
                skip(s, "overloaded function", object, "a function name is written once; only its first overload was written")
                continue
            }
            guard !fn.language.isEmpty, !["c", "internal"].contains(fn.language) else {
                skip(s, "function", object, "its body is in language \(fn.language), which is not SQL text")
                continue
            }
            seen.insert(fn.name.name)
            writtenFunctions.insert(fn.name)
            var f: [(String, YAMLValue)] = []
            if !fn.arguments.isEmpty { f.append(("args", .string(fn.arguments))) }
            if fn.isProcedure { f.append(("procedure", .bool(true))) } else { f.append(("returns", .string(fn.returns))) }
            if fn.isStandardBody {
                f.append(("sql_body", .block(fn.body.trimmingCharacters(in: .whitespacesAndNewlines) + "\n")))
            } else {
                f.append(("language", .string(fn.language)))
                f.append(("body", .block(PulledText.functionBody(fn.body))))
            }
            if let v = fn.volatility, v != .volatile { f.append(("volatility", .string(v.rawValue))) }
            if fn.isStrict { f.append(("strict", .bool(true))) }
            if let p = fn.parallel { f.append(("parallel", .string(p))) }
            if fn.leakproof { f.append(("leakproof", .bool(true))) }
            if let c = fn.cost { f.append(("cost", .string(c))) }
            if let r = fn.rows { f.append(("rows", .string(r))) }
            if !fn.settings.isEmpty {
                f.append(("set", .mapping(fn.settings.map { s in (String(s.prefix { $0 != "=" }), .string(String(s.drop { $0 != "=" }.dropFirst()))) })))
            }
            if fn.securityDefiner { f.append(("security_definer", .bool(true))) }
            if let c = fn.comment { f.append(("comment", .string(c))) }
            entries.append((fn.name.name, .mapping(f)))
        }
        return entries.isEmpty ? nil : .mapping(entries)
    }

    mutating func viewsSection(_ s: String) -> YAMLValue? {
        let views = model.views.filter { $0.name.schema == s }.sorted { $0.name.name < $1.name.name }
        guard !views.isEmpty else { return nil }
        let anyRowSecurity = model.tables.contains(where: \.rowLevelSecurity)
        return .mapping(views.map { v in
            var f: [(String, YAMLValue)] = [("sql", .block(PulledText.viewQuery(v.query)))]
            if v.materialized { f.append(("materialized", .bool(true))) }
            if let c = v.comment { f.append(("comment", .string(c))) }
            let indexes = v.indexes.compactMap { index($0, of: Table(name: v.name)) }
            if !indexes.isEmpty { f.append(("indexes", .sequence(indexes))) }
            if let g = grants(v.grants) { f.append(("grants", g)) }
            // The resolver turns security_invoker on for a view over a row-secure
            // table; a view that has it off says so.
            if v.securityInvoker { f.append(("security_invoker", .bool(true))) } else if anyRowSecurity && !v.materialized {
                f.append(("security_invoker", .bool(false)))
            }
            return (v.name.name, .mapping(f))
        })
    }

    mutating func grants(_ grants: [Grant]) -> YAMLValue? {
        guard !grants.isEmpty else { return nil }
        return .mapping(grants.sorted { $0.role < $1.role }.map { g in
            rolesUsed.insert(g.role)
            let words: [YAMLValue] = Set(g.privileges) == Set(Privilege.allCases) ? [.string("all")] : g.privileges.sorted().map { .string($0.rawValue) }
            return (g.role, .sequence(words, flow: true))
        })
    }
}
