import SchemacModel

/// The tokens of one statement schemac wrote: words, quoted names, string
/// literals, dollar-quoted bodies and symbols, each with its place in the
/// text, so that a clause can be put after words that are words (not part
/// of a quoted name or a literal).
struct SQLTokens {
    struct Token {
        enum Kind { case word, quoted, literal, dollar, symbol }
        var kind: Kind
        var text: Substring

        func isWord(_ word: String) -> Bool { kind == .word && text.uppercased() == word }
    }

    let sql: String
    private(set) var tokens: [Token] = []

    init(_ sql: String) {
        self.sql = sql
        var i = sql.startIndex
        while i < sql.endIndex {
            let c = sql[i]
            if c.isWhitespace { i = sql.index(after: i); continue }
            let start = i
            let kind: Token.Kind
            switch c {
            case "\"", "'":
                i = Self.endOfQuoted(sql, from: i, quote: c)
                kind = c == "\"" ? .quoted : .literal
            case "$" where Self.dollarTag(sql, at: i) != nil:
                let tag = Self.dollarTag(sql, at: i)!
                let bodyStart = sql.index(i, offsetBy: tag.count)
                i = sql[bodyStart...].range(of: tag).map(\.upperBound) ?? sql.endIndex
                kind = .dollar
            case _ where c.isLetter || c == "_":
                while i < sql.endIndex, sql[i].isLetter || sql[i].isNumber || sql[i] == "_" || sql[i] == "$" { i = sql.index(after: i) }
                kind = .word
            default:
                i = sql.index(after: i)
                kind = .symbol
            }
            tokens.append(Token(kind: kind, text: sql[start..<i]))
        }
    }

    /// The index after a quoted token that starts at `from`; a doubled quote is part of it.
    private static func endOfQuoted(_ sql: String, from: String.Index, quote: Character) -> String.Index {
        var i = sql.index(after: from)
        while i < sql.endIndex {
            if sql[i] == quote {
                let next = sql.index(after: i)
                if next < sql.endIndex, sql[next] == quote { i = sql.index(after: next); continue }
                return next
            }
            i = sql.index(after: i)
        }
        return sql.endIndex
    }

    /// `$tag$` at `i`, when a dollar quote starts there.
    private static func dollarTag(_ sql: String, at i: String.Index) -> String? {
        var j = sql.index(after: i)
        while j < sql.endIndex, sql[j].isLetter || sql[j].isNumber || sql[j] == "_" { j = sql.index(after: j) }
        guard j < sql.endIndex, sql[j] == "$" else { return nil }
        return String(sql[i...j])
    }

    func startsWithWords(_ words: [String]) -> Bool { matches(words, at: 0) }

    /// The index of the first token of the first run of `words`.
    func find(_ words: [String]) -> Int? {
        guard !words.isEmpty, tokens.count >= words.count else { return nil }
        return (0...(tokens.count - words.count)).first { matches(words, at: $0) }
    }

    private func matches(_ words: [String], at i: Int) -> Bool {
        guard i + words.count <= tokens.count else { return false }
        return words.indices.allSatisfy { tokens[i + $0].isWord(words[$0]) }
    }

    /// The name a quoted token spells, quotes undone.
    func identifier(at i: Int) -> String? {
        guard i < tokens.count, tokens[i].kind == .quoted else { return nil }
        return String(tokens[i].text.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
    }

    /// The statement with `clause` after the first of `alternatives` found
    /// (the first in the list wins); unchanged when none is.
    func inserting(_ clause: String, afterWords alternatives: [String]...) -> String {
        for words in alternatives {
            guard let i = find(words) else { continue }
            return inserting([clause], at: [i + words.count - 1])
        }
        return sql
    }

    /// `clause` after `words`, when the statement starts with `prefix`.
    func inserting(_ clause: String, afterWords words: [String], when prefix: [String]) -> String {
        startsWithWords(prefix) ? inserting(clause, afterWords: words) : sql
    }

    /// `clause` after every run of `words`.
    func inserting(_ clause: String, everywhereAfter words: [String]) -> String {
        let places = tokens.indices.filter { matches(words, at: $0) }.map { $0 + words.count - 1 }
        return inserting(Array(repeating: clause, count: places.count), at: places)
    }

    private func inserting(_ clauses: [String], at places: [Int]) -> String {
        var out = "", from = sql.startIndex
        for (clause, place) in zip(clauses, places) {
            let end = tokens[place].text.endIndex
            out += sql[from..<end] + clause
            from = end
        }
        return out + sql[from...]
    }
}
