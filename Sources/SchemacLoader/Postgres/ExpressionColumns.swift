/// Finds column names a CHECK expression uses that the table does not have.
///
/// Only what can be told apart without a full SQL parser is looked at: quoted
/// identifiers anywhere, and bare words outside function-call arguments (where
/// words like EPOCH or FROM are syntax, not columns) that are not keywords, not
/// functions, not the type of a cast (`x::numeric`) and not a typed literal's
/// type (`date '2026-01-01'`). Anything it is unsure about it leaves alone.
enum ExpressionColumns {
    static let keywords: Set<String> = [
        "and", "or", "not", "is", "null", "true", "false", "in", "between", "symmetric", "like", "ilike",
        "similar", "to", "escape", "case", "when", "then", "else", "end", "distinct", "from", "any", "all",
        "some", "array", "interval", "collate", "at", "time", "zone", "current_date", "current_timestamp",
        "localtimestamp", "current_time", "localtime", "current_user", "session_user", "current_role",
        "unknown", "isnull", "notnull", "overlaps", "cast", "as", "row", "exists", "value",
    ]

    static func unknownColumns(in expression: String, columns: Set<String>) -> [String] {
        let chars = Array(expression.unicodeScalars)
        var unknown: [String] = []
        func note(_ name: String) {
            if !columns.contains(name) && !unknown.contains(name) { unknown.append(name) }
        }
        // Depth of function-call parentheses; plain grouping parentheses do not count.
        var callDepth = 0
        var parenIsCall: [Bool] = []
        var previousSignificant: String = ""
        var i = 0
        func isWordStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic }
        func isWordPart(_ c: Unicode.Scalar) -> Bool { isWordStart(c) || ("0"..."9").contains(c) || c == "$" }
        func nextNonSpace(_ from: Int) -> Unicode.Scalar? {
            var j = from
            while j < chars.count, chars[j].properties.isWhitespace { j += 1 }
            return j < chars.count ? chars[j] : nil
        }
        while i < chars.count {
            let c = chars[i]
            if c == "'" {
                // A string literal; '' inside it is a quote.
                i += 1
                while i < chars.count {
                    if chars[i] == "'" {
                        if i + 1 < chars.count && chars[i + 1] == "'" { i += 2; continue }
                        break
                    }
                    i += 1
                }
                i += 1
                previousSignificant = "'"
                continue
            }
            if c == "\"" {
                var name = ""
                i += 1
                while i < chars.count {
                    if chars[i] == "\"" {
                        if i + 1 < chars.count && chars[i + 1] == "\"" { name.unicodeScalars.append("\""); i += 2; continue }
                        break
                    }
                    name.unicodeScalars.append(chars[i])
                    i += 1
                }
                i += 1
                let next = nextNonSpace(i)
                if previousSignificant != "::" && next != "(" && next != "." && previousSignificant != "." { note(name) }
                previousSignificant = "ident"
                continue
            }
            if isWordStart(c) {
                var word = ""
                while i < chars.count, isWordPart(chars[i]) { word.unicodeScalars.append(chars[i]); i += 1 }
                let lowered = word.lowercased()
                let next = nextNonSpace(i)
                let isCall = next == "("
                let isQualified = next == "." || previousSignificant == "."
                let isTypedLiteral = next == "'"
                let isCastType = previousSignificant == "::" || previousSignificant == "as"
                if callDepth == 0, !isCall, !isQualified, !isTypedLiteral, !isCastType, !keywords.contains(lowered) {
                    note(lowered)
                }
                previousSignificant = lowered
                if isCall {
                    // Mark the parenthesis that follows as a call's.
                    var j = i
                    while j < chars.count, chars[j].properties.isWhitespace { j += 1 }
                    i = j + 1
                    parenIsCall.append(true)
                    callDepth += 1
                    previousSignificant = "("
                }
                continue
            }
            if c == "(" { parenIsCall.append(false) }
            if c == ")" {
                if let wasCall = parenIsCall.popLast(), wasCall { callDepth -= 1 }
            }
            if c == ":" && i + 1 < chars.count && chars[i + 1] == ":" {
                previousSignificant = "::"
                i += 2
                continue
            }
            if c == "." { previousSignificant = "." } else if !c.properties.isWhitespace { previousSignificant = String(c) }
            if ("0"..."9").contains(c) {
                // Numbers, including 1e5 and 1.5: skip their letters.
                while i < chars.count, isWordPart(chars[i]) || chars[i] == "." { i += 1 }
                previousSignificant = "0"
                continue
            }
            i += 1
        }
        return unknown
    }
}
