import SchemacModel

/// Columns and partitions written as definitions: the shorthand where the
/// column is only a type, literals as `default`, the column's own keys for
/// constraints of one column.
extension PullWriter {
    mutating func column(_ c: Column, of t: Table, claims: inout ColumnClaims) -> YAMLValue {
        let s = t.name.schema
        let type = typeSpelling(c.type, from: s)!  // `writable` kept only the columns it spells
        var f: [(String, YAMLValue)] = [("type", .string(type))]
        let isKey = claims.primaryKey && t.primaryKey?.columns == [c.name]
        if c.nullable && !isKey { f.append(("nullable", .bool(true))) }
        if isKey { f.append(("primary_key", .bool(true))) }
        if claims.unique.contains(Identifier.derived(t.name.name, c.name, label: "key")) { f.append(("unique", .bool(true))) }
        if claims.index.contains(Identifier.derived(t.name.name, c.name, label: "idx")) { f.append(("index", .bool(true))) }
        if let d = c.defaultSQL { f += defaultKeys(d, of: c, in: t) }
        if let check = claims.check[c.name] { f.append(("check", PulledText.expression(check))) }
        if let fk = claims.references[Identifier.derived(t.name.name, c.name, label: "fkey")] {
            f.append(("references", .string(reference(fk.referencedTable, fk.referencedColumns, from: s, onColumn: true))))
            if fk.onDelete != .noAction { f.append(("on_delete", .string(fk.onDelete.rawValue))) }
            if fk.onUpdate != .noAction { f.append(("on_update", .string(fk.onUpdate.rawValue))) }
        }
        if let identity = c.identity { f.append(("identity", .string(identity == .always ? "always" : "by_default"))) }
        if let g = c.generated { f.append(("generated", PulledText.expression(g))) }
        if let comment = c.comment { f.append(("comment", .string(comment))) }
        // `name: type` is NOT NULL, `name: type?` nullable.
        if f.count == 1 { return .string(type) }
        if f.count == 2, f[1].0 == "nullable", !type.hasSuffix("?") { return .string(type + "?") }
        let long = f.contains {
            switch $0.1 {
            case .string(let v): v.count > 60
            case .block: true
            default: false
            }
        }
        return .mapping(f, flow: !long && c.comment == nil)
    }

    /// The type as a person spells it (`varchar(255)`, `timestamptz`),
    /// nil for one the language does not hold.
    func typeSpelling(_ type: PostgresType, from s: String) -> String? {
        Self.spelling(type, from: s, enumLabels: enumLabels, schemas: Set(schemas))
    }

    static func spelling(_ type: PostgresType, from s: String, enumLabels: [QualifiedName: [String]], schemas: Set<String>) -> String? {
        var text: String
        let mods = type.modifiers.isEmpty ? "" : "(\(type.modifiers.map(String.init).joined(separator: ",")))"
        switch type.base {
        case .builtin(let b):
            switch b {
            case .varchar: text = "varchar" + mods
            case .character: text = "char" + mods
            case .timestamptz: text = "timestamptz" + mods
            case .timestamp: text = "timestamp" + mods
            case .time: text = "time" + mods
            case .timetz: text = "timetz" + mods
            case .varbit: text = "varbit" + mods
            default: text = b.rawValue + mods
            }
        case .extensionType(let name, let ext):
            guard !ext.isEmpty else { return nil }
            text = name + mods
        case .enumeration(let name):
            guard enumLabels[name] != nil, schemas.contains(name.schema), !name.name.contains("."), !name.name.contains("("), !name.name.contains("["), name.name.trimmedSpaces() == name.name
            else { return nil }
            text = name.display(defaultSchema: s)
        case .domain(let name, let over):
            // Written when the type it is over can be (so is the domain).
            guard schemas.contains(name.schema), !name.name.contains("."), !name.name.contains("("), !name.name.contains("["),
                  name.name.trimmedSpaces() == name.name, spelling(over, from: name.schema, enumLabels: enumLabels, schemas: schemas) != nil
            else { return nil }
            text = name.display(defaultSchema: s)
        }
        return type.isArray ? text + "[]" : text
    }

    /// `default` for a literal the loader quotes back to the same value,
    /// `default_sql` for the rest (a serial column's `nextval(…)` among them).
    mutating func defaultKeys(_ sql: String, of c: Column, in t: Table) -> [(String, YAMLValue)] {
        if let literal = literal(sql, of: c.type) { return [("default", literal)] }
        return [("default_sql", PulledText.expression(sql, keepingParentheses: true))]
    }

