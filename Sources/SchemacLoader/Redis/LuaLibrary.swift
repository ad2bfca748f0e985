/// What a Redis Functions library declares in its Lua: the `#!lua name=…`
/// header Redis requires on the first line, each `redis.register_function`
/// call (positional, `('name', callback)`, or a table with `function_name`,
/// `callback` and `flags`), and what each callback does with its first
/// parameter, the table of keys it is called with. Read from tokens, so that
/// comments and strings never pass for code.
enum LuaLibrary {
    struct Token: Equatable {
        enum Kind: Equatable { case name, string, number, symbol }
        var kind: Kind
        /// As written; a string with its quotes.
        var text: String
        /// A string's value without its quotes (escapes undone); else the text.
        var value: String
        var line: Int
    }

    struct Registration: Equatable {
        var name: String
        var line: Int
        /// Nil for the positional form, which registers no flags.
        var flags: [String]?
        /// Keys the callback builds itself (`keys[1] .. ':seq'`).
        var derivedKeys: [LuaKeys.Use]
        /// The highest `n` of `keys[n]` the callback reads.
        var highestKey: Int
    }

    /// The header's engine and fields (`#!lua name=lib` → `lua`, [name: lib]),
    /// read as Redis reads it: the first line, words split at blanks, field
    /// names in any case. Nil without a `#!` first line.
    static func header(_ source: String) -> (engine: String, fields: [String: String])? {
        guard source.hasPrefix("#!") else { return nil }
        let line = source.unicodeScalars.dropFirst(2).prefix { $0 != "\n" }
        let words = String(String.UnicodeScalarView(line)).split { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let engine = words.first else { return ("", [:]) }
        var fields: [String: String] = [:]
        for word in words.dropFirst() {
            let pair = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            fields[pair[0].lowercased()] = pair.count == 2 ? String(pair[1]) : ""
        }
        return (String(engine), fields)
    }

    /// The first line, for a message.
    static func firstLine(_ source: String) -> String {
        String(String.UnicodeScalarView(source.unicodeScalars.prefix { $0 != "\n" && $0 != "\r" }))
    }

    static func registrations(in source: String) -> [Registration] {
        let t = tokens(source)
        var out: [Registration] = []
        var i = 0
        while i + 3 < t.count {
            defer { i += 1 }
            guard t[i].text == "redis", t[i + 1].text == ".", t[i + 2].text == "register_function" else { continue }
            var j = i + 3
            if t[j].text == "(" { j += 1 }
            guard j < t.count else { break }
            if t[j].text == "{" {
                if let r = tableRegistration(t, at: j) { out.append(r) }
            } else if t[j].kind == .string, j + 2 < t.count, t[j + 1].text == "," {
                let (highest, derived) = keyUses(t, callbackAt: j + 2)
                out.append(Registration(name: t[j].value, line: t[j].line, flags: nil, derivedKeys: derived, highestKey: highest))
            }
        }
        return out
    }

    /// `{function_name = 'f', callback = …, flags = {'no-writes'}}` starting at its `{`.
    private static func tableRegistration(_ t: [Token], at open: Int) -> Registration? {
        var name: (String, Int)?, flags: [String] = [], callback: Int?
        var k = open + 1
        while k + 2 < t.count, t[k].text != "}" {
            guard t[k].kind == .name, t[k + 1].text == "=" else { k = skipExpression(t, from: k) + 1; continue }
            let field = t[k].text, value = k + 2
            switch field {
            case "function_name" where t[value].kind == .string: name = (t[value].value, t[value].line)
            case "flags" where t[value].text == "{":
                var m = value + 1
                while m < t.count, t[m].text != "}" {
                    if t[m].kind == .string { flags.append(t[m].value) }
                    m += 1
                }
            case "callback": callback = value
            default: break
            }
            k = skipExpression(t, from: value)
            if k < t.count, t[k].text == "," || t[k].text == ";" { k += 1 }
        }
        guard let name else { return nil }
        let (highest, derived) = callback.map { keyUses(t, callbackAt: $0) } ?? (0, [])
        return Registration(name: name.0, line: name.1, flags: flags, derivedKeys: derived, highestKey: highest)
    }

    /// The index after an expression that starts at `from`: up to a `,`, `;`
    /// or closing bracket at its own depth, a `function … end` taken whole.
    private static func skipExpression(_ t: [Token], from: Int) -> Int {
        var depth = 0, k = from
        while k < t.count {
            let text = t[k].text
            if t[k].kind == .symbol, ["(", "{", "["].contains(text) { depth += 1 }
            if t[k].kind == .symbol, [")", "}", "]"].contains(text) {
                if depth == 0 { return k }
                depth -= 1
            }
            if depth == 0, t[k].kind == .symbol, text == "," || text == ";" { return k }
            if t[k].kind == .name, text == "function", let end = blockEnd(t, function: k) { k = end }
            k += 1
        }
        return k
    }

    /// The callback at `at` (an inline `function (keys, …)` or the name of one
    /// defined in the library): what its body does with its keys parameter.
    private static func keyUses(_ t: [Token], callbackAt at: Int) -> (Int, [LuaKeys.Use]) {
        var function: Int?
        if t[at].text == "function" {
            function = at
        } else if t[at].kind == .name {
            let name = t[at].text
            for k in t.indices.dropLast(2) {
                // function name(…)  /  local function name(…)  /  local name = function(…)
                if t[k].text == "function", t[k + 1].text == name, t[k + 2].text == "(" { function = k; break }
                if t[k].text == name, t[k + 1].text == "=", t[k + 2].text == "function", k > 0, t[k - 1].text == "local" { function = k + 2; break }
            }
        }
        guard let function, let open = t[function...].firstIndex(where: { $0.text == "(" }), open + 1 < t.count,
              t[open + 1].kind == .name, let end = blockEnd(t, function: function) else { return (0, []) }
        return uses(of: t[open + 1].text, in: Array(t[(open + 1)..<end]))
    }

    /// The `end` of the function whose `function` keyword is at `k`.
    static func blockEnd(_ t: [Token], function k: Int) -> Int? {
        var depth = 0
        for m in k..<t.count where t[m].kind == .name {
            switch t[m].text {
            case "function", "if", "do", "repeat": depth += 1
            case "end", "until":
                depth -= 1
                if depth == 0 { return m }
            default: break
            }
        }
        return nil
    }

    /// `keys[n]` read in `body`, and keys built from it or from a local that holds it.
    private static func uses(of keys: String, in body: [Token]) -> (Int, [LuaKeys.Use]) {
        func keyRead(_ k: Int) -> Bool {
            k + 3 < body.count && body[k].text == keys && body[k + 1].text == "[" && body[k + 2].kind == .number && body[k + 3].text == "]"
        }
        var highest = 0, aliases: Set<String> = []
        for k in body.indices where keyRead(k) { highest = max(highest, Int(body[k + 2].text) ?? 0) }
        // local a, b = keys[1], keys[2]
        for k in body.indices where body[k].text == "local" {
            var names: [String] = [], m = k + 1
            while m < body.count, body[m].kind == .name {
                names.append(body[m].text)
                m += 1
                if m < body.count, body[m].text == "," { m += 1 } else { break }
            }
            guard m < body.count, body[m].text == "=" else { continue }
            m += 1
            for name in names {
                if keyRead(m) { aliases.insert(name); m += 4 } else { m = skipExpression(body, from: m) }
                guard m < body.count, body[m].text == "," else { break }
                m += 1
            }
        }
        var derived: [LuaKeys.Use] = []
        for k in body.indices {
            let length = keyRead(k) ? 4 : (body[k].kind == .name && aliases.contains(body[k].text) && (k == 0 || body[k - 1].text != ".") ? 1 : 0)
            guard length > 0, k + length + 1 < body.count, body[k + length].text == "..", body[k + length + 1].kind == .string else { continue }
            let expression = body[k..<(k + length)].map(\.text).joined()
            derived.append(LuaKeys.Use(line: body[k].line, text: expression + " .. " + body[k + length + 1].text))
        }
        return (highest, derived)
    }

    // MARK: Tokens

    static func tokens(_ source: String) -> [Token] {
        var scanner = Scanner(Array(source.unicodeScalars))
        // The header is not Lua: Redis takes the first line away before it compiles the rest.
        if source.hasPrefix("#!") { scanner.skipLine() }
        var out: [Token] = []
        while let token = scanner.next() { out.append(token) }
        return out
    }

    /// Lua's lexical grammar, as far as telling code from comments and
    /// strings needs: Lua 5.1's, the one Redis runs (no `\z` escape).
    struct Scanner {
        let s: [Unicode.Scalar]
        var i = 0, line = 1

        init(_ scalars: [Unicode.Scalar]) { s = scalars }

        static func isNameStart(_ c: Unicode.Scalar) -> Bool { c == "_" || ("a"..."z").contains(c) || ("A"..."Z").contains(c) }
        static func isNamePart(_ c: Unicode.Scalar) -> Bool { isNameStart(c) || ("0"..."9").contains(c) }
        static let symbols = ["...", "..", "==", "~=", "<=", ">=", "::", "//", "<<", ">>"].map { Array($0.unicodeScalars) }

        func text(_ a: Int, _ b: Int) -> String { String(String.UnicodeScalarView(s[a..<b])) }

        mutating func skipLine() { while i < s.count, s[i] != "\n" { i += 1 } }

        /// The next token, comments and blanks skipped; nil at the end.
        mutating func next() -> Token? {
            while i < s.count {
                let c = s[i], start = i, startLine = line
                if c == "\n" { line += 1; i += 1; continue }
                if c == " " || c == "\t" || c == "\r" { i += 1; continue }
                if c == "-", i + 1 < s.count, s[i + 1] == "-" {
                    if let (after, level) = longOpen(i + 2) { i = longClose(after, level) } else { skipLine() }
                    continue
                }
                if let (after, level) = longOpen(i) {
                    i = longClose(after, level)
                    return Token(kind: .string, text: text(start, i), value: text(after, max(after, i - level - 2)), line: startLine)
                }
                if c == "'" || c == "\"" {
                    let value = quoted(c)
                    return Token(kind: .string, text: text(start, i), value: value, line: startLine)
                }
                let kind: Token.Kind
                if Self.isNameStart(c) {
                    while i < s.count, Self.isNamePart(s[i]) { i += 1 }
                    kind = .name
                } else if ("0"..."9").contains(c) {
                    while i < s.count, Self.isNamePart(s[i]) || s[i] == "." { i += 1 }
                    kind = .number
                } else {
                    i += Self.symbols.first { i + $0.count <= s.count && Array(s[i..<(i + $0.count)]) == $0 }?.count ?? 1
                    kind = .symbol
                }
                return Token(kind: kind, text: text(start, i), value: text(start, i), line: startLine)
            }
            return nil
        }

        /// A quoted string's value from its opening `quote` at `i`; `i` ends
        /// after the closing one (an unclosed string ends at its line's end).
        mutating func quoted(_ quote: Unicode.Scalar) -> String {
            var value = String.UnicodeScalarView()
            i += 1
            while i < s.count, s[i] != quote, s[i] != "\n" {
                guard s[i] == "\\", i + 1 < s.count else {
                    value.append(s[i])
                    i += 1
                    continue
                }
                i += 1
                switch s[i] {
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "\n":
                    // A backslash before a line's end continues the string on the next line.
                    line += 1
                    value.append("\n")
                default: value.append(s[i])
                }
                i += 1
            }
            if i < s.count, s[i] == quote { i += 1 }
            return String(value)
        }

        /// `[[`, `[=[`, … at `k`: the index after the opening, and its level.
        func longOpen(_ k: Int) -> (Int, Int)? {
            guard k < s.count, s[k] == "[" else { return nil }
            var m = k + 1, level = 0
            while m < s.count, s[m] == "=" { level += 1; m += 1 }
            return m < s.count && s[m] == "[" ? (m + 1, level) : nil
        }

        /// The index after the `]=…]` that closes a long bracket of `level` from `k`, counting lines.
        mutating func longClose(_ k: Int, _ level: Int) -> Int {
            var m = k
            while m < s.count {
                if s[m] == "\n" { line += 1 }
                if s[m] == "]" {
                    var n = m + 1, l = 0
                    while n < s.count, s[n] == "=" { l += 1; n += 1 }
                    if l == level, n < s.count, s[n] == "]" { return n + 1 }
                }
                m += 1
            }
            return s.count
        }
    }
}
