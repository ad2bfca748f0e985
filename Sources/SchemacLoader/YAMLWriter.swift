import Foundation
import SchemacModel
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
        try Yams.serialize(node: Tags().node(value), indent: 2, width: -1, allowUnicode: true)
    }

    /// Words YAML 1.1 readers take for booleans or null, in any case.
    static let specialWords: Set<String> = ["y", "n", "yes", "no", "on", "off", "true", "false", "null", "empty"]

    /// Whether a YAML reader reads `s`, written plain, as this string. One
    /// that starts with a letter or `_` is, unless it is a special word; the
    /// rest asks Yams' resolver (its patterns are regular expressions, too
    /// slow to run on every name of a large pull).
    static func readsAsString(_ s: String) -> Bool {
        // Every other tag's pattern (numbers, dates, `~`, `.inf`, `<<`, `=`)
        // starts with something else than a letter or `_`.
        if let first = s.unicodeScalars.first, first == "_" || first.properties.isAlphabetic {
            return !specialWords.contains(s.lowercased())
        }
        return Resolver.default.resolveTag(of: Node(s)) == .str
    }

    /// The nodes of one document, one tag of each kind for all of them: a
    /// Tag made with the default arguments builds a constructor's tables anew.
    struct Tags {
        let str = Tag(.str), int = Tag(.int), bool = Tag(.bool), null = Tag(.null), map = Tag(.map), seq = Tag(.seq)

        func node(_ value: YAMLValue) -> Node {
            switch value {
            case .string(let s): .scalar(stringScalar(s))
            case .block(let s): .scalar(s.contains("\n") ? Node.Scalar(s, str, .literal) : stringScalar(s))
            case .int(let n): .scalar(Node.Scalar(String(n), int, .plain))
            case .bool(let b): .scalar(Node.Scalar(b ? "true" : "false", bool, .plain))
            case .null: .scalar(Node.Scalar("null", null, .plain))
            case .mapping(let pairs, let flow):
                .mapping(Node.Mapping(nodes(of: pairs), map, flow ? .flow : .block))
            case .sequence(let items, let flow):
                .sequence(Node.Sequence(items.map(node), seq, flow ? .flow : .block))
            }
        }

        /// The pairs of a mapping as nodes; a long one (the tables of a
        /// schema) on every core, in its order.
        func nodes(of pairs: [(String, YAMLValue)]) -> [(Node, Node)] {
            func pair(_ p: (String, YAMLValue)) -> (Node, Node) { (.scalar(stringScalar(p.0)), node(p.1)) }
            guard pairs.count >= 128 else { return pairs.map(pair) }
            let work = UncheckedSendable((self, pairs))
            let chunks = stride(from: 0, to: pairs.count, by: 64).map { $0..<min($0 + 64, pairs.count) }
            return parallelMap(chunks) { range in
                UncheckedSendable(work.value.1[range].map { (Node.scalar(work.value.0.stringScalar($0.0)), work.value.0.node($0.1)) })
            }.flatMap(\.value)
        }

        /// Plain where it reads back as itself, else double-quoted.
        func stringScalar(_ s: String) -> Node.Scalar {
            let ends = [s.unicodeScalars.first, s.unicodeScalars.last]
            let looksPlain = !s.isEmpty && !ends.contains { $0.map(\.properties.isWhitespace) ?? false }
            return Node.Scalar(s, str, YAMLWriter.readsAsString(s) && looksPlain ? .any : .doubleQuoted)
        }
    }
}
