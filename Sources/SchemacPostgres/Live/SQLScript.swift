import Foundation

/// A file of SQL statements split as psql splits them: at semicolons outside
/// quotes, dollar quotes, comments and parentheses, each statement with the
/// line it starts on, so that the server's refusal can name its place.
public struct SQLScript: Sendable {
    public struct Statement: Hashable, Sendable {
        public var sql: String
        /// Line (from 1) of the statement's first character that is not space or comment.
        public var line: Int
    }

    /// A line starting with a backslash: a psql meta-command the server cannot run.
    public struct MetaCommand: Error, Hashable, Sendable {
        public var command: String
        public var line: Int
    }

    public var statements: [Statement] = []

    public init(_ text: String) throws {
        let chars = Array(text)
        var i = 0, line = 1, start: Int?, startLine = 1, depth = 0
        var atLineStart = true
        func flush(_ end: Int) {
            if let s = start {
                let sql = String(chars[s..<end]).trimmingCharacters(in: .whitespacesAndNewlines)
                if !sql.isEmpty { statements.append(Statement(sql: sql, line: startLine)) }
            }
            start = nil
        }
        func begin() { if start == nil { start = i; startLine = line } }
        while i < chars.count {
            let c = chars[i]
            if c == "\n" { line += 1; atLineStart = true; i += 1; continue }
            if atLineStart && c == "\\" && start == nil {
                var end = i
                while end < chars.count && chars[end] != "\n" { end += 1 }
                throw MetaCommand(command: String(chars[i..<end]), line: line)
            }
            if c == " " || c == "\t" || c == "\r" { i += 1; continue }
            atLineStart = false
            if c == "-", i + 1 < chars.count, chars[i + 1] == "-" {
                while i < chars.count && chars[i] != "\n" { i += 1 }
                continue
            }
            if c == "/", i + 1 < chars.count, chars[i + 1] == "*" {
                var nesting = 1
                i += 2
                while i < chars.count && nesting > 0 {
                    if chars[i] == "\n" { line += 1 }
                    if chars[i] == "/", i + 1 < chars.count, chars[i + 1] == "*" { nesting += 1; i += 2; continue }
                    if chars[i] == "*", i + 1 < chars.count, chars[i + 1] == "/" { nesting -= 1; i += 2; continue }
                    i += 1
                }
                continue
            }
            begin()
            switch c {
            case "'", "\"":
                i += 1
                while i < chars.count {
                    if chars[i] == "\n" { line += 1 }
                    if chars[i] == c {
                        if i + 1 < chars.count && chars[i + 1] == c { i += 2; continue }
                        break
                    }
                    // E'…' strings escape with backslashes.
                    if c == "'", chars[i] == "\\", isEscapeString(chars, quoteBefore: i) { i += 2; continue }
                    i += 1
                }
                i += 1
            case "$":
                if let tag = dollarTag(chars, at: i) {
                    i += tag.count
                    while i < chars.count {
                        if chars[i] == "\n" { line += 1 }
                        if chars[i] == "$", Array(chars[i..<min(chars.count, i + tag.count)]) == tag { i += tag.count; break }
                        i += 1
                    }
                } else {
                    i += 1
                }
            case "(": depth += 1; i += 1
            case ")": depth = max(0, depth - 1); i += 1
            case ";" where depth == 0:
                flush(i)
                i += 1
            default: i += 1
            }
        }
        flush(chars.count)
    }

    /// `$tag$` starting at `i`, when it is one (not `$1` nor part of a name).
    func dollarTag(_ chars: [Character], at i: Int) -> [Character]? {
        if i > 0, chars[i - 1].isLetter || chars[i - 1].isNumber || chars[i - 1] == "_" { return nil }
        var j = i + 1
        while j < chars.count, chars[j].isLetter || chars[j] == "_" || (j > i + 1 && chars[j].isNumber) { j += 1 }
        guard j < chars.count, chars[j] == "$" else { return nil }
        return Array(chars[i...j])
    }

    /// Whether the string holding position `i` was opened as `E'`.
    func isEscapeString(_ chars: [Character], quoteBefore i: Int) -> Bool {
        var j = i - 1
        while j >= 0, chars[j] != "'" { j -= 1 }
        while j > 0, chars[j] == "'" && j > 0 && chars[j - 1] == "'" { j -= 2 }
        return j > 0 && (chars[j - 1] == "E" || chars[j - 1] == "e")
    }

    /// The statement as it can run inside a transaction: `CONCURRENTLY`
    /// taken out of the index statements that have it.
    public static func transactional(_ sql: String) -> String {
        let words = sql.split(whereSeparator: \.isWhitespace).prefix(5).map { $0.uppercased() }
        let concurrentForms = [["CREATE", "INDEX", "CONCURRENTLY"], ["CREATE", "UNIQUE", "INDEX", "CONCURRENTLY"],
                               ["DROP", "INDEX", "CONCURRENTLY"], ["REINDEX", "INDEX", "CONCURRENTLY"], ["REINDEX", "TABLE", "CONCURRENTLY"]]
        guard let form = concurrentForms.first(where: { Array(words.prefix($0.count)) == $0 }) else { return sql }
        // Take out the word CONCURRENTLY where the form has it.
        var rest = Substring(sql), out = ""
        for (k, word) in form.enumerated() {
            rest = rest.drop { $0.isWhitespace }
            let end = rest.firstIndex(where: \.isWhitespace) ?? rest.endIndex
            if k != form.count - 1 || word != "CONCURRENTLY" { out += rest[..<end] + " " }
            rest = rest[end...]
        }
        return out + rest.drop { $0.isWhitespace }
    }
}
