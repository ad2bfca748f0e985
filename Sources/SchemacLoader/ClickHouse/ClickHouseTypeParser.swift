import SchemacDiagnostics
import SchemacModel

/// Reads a ClickHouse type (`LowCardinality(Nullable(String))`, `Map(String,
/// Array(UInt64))`, `DateTime64(3, 'UTC')`) into a tree, and says what is wrong
/// with one that ClickHouse would refuse: an unknown name, arguments of the
/// wrong kind or number, a wrapper where it may not go.
enum ClickHouseTypeParser {
    enum Problem: Error, Equatable {
        /// A name that is no type; `suggestion` is the closest that is.
        case unknown(String, suggestion: String?)
        /// A type ClickHouse refuses, and why.
        case invalid(String)
    }

    /// Types without arguments, spelled as ClickHouse prints them.
    static let plainTypes: Set<String> = [
        "UInt8", "UInt16", "UInt32", "UInt64", "UInt128", "UInt256",
        "Int8", "Int16", "Int32", "Int64", "Int128", "Int256",
        "Float32", "Float64", "BFloat16", "Bool", "String", "UUID", "Date", "Date32", "IPv4", "IPv6", "JSON",
    ]
    static let wrappers = ["Nullable", "LowCardinality", "Array", "Map", "Tuple", "FixedString", "Decimal", "Decimal32", "Decimal64",
                           "Decimal128", "Decimal256", "DateTime", "DateTime64", "Enum8", "Enum16", "Enum", "AggregateFunction",
                           "SimpleAggregateFunction"]

    static func parse(_ text: String) -> Result<ClickHouseType, Problem> {
        var p = Cursor(Array(text.unicodeScalars))
        do {
            let type = try p.type()
            p.skipSpaces()
            guard p.atEnd else { throw Problem.invalid("unexpected '\(p.rest)' after the type") }
            return .success(type)
        } catch let problem as Problem {
            return .failure(problem)
        } catch {
            return .failure(.invalid("\(error)"))
        }
    }

    private struct Cursor {
        let s: [Unicode.Scalar]
        var i = 0
        init(_ s: [Unicode.Scalar]) { self.s = s }

        var atEnd: Bool { i >= s.count }
        var rest: String { String(String.UnicodeScalarView(s[i...])) }

        mutating func skipSpaces() { while i < s.count, s[i].properties.isWhitespace { i += 1 } }

        mutating func peek(_ c: Unicode.Scalar) -> Bool {
            skipSpaces()
            return i < s.count && s[i] == c
        }

        mutating func expect(_ c: Unicode.Scalar) throws {
            guard peek(c) else {
                throw Problem.invalid(atEnd ? "expected '\(c)' at the end" : "expected '\(c)' before '\(rest)'")
            }
            i += 1
        }

        mutating func word() -> String {
            skipSpaces()
            let start = i
            while i < s.count, s[i].properties.isAlphabetic || s[i] == "_" || ("0"..."9").contains(s[i]) { i += 1 }
            return String(String.UnicodeScalarView(s[start..<i]))
        }

        mutating func integer() throws -> Int {
            skipSpaces()
            let start = i
            if i < s.count, s[i] == "-" { i += 1 }
            while i < s.count, ("0"..."9").contains(s[i]) { i += 1 }
            guard let n = Int(String(String.UnicodeScalarView(s[start..<i]))) else {
                throw Problem.invalid(atEnd ? "expected a number at the end" : "expected a number before '\(rest)'")
            }
            return n
        }

        /// A '…' literal with backslash escapes.
        mutating func string() throws -> String {
            skipSpaces()
            guard i < s.count, s[i] == "'" else { throw Problem.invalid("expected a quoted string before '\(rest)'") }
            i += 1
            var out = String.UnicodeScalarView()
            while i < s.count {
                let c = s[i]
                i += 1
                if c == "\\", i < s.count { out.append(s[i]); i += 1; continue }
                if c == "'" {
                    if i < s.count, s[i] == "'" { out.append("'"); i += 1; continue }
                    return String(out)
                }
                out.append(c)
            }
            throw Problem.invalid("a quoted string is not closed")
        }

