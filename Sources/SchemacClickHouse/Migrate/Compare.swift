import SchemacModel

/// How two tables in the engine's spelling compare, part by part: the
/// effective keys as lists, settings apart from the server's defaults, the
/// engine with any replication path set aside.
extension ClickHouseTableText {
    /// The settings whose value is not the server's default, by name.
    func settingsApart(from defaults: [String: String]) -> [String: String] {
        var out: [String: String] = [:]
        for (name, value) in settings where defaults[name].map({ $0 != EngineText.unquoted(Substring(value)) }) ?? true {
            out[name] = value
        }
        return out
    }

    var sortingList: [String] { Self.list(orderBy) }
    /// The primary key, which is the sorting key when none is given.
    var primaryList: [String] { Self.list(primaryKey ?? orderBy) }

    /// `(a, b)`, `a` and `tuple()` as lists of expressions.
    static func list(_ text: String?) -> [String] {
        guard let text, text != "tuple()" else { return [] }
        if let (before, inside, after) = EngineText.parenthesized(Substring(text)), before.isEmpty, after.isEmpty {
            return EngineText.split(inside).map(String.init)
        }
        return [text]
    }

    /// The engine without the replication path and replica name a
    /// Replicated engine takes first: what a table on one server is compared by.
    var engineApartFromReplication: String {
        guard engine.hasPrefix("Replicated") else { return engine }
        let name = engine.dropFirst("Replicated".count)
        guard let (before, inside, _) = EngineText.parenthesized(name) else { return String(name) }
        let arguments = EngineText.split(inside).dropFirst(2)
        return arguments.isEmpty ? String(before) : before + "(" + arguments.joined(separator: ", ") + ")"
    }

    /// Whether the live table `have` is this desired table in every part schemac compares.
    func matches(_ have: ClickHouseTableText, defaults: [String: String]) -> Bool {
        columns == have.columns && indexes == have.indexes && projections == have.projections
            && engineApartFromReplication == have.engineApartFromReplication && partitionBy == have.partitionBy
            && sortingList == have.sortingList && primaryList == have.primaryList && sampleBy == have.sampleBy && ttl == have.ttl
            && settingsApart(from: defaults) == have.settingsApart(from: defaults) && (comment ?? "") == (have.comment ?? "")
    }
}
