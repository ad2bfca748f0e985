import Foundation
import SchemacDiagnostics
import SchemacModel
import SchemacPostgres
import SchemacPostgresDriver

/// `schemac migrate`: runs the files of the migrations folder against one
/// database, one runner at a time, recording each step in the history table
/// in the same transaction as the step, so that after a failure or a kill
/// at any point the next run starts where the last one stopped.
public final class MigrationRunner {
    public struct Options: Sendable {
        /// For every statement; nil keeps what the file sets.
        public var lockTimeout: String?
        public var statementTimeout: String?
        /// How long to wait for another runner to finish, in seconds.
        public var lockWait: Double = 60
        public var allowDestructive = false
        public init() {}
    }

    /// What the runner says as it goes: each statement as it ends, and a
    /// long statement's progress (a line a second, for a terminal).
    public enum Event: Sendable {
        case started(file: String, steps: Int, resumingAt: Int)
        case statement(file: String, step: Int, line: Int, sql: String, milliseconds: Int)
        case finished(file: String, milliseconds: Int)
        case reverted(file: String, milliseconds: Int)
        case baselined(file: String)
        case progress(String)
    }

    /// The key of the advisory lock a runner holds while it runs (the
    /// bytes of "schemac" as a number): `SELECT pg_advisory_lock(32478922351141219)`
    /// in a session keeps every runner out.
    public static let lockKey: Int64 = 0x73_63_68_65_6d_61_63

    let connection: PostgresConnection
    let target: String
    let folder: MigrationFolder
    let options: Options
    let report: @Sendable (Event) -> Void
    let showProgress: Bool

    public init(target: String, folder: MigrationFolder, options: Options, showProgress: Bool = false,
                report: @escaping @Sendable (Event) -> Void) throws {
        connection = try PostgresConnection(target)
        self.target = target
        self.folder = folder
        self.options = options
        self.showProgress = showProgress
        self.report = report
        // A migration runs in the session the database and the role give
        // (their search_path, their time zone), not in the one the driver
        // pins for reading catalogs; the file sets what it needs itself.
        try connection.execute("RESET ALL")
        // A runner killed in a long statement: the server notices the
        // dead client soon and stops the statement (PostgreSQL 14 and later).
        if connection.serverVersion >= 140000 { try? connection.execute("SET client_connection_check_interval = '2s'") }
        // The guards' "already exists, skipping" notices are not news.
        try connection.execute("SET client_min_messages = warning")
    }

    // MARK: - One runner at a time

    /// Takes the advisory lock, waiting up to `lockWait` for another runner.
    func lock() throws {
        let wait = max(1, Int(options.lockWait * 1000))
        try connection.execute("SET lock_timeout = \(wait)")
        do {
            _ = try connection.query("SELECT pg_catalog.pg_advisory_lock(\(Self.lockKey))")
        } catch let error as PostgresError where error.sqlState == "55P03" {
            throw DiagnosticFailure([.migrationLocked(
                "another schemac migrate is running on this database (it holds pg_advisory_lock(\(Self.lockKey))); "
                    + "waited \(Self.seconds(options.lockWait)): try again when it ends, or wait longer with --lock-wait")])
        }
        try connection.execute("RESET lock_timeout")
        try connection.execute(MigrationHistory.create)
    }

    func unlock() {
        _ = try? connection.query("SELECT pg_catalog.pg_advisory_unlock(\(Self.lockKey))")
    }

    static func seconds(_ s: Double) -> String { s == s.rounded() ? "\(Int(s)) s" : "\(s) s" }

    // MARK: - Reading where things stand

    public func status() throws -> [MigrationStatus] {
        MigrationStatus.of(folder, history: try MigrationHistory.read(connection))
    }

    /// The history and the folder agree on what ran: no applied file was
    /// edited or is missing.
    func checkApplied(_ statuses: [MigrationStatus]) throws {
        let problems = statuses.compactMap { s -> String? in
            switch s.state {
            case .changed: "\(folder.display)/\(s.name).sql was edited after it was applied here (its checksum differs from the history's): "
                + "restore it, and put the change in a new migration"
            case .missing: "\(s.name).sql was applied here but is not in \(folder.display)"
            default: nil
            }
        }
        if !problems.isEmpty { throw DiagnosticFailure(problems.map { .migrationRefused($0) }) }
    }

    // MARK: - Up

    /// Applies the pending files (up to `version`), going on with a file
    /// that stopped part-way; returns the files applied.
    @discardableResult
    public func up(to version: Int? = nil) throws -> [String] {
        try lock()
        defer { unlock() }
        let statuses = try status()
        try checkApplied(statuses)
        var applied: [String] = []
        for s in statuses where s.needsRun && (version.map { s.version <= $0 } ?? true) {
            guard let file = folder.file(s.version) else { continue }
            try apply(file, row: s.row)
            applied.append(file.name)
        }
        return applied
    }

