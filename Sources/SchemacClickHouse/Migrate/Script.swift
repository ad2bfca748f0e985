/// A ClickHouse migration file cut into its statements: at semicolons
/// outside quotes (`'…'`, `"…"`, `` `…` ``) and comments (`-- …`, `# …`,
/// `/* … */`), each with the line it starts on. Comments are kept only inside
/// a statement; a piece that is only comments is none.
public enum ClickHouseScript {
    public struct Statement: Hashable, Sendable {
        public var sql: String
        public var line: Int
    }

    public static func statements(_ text: String) -> [Statement] {
        let bytes = Array(text.utf8)
        var out: [Statement] = []
        var current: [UInt8] = [], startLine = 1, line = 1, i = 0
        var hasCode = false
        func flush() {
            let sql = String(decoding: current, as: UTF8.self)
            let trimmed = EngineText.trimmed(Substring(sql))
            if hasCode, !trimmed.isEmpty { out.append(Statement(sql: String(trimmed), line: startLine)) }
            current = []
            hasCode = false
        }
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\n") { line += 1 }
            if !hasCode, !isSpace(b), !startsComment(bytes, i) { startLine = line }
            switch b {
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"):
                hasCode = true
                current.append(b)
                i += 1
                while i < bytes.count, bytes[i] != b {
                    if bytes[i] == UInt8(ascii: "\n") { line += 1 }
                    if bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count { current.append(bytes[i]); i += 1 }
                    current.append(bytes[i])
                    i += 1
                }
                if i < bytes.count { current.append(bytes[i]) }
            case UInt8(ascii: "-") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "-"), UInt8(ascii: "#"):
                while i < bytes.count, bytes[i] != UInt8(ascii: "\n") {
                    if hasCode { current.append(bytes[i]) }
                    i += 1
                }
                continue
            case UInt8(ascii: "/") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "*"):
                i += 2
                while i + 1 < bytes.count, !(bytes[i] == UInt8(ascii: "*") && bytes[i + 1] == UInt8(ascii: "/")) {
                    if bytes[i] == UInt8(ascii: "\n") { line += 1 }
                    i += 1
                }
                i += 1
                if hasCode { current.append(UInt8(ascii: " ")) }
            case UInt8(ascii: ";"):
                flush()
            default:
                if !isSpace(b) { hasCode = true }
                if hasCode { current.append(b) }
            }
            i += 1
        }
        flush()
        return out
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 32 || b == 10 || b == 9 || b == 13 }

    static func startsComment(_ bytes: [UInt8], _ i: Int) -> Bool {
        bytes[i] == UInt8(ascii: "#") || (i + 1 < bytes.count && ((bytes[i] == UInt8(ascii: "-") && bytes[i + 1] == UInt8(ascii: "-"))
            || (bytes[i] == UInt8(ascii: "/") && bytes[i + 1] == UInt8(ascii: "*"))))
    }
}