        /// Text up to the next top-level comma or closing parenthesis, as written.
        mutating func rawArgument() -> String {
            skipSpaces()
            let start = i
            var depth = 0
            while i < s.count {
                let c = s[i]
                if c == "(" { depth += 1 } else if c == ")" { if depth == 0 { break }; depth -= 1 } else if c == ",", depth == 0 { break }
                i += 1
            }
            return String(String.UnicodeScalarView(s[start..<i])).trimmingSpaces()
        }

        mutating func type() throws -> ClickHouseType {
            let name = word()
            guard !name.isEmpty else { throw Problem.invalid(atEnd ? "a type is missing" : "expected a type name before '\(rest)'") }
            if ClickHouseTypeParser.plainTypes.contains(name) {
                if peek("(") { throw Problem.invalid("\(name) takes no arguments") }
                return .plain(name)
            }
            guard ClickHouseTypeParser.wrappers.contains(name) else {
                throw Problem.unknown(name, suggestion: Spelling.closest(to: name,
                                                                      among: ClickHouseTypeParser.plainTypes.union(ClickHouseTypeParser.wrappers)))
            }
            if name == "DateTime", !peek("(") { return .dateTime(timezone: nil) }
            if ["Decimal32", "Decimal64", "Decimal128", "Decimal256"].contains(name), !peek("(") {
                throw Problem.invalid("\(name) needs its scale: \(name)(S)")
            }
            guard peek("(") else { throw Problem.invalid("\(name) needs arguments: \(name)(…)") }
            try expect("(")
            let result: ClickHouseType
            switch name {
            case "Nullable":
                let inner = try type()
                switch inner {
                case .nullable, .lowCardinality, .array, .map, .tuple, .aggregateFunction, .plain("JSON"):
                    throw Problem.invalid("Nullable cannot hold \(inner.sql): only a plain value can be NULL"
                                          + (inner.isLowCardinalityOrNullable ? "; write LowCardinality(Nullable(…))" : ""))
                default: result = .nullable(inner)
                }
            case "LowCardinality":
                let inner = try type()
                let base: ClickHouseType = if case .nullable(let t) = inner { t } else { inner }
                switch base {
                case .plain("String"), .fixedString: result = .lowCardinality(inner)
                default:
                    throw Problem.invalid("LowCardinality is for strings: LowCardinality(\(inner.sql)) is refused by ClickHouse by default")
                }
            case "Array":
                result = .array(try type())
            case "Map":
                let key = try type()
                try expect(",")
                let value = try type()
                guard key.canBeMapKey else { throw Problem.invalid("\(key.sql) cannot be a Map key: use a string, an integer, a date or a UUID") }
                result = .map(key: key, value: value)
            case "Tuple":
                result = try tuple()
            case "FixedString":
                let n = try integer()
                guard n >= 1 else { throw Problem.invalid("FixedString needs a length of at least 1") }
                result = .fixedString(n)
            case "Decimal":
                let p = try integer()
                var scale = 0
                if peek(",") { try expect(","); scale = try integer() }
                result = try decimal(p, scale)
            case "Decimal32", "Decimal64", "Decimal128", "Decimal256":
                let precision = ["Decimal32": 9, "Decimal64": 18, "Decimal128": 38, "Decimal256": 76][name]!
                result = try decimal(precision, try integer())
            case "DateTime":
                result = .dateTime(timezone: try string())
            case "DateTime64":
                let p = try integer()
                guard (0...9).contains(p) else { throw Problem.invalid("DateTime64 takes a precision from 0 to 9, not \(p)") }
                var tz: String?
                if peek(",") { try expect(","); tz = try string() }
                result = .dateTime64(precision: p, timezone: tz)
            case "Enum8", "Enum16", "Enum":
                result = try enumeration(name)
            case "AggregateFunction", "SimpleAggregateFunction":
                let function = rawArgument()
                guard !function.isEmpty else { throw Problem.invalid("\(name) needs a function") }
                var arguments: [ClickHouseType] = []
                while peek(",") {
                    try expect(",")
                    arguments.append(try type())
                }
                if name == "SimpleAggregateFunction", arguments.count != 1 {
                    throw Problem.invalid("SimpleAggregateFunction takes a function and one type")
                }
                result = .aggregateFunction(simple: name == "SimpleAggregateFunction", function: function, arguments: arguments)
            default:
                throw Problem.unknown(name, suggestion: nil)
            }
            try expect(")")
            return result
        }

