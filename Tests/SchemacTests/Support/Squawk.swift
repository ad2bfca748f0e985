import Foundation
import XCTest

/// squawk (`squawk-cli` in the `.venv`), the outside migration linter: the
/// rules a schemac migration must never break, whatever the definitions ask.
/// The rules left out report changes the definitions asked for (a drop, a
/// rename, a type change), and each such statement says its hazard.
enum Squawk {
    static let forbiddenRules: Set<String> = [
        "prefer-robust-stmts", "require-concurrent-index-creation", "constraint-missing-not-valid", "adding-foreign-key-constraint",
        "disallowed-unique-constraint", "adding-primary-key-constraint", "ban-concurrent-index-creation-in-transaction",
        "transaction-nesting",
    ]

    struct Finding: CustomStringConvertible {
        var file: String
        var rule: String
        var line: Int
        var statement: String
        var description: String { "\(file):\(line): \(rule): \(statement)" }
    }

    /// What squawk reports over `files` (one run of it).
    static func findings(_ files: [URL]) throws -> [Finding] {
        guard !files.isEmpty else { return [] }
        let squawk = try Oracles.venvTool("squawk")
        let result = try Shell.run(squawk, ["--reporter", "gitlab"] + files.map(\.path))
        guard let data = result.stdout.data(using: .utf8),
              let reports = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw TestFailure("squawk printed no report (exit \(result.status)):\n\(result.stderr)\n\(result.stdout.prefix(2000))")
        }
        var texts: [String: [Substring]] = [:]
        return reports.compactMap { report in
            guard let rule = report["check_name"] as? String,
                  let location = report["location"] as? [String: Any], let path = location["path"] as? String,
                  let lines = location["lines"] as? [String: Any], let begin = lines["begin"] as? Int else { return nil }
            if texts[path] == nil { texts[path] = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n", omittingEmptySubsequences: false) }
            let fileLines = texts[path] ?? []
            // squawk counts lines from 0 in this report.
            let statement = begin < fileLines.count ? String(fileLines[begin]) : "?"
            return Finding(file: path, rule: rule, line: begin + 1, statement: statement)
        }
    }
}
