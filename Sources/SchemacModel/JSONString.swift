/// A JSON string literal: quotes, backslashes and control characters escaped.
public func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// One JSON object on one line, its keys in the order given: what
/// `--format json` prints, one per record, on stdout and stderr alike.
public struct JSONLine {
    public enum Value {
        case string(String?)
        case int(Int?)
        case bool(Bool)
        case strings([String])
        /// A list of objects, each written as a line's object is.
        case objects([JSONLine])
    }

    public var fields: [(String, Value)]

    public init(_ fields: [(String, Value)]) { self.fields = fields }

    public var text: String { object + "\n" }

    /// The object without the line's end.
    public var object: String {
        let body = fields.map { key, value -> String in
            let rendered: String = switch value {
            case .string(let s): s.map(jsonString) ?? "null"
            case .int(let n): n.map(String.init) ?? "null"
            case .bool(let b): b ? "true" : "false"
            case .strings(let list): "[" + list.map(jsonString).joined(separator: ", ") + "]"
            case .objects(let list): "[" + list.map(\.object).joined(separator: ", ") + "]"
            }
            return "\(jsonString(key)): \(rendered)"
        }
        return "{" + body.joined(separator: ", ") + "}"
    }
}
