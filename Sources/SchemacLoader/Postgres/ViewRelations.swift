/// The relations a view's query reads: the names after FROM and JOIN (and in
/// a FROM list), without a full SQL parser.
///
/// What is skipped: string literals, dollar-quoted bodies and comments; FROM
/// inside a function call's parentheses (`extract(epoch FROM t)`, `substring(x
/// FROM 2)`) and after IS DISTINCT; function calls in FROM (`generate_series(…)`);
/// subqueries (whose own FROMs are read); and names a WITH clause defines.
enum ViewRelations {
    struct Reference: Equatable {
        /// The schema as written, nil when the name is unqualified.
        var schema: String?
        var name: String
    }

    enum Token: Equatable {
        case word(String)        // lowercased
        case quoted(String)      // as written
        case symbol(Character)
        case literal
    }

    static func references(in sql: String) -> [Reference] {
        let tokens = tokenize(sql)
        let cteNames = Set(commonTableExpressionNames(tokens))
        var found: [Reference] = []
        // For each open parenthesis: whether it belongs to a function call.
        var parens: [Bool] = []
        var i = 0
        while i < tokens.count {
            switch tokens[i] {
            case .symbol("("):
                parens.append(isCallParenthesis(tokens, at: i))
            case .symbol(")"):
                _ = parens.popLast()
            case .word(let w) where w == "from" || w == "join":
                let inCall = parens.last ?? false
                let afterDistinct = i > 0 && tokens[i - 1] == .word("distinct")
                if !inCall && !afterDistinct {
                    i = readList(tokens, from: i + 1, allowsComma: w == "from", into: &found)
                    continue
                }
            default:
                break
            }
            i += 1
        }
        return found.filter { $0.schema != nil || !cteNames.contains($0.name) }
    }

    /// Reads `name [AS] [alias] [, …]` after FROM or JOIN; returns where it stopped.
    private static func readList(_ tokens: [Token], from start: Int, allowsComma: Bool, into found: inout [Reference]) -> Int {
        var i = start
        while i < tokens.count {
            while i < tokens.count, tokens[i] == .word("only") || tokens[i] == .word("lateral") { i += 1 }
            guard i < tokens.count else { return i }
            if tokens[i] == .symbol("(") { return i }  // a subquery: its FROMs are read in turn
            var parts: [String] = []
            while i < tokens.count, let part = name(tokens[i]) {
                parts.append(part)
                i += 1
                guard i + 1 < tokens.count, tokens[i] == .symbol("."), name(tokens[i + 1]) != nil else { break }
                i += 1
            }
            guard !parts.isEmpty else { return i }
            if i < tokens.count, tokens[i] == .symbol("(") {
                // A function in FROM: skip its arguments.
                i = skipParentheses(tokens, from: i)
            } else {
                found.append(Reference(schema: parts.count >= 2 ? parts[parts.count - 2] : nil, name: parts[parts.count - 1]))
            }
            // An alias, perhaps with column names.
            if i < tokens.count, tokens[i] == .word("as") { i += 1 }
            if i < tokens.count, case .word(let w) = tokens[i], !clauseWords.contains(w) { i += 1 } else if i < tokens.count, case .quoted = tokens[i] { i += 1 }
            if i < tokens.count, tokens[i] == .symbol("(") { i = skipParentheses(tokens, from: i) }
            guard allowsComma, i < tokens.count, tokens[i] == .symbol(",") else { return i }
            i += 1
        }
        return i
    }

    /// Words that end a FROM item rather than name its alias.
    static let clauseWords: Set<String> = [
        "where", "group", "order", "having", "limit", "offset", "join", "inner", "left", "right", "full", "cross", "natural",
        "on", "using", "union", "intersect", "except", "window", "fetch", "for", "tablesample", "with", "returning", "select",
    ]

    /// Words after which `(` opens a subquery or a group rather than a call's arguments.
    static let nonCallWords: Set<String> = [
        "from", "join", "in", "exists", "as", "select", "where", "on", "and", "or", "not", "any", "all", "some", "values",
        "lateral", "union", "intersect", "except", "then", "else", "when", "case", "having", "by", "materialized", "is",
        "using", "with", "array", "distinct", "return", "returning",
    ]

    private static func isCallParenthesis(_ tokens: [Token], at i: Int) -> Bool {
        guard i > 0 else { return false }
        switch tokens[i - 1] {
        case .word(let w): return !nonCallWords.contains(w)
        case .quoted: return true
        default: return false
        }
    }

