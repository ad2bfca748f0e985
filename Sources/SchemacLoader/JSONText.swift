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

    /// A whole document as JSON, merge keys (`<<`) applied as the loader
    /// applies them: what a JSON Schema of the language is checked against.
    static func document(_ node: Node, _ reader: NodeReader) -> String {
        switch node {
        case .mapping(let m):
            return "{" + reader.mergedPairs(m).map { "\(string($0.0.scalar?.string ?? "")):\(document($0.1, reader))" }.joined(separator: ",") + "}"
        case .sequence(let s):
            return "[" + s.map { document($0, reader) }.joined(separator: ",") + "]"
        default:
            return render(node)
        }
    }
}