    /// The value of a printed default that is a constant of the column's
    /// own type: `'active'::character varying`, `0`, `true`, `'x'::status`.
    func literal(_ sql: String, of type: PostgresType) -> YAMLValue? {
        let category: BuiltinType.LiteralCategory
        switch type.base {
        case .builtin(let b): category = b.literalCategory
        case .enumeration(let name):
            guard let labels = enumLabels[name], let (value, rest) = PulledText.quoted(Substring(sql)), rest.hasPrefix("::"),
                  labels.contains(value), !type.isArray else { return nil }
            return .string(value)
        case .extensionType, .domain: return nil
        }
        if type.isArray {
            guard let (value, rest) = PulledText.quoted(Substring(sql)), rest == "::" + type.sql else { return nil }
            return .string(value)
        }
        switch category {
        case .boolean:
            return sql == "true" ? .bool(true) : sql == "false" ? .bool(false) : nil
        case .integer:
            if let n = Int(sql) { return .int(n) }
            if let (value, rest) = PulledText.quoted(Substring(sql)), rest == "::" + type.sql, let n = Int(value) { return .int(n) }
            return nil
        case .decimal:
            let unquoted = PulledText.quoted(Substring(sql)).flatMap { $0.rest == "::" + type.element.sql.prefix { $0 != "(" } ? $0.value : nil } ?? sql
            guard !unquoted.isEmpty, unquoted.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }), Double(unquoted) != nil else { return nil }
            return Int(unquoted).map(YAMLValue.int) ?? .string(unquoted)
        case .text, .uuid, .json:
            guard let (value, rest) = PulledText.quoted(Substring(sql)), rest.hasPrefix("::") else { return nil }
            // The cast must be to the column's own type, so that nothing but the quoting differs.
            let cast = rest.dropFirst(2)
            guard ["text", "character varying", "bpchar", "uuid", "json", "jsonb"].contains(cast) else { return nil }
            return .string(value)
        default:
            return nil
        }
    }

    /// `partition_by` and `partitions`, or the hash shorthand when the
    /// partitions are the ones `partitions: N` makes.
    mutating func partitioning(_ t: Table) -> [(String, YAMLValue)] {
        guard let by = t.partitioning else { return [] }
        let columns = YAMLValue.sequence(by.columns.map(YAMLValue.string), flow: true)
        var key: [(String, YAMLValue)] = [(by.strategy.rawValue, columns)]
        if by.strategy == .hash, !t.partitions.isEmpty, hashShorthand(t) {
            key.append(("partitions", .int(t.partitions.count)))
            return [("partition_by", .mapping(key, flow: true))]
        }
        var entries: [(String, YAMLValue)] = []
        let types = by.columns.map { t.column(named: $0)?.type }
        for p in t.partitions {
            let name = p.name.schema == t.name.schema ? p.name.name : p.name.description
            guard let bound = partitionBound(p.bound, types) else {
                skip(t.name.schema, "partition", p.name.description, "its bound cannot be written in the language yet")
                continue
            }
            entries.append((name, bound))
        }
        return [("partition_by", .mapping(key, flow: true))] + (entries.isEmpty ? [] : [("partitions", .mapping(entries))])
    }

    func hashShorthand(_ t: Table) -> Bool {
        let n = t.partitions.count
        return t.partitions.enumerated().allSatisfy { i, p in
            guard case .printed(let printed) = p.bound, case .hash(let m, let r)? = PulledText.partitionBound(printed) else { return false }
            return m == n && r == i && p.name == QualifiedName(schema: t.name.schema, name: Identifier.derived(t.name.name, nil, label: "p\(i)"))
        }
    }

    func partitionBound(_ bound: Partition.Bound, _ types: [PostgresType?]) -> YAMLValue? {
        let parsed: PulledText.Bound
        switch bound {
        case .printed(let printed):
            guard let p = PulledText.partitionBound(printed) else { return nil }
            parsed = p
        case .default: parsed = .default
        case .hash(let m, let r): parsed = .hash(modulus: m, remainder: r)
        case .range, .list: return nil
        }
        func value(_ text: String?, _ i: Int) -> YAMLValue {
            guard let text else { return .null }
            if let type = i < types.count ? types[i] : nil, type.builtin?.literalCategory == .integer, let n = Int(text) { return .int(n) }
            return .string(text)
        }
        func values(_ items: [String?]) -> YAMLValue {
            items.count == 1 ? value(items[0], 0) : .sequence(items.enumerated().map { value($1, $0) }, flow: true)
        }
        switch parsed {
        case .default: return .string("default")
        case .hash(let m, let r): return .mapping([("modulus", .int(m)), ("remainder", .int(r))], flow: true)
        case .range(let from, let to): return .mapping([("from", values(from)), ("to", values(to))], flow: true)
        case .list(let items): return .mapping([("in", .sequence(items.map { value($0, 0) }, flow: true))], flow: true)
        }
    }
}
