/// The column names a ClickHouse key or TTL expression uses that the table
/// lacks: `order_by: [tss]` beside a column `ts` would generate `ORDER BY tss`,
/// which the engine refuses only when the table is created.
///
/// Read as tokens: string literals, numbers and keywords are skipped; a word
/// before `(` is a function; a word after `.` is a part of a name; lambda
/// parameters (`x -> …`) are no columns. `quoted` names count as written.
enum ClickHouseExpressionColumns {
    static let keywords: Set<String> = [
        "and", "or", "not", "in", "is", "null", "true", "false", "as", "like", "ilike", "between", "case", "when", "then",
        "else", "end", "asc", "desc", "interval", "second", "minute", "hour", "day", "week", "month", "quarter", "year",
        "nanosecond", "microsecond", "millisecond", "to", "disk", "volume", "delete", "where", "group", "by", "set",
        "recompress", "codec", "global", "any", "all", "distinct", "nulls", "first", "last", "with", "fill", "collate",
        "inf", "nan", "exists", "array", "tuple",
    ]

    static func unknown(in expression: String, columns: Set<String>) -> [String] {
        let chars = Array(expression.unicodeScalars)
        var words: [(name: String, quoted: Bool, isCall: Bool, afterDot: Bool, beforeArrow: Bool)] = []
        var i = 0
        func isWordStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic }
        func isWordPart(_ c: Unicode.Scalar) -> Bool { isWordStart(c) || ("0"..."9").contains(c) }
        func next(_ from: Int) -> (Unicode.Scalar?, Unicode.Scalar?) {
            var j = from
            while j < chars.count, chars[j].properties.isWhitespace { j += 1 }
            return (j < chars.count ? chars[j] : nil, j + 1 < chars.count ? chars[j + 1] : nil)
        }
        var previous: Unicode.Scalar?
        while i < chars.count {
            let c = chars[i]
            if c == "'" {
                i += 1
                while i < chars.count, chars[i] != "'" { i += chars[i] == "\\" ? 2 : 1 }
                i += 1
                previous = "'"
                continue
            }
            if c == "`" || c == "\"" || isWordStart(c) {
                var name = ""
                let quoted = c == "`" || c == "\""
                if quoted {
                    i += 1
                    while i < chars.count, chars[i] != c { name.unicodeScalars.append(chars[i]); i += 1 }
                    i += 1
                } else {
                    while i < chars.count, isWordPart(chars[i]) { name.unicodeScalars.append(chars[i]); i += 1 }
                }
                let (after, afterNext) = next(i)
                words.append((name, quoted, after == "(", previous == ".", after == "-" && afterNext == ">"))
                previous = "a"
                continue
            }
            if ("0"..."9").contains(c) {
                while i < chars.count, isWordPart(chars[i]) || chars[i] == "." { i += 1 }
                previous = "0"
                continue
            }
            if !c.properties.isWhitespace { previous = c }
            i += 1
        }
        let lambdaParameters = Set(words.filter(\.beforeArrow).map(\.name))
        var unknown: [String] = []
        for w in words where !w.isCall && !w.afterDot && !lambdaParameters.contains(w.name) {
            if !w.quoted && keywords.contains(w.name.lowercased()) { continue }
            if !columns.contains(w.name) && !unknown.contains(w.name) { unknown.append(w.name) }
        }
        return unknown
    }
}
