import Foundation
import SchemacModel

/// Renders `default` values and partition bounds as SQL literals of a column's
/// type, refusing what PostgreSQL would refuse (or silently misread).
enum Literals {
    enum Failure: Error {
        case looksLikeCall
        case invalid(String)

        var reason: String {
            switch self {
            case .looksLikeCall: "an SQL call, not a value"
            case .invalid(let why): why
            }
        }
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
        if case .domain = type.base { return render(value, as: type.underlying, enumValues: enumValues) }
        if type.isArray {
            // An array default written as text must already be an array literal.
            guard value.hasPrefix("{"), value.hasSuffix("}") else {
                return .failure(.invalid("an array literal is written {a,b} or as a YAML list"))
            }
            // Each element must be a value of the element type (one dimension;
            // nested arrays are left to the server).
            if let elements = arrayElements(value) {
                for (i, element) in elements.enumerated() {
                    guard let element else { continue }
                    if case .failure(let failure) = render(element, as: type.element, enumValues: enumValues) {
                        return .failure(.invalid("element \(i + 1) ('\(element)') is \(failure.reason)"))
                    }
                }
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
        case .enumeration, .domain: category = .other
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
            if isDecimal(value) {
                if type.builtin == .numeric, let precision = type.modifiers.first, !fits(value, precision: precision, scale: type.modifiers.dropFirst().first ?? 0) {
                    let scale = type.modifiers.dropFirst().first ?? 0
                    return .failure(.invalid("too large for \(type.sql), which holds at most \(precision - scale) digit(s) before the decimal point"))
                }
                return .success(value)
            }
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
            if category != .time, !["infinity", "-infinity", "epoch"].contains(lowered) {
                guard startsWithDate(value) else { return .failure(.invalid("not a date (YYYY-MM-DD...)")) }
                if let problem = DateTimeLiteral.problem(value) { return .failure(.invalid(problem)) }
            }
            if category == .time, let problem = DateTimeLiteral.timeProblem(Substring(value)) { return .failure(.invalid(problem)) }
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

    /// Whether a decimal (as `isDecimal` accepts it) fits numeric(precision,
    /// scale) once rounded to `scale` digits, as PostgreSQL stores it.
    static func fits(_ s: String, precision: Int, scale: Int) -> Bool {
        guard var decimal = Decimal(string: s, locale: Locale(identifier: "en_US_POSIX")) else { return true }
        var rounded = Decimal()
        NSDecimalRound(&rounded, &decimal, scale, .plain)
        var limit = Decimal(1)
        for _ in 0..<max(0, precision - scale) { limit *= 10 }
        return abs(rounded) < limit
    }

    /// The elements of a one-dimensional array literal (`{a,"b c",NULL}`), nil
    /// for NULL; nil for what this does not read (nested arrays, bounds).
    static func arrayElements(_ literal: String) -> [String?]? {
        let inner = Array(literal.dropFirst().dropLast())
        guard !inner.contains("{"), !inner.allSatisfy(\.isWhitespace) else { return inner.contains("{") ? nil : [] }
        var elements: [String?] = [], current = "", quoted = false, wasQuoted = false, i = 0
        func finish() {
            let text = wasQuoted ? current : current.trimmingCharacters(in: .whitespaces)
            elements.append(!wasQuoted && text.uppercased() == "NULL" ? nil : text)
            current = ""
            wasQuoted = false
        }
        while i < inner.count {
            let c = inner[i]
            if c == "\\", i + 1 < inner.count { current.append(inner[i + 1]); i += 2; continue }
            if c == "\"" { quoted.toggle(); wasQuoted = true; i += 1; continue }
            if c == ",", !quoted { finish(); i += 1; continue }
            current.append(c)
            i += 1
        }
        finish()
        return elements
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

/// Dates and times as PostgreSQL reads them in ISO form: a real calendar day,
/// an hour of the day, and an offset or zone name after it.
enum DateTimeLiteral {
    /// What is wrong with `YYYY-MM-DD[( |T)HH:MM[:SS[.fff]]][zone]`, or nil.
    static func problem(_ value: String) -> String? {
        let c = Array(value.utf8)
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + Int(c[$1] - 48) } }
        let year = number(0..<4), month = number(5..<7), day = number(8..<10)
        guard (1...12).contains(month) else { return "month \(month) does not exist" }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else { return "\(value.prefix(7)) has no day \(day)" }
        var rest = Substring(value).dropFirst(10)
        if rest.isEmpty { return nil }
        if rest.first == " " || rest.first == "T" { rest = rest.dropFirst() } else if !rest.hasPrefix(" BC") {
            return "unexpected '\(rest)' after the date"
        }
        if rest.hasPrefix("BC") || rest.hasPrefix(" BC") { return nil }
        return timeProblem(rest)
    }

    /// What is wrong with `HH:MM[:SS[.fff]][zone]`, or nil.
    static func timeProblem(_ text: Substring) -> String? {
        let c = Array(text.utf8)
        var i = 0
        func digits() -> Int? {
            let start = i
            while i < c.count, (48...57).contains(c[i]) { i += 1 }
            return i - start == 2 ? Int(String(decoding: c[start..<i], as: UTF8.self)) : nil
        }
        guard let hour = digits() else { return "not a time of day (HH:MM[:SS])" }
        guard i < c.count, c[i] == 58 else { return "not a time of day (HH:MM[:SS])" }
        i += 1
        guard let minute = digits() else { return "not a time of day (HH:MM[:SS])" }
        var second = 0
        if i < c.count, c[i] == 58 {
            i += 1
            guard let s = digits() else { return "not a time of day (HH:MM[:SS])" }
            second = s
            if i < c.count, c[i] == 46 {
                i += 1
                while i < c.count, (48...57).contains(c[i]) { i += 1 }
            }
        }
        guard hour < 24 || hour == 24 && minute == 0 && second == 0, minute < 60, second <= 60 else {
            return "\(String(format: "%02d:%02d:%02d", hour, minute, second)) is no time of day"
        }
        let zone = String(decoding: c[i...], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        if zone.isEmpty || zone == "Z" || zone.uppercased() == "UTC" { return nil }
        let offset = zone.utf8.dropFirst()
        if let sign = zone.first, sign == "+" || sign == "-" {
            let digitsOnly = offset.filter { $0 != 58 }
            guard offset.allSatisfy({ (48...57).contains($0) || $0 == 58 }), [2, 4, 6].contains(digitsOnly.count) else {
                return "'\(zone)' is no UTC offset (+HH, +HH:MM)"
            }
            return nil
        }
        guard zone.allSatisfy({ $0.isLetter || $0 == "/" || $0 == "_" || $0 == "-" || $0 == "+" || $0.isNumber }) else {
            return "'\(zone)' is no time zone"
        }
        return nil
    }
}
