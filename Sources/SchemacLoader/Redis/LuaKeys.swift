/// How a script's Lua source names keys: a script must touch only the keys it
/// is given in KEYS, each of a declared spec. A key it builds itself
/// (`KEYS[1] .. ':seq'`) is declared nowhere: it has no expiry the definitions
/// know of, Redis Cluster cannot route it, and the drift report calls it unknown.
enum LuaKeys {
    struct Use: Equatable {
        var line: Int
        var text: String
    }

    /// `KEYS[n] .. 'literal'`, also through a local that holds `KEYS[n]`.
    static func derivedKeys(in source: String) -> [Use] {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false).map { stripComment(String($0)) }
        var aliases: [String] = []
        for line in lines {
            // local key = KEYS[1]   /   local a, b = KEYS[1], KEYS[2]
            let statement = line.trimmingCharacters(in: .whitespaces)
            guard statement.hasPrefix("local "), let eq = statement.firstIndex(of: "=") else { continue }
            let names = statement[statement.index(statement.startIndex, offsetBy: 6)..<eq]
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let values = statement[statement.index(after: eq)...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for (name, value) in zip(names, values) where value.hasPrefix("KEYS[") && value.hasSuffix("]") { aliases.append(name) }
        }
        var uses: [Use] = []
        for (i, line) in lines.enumerated() {
            let chars = Array(line)
            var j = 0
            while j < chars.count {
                // A key expression ends here: KEYS[n] or an alias, then `..` and a quote.
                var end: Int?, start = j
                if chars[j] == "]", let open = chars[..<j].lastIndex(of: "["), open >= 4, String(chars[(open - 4)..<open]) == "KEYS" {
                    end = j + 1
                    start = open - 4
                } else {
                    for alias in aliases {
                        let a = Array(alias)
                        if j + a.count <= chars.count, Array(chars[j..<(j + a.count)]) == a,
                           j == 0 || !(chars[j - 1].isLetter || chars[j - 1].isNumber || chars[j - 1] == "_"),
                           j + a.count == chars.count || !(chars[j + a.count].isLetter || chars[j + a.count].isNumber || chars[j + a.count] == "_") {
                            end = j + a.count
                        }
                    }
                }
                if let end {
                    var k = end
                    while k < chars.count, chars[k] == " " { k += 1 }
                    if k + 1 < chars.count, chars[k] == ".", chars[k + 1] == "." {
                        k += 2
                        while k < chars.count, chars[k] == " " { k += 1 }
                        if k < chars.count, chars[k] == "'" || chars[k] == "\"" {
                            let quote = chars[k]
                            var m = k + 1
                            while m < chars.count, chars[m] != quote { m += 1 }
                            uses.append(Use(line: i + 1, text: String(chars[start..<min(m + 1, chars.count)])
                                .replacingOccurrences(of: "  ", with: " ")))
                        }
                    }
                    j = end
                    continue
                }
                j += 1
            }
        }
        return uses
    }

    /// The highest `n` of `KEYS[n]` the source reads.
    static func highestKeyIndex(in source: String) -> Int {
        var highest = 0
        for line in source.split(separator: "\n") {
            var rest = Substring(stripComment(String(line)))
            while let r = rest.range(of: "KEYS[") {
                let digits = rest[r.upperBound...].prefix { $0.isNumber }
                if let n = Int(digits) { highest = max(highest, n) }
                rest = rest[r.upperBound...]
            }
        }
        return highest
    }

    /// A line without its `--` comment (quotes respected).
    static func stripComment(_ line: String) -> String {
        var quote: Character?
        let chars = Array(line)
        for i in chars.indices {
            if let q = quote { if chars[i] == q { quote = nil }; continue }
            if chars[i] == "'" || chars[i] == "\"" { quote = chars[i]; continue }
            if chars[i] == "-", i + 1 < chars.count, chars[i + 1] == "-" { return String(chars[..<i]) }
        }
        return line
    }
}
