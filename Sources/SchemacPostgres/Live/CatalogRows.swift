/// Rows of text, stored flat: the bytes of every field one after another,
/// row by row, and where each field ends (`-end - 1` for NULL). Values become
/// strings when read, so a large result holds its text once, not a string and
/// an array per field and row.
public struct TextRows: Sendable {
    public let columns: [String]
    private let bytes: [UInt8]
    private let ends: [Int32]

    public init(columns: [String], bytes: [UInt8], ends: [Int32]) {
        self.columns = columns
        self.bytes = bytes
        self.ends = ends
    }

    public init(columns: [String], rows: [[String?]]) {
        var bytes: [UInt8] = [], ends: [Int32] = []
        for row in rows {
            for value in row {
                guard let value else { ends.append(-Int32(bytes.count) - 1); continue }
                bytes.append(contentsOf: value.utf8)
                ends.append(Int32(bytes.count))
            }
        }
        self.init(columns: columns, bytes: bytes, ends: ends)
    }

    public var count: Int { columns.isEmpty ? 0 : ends.count / columns.count }

    public subscript(row row: Int, column column: Int) -> String? {
        let field = row * columns.count + column
        let end = ends[field]
        guard end >= 0 else { return nil }
        let start = field == 0 ? 0 : Int(ends[field - 1] < 0 ? -ends[field - 1] - 1 : ends[field - 1])
        return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<Int(end)]), as: UTF8.self) }
    }
}

/// Rows of a catalog query, whose fields are read by the names the query's
/// select list gives them: a field the query does not have stops the first
/// run that reads it, rather than shifting every later field silently.
struct CatalogRows: RandomAccessCollection {
    let query: CatalogQuery
    private let columns: [String: Int]
    private let rows: TextRows

    init(_ query: CatalogQuery, _ rows: TextRows) throws {
        var columns: [String: Int] = [:]
        for (i, name) in rows.columns.enumerated() where name == "?column?" || columns.updateValue(i, forKey: name) != nil {
            throw PostgresInspector.Failure(description: "catalog query '\(query)': column \(i + 1) needs a name of its own (AS …), not '\(name)'")
        }
        self.query = query
        self.columns = columns
        self.rows = rows
    }

    init(_ query: CatalogQuery, columns names: [String], rows: [[String?]]) throws {
        try self.init(query, TextRows(columns: names, rows: rows))
    }

    /// A query that was not run: no rows.
    static func empty(_ query: CatalogQuery) -> CatalogRows {
        CatalogRows(query: query, columns: [:], rows: TextRows(columns: [], bytes: [], ends: []))
    }

    private init(query: CatalogQuery, columns: [String: Int], rows: TextRows) {
        self.query = query
        self.columns = columns
        self.rows = rows
    }

    var startIndex: Int { 0 }
    var endIndex: Int { rows.count }
    subscript(position: Int) -> CatalogRow { CatalogRow(query: query, columns: columns, rows: rows, row: position) }
}

struct CatalogRow {
    let query: CatalogQuery
    let columns: [String: Int]
    let rows: TextRows
    let row: Int

    subscript(_ name: String) -> String? {
        guard let i = columns[name] else { preconditionFailure("catalog query '\(query)' has no column '\(name)'") }
        return rows[row: row, column: i]
    }
}
