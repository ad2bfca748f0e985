import SchemacDiagnostics
import SchemacModel
import Yams

// Sequences of their own: `postgres.sequences: {name: {type, start, increment,
// min, max, cache, cycle, owned_by, comment}}`, every key optional.
extension PostgresResolver {
    mutating func resolveSequence(_ d: Declaration) {
        let r = d.reader
        let what = "sequence '\(d.name.name)'"
        if r.isNull(d.node) {
            schema.sequences.append(PostgresSequence(name: d.name))
            return
        }
        guard let f = r.fields(d.node, what, allowed: PostgresKeys.sequence.names) else { return }
        let types: [(String, PostgresSequence.DataType)] = [
            ("smallint", .smallint), ("int2", .smallint), ("integer", .integer), ("int", .integer), ("int4", .integer),
            ("bigint", .bigint), ("int8", .bigint),
        ]
        let type = f["type"].flatMap { r.choice($0, "type", types) } ?? .bigint
        func number(_ key: String) -> Int? { f[key].flatMap { r.integer($0, key) } }
        let increment = number("increment") ?? 1
        let sequence = PostgresSequence(
            name: d.name, type: type, start: number("start"), increment: increment, minValue: number("min"), maxValue: number("max"),
            cache: number("cache") ?? 1, cycle: f["cycle"].flatMap { r.bool($0, "cycle") } ?? false,
            ownedBy: f["owned_by"].flatMap { ownedBy($0, of: d) }, comment: f["comment"].flatMap { r.string($0, "comment") })
        guard checkBounds(sequence, at: r.location(d.node), r) else { return }
        schema.sequences.append(sequence)
    }

    /// The options PostgreSQL would refuse, said here with the line.
    private func checkBounds(_ s: PostgresSequence, at location: SourceLocation, _ r: NodeReader) -> Bool {
        let what = "sequence '\(s.name.name)'"
        var problems: [String] = []
        if s.increment == 0 { problems.append("increment must not be zero") }
        if !s.type.range.contains(s.minValue) || !s.type.range.contains(s.maxValue) {
            problems.append("min and max must fit in \(s.type.rawValue)")
        }
        if s.minValue >= s.maxValue { problems.append("min (\(s.minValue)) must be less than max (\(s.maxValue))") }
        if !(s.minValue...max(s.minValue, s.maxValue)).contains(s.start) {
            problems.append("start (\(s.start)) must lie between min (\(s.minValue)) and max (\(s.maxValue))")
        }
        if s.cache < 1 { problems.append("cache must be at least 1") }
        for p in problems { r.report(.invalidValue("\(what): \(p)", at: location)) }
        return problems.isEmpty
    }

    /// `table.column` or `schema.table.column`: a column of a table in the
    /// sequence's own schema (PostgreSQL's rule for OWNED BY).
    private func ownedBy(_ node: Node, of d: Declaration) -> ColumnName? {
        let r = d.reader
        guard let text = r.name(node, "owned_by") else { return nil }
        guard let dot = text.lastIndex(of: "."), dot != text.startIndex else {
            r.report(.invalidValue("'\(text)' is not a column; write owned_by: table.column", at: r.location(node)))
            return nil
        }
        let table = QualifiedName(parsing: String(text[..<dot]), defaultSchema: d.defaultSchema)
        let column = String(text[text.index(after: dot)...])
        guard let ti = tableIndex[table] else {
            let written = table.display(defaultSchema: d.defaultSchema)
            if !declaredTables.contains(table) {
                let candidates = schema.tables.map { $0.name.display(defaultSchema: d.defaultSchema) }
                r.report(.unknownTable(written, suggestion: Spelling.closest(to: written, among: candidates), at: r.location(node)))
            }
            return nil
        }
        let target = schema.tables[ti]
        guard target.column(named: column) != nil else {
            r.report(.unknownColumn(column, table: table.display(defaultSchema: d.defaultSchema),
                                    suggestion: Spelling.closest(to: column, among: target.columns.map(\.name)), at: r.location(node)))
            return nil
        }
        guard table.schema == d.name.schema else {
            r.report(.invalidValue("sequence '\(d.name.name)' is in schema \(d.name.schema) but owned_by names a table of \(table.schema): PostgreSQL requires the same schema", at: r.location(node)))
            return nil
        }
        return ColumnName(table, column)
    }
}
