import SchemacModel

/// `generated/swift/<Module>/`: a file per table (a Codable struct), one for
/// the enums, one for the namespaces, and `Support.swift` with the few types
/// the mapping needs (JSON values, calendar dates, network addresses) and the
/// JSON coding that reads what PostgreSQL and ClickHouse print.
public enum SwiftRenderer {
    public static let header = GeneratedHeader.swift

    /// File name (relative to the module folder) → contents. A table's file
    /// names the file that declares the PostgreSQL table, when `declaredIn`
    /// (by `schema.table`) knows it, and the other files every source file: a
    /// list of all of them in each of 10,000 table files was 150 MB of headers.
    public static func files(_ plan: SwiftPlan, sourceFiles: [String], declaredIn: [String: String] = [:]) -> [(name: String, contents: String)] {
        func heading(_ files: [String]) -> String {
            var sources = "// Source files:\n"
            for file in files { sources += "//   \(file.replacing("\n", with: " "))\n" }
            return header + sources + "\nimport Foundation\n"
        }
        let top = heading(sourceFiles)
        var out: [(String, String)] = []
        for record in plan.records {
            let file = (record.namespace.map { $0 + "." } ?? "") + record.typeName + ".swift"
            let declared = record.postgresTable.flatMap { declaredIn[$0.description] }
            out.append((file, (declared.map { heading([$0]) } ?? top) + "\n" + wrap(structDeclaration(record), in: record.namespace)))
        }
        if !plan.enums.isEmpty {
            out.append(("Enums.swift", top + plan.enums.map { "\n" + wrap(enumDeclaration($0), in: $0.namespace) }.joined()))
        }
        if !plan.namespaces.isEmpty {
            let body = plan.namespaces.map { "\n/// Declarations of the `\($0)` namespace.\npublic enum \($0) {}\n" }.joined()
            out.append(("Namespaces.swift", top + body))
        }
        if !plan.keyBuilders.isEmpty || !plan.channelBuilders.isEmpty {
            out.append(("RedisKeys.swift", top + "\n" + redisKeys(plan)))
        }
        if !plan.functionCallers.isEmpty {
            out.append(("RedisFunctions.swift", top + "\n" + redisFunctions(plan.functionCallers)))
        }
        out.append(("Support.swift", header + "\n" + support))
        return out.sorted { $0.0 < $1.0 }
    }

    static func wrap(_ declaration: String, in namespace: String?) -> String {
        guard let namespace else { return declaration }
        let indented = declaration.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
        return "extension \(namespace) {\n" + indented.dropLast(indented.hasSuffix("\n") ? 1 : 0) + "\n}\n"
    }

    static func docComment(_ text: String?, indent: String = "") -> String {
        guard var text, !text.isEmpty else { return "" }
        while text.hasSuffix("\n") || text.hasSuffix(" ") { text.removeLast() }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { "\(indent)/// \($0)".trimmingTrailingSpaces() }
            .joined(separator: "\n") + "\n"
    }

    static func structDeclaration(_ r: SwiftPlan.Record) -> String {
        var s = docComment(r.comment)
        if r.comment != nil { s += "///\n" }
        s += "/// \(r.summary)\n"
        for (column, why) in r.omitted { s += "/// `\(column)` is no member: \(why).\n" }
        s += "public struct \(r.typeName): Codable, Sendable, Hashable {\n"
        s += "    public static let schemaName = \(literal(r.schemaName))\n"
        s += "    public static let tableName = \(literal(r.tableName))\n"
        // A table of no columns: an empty row (an enum with no cases cannot have a raw type).
        if r.members.isEmpty { return s + "\n    public init() {}\n}\n" }
        s += "\n"
        for (i, m) in r.members.enumerated() {
            // A documented member stands apart from the ones before it.
            if m.comment != nil, i > 0 { s += "\n" }
            s += docComment(m.comment, indent: "    ")
            s += "    public var \(SwiftMapping.declared(m.swiftName)): \(m.swiftType)\n"
        }
        // The memberwise initializer, public; optional members default to nil.
        s += "\n    public init("
        let written = r.members.filter { !$0.computed }
        let parameters = written.map { m in
            "\(SwiftMapping.declared(m.swiftName)): \(m.swiftType)\(m.swiftType.hasSuffix("?") ? " = nil" : "")"
        }
        if parameters.count > 3 || parameters.joined(separator: ", ").count > 80 {
            s += "\n" + parameters.map { "        " + $0 }.joined(separator: ",\n") + "\n    ) {\n"
        } else {
            s += parameters.joined(separator: ", ") + ") {\n"
        }
        // `self.self` would be the instance, not the member: keywords stay quoted.
        for m in written { s += "        self.\(SwiftMapping.declared(m.swiftName)) = \(SwiftMapping.declared(m.swiftName))\n" }
        for m in r.members where m.computed { s += "        self.\(SwiftMapping.declared(m.swiftName)) = nil\n" }
        s += "    }\n"
        if written.count < r.members.count { s += computedEncoding(r, written: written) }
        s += "\n    public enum CodingKeys: String, CodingKey {\n"
        for m in r.members {
            let name = SwiftMapping.declared(m.swiftName)
            s += m.swiftName == m.sqlName ? "        case \(name)\n" : "        case \(name) = \(literal(m.sqlName))\n"
        }
        s += "    }\n}\n"
        return s
    }

