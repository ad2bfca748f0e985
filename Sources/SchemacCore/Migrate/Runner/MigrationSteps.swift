import Foundation
import SchemacPostgres

/// A migration file as the runner runs it: the session settings it makes,
/// and its steps, each a transaction or a statement that runs outside one.
/// A step is the unit of progress: the history records how many steps of a
/// file are done, each transaction in the same transaction as its record.
public struct MigrationSteps: Sendable {
    public struct Statement: Hashable, Sendable {
        public var sql: String
        public var line: Int
    }

    public struct Step: Hashable, Sendable {
        public var statements: [Statement]
        public var inTransaction: Bool
        /// Written as a `BEGIN; … COMMIT;` block (else a statement between blocks).
        public var isBlock = false
    }

    /// `SET …` statements outside any block, run again at every start
    /// (a resumed file needs them as much as a fresh one).
    public var settings: [Statement] = []
    public var steps: [Step] = []
    /// The file says a run of it loses data (a down migration that drops what the up one made).
    public var destructive = false

    /// The header line a destructive file carries; the runner refuses such a
    /// file without --allow-destructive.
    public static let destructiveMarker = "-- schemac: destructive"

    /// Reads the file's blocks: `BEGIN; … COMMIT;` is one step, and any
    /// other statement a step of its own. A file with no block and nothing
    /// that refuses a transaction (a file written by hand) is one step whole:
    /// all of it or none.
    public init(_ text: String) throws {
        destructive = text.split(separator: "\n").contains { $0.hasPrefix(Self.destructiveMarker) }
        let statements = try SQLScript(text).statements.map { Statement(sql: $0.sql, line: $0.line) }
        var open: [Statement]?
        for s in statements {
            let word = s.sql.prefix { !$0.isWhitespace && $0 != ";" }.uppercased()
            if open == nil, word == "SET", !s.sql.uppercased().hasPrefix("SET LOCAL") {
                settings.append(s)
            } else if word == "BEGIN" || word == "START" {
                open = []
            } else if word == "COMMIT" || word == "END" {
                if let block = open, !block.isEmpty { steps.append(Step(statements: block, inTransaction: true, isBlock: true)) }
                open = nil
            } else if open != nil {
                open?.append(s)
            } else {
                steps.append(Step(statements: [s], inTransaction: !Self.refusesTransaction(s.sql)))
            }
        }
        if let block = open, !block.isEmpty { steps.append(Step(statements: block, inTransaction: true, isBlock: true)) }
        let handWritten = statements.allSatisfy { !["BEGIN", "START", "COMMIT", "END"].contains($0.sql.prefix { !$0.isWhitespace }.uppercased()) }
        if handWritten, steps.count > 1, steps.allSatisfy(\.inTransaction) {
            steps = [Step(statements: steps.flatMap(\.statements), inTransaction: true)]
        }
    }

    /// Statements PostgreSQL refuses inside a transaction block.
    static func refusesTransaction(_ sql: String) -> Bool {
        let words = sql.uppercased().split(whereSeparator: \.isWhitespace).prefix(4).joined(separator: " ")
        let prefixes = ["CREATE INDEX CONCURRENTLY", "CREATE UNIQUE INDEX CONCURRENTLY", "DROP INDEX CONCURRENTLY", "VACUUM",
                        "CREATE DATABASE", "DROP DATABASE", "ALTER SYSTEM", "CREATE TABLESPACE", "DROP TABLESPACE"]
        if prefixes.contains(where: { words.hasPrefix($0) }) { return true }
        let upper = sql.uppercased()
        return words.hasPrefix("REINDEX") && upper.contains("CONCURRENTLY")
            || words.hasPrefix("ALTER TABLE") && upper.contains("DETACH PARTITION") && (upper.hasSuffix("CONCURRENTLY") || upper.hasSuffix("FINALIZE"))
    }
}
