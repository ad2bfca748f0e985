import SchemacModel
import Yams

/// A YAML mapping or list written as compact JSON, keys in the order written,
/// for `default:` of json/jsonb columns.
enum JSONText {
    static func render(_ node: Node) -> String {
        switch node {
        case .mapping(let m):
            return "{" + m.map { "\(string($0.key.scalar?.string ?? "")):\(render($0.value))" }.joined(separator: ",") + "}"
        case .sequence(let s):
            return "[" + s.map(render).joined(separator: ",") + "]"
        case .alias:
            return "null"
        case .scalar(let s):
            guard s.style == .plain else { return string(s.string) }
            switch s.string {
            case "", "~", "null", "Null", "NULL": return "null"
            case "true", "True", "TRUE": return "true"
            case "false", "False", "FALSE": return "false"
            default:
                if Int64(s.string) != nil || Literals.isDecimal(s.string) && Double(s.string) != nil { return s.string }
                return string(s.string)
            }
        }
    }

    static func string(_ s: String) -> String { jsonString(s) }
}