    /// `encode(to:)` for a row with computed members: they are left out, so
    /// that an encoded row is what an INSERT may carry.
    static func computedEncoding(_ r: SwiftPlan.Record, written: [SwiftPlan.Member]) -> String {
        let computed = r.members.filter(\.computed).map { "`\($0.sqlName)`" }.joined(separator: ", ")
        var s = "\n    /// Leaves out \(computed), which the engine computes and an INSERT may not name.\n"
        s += "    public func encode(to encoder: any Encoder) throws {\n"
        s += "        var container = encoder.container(keyedBy: CodingKeys.self)\n"
        for m in written {
            let name = SwiftMapping.declared(m.swiftName)
            s += "        try container.\(m.swiftType.hasSuffix("?") ? "encodeIfPresent" : "encode")(self.\(name), forKey: .\(name))\n"
        }
        s += "    }\n"
        return s
    }

    /// `RedisKeys`: a builder per key spec (hash tags applied), its TTL, and
    /// a struct of the fields of each hash; `RedisChannels` likewise.
    static func redisKeys(_ plan: SwiftPlan) -> String {
        func builder(_ b: SwiftPlan.KeyBuilder) -> String {
            var s = docComment(b.comment, indent: "    ")
            if b.comment != nil { s += "    ///\n" }
            let expiry = b.ttlSeconds.map { ", expires after \($0) s" } ?? ""
            s += "    /// `\(b.pattern)` (\(b.typeDescription)\(expiry)).\n"
            let parameters = b.params.map { "\(SwiftMapping.declared($0.1)): \($0.2)" }.joined(separator: ", ")
            s += "    public static func \(SwiftMapping.declared(b.functionName))(\(parameters)) -> Swift.String {\n"
            var pieces: [String] = []
            for part in b.parts {
                switch part {
                case .literal(let text): pieces.append(literal(text))
                case .placeholder(let name):
                    guard let p = b.params.first(where: { $0.0 == name }) else { continue }
                    let parameter = SwiftMapping.declared(p.1)
                    let value: String = switch p.2 {
                    case "Foundation.UUID": "\(parameter).uuidString.lowercased()"
                    case "Foundation.Date": "SchemaCoding.formatTimestamp(\(parameter))"
                    case "Swift.String": parameter
                    default: "\(parameter).description"
                    }
                    // A hash tag puts every key with this value in one Redis Cluster slot.
                    pieces.append(name == b.hashTag ? "\"{\" + \(value) + \"}\"" : value)
                }
            }
            s += "        " + (pieces.isEmpty ? "\"\"" : pieces.joined(separator: " + ")) + "\n    }\n"
            if let ttl = b.ttlSeconds { s += "\n    public static let \(b.functionName)TTLSeconds = \(ttl)\n" }
            return s
        }
        var out = "/// Builders of the Redis keys the definitions declare.\npublic enum RedisKeys {\n"
        out += plan.keyBuilders.map(builder).joined(separator: "\n")
        for record in plan.keyBuilders.compactMap(\.fields) {
            let declaration = structDeclaration(record)
            out += "\n" + declaration.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
            if out.hasSuffix("\n\n") { out.removeLast() }
        }
        out += "}\n"
        if !plan.channelBuilders.isEmpty {
            out += "\n/// Builders of the Redis pub/sub channels the definitions declare.\npublic enum RedisChannels {\n"
            out += plan.channelBuilders.map(builder).joined(separator: "\n")
            out += "}\n"
        }
        return out
    }

    /// `RedisFunctions`: a caller per declared function, which makes the
    /// command to send with any Redis client, keys first (built with
    /// `RedisKeys`), then the arguments.
    static func redisFunctions(_ callers: [SwiftPlan.FunctionCaller]) -> String {
        var out = """
            /// Callers of the Redis Functions the definitions declare (`FUNCTION LOAD`
            /// the libraries with `schemac apply --against redis://…`).
            public enum RedisFunctions {
                /// A call as Redis takes it: `arguments` is the command to send.
                public struct Call: Sendable, Hashable {
                    /// `FCALL`, or `FCALL_RO` for a function declared `no-writes`.
                    public let command: Swift.String
                    public let function: Swift.String
                    public let keys: [Swift.String]
                    public let args: [Swift.String]

                    public var arguments: [Swift.String] { [command, function, Swift.String(keys.count)] + keys + args }
                }

            """
        for c in callers {
            out += "\n" + docComment(c.comment, indent: "    ")
            if c.comment != nil { out += "    ///\n" }
            out += "    /// `\(c.command) \(c.redisName)` (library `\(c.library)`)"
            out += c.keys.isEmpty ? ".\n" : "; keys: " + c.keys.map { "`\($0.0)`" }.joined(separator: ", ") + ".\n"
            let parameters = (c.keys + c.args).map { "\(SwiftMapping.declared($0.1)): Swift.String" }.joined(separator: ", ")
            out += "    public static func \(SwiftMapping.declared(c.functionName))(\(parameters)) -> Call {\n"
            out += "        Call(command: \(literal(c.command)), function: \(literal(c.redisName)), keys: [\(c.keys.map { SwiftMapping.declared($0.1) }.joined(separator: ", "))], "
                + "args: [\(c.args.map { SwiftMapping.declared($0.1) }.joined(separator: ", "))])\n    }\n"
        }
        return out + "}\n"
    }

    static func enumDeclaration(_ e: SwiftPlan.EnumDecl) -> String {
        var s = docComment(e.comment)
        if e.comment != nil { s += "///\n" }
        s += "/// The values of `\(e.sqlName)`.\n"
        s += "public enum \(e.typeName): String, Codable, Sendable, Hashable, CaseIterable {\n"
        for (name, raw) in e.cases {
            let declared = SwiftMapping.declared(name)
            s += name == raw ? "    case \(declared)\n" : "    case \(declared) = \(literal(raw))\n"
        }
        return s + "}\n"
    }

    /// A Swift string literal.
    static func literal(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += "\\u{\(String(scalar.value, radix: 16))}" } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
