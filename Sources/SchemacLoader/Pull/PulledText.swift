import Foundation
import SchemacModel

/// Reading SQL as PostgreSQL prints it back into what a person writes.
enum PulledText {
    /// A view's query as pg_get_viewdef prints it (` SELECT …;`), without
    /// the leading space and the closing semicolon.
    static func viewQuery(_ printed: String) -> String {
        var text = Substring(printed)
        while text.first == " " || text.first == "\n" { text = text.dropFirst() }
        while text.last == " " || text.last == "\n" { text = text.dropLast() }
        if text.last == ";" { text = text.dropLast() }
        return unqualifiedPublic(String(text))
    }

    /// Text printed with names qualified (`public.notes`, `'a'::public.state`)
    /// as a person writes it: `public.` left out, as the definitions' other
    /// names are. Quoted strings are left as they are; names of other
    /// schemas stay qualified.
    static func unqualifiedPublic(_ text: String) -> String {
        let chars = Array(text), prefix = Array("public.")
        var out = "", i = 0, quote: Character?
        while i < chars.count {
            let c = chars[i]
            if let q = quote {
                out.append(c)
                if c == q { quote = nil }
                i += 1
                continue
            }
            if c == "'" || c == "\"" {
                quote = c
                out.append(c)
                i += 1
                continue
            }
            let startsName = i == 0 || !(chars[i - 1].isLetter || chars[i - 1].isNumber || "_$.\"".contains(chars[i - 1]))
            if startsName, c == "p", i + prefix.count < chars.count, Array(chars[i..<i + prefix.count]) == prefix,
               chars[i + prefix.count].isLetter || chars[i + prefix.count] == "_" || chars[i + prefix.count] == "\"" {
                i += prefix.count
                continue
            }
            out.append(c)
            i += 1
        }
        return out
    }

    /// `(a > 0)` as `a > 0`: the outer parentheses PostgreSQL prints around
    /// a check, a predicate or a policy, when they enclose the whole of it.
    static func withoutOuterParentheses(_ text: String) -> String {
        let chars = Array(text)
        guard chars.first == "(", chars.last == ")" else { return text }
        var depth = 0, quote: Character?
        for (i, c) in chars.enumerated() {
            if let q = quote {
                if c == q { quote = nil }
                continue
            }
            switch c {
            case "'", "\"": quote = c
            case "(": depth += 1
            case ")":
                depth -= 1
                if depth == 0 && i != chars.count - 1 { return text }
            default: break
            }
        }
        return depth == 0 ? String(chars.dropFirst().dropLast()) : text
    }

    /// Without the spaces and line breaks around it (Foundation's trimming
    /// costs more than the rest of pull's reading of an expression).
    static func trimmed(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(text[first...last])
    }

    /// A quoted SQL string at the start of `text` (`'it''s'`), its value and what follows.
    static func quoted(_ text: Substring) -> (value: String, rest: Substring)? {
        enclosed(text, by: "'")
    }

    /// Text between `quote`s at the start of `text`, a doubled quote read as one.
    static func enclosed(_ text: Substring, by quote: Character) -> (value: String, rest: Substring)? {
        guard text.first == quote else { return nil }
        var value = "", i = text.index(after: text.startIndex)
        while i < text.endIndex {
            if text[i] == quote {
                let next = text.index(after: i)
                if next < text.endIndex, text[next] == quote { value.append(quote); i = text.index(after: next); continue }
                return (value, text[next...])
            }
            value.append(text[i])
            i = text.index(after: i)
        }
        return nil
    }