        /// `Tuple(…)`'s elements, all named (`name Type`) or none.
        mutating func tuple() throws -> ClickHouseType {
            var elements: [ClickHouseType.TupleElement] = []
            repeat {
                if !elements.isEmpty { try expect(",") }
                // `name Type` or just `Type`: a word followed by another word is a name.
                let save = i
                let first = word()
                skipSpaces()
                if !first.isEmpty, i < s.count, s[i].properties.isAlphabetic, !ClickHouseTypeParser.isTypeName(first) {
                    elements.append(.init(name: first, type: try type()))
                } else {
                    i = save
                    elements.append(.init(name: nil, type: try type()))
                }
            } while peek(",")
            let names = elements.compactMap(\.name)
            if !names.isEmpty, names.count != elements.count {
                throw Problem.invalid("a Tuple names all of its elements or none")
            }
            if Set(names).count != names.count { throw Problem.invalid("a Tuple names an element twice") }
            return .tuple(elements)
        }

        /// `Enum8('a' = 1, …)`: names and numbers each once, within the width
        /// (a plain `Enum` takes the narrowest that fits).
        mutating func enumeration(_ name: String) throws -> ClickHouseType {
            var values: [ClickHouseType.EnumValue] = []
            repeat {
                if !values.isEmpty { try expect(",") }
                let label = try string()
                try expect("=")
                values.append(.init(name: label, value: try integer()))
            } while peek(",")
            if Set(values.map(\.name)).count != values.count { throw Problem.invalid("an Enum names a value twice") }
            if Set(values.map(\.value)).count != values.count { throw Problem.invalid("an Enum gives two names the same number") }
            let fits8 = values.allSatisfy { (-128...127).contains($0.value) }
            let bits = name == "Enum8" ? 8 : name == "Enum16" ? 16 : (fits8 ? 8 : 16)
            let range = bits == 8 ? -128...127 : -32768...32767
            if let out = values.first(where: { !range.contains($0.value) }) {
                throw Problem.invalid("Enum\(bits) values run from \(range.lowerBound) to \(range.upperBound); '\(out.name)' is \(out.value)")
            }
            return .enumeration(bits: bits, values: values)
        }

        func decimal(_ p: Int, _ scale: Int) throws -> ClickHouseType {
            guard (1...76).contains(p) else { throw Problem.invalid("Decimal takes a precision from 1 to 76, not \(p)") }
            guard (0...p).contains(scale) else { throw Problem.invalid("Decimal(\(p), \(scale)): the scale must be from 0 to the precision") }
            return .decimal(precision: p, scale: scale)
        }
    }

    static func isTypeName(_ word: String) -> Bool { plainTypes.contains(word) || wrappers.contains(word) }
}

extension ClickHouseType {
    fileprivate var isLowCardinalityOrNullable: Bool {
        if case .lowCardinality = self { return true }
        return false
    }

    /// Map keys: strings, integers, dates, UUIDs, enums (and LowCardinality strings).
    fileprivate var canBeMapKey: Bool {
        switch self {
        case .plain(let name): !["Float32", "Float64", "BFloat16", "JSON"].contains(name)
        case .fixedString, .dateTime, .enumeration: true
        case .lowCardinality(let inner): !inner.isNullable
        default: false
        }
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.first?.isWhitespace == true { scalars.removeFirst() }
        while scalars.last?.isWhitespace == true { scalars.removeLast() }
        return String(scalars)
    }
}
