/// A position in a definitions file, as a person counts it: lines and columns from 1.
public struct SourceLocation: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// The place is the file as a whole (an output file that is stale): shown
    /// as its path alone, and as line 1, column 1 where a place needs numbers.
    public var wholeFile = false

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public static func wholeFile(_ file: String) -> SourceLocation {
        var location = SourceLocation(file: file, line: 1, column: 1)
        location.wholeFile = true
        return location
    }

    /// For problems that belong to a whole file (it cannot be read, it is empty).
    public static func file(_ file: String) -> SourceLocation {
        SourceLocation(file: file, line: 1, column: 1)
    }

    public var description: String { wholeFile ? file : "\(file):\(line):\(column)" }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.file, a.line, a.column) < (b.file, b.line, b.column)
    }
}

public enum Severity: String, Sendable, Comparable {
    case error
    case warning
    case note

    private var rank: Int {
        switch self {
        case .error: 0
        case .warning: 1
        case .note: 2
        }
    }

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// One finding of a run. Its `id` is stable: scripts and `schemac.yaml` may name it.
/// A finding with no place in a file (a connection that failed, a migration
/// refused) has no location; its notes are the lines that detail it (the
/// statements a refusal is about), kept apart from the message.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public var severity: Severity
    public var id: DiagnosticID
    public var message: String
    public var location: SourceLocation?
    public var notes: [String]

    public init(_ severity: Severity, _ id: DiagnosticID, _ message: String, at location: SourceLocation?, notes: [String] = []) {
        self.severity = severity
        self.id = id
        self.message = message
        self.location = location
        self.notes = notes
    }

    /// `path:line:column: severity: message [id]` on one line, for editors
    /// and CI annotations that read a line a finding; with no place,
    /// `schemac: severity: message [id]`, the message as written (a refused
    /// statement's SQL on lines of its own). Then each note, indented.
    public var description: String {
        let head = location.map { "\($0): \(severity.rawValue): \(message.replacingNewlines())" } ?? "schemac: \(severity.rawValue): \(message)"
        return "\(head) [\(id.rawValue)]" + notes.map { "\n  " + $0 }.joined()
    }
}

extension String {
    fileprivate func replacingNewlines() -> String {
        guard contains(where: \.isNewline) else { return self }
        return String(map { $0.isNewline ? " " : $0 })
    }
}

/// Collects the diagnostics of a run so that all of them are reported together.
public struct DiagnosticBag: Sendable {
    public private(set) var diagnostics: [Diagnostic] = []

    public init() {}

    public mutating func add(_ diagnostic: Diagnostic) {
        diagnostics.append(diagnostic)
    }

    public mutating func add(contentsOf other: [Diagnostic]) {
        diagnostics.append(contentsOf: other)
    }

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Sorted by place, so that output is the same from run to run.
    public var sorted: [Diagnostic] {
        diagnostics.sorted { a, b in
            if a.location != b.location {
                guard let left = a.location else { return true }
                guard let right = b.location else { return false }
                return left < right
            }
            if a.severity != b.severity { return a.severity < b.severity }
            return (a.id.rawValue, a.message) < (b.id.rawValue, b.message)
        }
    }
}

/// Ranks candidate names by edit distance, for "did you mean" hints.
public enum Spelling {
    public static func closest(to word: String, among candidates: some Sequence<String>) -> String? {
        let target = Array(word.lowercased())
        var best: (String, Int)?
        for candidate in candidates {
            let d = distance(target, Array(candidate.lowercased()))
            let limit = max(1, min(3, (candidate.count + 1) / 3))
            guard d <= limit else { continue }
            if best == nil || d < best!.1 || (d == best!.1 && candidate < best!.0) {
                best = (candidate, d)
            }
        }
        return best?.0
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and
    /// adjacent transpositions each cost one.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
