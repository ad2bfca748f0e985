import SchemacModel

/// Reads SQL the engine printed itself (`create_table_query`, the engine's
/// formatting of a statement): the top-level pieces of a statement, outside
/// quotes and parentheses. It does not interpret expressions; it only finds
/// where the engine put its keywords and commas, so that both sides of a
/// comparison, both printed by the engine, are cut the same way.
enum EngineText {
    /// `text` cut at `separator` where it is outside quotes and parentheses.
    static func split(_ text: Substring, at separator: UInt8 = UInt8(ascii: ",")) -> [Substring] {
        var cuts: [Int] = []
        let bytes = Array(text.utf8)
        scan(bytes) { offset, byte, depth in
            if depth == 0, byte == separator { cuts.append(offset) }
            return true
        }
        var parts: [Substring] = [], start = 0
        for cut in cuts + [bytes.count] {
            parts.append(slice(text, start, cut))
            start = cut + 1
        }
        return parts.map(trimmed).filter { !$0.isEmpty }
    }

    /// Where each of `keywords` (upper case, possibly two words) starts at the
    /// top level of `text` as a whole word, in order: the text before the first
    /// and each keyword with what follows it up to the next.
    static func clauses(_ text: Substring, keywords: [String]) -> (head: Substring, clauses: [(keyword: String, text: Substring)]) {
        let words = keywords.map { Array($0.utf8) }
        let bytes = Array(text.utf8)
        var found: [(keyword: String, start: Int, end: Int)] = []
        scan(bytes) { offset, _, depth in
            guard depth == 0, offset == 0 || bytes[offset - 1] == UInt8(ascii: " ") else { return true }
            for (k, word) in words.enumerated() where bytes.count >= offset + word.count && bytes[offset..<offset + word.count].elementsEqual(word) {
                let after = offset + word.count
                guard after == bytes.count || bytes[after] == UInt8(ascii: " ") || bytes[after] == UInt8(ascii: "(") else { continue }
                found.append((keywords[k], offset, after))
                break
            }
            return true
        }
        let head = trimmed(slice(text, 0, found.first?.start ?? bytes.count))
        let clauses = found.enumerated().map { i, f in
            (f.keyword, trimmed(slice(text, f.end, i + 1 < found.count ? found[i + 1].start : bytes.count)))
        }
        return (head, clauses)
    }

    /// The text inside the first top-level parentheses and what follows them.
    static func parenthesized(_ text: Substring) -> (before: Substring, inside: Substring, after: Substring)? {
        var open: Int?, close: Int?
        let bytes = Array(text.utf8)
        scan(bytes) { offset, byte, depth in
            if byte == UInt8(ascii: "("), depth == 0, open == nil { open = offset }
            if byte == UInt8(ascii: ")"), depth == 1, open != nil { close = offset; return false }
            return true
        }
        guard let open, let close else { return nil }
        return (trimmed(slice(text, 0, open)), slice(text, open + 1, close), trimmed(slice(text, close + 1, bytes.count)))
    }

    static func slice(_ text: Substring, _ from: Int, _ to: Int) -> Substring {
        let utf8 = text.utf8
        return text[utf8.index(text.startIndex, offsetBy: from)..<utf8.index(text.startIndex, offsetBy: to)]
    }

    /// A name as the engine prints it, backquoted or bare, and the rest.
    static func leadingName(_ text: Substring) -> (name: String, rest: Substring) {
        let t = trimmed(text)
        guard t.utf8.first == UInt8(ascii: "`") else {
            let end = t.firstIndex(of: " ") ?? t.endIndex
            return (String(t[..<end]), trimmed(t[end...]))
        }
        var name: [UInt8] = [], escaped = false
        var index = t.utf8.index(after: t.startIndex)
        while index < t.endIndex {
            let byte = t.utf8[index]
            index = t.utf8.index(after: index)
            if escaped { name.append(byte); escaped = false; continue }
            if byte == UInt8(ascii: "\\") { escaped = true; continue }
            if byte == UInt8(ascii: "`") { break }
            name.append(byte)
        }
        return (String(decoding: name, as: UTF8.self), trimmed(t[index...]))
    }

    /// A string literal's value, as the engine prints one (`'it\'s'`).
    static func unquoted(_ literal: Substring) -> String {
        let t = trimmed(literal)
        return ClickHouseSetting.stringValue(of: t) ?? String(t)
    }

    static func trimmed(_ s: Substring) -> Substring {
        var s = s
        while let f = s.utf8.first, f == 32 || f == 10 || f == 9 || f == 13 { s = s[s.utf8.index(after: s.startIndex)...] }
        while let l = s.utf8.last, l == 32 || l == 10 || l == 9 || l == 13 { s = s[..<s.utf8.index(before: s.endIndex)] }
        return s
    }

    /// Calls `visit` for each byte outside quotes with its offset and the
    /// parenthesis depth before it (an opening parenthesis is seen at the depth
    /// outside it, a closing one at the depth inside); `visit` returns false to stop.
    private static func scan(_ bytes: [UInt8], _ visit: (Int, UInt8, Int) -> Bool) {
        var depth = 0, quote: UInt8?, i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if let q = quote {
                if byte == UInt8(ascii: "\\") { i += 2; continue }
                if byte == q { quote = nil }
                i += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "`"), UInt8(ascii: "\""):
                quote = byte
                guard visit(i, byte, depth) else { return }
            case UInt8(ascii: "("), UInt8(ascii: "["):
                guard visit(i, byte, depth) else { return }
                depth += 1
            case UInt8(ascii: ")"), UInt8(ascii: "]"):
                guard visit(i, byte, depth) else { return }
                depth -= 1
            default:
                guard visit(i, byte, depth) else { return }
            }
            i += 1
        }
    }
}