    /// Applies one file (`migrate run NNN`), whatever comes before it.
    public func run(_ version: Int) throws {
        try lock()
        defer { unlock() }
        let statuses = try status()
        guard let s = statuses.first(where: { $0.version == version }), let file = folder.file(version) else {
            throw DiagnosticFailure([.migrationRefused("\(folder.display) has no migration numbered \(version)")])
        }
        guard s.needsRun else {
            throw DiagnosticFailure([.migrationRefused("\(file.name).sql is \(s.state.rawValue) here; nothing to run")])
        }
        try apply(file, row: s.row)
    }

    func apply(_ file: MigrationFolder.File, row: MigrationHistory.Row?) throws {
        let parsed = try steps(of: file.contents, file.name + ".sql")
        if parsed.destructive && !options.allowDestructive {
            throw DiagnosticFailure([.migrationRefused("\(file.name).sql says it loses data (\(MigrationSteps.destructiveMarker)); "
                                                       + "run it with --allow-destructive")])
        }
        let resume = Self.resumeStep(parsed, row: row, checksum: file.checksum)
        for step in parsed.steps.dropFirst(resume) where step.inTransaction { try checkLockRoom(step, of: "\(file.name).sql") }
        try MigrationHistory.start(connection, file, steps: parsed.steps.count)
        report(.started(file: file.name, steps: parsed.steps.count, resumingAt: resume))
        let started = Date()
        try runSettings(parsed)
        for (index, step) in parsed.steps.enumerated() where index >= resume {
            try run(step, of: file, index: index) {
                try MigrationHistory.stepDone(self.connection, file.version, index + 1)
            }
        }
        let ms = Int(Date().timeIntervalSince(started) * 1000)
        try MigrationHistory.finish(connection, file.version, milliseconds: ms)
        report(.finished(file: file.name, milliseconds: ms))
    }

    /// Where a file that stopped goes on: after its last `BEGIN … COMMIT`
    /// block done. The statements written between blocks since then run
    /// again (each can), so that what prepares a statement runs before it
    /// again (the guard that drops an index a failed build left INVALID). A
    /// file with no block goes on after its last step done. An edited file
    /// (a fix after a failure) starts again from its first step.
    static func resumeStep(_ steps: MigrationSteps, row: MigrationHistory.Row?, checksum: String) -> Int {
        guard let row, row.checksum == checksum else { return 0 }
        var step = min(row.stepsDone, steps.steps.count)
        guard steps.steps.contains(where: \.isBlock) else { return step }
        while step > 0, !steps.steps[step - 1].isBlock { step -= 1 }
        return step
    }

    func steps(of text: String, _ name: String) throws -> MigrationSteps {
        do {
            return try MigrationSteps(text)
        } catch let meta as SQLScript.MetaCommand {
            throw DiagnosticFailure([.migrationRefused("\(folder.display)/\(name):\(meta.line): \(meta.command) is a psql meta-command, "
                                                       + "which the server cannot run")])
        }
    }

    /// The file's session settings, then the timeouts the command line or
    /// schemac.yaml give, which win over the file's.
    func runSettings(_ steps: MigrationSteps) throws {
        for s in steps.settings { try connection.execute(s.sql) }
        if let t = options.lockTimeout { try connection.execute("SET lock_timeout = \(SQL.literal(t))") }
        if let t = options.statementTimeout { try connection.execute("SET statement_timeout = \(SQL.literal(t))") }
    }

    /// One step: a transaction with its record committed in it, or a
    /// statement outside one recorded right after it.
    func run(_ step: MigrationSteps.Step, of file: MigrationFolder.File, index: Int, record: () throws -> Void) throws {
        if step.inTransaction { try connection.execute("BEGIN") }
        for statement in step.statements {
            let started = Date()
            do {
                try withProgress { try connection.execute(statement.sql) }
            } catch let error as PostgresError {
                if step.inTransaction { try? connection.execute("ROLLBACK") }
                var message = Self.serverMessage(error)
                if message.contains("out of shared memory"), let settings = lockSettings {
                    message += " (\(settings.advice(relations: LockFootprint.relations(step.statements.map(\.sql)))))"
                }
                try? MigrationHistory.failed(connection, file.version, statement: statement, error: message)
                throw DiagnosticFailure([.migrationFailed(message, at: SourceLocation(
                    file: "\(folder.display)/\(file.name).sql", line: statement.line, column: 1))])
            }
            report(.statement(file: file.name, step: index + 1, line: statement.line, sql: statement.sql,
                              milliseconds: Int(Date().timeIntervalSince(started) * 1000)))
        }
        try record()
        if step.inTransaction { try connection.execute("COMMIT") }
    }

