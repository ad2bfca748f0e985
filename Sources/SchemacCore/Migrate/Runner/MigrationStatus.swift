import Foundation
import SchemacModel

/// Where one migration file stands on a database: the folder and the
/// history read side by side.
public struct MigrationStatus: Sendable {
    public enum State: String, Sendable {
        case applied, baseline, pending
        /// Started and stopped part-way (killed, or running now).
        case partial
        /// A statement failed.
        case failed
        /// Its down migration stopped part-way.
        case reverting
        /// Applied, and the file's bytes are not those that ran.
        case changed
        /// Applied, and the file is gone from the folder.
        case missing
    }

    public var version: Int
    public var name: String
    public var state: State
    public var row: MigrationHistory.Row?

    /// Whether `up` runs it.
    var needsRun: Bool { [.pending, .partial, .failed].contains(state) }

    static func of(_ folder: MigrationFolder, history: [Int: MigrationHistory.Row]) -> [MigrationStatus] {
        var out = folder.files.map { file -> MigrationStatus in
            guard let row = history[file.version] else { return MigrationStatus(version: file.version, name: file.name, state: .pending) }
            let state: State = switch row.state {
            case .applied, .baseline: row.checksum == file.checksum ? (row.state == .applied ? .applied : .baseline) : .changed
            case .running: .partial
            case .failed: .failed
            case .reverting: .reverting
            }
            return MigrationStatus(version: file.version, name: file.name, state: state, row: row)
        }
        for (version, row) in history where folder.file(version) == nil {
            out.append(MigrationStatus(version: version, name: row.name, state: .missing, row: row))
        }
        return out.sorted { $0.version < $1.version }
    }

    /// The line `migrate status` prints.
    public var line: String {
        let padded = name.padding(toLength: max(name.count, 32), withPad: " ", startingAt: 0)
        return "\(padded)  \(state.rawValue)\(detail.isEmpty ? "" : ": " + detail)"
    }

    public var detail: String {
        guard let row else { return "" }
        switch state {
        case .applied: return "\(row.appliedAt ?? "?") by \(row.appliedBy), \(row.executionMilliseconds ?? 0) ms"
        case .baseline: return "recorded \(row.appliedAt ?? "?") by \(row.appliedBy) without running"
        case .pending: return ""
        case .partial: return "\(row.stepsDone) of \(row.stepsTotal) steps done; `schemac migrate up` goes on from step \(row.stepsDone + 1)"
        case .failed:
            return "step \(row.stepsDone + 1) of \(row.stepsTotal) failed at line \(row.failedLine ?? 0): \(row.error ?? "?")"
                + "; fix the file and run `schemac migrate up`"
        case .reverting: return "its down migration stopped; `schemac migrate down` runs it again"
        case .changed: return "the file was edited after it was applied (checksum \(row.checksum.prefix(12))… in the history)"
        case .missing: return "applied \(row.appliedAt ?? "?"), but the file is not in the folder"
        }
    }

    public var json: JSONLine {
        JSONLine([
            ("name", .string(name)), ("version", .int(version)), ("state", .string(state.rawValue)),
            ("applied_at", .string(row?.appliedAt)), ("applied_by", .string(row?.appliedBy)),
            ("execution_ms", .int(row?.executionMilliseconds)), ("steps_done", .int(row?.stepsDone)),
            ("steps_total", .int(row?.stepsTotal)), ("failed_line", .int(row?.failedLine)), ("error", .string(row?.error)),
        ])
    }
}
