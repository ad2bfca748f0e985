/// Rows of a catalog query, whose fields are read by the names the query's
/// select list gives them: a field the query does not have stops the first
/// run that reads it, rather than shifting every later field silently.
struct CatalogRows: RandomAccessCollection {
    let query: CatalogQuery
    private let columns: [String: Int]
    private let values: [[String?]]

    init(_ query: CatalogQuery, columns names: [String], rows: [[String?]]) throws {
        var columns: [String: Int] = [:]
        for (i, name) in names.enumerated() where name == "?column?" || columns.updateValue(i, forKey: name) != nil {
            throw PostgresInspector.Failure(description: "catalog query '\(query)': column \(i + 1) needs a name of its own (AS …), not '\(name)'")
        }
        self.query = query
        self.columns = columns
        values = rows
    }

    /// A query that was not run: no rows.
    static func empty(_ query: CatalogQuery) -> CatalogRows { CatalogRows(query: query, columns: [:], values: []) }

    private init(query: CatalogQuery, columns: [String: Int], values: [[String?]]) {
        self.query = query
        self.columns = columns
        self.values = values
    }

    var startIndex: Int { 0 }
    var endIndex: Int { values.count }
    subscript(position: Int) -> CatalogRow { CatalogRow(query: query, columns: columns, values: values[position]) }
}

struct CatalogRow {
    let query: CatalogQuery
    let columns: [String: Int]
    let values: [String?]

    subscript(_ name: String) -> String? {
        guard let i = columns[name] else { preconditionFailure("catalog query '\(query)' has no column '\(name)'") }
        return values[i]
    }
}