    /// The settings the server's lock table is sized by, read once.
    private lazy var lockSettings: LockFootprint.Settings? = (try? connection.query(LockFootprint.Settings.query).first).flatMap {
        LockFootprint.Settings(row: $0)
    }

    /// Refuses, before it begins, a transaction the server's lock table
    /// cannot hold: the server would stop it midway, out of shared memory.
    func checkLockRoom(_ step: MigrationSteps.Step, of what: String) throws {
        let relations = LockFootprint.relations(step.statements.map(\.sql))
        guard relations > 1000, let settings = lockSettings, relations > settings.limit else { return }
        throw DiagnosticFailure([.migrationRefused("\(what) runs a transaction the server cannot hold: \(settings.advice(relations: relations)), "
                                                   + "then run again")])
    }

    /// The server's message without libpq's `ERROR:  ` in front.
    static func serverMessage(_ error: PostgresError) -> String {
        var text = error.message.trimmingCharacters(in: .whitespacesAndNewlines)
        for prefix in ["ERROR:  ", "FATAL:  "] where text.hasPrefix(prefix) { text = String(text.dropFirst(prefix.count)) }
        return text
    }

    func withProgress(_ body: () throws -> Void) throws {
        guard showProgress else { return try body() }
        let report = self.report
        let monitor = ProgressMonitor(target: target, backend: try connection.query("SELECT pg_catalog.pg_backend_pid()").first?.first ?? nil,
                                      report: { report(.progress($0)) })
        monitor.start()
        defer { monitor.stop() }
        try body()
    }

    // MARK: - A plan (apply)

    /// Runs a plan's steps under the lock, with no history: `apply` plans
    /// again to know what is left, and every statement of a plan can run again.
    public func runPlan(_ steps: MigrationSteps, label: String) throws {
        try lock()
        defer { unlock() }
        try runSettings(steps)
        for step in steps.steps where step.inTransaction { try checkLockRoom(step, of: "the plan") }
        let plan = MigrationFolder.File(version: 0, name: label, up: folder.folder, down: nil, checksum: "", contents: "")
        for (index, step) in steps.steps.enumerated() { try run(step, of: plan, index: index) {} }
    }

    // MARK: - Down, baseline

    /// Reverts the applied files newer than `version` (by default the
    /// newest one), newest first, each through its `.down.sql`.
    @discardableResult
    public func down(to version: Int? = nil) throws -> [String] {
        try lock()
        defer { unlock() }
        let statuses = try status()
        try checkApplied(statuses)
        let applied = statuses.filter { $0.row != nil && $0.state != .missing }.reversed()
        let reverting = version.map { v in applied.filter { $0.version > v } } ?? Array(applied.prefix(1))
        var out: [String] = []
        for s in reverting {
            guard let file = folder.file(s.version) else { continue }
            guard let downURL = file.down, let text = try? String(contentsOf: downURL, encoding: .utf8) else {
                throw DiagnosticFailure([.migrationRefused("\(file.name).sql has no down migration (\(file.name).down.sql): "
                                                           + "revert it by a new migration instead")])
            }
            try revert(file, text: text)
            out.append(file.name)
        }
        return out
    }

    func revert(_ file: MigrationFolder.File, text: String) throws {
        let parsed = try steps(of: text, file.name + ".down.sql")
        if parsed.destructive && !options.allowDestructive {
            throw DiagnosticFailure([.migrationRefused("\(file.name).down.sql loses data (its header says \(MigrationSteps.destructiveMarker)); "
                                                       + "nothing was run: run it with --allow-destructive")])
        }
        try MigrationHistory.reverting(connection, file.version)
        let started = Date()
        try runSettings(parsed)
        var down = file
        down.name += ".down"
        // Every statement of a down migration can run again too: a revert
        // that stopped starts again from its beginning.
        for (index, step) in parsed.steps.enumerated() { try run(step, of: down, index: index) {} }
        try MigrationHistory.remove(connection, file.version)
        report(.reverted(file: file.name, milliseconds: Int(Date().timeIntervalSince(started) * 1000)))
    }

    /// Records the files up to `version` as applied without running them,
    /// for a database that already has their schema.
    public func baseline(_ version: Int) throws {
        try lock()
        defer { unlock() }
        guard folder.file(version) != nil else {
            throw DiagnosticFailure([.migrationRefused("\(folder.display) has no migration numbered \(version)")])
        }
        let history = try MigrationHistory.read(connection)
        for file in folder.files where file.version <= version && history[file.version] == nil {
            try MigrationHistory.baseline(connection, file, steps: try steps(of: file.contents, file.name + ".sql").steps.count)
            report(.baselined(file: file.name))
        }
    }
}
