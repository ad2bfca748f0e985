/// A MergeTree table as the engine spells it, cut into the parts an ALTER
/// can change one by one: read from a `create_table_query` the engine
/// printed, for the live table and for the desired one alike, so that two
/// parts are equal exactly when the engine printed them the same.
public struct ClickHouseTableText: Hashable, Sendable {
    public struct Column: Hashable, Sendable {
        public var name: String
        public var type: String
        /// `DEFAULT 1`, `MATERIALIZED now()`, `ALIAS a + 1`, `EPHEMERAL`: kind and expression.
        public var defaultClause: String?
        public var comment: String?
        /// `CODEC(ZSTD(1))`, with the parameters the engine fills in.
        public var codec: String?
        public var ttl: String?
        /// Column parts schemac does not model (`STATISTICS(…)`, `SETTINGS (…)`), as printed.
        public var other: [String] = []
    }

    public struct Element: Hashable, Sendable {
        public var name: String
        /// What follows the name: `expr TYPE t GRANULARITY n`, or `(SELECT …)`.
        public var body: String
    }

    public var columns: [Column] = []
    public var indexes: [Element] = []
    public var projections: [Element] = []
    /// Elements of the column list schemac does not model (CONSTRAINT …), as printed.
    public var otherElements: [String] = []
    /// `MergeTree`, `ReplacingMergeTree(version)`, as printed.
    public var engine: String = ""
    public var partitionBy: String?
    public var orderBy: String?
    public var primaryKey: String?
    public var sampleBy: String?
    public var ttl: String?
    public var settings: [(name: String, value: String)] = []
    public var comment: String?

    static let columnKeywords = ["DEFAULT", "MATERIALIZED", "ALIAS", "EPHEMERAL", "COMMENT", "CODEC", "STATISTICS", "TTL", "SETTINGS", "PRIMARY KEY"]
    static let tableKeywords = ["PARTITION BY", "PRIMARY KEY", "ORDER BY", "SAMPLE BY", "TTL", "SETTINGS", "COMMENT"]

    /// The parts of `CREATE [TEMPORARY] TABLE name (…) ENGINE = … …`; nil when
    /// the text is not shaped so.
    public init?(createQuery: String) {
        guard let (_, inside, after) = EngineText.parenthesized(Substring(createQuery)), after.hasPrefix("ENGINE = ") else { return nil }
        for element in EngineText.split(inside) {
            if element.hasPrefix("INDEX ") {
                let (name, rest) = EngineText.leadingName(element.dropFirst(6))
                indexes.append(Element(name: name, body: String(rest)))
            } else if element.hasPrefix("PROJECTION ") {
                let (name, rest) = EngineText.leadingName(element.dropFirst(11))
                projections.append(Element(name: name, body: String(rest)))
            } else if element.hasPrefix("CONSTRAINT ") || element.hasPrefix("PRIMARY KEY ") {
                otherElements.append(String(element))
            } else {
                columns.append(Self.column(element))
            }
        }
        let (engine, clauses) = EngineText.clauses(after.dropFirst(9), keywords: Self.tableKeywords)
        self.engine = String(engine)
        for (keyword, text) in clauses {
            switch keyword {
            case "PARTITION BY": partitionBy = String(text)
            case "PRIMARY KEY": primaryKey = String(text)
            case "ORDER BY": orderBy = String(text)
            case "SAMPLE BY": sampleBy = String(text)
            case "TTL": ttl = String(text)
            case "SETTINGS":
                settings = EngineText.split(text).map { setting in
                    let parts = setting.split(separator: "=", maxSplits: 1)
                    return (String(EngineText.trimmed(parts[0])), parts.count > 1 ? String(EngineText.trimmed(parts[1])) : "")
                }
            default: comment = EngineText.unquoted(text)
            }
        }
    }

    static func column(_ element: Substring) -> Column {
        let (name, rest) = EngineText.leadingName(element)
        let (type, clauses) = EngineText.clauses(rest, keywords: columnKeywords)
        var column = Column(name: name, type: String(type))
        for (keyword, text) in clauses {
            switch keyword {
            case "DEFAULT", "MATERIALIZED", "ALIAS", "EPHEMERAL": column.defaultClause = text.isEmpty ? keyword : keyword + " " + text
            case "COMMENT": column.comment = EngineText.unquoted(text)
            case "CODEC": column.codec = "CODEC" + text
            case "TTL": column.ttl = String(text)
            default: column.other.append(keyword + " " + text)
            }
        }
        return column
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.columns == b.columns && a.indexes == b.indexes && a.projections == b.projections && a.otherElements == b.otherElements
            && a.engine == b.engine && a.partitionBy == b.partitionBy && a.orderBy == b.orderBy && a.primaryKey == b.primaryKey
            && a.sampleBy == b.sampleBy && a.ttl == b.ttl && a.settings.elementsEqual(b.settings, by: { $0 == $1 }) && a.comment == b.comment
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(columns)
        hasher.combine(engine)
    }
}