    /// An identifier at the start of `text`, plain or double-quoted, and what follows.
    static func identifier(_ text: Substring) -> (name: String, rest: Substring)? {
        if text.first == "\"" { return enclosed(text, by: "\"").map { (name: $0.value, rest: $0.rest) } }
        let end = text.firstIndex { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "$") } ?? text.endIndex
        guard end != text.startIndex else { return nil }
        return (String(text[..<end]), text[end...])
    }

    /// The column and setting of the policy `tenant: true` generates, as
    /// PostgreSQL prints it:
    /// `(org_id = (NULLIF(current_setting('app.org'::text, true), ''::text))::uuid)`.
    static func tenantCheck(_ printed: String) -> (column: String, setting: String, type: String)? {
        var text = Substring(withoutOuterParentheses(trimmed(printed)))
        guard let (column, afterColumn) = identifier(text) else { return nil }
        text = afterColumn
        guard text.hasPrefix(" = ") else { return nil }
        text = text.dropFirst(3)
        // Pretty printing leaves out the parentheses around the cast's operand.
        let wrapped = text.hasPrefix("(")
        if wrapped { text = text.dropFirst() }
        let head = "NULLIF(current_setting("
        guard text.hasPrefix(head), let (setting, afterSetting) = quoted(text.dropFirst(head.count)) else { return nil }
        text = afterSetting
        let middle = "::text, true), ''::text)"
        guard text.hasPrefix(middle) else { return nil }
        text = text.dropFirst(middle.count)
        if wrapped {
            guard text.hasPrefix(")") else { return nil }
            text = text.dropFirst()
        }
        guard text.hasPrefix("::") else { return nil }
        return (column, setting, String(text.dropFirst(2)))
    }

    /// A printed expression as the definitions write it: trimmed, without
    /// the parentheses around the whole; several lines as a block.
    /// `keepingParentheses` for a default, which `DEFAULT` takes only as a
    /// simple expression (`now() AT TIME ZONE 'utc'` must stay in parentheses).
    static func expression(_ printed: String, keepingParentheses: Bool = false) -> YAMLValue {
        let trimmed = trimmed(printed)
        let text = unqualifiedPublic(settledArrays(keepingParentheses ? trimmed : withoutOuterParentheses(trimmed)))
        return text.contains("\n") ? .block(text) : .string(text)
    }

    /// `c::text = ANY (ARRAY['a'::character varying, …]::text[])`, as
    /// PostgreSQL prints `c IN ('a', …)` on a varchar column, reads back as
    /// another expression (each element cast to text) and so would never
    /// compare equal again; without the array's cast it reads back as printed.
    static func settledArrays(_ text: String) -> String {
        var out = "", rest = Substring(text)
        while let open = rest.range(of: "ANY (ARRAY[") ?? rest.range(of: "ALL (ARRAY[") {
            out += rest[..<open.upperBound]
            rest = rest[open.upperBound...]
            guard let close = closingBracket(rest) else { continue }
            let elements = rest[..<close], after = rest[rest.index(after: close)...]
            out += elements + "]"
            rest = after
            if after.hasPrefix("::text[])"),
               topLevelItems(elements).allSatisfy({ $0.hasPrefix("'") && $0.hasSuffix("'::character varying") }) {
                rest = rest.dropFirst("::text[]".count)
            }
        }
        return out + rest
    }

    /// The index of the `]` that closes a bracket opened just before `text`.
    static func closingBracket(_ text: Substring) -> Substring.Index? {
        var depth = 0, quote: Character?, i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == "[" {
                depth += 1
            } else if c == "]" {
                if depth == 0 { return i }
                depth -= 1
            }
            i = text.index(after: i)
        }
        return nil
    }

    /// Items separated by commas outside quotes and brackets, trimmed.
    static func topLevelItems(_ text: Substring) -> [String] {
        var items: [String] = [], current = "", depth = 0, quote: Character?
        for c in text {
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if "([".contains(c) {
                depth += 1
            } else if ")]".contains(c) {
                depth -= 1
            } else if c == ",", depth == 0 {
                items.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
                continue
            }
            current.append(c)
        }
        items.append(current.trimmingCharacters(in: .whitespaces))
        return items
    }

    /// A function's body as the generator takes it: the line break it puts
    /// after `$$` is not part of what is written.
    /// It ends with a line break, as the generator would end it anyway.
    static func functionBody(_ prosrc: String) -> String {
        let body = prosrc.hasPrefix("\n") ? String(prosrc.dropFirst()) : prosrc
        return body.hasSuffix("\n") ? body : body + "\n"
    }

    /// A printed partition bound as the values of the language's bound keys.
    enum Bound {
        case range(from: [String], to: [String])
        case list([String?])
        case hash(modulus: Int, remainder: Int)
        case `default`
    }

    static func partitionBound(_ printed: String) -> Bound? {
        if printed == "DEFAULT" { return .default }
        if printed.hasPrefix("FOR VALUES WITH (modulus "), printed.hasSuffix(")") {
            let inside = printed.dropFirst("FOR VALUES WITH (modulus ".count).dropLast()
            let parts = inside.components(separatedBy: ", remainder ")
            guard parts.count == 2, let m = Int(parts[0]), let r = Int(parts[1]) else { return nil }
            return .hash(modulus: m, remainder: r)
        }
        if printed.hasPrefix("FOR VALUES IN (") {
            guard let (values, rest) = boundValues(Substring(printed).dropFirst("FOR VALUES IN ".count)), rest.isEmpty else { return nil }
            return .list(values)
        }
        if printed.hasPrefix("FOR VALUES FROM (") {
            guard let (from, rest) = boundValues(Substring(printed).dropFirst("FOR VALUES FROM ".count)), rest.hasPrefix(" TO "),
                  let (to, end) = boundValues(rest.dropFirst(4)), end.isEmpty,
                  !from.contains(nil), !to.contains(nil) else { return nil }
            return .range(from: from.map { $0! }, to: to.map { $0! })
        }
        return nil
    }

    /// `('a', 10, MINVALUE, NULL)`: each value's text (nil for NULL) and what follows.
    static func boundValues(_ text: Substring) -> ([String?], Substring)? {
        guard text.first == "(" else { return nil }
        var rest = text.dropFirst(), values: [String?] = []
        while true {
            if let (value, after) = quoted(rest) {
                values.append(value)
                rest = after
            } else {
                let end = rest.firstIndex { $0 == "," || $0 == ")" } ?? rest.endIndex
                let word = rest[..<end].trimmingCharacters(in: .whitespaces)
                guard !word.isEmpty, word.allSatisfy({ $0.isLetter || $0.isNumber || "-+.".contains($0) }) else { return nil }
                values.append(word == "NULL" ? nil : word)
                rest = rest[end...]
            }
            if rest.hasPrefix(", ") { rest = rest.dropFirst(2); continue }
            guard rest.first == ")" else { return nil }
            return (values, rest.dropFirst())
        }
    }
}
