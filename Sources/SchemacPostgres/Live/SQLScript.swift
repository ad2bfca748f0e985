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
        var scanner = Scanner(chars: Array(text))
        statements = try scanner.statements()
    }

    /// A cursor over the text that keeps count of lines.
    struct Scanner {
        let chars: [Character]
        var i = 0
        var line = 1

        func at(_ offset: Int) -> Character? { i + offset < chars.count ? chars[i + offset] : nil }

        /// Moves on one character, counting the line it ends.
        mutating func advance(_ n: Int = 1) {
            for _ in 0..<n where i < chars.count {
                if chars[i] == "\n" { line += 1 }
                i += 1
            }
        }

        mutating func statements() throws -> [Statement] {
            var out: [Statement] = []
            var start: (index: Int, line: Int)?
            var depth = 0, atLineStart = true
            func flush(_ end: Int) {
                guard let s = start else { return }
                let sql = String(chars[s.index..<end]).trimmingCharacters(in: .whitespacesAndNewlines)
                if !sql.isEmpty { out.append(Statement(sql: sql, line: s.line)) }
                start = nil
            }
            while let c = at(0) {
                if c == "\n" { advance(); atLineStart = true; continue }
                if atLineStart && c == "\\" && start == nil { throw metaCommand() }
                if c == " " || c == "\t" || c == "\r" { advance(); continue }
                atLineStart = false
                if skipComment() { continue }
                if start == nil { start = (i, line) }
                switch c {
                case "'", "\"": skipQuoted(c)
                case "$": skipDollarQuoted()
                case "(": depth += 1; advance()
                case ")": depth = max(0, depth - 1); advance()
                case ";" where depth == 0: flush(i); advance()
                default: advance()
                }
            }
            flush(chars.count)
            return out
        }

        func metaCommand() -> MetaCommand {
            var end = i
            while end < chars.count && chars[end] != "\n" { end += 1 }
            return MetaCommand(command: String(chars[i..<end]), line: line)
        }

        /// Passes over a `--` or (nested) `/* */` comment, if one starts here.
        mutating func skipComment() -> Bool {
            if at(0) == "-" && at(1) == "-" {
                while let c = at(0), c != "\n" { advance() }
                return true
            }
            guard at(0) == "/" && at(1) == "*" else { return false }
            var nesting = 1
            advance(2)
            while at(0) != nil && nesting > 0 {
                if at(0) == "/" && at(1) == "*" { nesting += 1; advance(2) } else if at(0) == "*" && at(1) == "/" { nesting -= 1; advance(2) } else { advance() }
            }
            return true
        }

        /// Passes over a quoted string or identifier; `E'…'` escapes with backslashes.
        mutating func skipQuoted(_ quote: Character) {
            let escapes = quote == "'" && i > 0 && (chars[i - 1] == "E" || chars[i - 1] == "e")
                && (i < 2 || !(chars[i - 2].isLetter || chars[i - 2].isNumber || chars[i - 2] == "_"))
            advance()
            while let c = at(0) {
                if c == quote {
                    if at(1) == quote { advance(2); continue }
                    break
                }
                if escapes && c == "\\" { advance(2); continue }
                advance()
            }
            advance()
        }

        /// Passes over `$tag$ … $tag$`, or over a lone `$` (`$1`).
        mutating func skipDollarQuoted() {
            guard let tag = SQLScript.dollarTag(chars, at: i) else { advance(); return }
            advance(tag.count)
            while at(0) != nil {
                if at(0) == "$", Array(chars[i..<min(chars.count, i + tag.count)]) == tag { advance(tag.count); return }
                advance()
            }
        }
    }

    /// `$tag$` starting at `i`, when it is one (not `$1` nor part of a name).
    static func dollarTag(_ chars: [Character], at i: Int) -> [Character]? {
        if i > 0, chars[i - 1].isLetter || chars[i - 1].isNumber || chars[i - 1] == "_" { return nil }
        var j = i + 1
        while j < chars.count, chars[j].isLetter || chars[j] == "_" || (j > i + 1 && chars[j].isNumber) { j += 1 }
        guard j < chars.count, chars[j] == "$" else { return nil }
        return Array(chars[i...j])
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