    private static func name(_ token: Token) -> String? {
        switch token {
        case .word(let w): w
        case .quoted(let q): q
        default: nil
        }
    }

    private static func skipParentheses(_ tokens: [Token], from start: Int) -> Int {
        var depth = 0, i = start
        while i < tokens.count {
            if tokens[i] == .symbol("(") { depth += 1 }
            if tokens[i] == .symbol(")") { depth -= 1; if depth == 0 { return i + 1 } }
            i += 1
        }
        return i
    }

    /// Names defined by `WITH name [(cols)] AS [NOT] [MATERIALIZED] (`.
    static func commonTableExpressionNames(_ tokens: [Token]) -> [String] {
        var names: [String] = []
        for i in tokens.indices {
            guard let n = name(tokens[i]) else { continue }
            var j = i + 1
            if j < tokens.count, tokens[j] == .symbol("("), i > 0, tokens[i - 1] == .word("with") || tokens[i - 1] == .symbol(",")
                || tokens[i - 1] == .word("recursive") {
                j = skipParentheses(tokens, from: j)
            }
            guard j < tokens.count, tokens[j] == .word("as") else { continue }
            j += 1
            while j < tokens.count, tokens[j] == .word("not") || tokens[j] == .word("materialized") { j += 1 }
            if j < tokens.count, tokens[j] == .symbol("(") { names.append(n) }
        }
        return names
    }

    static func tokenize(_ sql: String) -> [Token] {
        let chars = Array(sql.unicodeScalars)
        var tokens: [Token] = []
        var i = 0
        func isWordStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic }
        func isWordPart(_ c: Unicode.Scalar) -> Bool { isWordStart(c) || ("0"..."9").contains(c) || c == "$" }
        while i < chars.count {
            let c = chars[i]
            if c.properties.isWhitespace { i += 1; continue }
            if c == "-", i + 1 < chars.count, chars[i + 1] == "-" {
                while i < chars.count, chars[i] != "\n" { i += 1 }
                continue
            }
            if c == "/", i + 1 < chars.count, chars[i + 1] == "*" {
                var depth = 0
                while i < chars.count {
                    if chars[i] == "/", i + 1 < chars.count, chars[i + 1] == "*" { depth += 1; i += 2; continue }
                    if chars[i] == "*", i + 1 < chars.count, chars[i + 1] == "/" { depth -= 1; i += 2; if depth == 0 { break }; continue }
                    i += 1
                }
                continue
            }
            if c == "'" {
                i += 1
                while i < chars.count {
                    if chars[i] == "'" {
                        if i + 1 < chars.count, chars[i + 1] == "'" { i += 2; continue }
                        break
                    }
                    i += 1
                }
                i += 1
                tokens.append(.literal)
                continue
            }
            if c == "\"" {
                var text = ""
                i += 1
                while i < chars.count {
                    if chars[i] == "\"" {
                        if i + 1 < chars.count, chars[i + 1] == "\"" { text.unicodeScalars.append("\""); i += 2; continue }
                        break
                    }
                    text.unicodeScalars.append(chars[i])
                    i += 1
                }
                i += 1
                tokens.append(.quoted(text))
                continue
            }
            if c == "$" {
                // $tag$ … $tag$ (or $$ … $$); $1 is a parameter.
                var j = i + 1
                while j < chars.count, isWordPart(chars[j]), chars[j] != "$" { j += 1 }
                if j < chars.count, chars[j] == "$", !(i + 1 < chars.count && ("0"..."9").contains(chars[i + 1])) {
                    let tag = Array(chars[i...j])
                    var k = j + 1
                    while k + tag.count <= chars.count, !chars[k..<(k + tag.count)].elementsEqual(tag) { k += 1 }
                    i = min(chars.count, k + tag.count)
                    tokens.append(.literal)
                    continue
                }
            }
            if isWordStart(c) {
                var word = ""
                while i < chars.count, isWordPart(chars[i]) { word.unicodeScalars.append(chars[i]); i += 1 }
                tokens.append(.word(word.lowercased()))
                continue
            }
            if ("0"..."9").contains(c) {
                while i < chars.count, isWordPart(chars[i]) || chars[i] == "." { i += 1 }
                tokens.append(.literal)
                continue
            }
            tokens.append(.symbol(Character(c)))
            i += 1
        }
        return tokens
    }
}
