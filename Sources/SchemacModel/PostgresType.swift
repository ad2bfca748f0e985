/// A PostgreSQL column type, resolved: every alias of a type is the same value
/// (`int`, `int4` and `integer` are all `.integer`), so that the diff never sees a
/// difference of spelling.
public struct PostgresType: Hashable, Sendable, CustomStringConvertible {
    public indirect enum Base: Hashable, Sendable {
        case builtin(BuiltinType)
        /// A type a declared extension provides (`citext`, `vector`, ...).
        case extensionType(name: String, extension: String)
        case enumeration(QualifiedName)
        /// A domain, and the type it is over (what values, literals and
        /// Swift and ClickHouse types follow).
        case domain(QualifiedName, over: PostgresType)
    }

    public var base: Base
    /// Type modifiers: `(255)`, `(15,2)`, a timestamp's precision.
    public var modifiers: [Int]
    /// PostgreSQL does not enforce array dimensions, so `int[][]` is `int[]`.
    public var isArray: Bool

    public init(base: Base, modifiers: [Int] = [], isArray: Bool = false) {
        self.base = base
        self.modifiers = modifiers
        self.isArray = isArray
    }

    public var element: PostgresType { PostgresType(base: base, modifiers: modifiers, isArray: false) }

    /// The spelling PostgreSQL's format_type() prints, enum names quoted and qualified.
    public var sql: String {
        var text: String
        switch base {
        case .builtin(let builtin):
            text = builtin.render(modifiers)
        case .extensionType(let name, _):
            text = modifiers.isEmpty ? name : "\(name)(\(modifiers.map(String.init).joined(separator: ",")))"
        case .enumeration(let name), .domain(let name, _):
            text = SQL.qualified(name)
        }
        if isArray { text += "[]" }
        return text
    }

    public var description: String { sql }

    public var builtin: BuiltinType? {
        if case .builtin(let b) = base { return b }
        return nil
    }

    /// Through domains to the type they are over, arrays kept.
    public var underlying: PostgresType {
        guard case .domain(_, let over) = base else { return self }
        var t = over.underlying
        if isArray { t.isArray = true }
        return t
    }
}

/// The built-in types schemac knows, each with every spelling PostgreSQL accepts for it.
public enum BuiltinType: String, Hashable, Sendable, CaseIterable {
    case smallint, integer, bigint, numeric, real
    case doublePrecision = "double precision"
    case boolean, text
    case varchar = "character varying"
    case character
    case uuid, bytea, date
    case timestamp = "timestamp without time zone"
    case timestamptz = "timestamp with time zone"
    case time = "time without time zone"
    case timetz = "time with time zone"
    case interval, json, jsonb, inet, cidr, macaddr, macaddr8, money
    case bit
    case varbit = "bit varying"
    case tsvector, tsquery, xml
    case point, line, lseg, box, path, polygon, circle
    case int4range, int8range, numrange, tsrange, tstzrange, daterange
    case int4multirange, int8multirange, nummultirange, tsmultirange, tstzmultirange, datemultirange
    case oid, pgLsn = "pg_lsn"

    /// Spellings (lowercased, single-spaced) that mean this type.
    public static let spellings: [String: BuiltinType] = {
        var table: [String: BuiltinType] = [:]
        for t in BuiltinType.allCases { table[t.rawValue] = t }
        let aliases: [String: BuiltinType] = [
            "int2": .smallint, "int": .integer, "int4": .integer, "int8": .bigint,
            "decimal": .numeric, "float4": .real, "float8": .doublePrecision,
            "bool": .boolean, "varchar": .varchar, "char": .character, "bpchar": .character,
            "timestamp": .timestamp, "timestamptz": .timestamptz,
            "time": .time, "timetz": .timetz, "varbit": .varbit,
            "float": .doublePrecision,
        ]
        for (k, v) in aliases { table[k] = v }
        return table
    }()

    /// What modifiers a type takes: how many, and the allowed range of each.
    public var modifierRule: (count: ClosedRange<Int>, ranges: [ClosedRange<Int>])? {
        switch self {
        case .varchar, .character, .bit, .varbit: (1...1, [1...10_485_760])
        case .numeric: (1...2, [1...1000, 0...1000])
        case .timestamp, .timestamptz, .time, .timetz, .interval: (1...1, [0...6])
        default: nil
        }
    }

    func render(_ modifiers: [Int]) -> String {
        let mods = modifiers.isEmpty ? "" : "(\(modifiers.map(String.init).joined(separator: ",")))"
        switch self {
        case .timestamp: return "timestamp\(mods) without time zone"
        case .timestamptz: return "timestamp\(mods) with time zone"
        case .time: return "time\(mods) without time zone"
        case .timetz: return "time\(mods) with time zone"
        default: return rawValue + mods
        }
    }

    /// What a literal of this type looks like, for checking `default` values.
    public enum LiteralCategory: Sendable {
        case integer, decimal, float, boolean, uuid, date, timestamp, time, json, text, other
    }

    public var literalCategory: LiteralCategory {
        switch self {
        case .smallint, .integer, .bigint, .oid: .integer
        case .numeric, .money: .decimal
        case .real, .doublePrecision: .float
        case .boolean: .boolean
        case .uuid: .uuid
        case .date: .date
        case .timestamp, .timestamptz: .timestamp
        case .time, .timetz: .time
        case .json, .jsonb: .json
        case .text, .varchar, .character: .text
        default: .other
        }
    }

    /// Integer bounds, for range-checking integer literals.
    public var integerRange: ClosedRange<Int64>? {
        switch self {
        case .smallint: Int64(Int16.min)...Int64(Int16.max)
        case .integer: Int64(Int32.min)...Int64(Int32.max)
        case .bigint: Int64.min...Int64.max
        case .oid: 0...Int64(UInt32.max)
        default: nil
        }
    }
}

/// Types that come with an extension, usable once the extension is declared.
public enum ExtensionTypes {
    public static let table: [String: String] = [
        "citext": "citext", "hstore": "hstore", "ltree": "ltree", "lquery": "ltree",
        "vector": "vector", "halfvec": "vector", "sparsevec": "vector",
        "geometry": "postgis", "geography": "postgis", "cube": "cube",
        "isbn": "isn", "issn": "isn", "ean13": "isn",
    ]
}

extension PostgresType {
    /// `words(m1,m2) words` → the base spelling (lowercased, single-spaced) and the
    /// modifiers; nil when the parentheses or modifiers are malformed.
    public static func splitSpelling(_ text: some StringProtocol) -> (base: String, modifiers: [Int])? {
        var modifiers: [Int] = []
        var base = String(text)
        if let open = text.firstIndex(of: "(") {
            guard let close = text[open...].firstIndex(of: ")") else { return nil }
            for part in text[text.index(after: open)..<close].split(separator: ",", omittingEmptySubsequences: false) {
                guard let n = Int(String(part.filter { $0 != " " && $0 != "\t" })) else { return nil }
                modifiers.append(n)
            }
            base = String(text[..<open]) + " " + String(text[text.index(after: close)...])
        }
        return (base.split(whereSeparator: \.isWhitespace).joined(separator: " ").lowercased(), modifiers)
    }
}
