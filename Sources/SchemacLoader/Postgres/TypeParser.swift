import SchemacDiagnostics
import SchemacModel

/// Turns a type as written (`varchar(255)`, `timestamp(3) with time zone`,
/// `int[]`, `billing.currency`) into the one `PostgresType` it means.
struct TypeParser {
    /// Enums visible to the definitions, by qualified name.
    var enums: [QualifiedName: EnumType]
    /// Domains resolved so far, by qualified name.
    var domains: [QualifiedName: Domain] = [:]
    var extensions: Set<String>
    var defaultSchema: String

    enum Failure: Error {
        case unknown(suggestion: String?, enumLike: Bool)
        case unsupported(advice: String)
        case badModifiers(String)
        case needsExtension(String)
    }

    func parse(_ written: String) -> Result<PostgresType, Failure> {
        var text = written.trimmedSpaces()
        var isArray = false
        while text.hasSuffix("]"), let open = text.lastIndex(of: "[") {
            let inside = text[text.index(after: open)..<text.index(before: text.endIndex)]
            guard inside.allSatisfy(\.isNumber) else { break }
            isArray = true
            text = String(text[..<open]).trimmedSpaces()
        }
        if text.lowercased().hasSuffix(" array") {
            isArray = true
            text = String(text.dropLast(6)).trimmedSpaces()
        }

        // Split `words(mods) words` into the base spelling and its modifiers.
        var modifiers: [Int] = []
        var base = text
        if let open = text.firstIndex(of: "(") {
            guard let close = text[open...].firstIndex(of: ")") else {
                return .failure(.badModifiers("'(' is not closed"))
            }
            let inside = text[text.index(after: open)..<close]
            for part in inside.split(separator: ",", omittingEmptySubsequences: false) {
                guard let n = Int(part.trimmedSpaces()) else {
                    return .failure(.badModifiers("modifier '\(part.trimmedSpaces())' is not a whole number"))
                }
                modifiers.append(n)
            }
            base = String(text[..<open]) + " " + String(text[text.index(after: close)...])
        }
        let spelled = base.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let lowered = spelled.lowercased()

        if let builtin = BuiltinType.spellings[lowered] {
            return checkModifiers(builtin, lowered: lowered, modifiers).map {
                PostgresType(base: .builtin(builtin), modifiers: $0, isArray: isArray)
            }
        }
        if ["serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"].contains(lowered) {
            return .failure(.unsupported(advice: "serial types hide a sequence the diff cannot track; use an integer type with identity: by_default (or always)"))
        }
        if let ext = ExtensionTypes.table[lowered] {
            guard extensions.contains(ext) else { return .failure(.needsExtension(ext)) }
            return .success(PostgresType(base: .extensionType(name: lowered, extension: ext), modifiers: modifiers, isArray: isArray))
        }
        let name = QualifiedName(parsing: spelled, defaultSchema: defaultSchema)
        if enums[name] != nil {
            guard modifiers.isEmpty else { return .failure(.badModifiers("an enum takes no modifiers")) }
            return .success(PostgresType(base: .enumeration(name), isArray: isArray))
        }
        if let domain = domains[name] {
            guard modifiers.isEmpty else { return .failure(.badModifiers("a domain takes no modifiers")) }
            return .success(PostgresType(base: .domain(name, over: domain.type), isArray: isArray))
        }
        let enumNames = enums.keys.map { $0.display(defaultSchema: defaultSchema) }
        let builtinNames = BuiltinType.spellings.keys
        let enumSuggestion = Spelling.closest(to: spelled, among: enumNames)
        let suggestion = enumSuggestion ?? Spelling.closest(to: lowered, among: builtinNames)
        return .failure(.unknown(suggestion: suggestion, enumLike: enumSuggestion != nil || spelled.contains(".")))
    }

    private func checkModifiers(_ type: BuiltinType, lowered: String, _ modifiers: [Int]) -> Result<[Int], Failure> {
        if lowered == "float" || lowered == "double precision" || lowered == "float8" {
            // float(p) picks real or double precision; we only accept the plain forms.
            if !modifiers.isEmpty { return .failure(.badModifiers("write real or double precision instead of float(p)")) }
            return .success([])
        }
        if modifiers.isEmpty {
            // char without a length is char(1), as PostgreSQL stores it.
            if type == .character { return .success([1]) }
            return .success([])
        }
        guard let rule = type.modifierRule else {
            return .failure(.badModifiers("\(type.rawValue) takes no modifiers"))
        }
        guard rule.count.contains(modifiers.count) else {
            return .failure(.badModifiers("\(type.rawValue) takes \(rule.count.upperBound == 1 ? "one modifier" : "one or two modifiers")"))
        }
        for (i, m) in modifiers.enumerated() where !rule.ranges[i].contains(m) {
            return .failure(.badModifiers("modifier \(m) is out of range \(rule.ranges[i].lowerBound)…\(rule.ranges[i].upperBound)"))
        }
        if type == .numeric, modifiers.count == 2, modifiers[1] > modifiers[0] {
            return .failure(.badModifiers("numeric scale \(modifiers[1]) is larger than its precision \(modifiers[0])"))
        }
        return .success(modifiers)
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (cheaper than Foundation's trimming).
    func trimmedSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) })!
        return String(self[first...last])
    }
}
