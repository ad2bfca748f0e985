import Foundation
import SchemacDiagnostics
import SchemacLoader
import SchemacModel
import SchemacPostgres
import SchemacPostgresDriver

/// What `schemac pull` reads: a live database, or SQL files run on a dev
/// database inside a transaction that is rolled back.
enum PullSource {
    /// The database read: its model, what the model does not hold, and the schemas read.
    struct Read {
        var model: PostgresSchema
        var unheld: [UnheldObject]
        var schemas: [String]
    }

    /// What is done with a read while its session is open: the check
    /// that the pulled definitions read back as the database holds them
    /// builds them on the same server (for SQL files, in the same transaction).
    typealias Body = (Read, Session) -> CommandResult

    /// The session a read was made in, and whether a transaction of the pull's own is open on it.
    struct Session {
        var connection: PostgresConnection
        var inTransaction: Bool
    }

    /// Reads `connection`'s schemas (`only`, else every one people made).
    static func database(_ connection: String, only: [String], excluding: [String], _ body: Body) -> CommandResult {
        let lanes: [PostgresConnection], read: Read
        do {
            lanes = [try PostgresConnection(connection), try PostgresConnection(connection)]
            try lanes.forEach {
                try $0.execute("SET statement_timeout = '120s'")
                try $0.turnOffJIT()
            }
            read = try Self.read(lanes, only: only, excluding: excluding)
        } catch {
            return CommandResult(diagnostics: [.connectionFailed(String(describing: error))])
        }
        return body(read, Session(connection: lanes[1], inTransaction: false))
    }

    static func read(_ lanes: [PostgresConnection], only: [String], excluding: [String]) throws -> Read {
        let timer = PhaseTimer()
        let schemas = only.isEmpty ? try PostgresInspector.schemasToInspect(lanes[0], declared: [], excluding: excluding, extensionHomes: true) : only
        // On the first lane once its part is read: the second lane's part
        // (what is printed in each table's context) takes longer.
        nonisolated(unsafe) var unheld: [UnheldObject] = []
        let model = try PostgresInspector.inspect(lanes, schemas: schemas) { unheld = try PostgresInspector.unheld($0, schemas: schemas) }
        timer.lap("inspect (\(PostgresInspector.queryCount) catalog queries) and list what the model does not hold")
        return Read(model: model, unheld: unheld, schemas: schemas)
    }

    /// Runs `files` in order on `devURL` in one transaction, reads the
    /// result, and rolls it back: the dev database is left as it was.
    static func sqlFiles(_ files: [(display: String, url: URL)], devURL: String, only: [String],
                         excluding: [String], _ body: Body) -> CommandResult {
        let scripts: [(display: String, script: SQLScript)]
        switch parse(files) {
        case .failure(let failure): return CommandResult(diagnostics: failure.diagnostics)
        case .success(let parsed): scripts = parsed
        }
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection(devURL)
        } catch {
            return CommandResult(diagnostics: [.connectionFailed(String(describing: error))])
        }
        do {
            try connection.execute("BEGIN")
            // The files run as in an ordinary session, and are read back as `--from` reads.
            try connection.execute("SET LOCAL lock_timeout = '10s'; SET LOCAL statement_timeout = '120s'; SET LOCAL search_path = \"$user\", public")
            defer { try? connection.execute("ROLLBACK") }
            if let refused = run(scripts, on: connection) { return CommandResult(diagnostics: [refused]) }
            try connection.execute("SET LOCAL search_path = pg_catalog")
            try connection.turnOffJIT(local: true)
            let read = try Self.read([connection], only: only, excluding: excluding)
            return body(read, Session(connection: connection, inTransaction: true))
        } catch {
            return CommandResult(diagnostics: [.connectionFailed(String(describing: error))])
        }
    }

    /// The files split into statements, before anything runs: a file that
    /// cannot be read or holds a psql meta-command stops the import.
    static func parse(_ files: [(display: String, url: URL)]) -> Result<[(display: String, script: SQLScript)], DiagnosticFailure> {
        var scripts: [(display: String, script: SQLScript)] = []
        var problems: [Diagnostic] = []
        for file in files {
            guard let text = try? String(contentsOf: file.url, encoding: .utf8) else {
                problems.append(.sqlRefused("cannot read the file", at: .wholeFile(file.display)))
                continue
            }
            do {
                scripts.append((file.display, try SQLScript(text)))
            } catch let meta as SQLScript.MetaCommand {
                problems.append(.sqlRefused("\(meta.command) is a psql meta-command, which the server cannot run; remove it or run the file through psql into a database and pull --from that",
                                            at: SourceLocation(file: file.display, line: meta.line, column: 1)))
            } catch {
                problems.append(.sqlRefused(String(describing: error), at: .wholeFile(file.display)))
            }
        }
        return problems.isEmpty ? .success(scripts) : .failure(DiagnosticFailure(problems))
    }

    /// Runs every statement in order; the first the server refuses, at its place.
    static func run(_ scripts: [(display: String, script: SQLScript)], on connection: PostgresConnection) -> Diagnostic? {
        for (display, script) in scripts {
            for statement in script.statements where !isTransactionControl(statement.sql) {
                do {
                    try connection.execute(SQLScript.transactional(statement.sql))
                } catch {
                    return .sqlRefused("the dev database refused this statement: \(error)", at: SourceLocation(file: display, line: statement.line, column: 1))
                }
            }
        }
        return nil
    }

    /// `BEGIN`, `COMMIT` and their kin: the import is one transaction already.
    static func isTransactionControl(_ sql: String) -> Bool {
        let first = sql.split(whereSeparator: { $0.isWhitespace || $0 == ";" }).first.map { $0.uppercased() } ?? ""
        return ["BEGIN", "COMMIT", "END", "START"].contains(first) && sql.count < 40
    }
}
