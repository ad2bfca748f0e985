import Foundation
import SchemacModel

/// Renders `default` values and partition bounds as SQL literals of a column's
/// type, refusing what PostgreSQL would refuse (or silently misread).
enum Literals {
    enum Failure: Error {
        case looksLikeCall
        case invalid(String)
    }

    /// Words that are SQL expressions, not values, however they are spelled.
    private static let sqlValueFunctions: Set<String> = [
        "current_timestamp", "current_date", "current_time", "localtimestamp", "localtime",
        "current_user", "session_user", "user", "current_role", "current_catalog", "current_schema",
    ]

    static func looksLikeCall(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if sqlValueFunctions.contains(trimmed.lowercased()) { return true }
        guard trimmed.hasSuffix(")"), let open = trimmed.firstIndex(of: "(") else { return false }
        let head = trimmed[..<open].trimmingCharacters(in: .whitespaces)
        guard let first = head.first, first.isLetter || first == "_" else { return false }
        return head.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }
    }

    /// SQL for `value` as a literal of `type`. `enumValues` are the labels when the
    /// type is an enum.
    static func render(_ value: String, as type: PostgresType, enumValues: [String]?) -> Result<String, Failure> {
        if type.isArray {
            // An array default written as text must already be an array literal.
            guard value.hasPrefix("{"), value.hasSuffix("}") else {
                return .failure(.invalid("an array literal is written {a,b} or as a YAML list"))
            }
            return .success(SQL.literal(value))
        }
        if let labels = enumValues {
            guard labels.contains(value) else {
                if looksLikeCall(value) { return .failure(.looksLikeCall) }
                return .failure(.invalid("not one of the enum's values \(labels.map { "'\($0)'" }.joined(separator: ", "))"))
            }
            return .success(SQL.literal(value))
        }
        let category: BuiltinType.LiteralCategory
        switch type.base {
        case .builtin(let b): category = b.literalCategory
        case .extensionType(let name, _): category = name == "citext" ? .text : .other
        case .enumeration: category = .other
        }
        if category != .text, looksLikeCall(value) { return .failure(.looksLikeCall) }
        switch category {
        case .integer:
            guard let n = Int64(value) else { return .failure(.invalid("not a whole number")) }
            if let range = type.builtin?.integerRange, !range.contains(n) {
                return .failure(.invalid("out of range for \(type.sql)"))
            }
            return .success(String(n))
        case .decimal, .float:
            if isDecimal(value) { return .success(value) }
            if category == .float || type.builtin == .numeric, ["nan", "infinity", "-infinity", "inf", "-inf"].contains(value.lowercased()) {
                return .success(SQL.literal(value))
            }
            return .failure(.invalid("not a number"))
        case .boolean:
            switch value.lowercased() {
            case "true", "yes", "on": return .success("true")
            case "false", "no", "off": return .success("false")
            default: return .failure(.invalid("not true or false"))
            }
        case .uuid:
            guard UUID(uuidString: value) != nil else { return .failure(.invalid("not a UUID")) }
            return .success(SQL.literal(value.lowercased()))
        case .date, .timestamp, .time:
            let lowered = value.lowercased()
            if ["now", "today", "tomorrow", "yesterday"].contains(lowered) {
                return .failure(.invalid("'\(value)' would be frozen at the moment the table is created; use default_sql: now() (or CURRENT_DATE)"))
            }
            if category != .time, !["infinity", "-infinity", "epoch"].contains(lowered), !startsWithDate(value) {
                return .failure(.invalid("not a date (YYYY-MM-DD...)"))
            }
            return .success(SQL.literal(value))
        case .json:
            guard let data = value.data(using: .utf8),
                  (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil else {
                return .failure(.invalid("not valid JSON"))
            }
            return .success(SQL.literal(value))
        case .text, .other:
            if case .builtin(let b) = type.base, b == .varchar || b == .character, let limit = type.modifiers.first,
               value.count > limit {
                return .failure(.invalid("longer than \(limit) characters"))
            }
            return .success(SQL.literal(value))
        }
    }

    static func isDecimal(_ s: String) -> Bool {
        var chars = Substring(s)
        if chars.first == "-" || chars.first == "+" { chars = chars.dropFirst() }
        var mantissa = chars
        var exponent: Substring?
        if let e = chars.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = chars[..<e]
            exponent = chars[chars.index(after: e)...]
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
              parts.contains(where: { !$0.isEmpty }) else { return false }
        if var exp = exponent {
            if exp.first == "-" || exp.first == "+" { exp = exp.dropFirst() }
            return !exp.isEmpty && exp.allSatisfy(\.isASCIIDigit)
        }
        return true
    }

    static func startsWithDate(_ s: String) -> Bool {
        let c = Array(s.utf8)
        guard c.count >= 10 else { return false }
        func digit(_ i: Int) -> Bool { (48...57).contains(c[i]) }
        return (0..<4).allSatisfy(digit) && c[4] == 45 && digit(5) && digit(6) && c[7] == 45 && digit(8) && digit(9)
    }

    /// A YAML list as a PostgreSQL array literal: `{"a","b"}`.
    static func arrayLiteral(_ items: [String]) -> String {
        let quoted = items.map { item -> String in
            let escaped = item.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\""
        }
        return SQL.literal("{" + quoted.joined(separator: ",") + "}")
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
