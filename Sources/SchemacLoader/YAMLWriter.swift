import Foundation
import Yams

/// A YAML document to write, each node with its style chosen by the writer's
/// caller: what `schemac pull` will produce. Only this file and the loader
/// import Yams.
public indirect enum YAMLValue: Sendable {
    case string(String)
    /// A string of several lines (a function body, a view's query), written
    /// as a literal block (`|`) where libyaml can; a line is a plain string.
    case block(String)
    case int(Int)
    case bool(Bool)
    case null
    /// Keys in the order given; `flow` writes `{ a: 1, b: 2 }` on one line.
    case mapping([(String, YAMLValue)], flow: Bool = false)
    case sequence([YAMLValue], flow: Bool = false)
}

/// Writes YAML through libyaml's emitter (Yams), never quoting by hand: a
/// string is left for the emitter to write plain only when a YAML reader
/// would read it back as that string (not `yes`, `null`, `~`, `12`, `1e3`,
/// `2026-01-01`, `<<`); else it is double-quoted, which escapes anything.
/// libyaml itself refuses plain style where the syntax would misread it
/// (leading `*&!%@`, `: `, ` #`, tabs, newlines).
public enum YAMLWriter {
    public static func text(_ value: YAMLValue) throws -> String {
        try Yams.serialize(node: node(value), indent: 2, width: -1, allowUnicode: true)
    }

    static func node(_ value: YAMLValue) -> Node {
        switch value {
        case .string(let s): .scalar(stringScalar(s))
        case .block(let s): .scalar(s.contains("\n") ? Node.Scalar(s, Tag(.str), .literal) : stringScalar(s))
        case .int(let n): .scalar(Node.Scalar(String(n), Tag(.int), .plain))
        case .bool(let b): .scalar(Node.Scalar(b ? "true" : "false", Tag(.bool), .plain))
        case .null: .scalar(Node.Scalar("null", Tag(.null), .plain))
        case .mapping(let pairs, let flow):
            .mapping(Node.Mapping(pairs.map { (.scalar(stringScalar($0.0)), node($0.1)) }, Tag(.map), flow ? .flow : .block))
        case .sequence(let items, let flow):
            .sequence(Node.Sequence(items.map(node), Tag(.seq), flow ? .flow : .block))
        }
    }

    static func stringScalar(_ s: String) -> Node.Scalar {
        let readsAsString = Resolver.default.resolveTag(of: Node(s)) == .str
        let looksPlain = !s.isEmpty && s.trimmingCharacters(in: .whitespaces) == s
        return Node.Scalar(s, Tag(.str), readsAsString && looksPlain ? .any : .doubleQuoted)
    }
}
