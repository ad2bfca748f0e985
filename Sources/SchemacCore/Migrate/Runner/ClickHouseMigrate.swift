import Foundation
import SchemacClickHouse
import SchemacClickHouseDriver
import SchemacDiagnostics
import SchemacLoader
import SchemacModel

/// `schemac migrate` against ClickHouse: the files of `clickhouse.migrations`
/// run in order, with their history in the server (`schemac_migrations`, a
/// ReplacingMergeTree; Replicated, ON CLUSTER and written with a quorum when
/// the definitions name a cluster). ClickHouse has no transactions, so each
/// statement is recorded as it completes and a run that stopped goes on
/// after the last one recorded. One runner at a time: a lease row in
/// `schemac_migrations_lock`, taken and checked before anything runs
/// (ClickHouse has no atomic lock short of Keeper, so two runners started in
/// the same instant can both see the lease free; the later one's check
/// finds it taken by the other, and it waits).
struct ClickHouseMigrator {
    let server: ClickHouseConnection
    let folder: MigrationFolder
    let say: @Sendable (String, Bool) -> Void
    /// The lease also says where the history lives and how it is written.
    let lease: ClickHouseLease

    init(server: ClickHouseConnection, folder: MigrationFolder, cluster: String?, lockWait: Double, say: @escaping @Sendable (String, Bool) -> Void) {
        self.server = server
        self.folder = folder
        self.say = say
        // Where the history lives: the URL's database, else `default`.
        lease = ClickHouseLease(server: server, database: server.endpoint.database ?? "default", cluster: cluster, lockWait: lockWait)
    }

    var database: String { lease.database }
    var history: String { ClickHouseSQL.identifier(database) + ".schemac_migrations" }

    func prepare() throws {
        try lease.prepare()
        try server.execute("""
            CREATE TABLE IF NOT EXISTS \(history)\(lease.onCluster) (
                version UInt64, name String, checksum String, state LowCardinality(String), steps_done UInt32, steps_total UInt32,
                started_at DateTime64(3), applied_at String, applied_by String DEFAULT currentUser(), execution_ms UInt64,
                failed_line UInt32, error String, done_checksum String, seq UInt64
            ) ENGINE = \(lease.engine("seq")) ORDER BY version
            """)
    }

    // MARK: The history

    /// The history, and for each file the checksum of the statements it has done.
    func rows() throws -> (rows: [Int: MigrationHistory.Row], done: [Int: String]) {
        var out: [Int: MigrationHistory.Row] = [:], done: [Int: String] = [:]
        for r in try server.rows("""
            SELECT version, name, checksum, state, steps_done, steps_total, applied_at, applied_by, execution_ms, failed_line, error, done_checksum
            FROM \(history) FINAL ORDER BY version
            """) where r.count == 12 {
            if let version = Int(r[0]) { done[version] = r[11] }
            guard let version = Int(r[0]), let state = MigrationHistory.State(rawValue: r[3]) else { continue }
            out[version] = MigrationHistory.Row(version: version, name: r[1], checksum: r[2], state: state, stepsDone: Int(r[4]) ?? 0,
                                                stepsTotal: Int(r[5]) ?? 0, appliedAt: r[6].isEmpty ? nil : r[6], appliedBy: r[7],
                                                executionMilliseconds: Int(r[8]), failedStatement: nil,
                                                failedLine: Int(r[9]).flatMap { $0 == 0 ? nil : $0 }, error: r[10].isEmpty ? nil : r[10])
        }
        return (out, done)
    }

    /// The checksum of a file's first `count` statements: a file fixed after
    /// it stopped goes on where it stopped when the statements that ran are
    /// still the same (they are not run twice; ClickHouse cannot undo them).
    static func doneChecksum(_ statements: [ClickHouseScript.Statement], _ count: Int) -> String {
        MigrationFolder.checksum(Data(statements.prefix(count).map(\.sql).joined(separator: "\u{0}").utf8))
    }

    /// Where a file goes on: after the statements its history says are done, if those are still the file's.
    func resumePoint(_ file: MigrationFolder.File, _ row: MigrationHistory.Row?, done: String?) -> Int {
        guard let row else { return 0 }
        if row.checksum == file.checksum { return row.stepsDone }
        return Self.doneChecksum(ClickHouseScript.statements(file.contents), row.stepsDone) == done ? row.stepsDone : 0
    }

    func record(_ file: MigrationFolder.File, state: MigrationHistory.State, done: Int, total: Int, started: Date, ms: Int = 0,
                failedLine: Int = 0, error: String = "") throws {
        let applied = state == .applied || state == .baseline ? ClickHouseSQL.literal(Self.timestamp(Date())) : "''"
        let doneChecksum = Self.doneChecksum(ClickHouseScript.statements(file.contents), done)
        try server.execute("""
            INSERT INTO \(history) (version, name, checksum, state, steps_done, steps_total, started_at, applied_at, execution_ms, failed_line, error,
            done_checksum, seq)
            VALUES (\(file.version), \(ClickHouseSQL.literal(file.name)), \(ClickHouseSQL.literal(file.checksum)), \(ClickHouseSQL.literal(state.rawValue)),
            \(done), \(total), \(ClickHouseSQL.literal(Self.timestamp(started))), \(applied), \(ms), \(failedLine), \(ClickHouseSQL.literal(error)),
            \(ClickHouseSQL.literal(doneChecksum)), \(lease.sequence.next()))
            """, settings: lease.writeSettings)
    }

    static func timestamp(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
        return f.string(from: date)
    }

    // MARK: Running

    func status() throws -> [MigrationStatus] { MigrationStatus.of(folder, history: try rows().rows) }

    /// Runs every pending file up to `to`; the names of those applied.
    func up(to: Int?) throws -> [String] {
        try lease.acquire()
        defer { lease.release() }
        let history = try rows()
        let statuses = MigrationStatus.of(folder, history: history.rows)
        if let broken = statuses.first(where: { [.changed, .missing].contains($0.state) }) {
            throw DiagnosticFailure([.migrationEdited("\(broken.name): \(broken.detail)")])
        }
        var applied: [String] = []
        for s in statuses where s.needsRun && (to.map { s.version <= $0 } ?? true) {
            guard let file = folder.file(s.version) else { continue }
            try run(file, from: resumePoint(file, s.row, done: history.done[file.version]))
            applied.append(file.name)
        }
        return applied
    }

    func run(_ file: MigrationFolder.File, from done: Int) throws {
        let statements = ClickHouseScript.statements(file.contents)
        let started = Date()
        say(done > 0 ? "going on with \(file.name).sql from statement \(done + 1) of \(statements.count)\n"
            : "applying \(file.name).sql (\(statements.count) statement\(statements.count == 1 ? "" : "s"))\n", false)
        try record(file, state: .running, done: done, total: statements.count, started: started)
        for (i, statement) in statements.enumerated().dropFirst(done) {
            do {
                try server.execute(statement.sql)
                if statement.sql.uppercased().hasPrefix("ALTER") {
                    try ClickHousePlanning.waitForMutations(database: nil, table: nil, on: server, say: { say($0, true) }, pollSeconds: 0.5)
                }
            } catch {
                try? record(file, state: .failed, done: i, total: statements.count, started: started, failedLine: statement.line, error: "\(error)")
                throw DiagnosticFailure([.migrationFailed("\(error)", at: SourceLocation(file: "\(folder.display)/\(file.name).sql", line: statement.line, column: 1))])
            }
            try record(file, state: .running, done: i + 1, total: statements.count, started: started)
            try lease.renew()
        }
        let ms = Int(Date().timeIntervalSince(started) * 1000)
        try record(file, state: .applied, done: statements.count, total: statements.count, started: started, ms: ms)
        say("applied \(file.name).sql in \(ms) ms\n", false)
    }

    func baseline(_ version: Int) throws {
        try lease.acquire()
        defer { lease.release() }
        for file in folder.files where file.version <= version {
            let total = ClickHouseScript.statements(file.contents).count
            try record(file, state: .baseline, done: total, total: total, started: Date())
            say("recorded \(file.name).sql as applied (baseline)\n", false)
        }
    }

}

/// One runner at a time: a lease row in `schemac_migrations_lock`, which
/// `migrate` and `apply` both take, for ten minutes and renewed as they go.
/// ClickHouse has no atomic lock short of Keeper, so the lease is read back
/// after it is written: of two runners that wrote in the same instant, the
/// one whose row the engine keeps goes on, the other waits.
struct ClickHouseLease {
    let server: ClickHouseConnection
    let database: String
    let cluster: String?
    let lockWait: Double
    private let owner = UUID().uuidString.lowercased()
    /// The version of every row this runner writes, lease and history alike.
    let sequence = Sequence()

    init(server: ClickHouseConnection, database: String, cluster: String?, lockWait: Double) {
        self.server = server
        self.database = database
        self.cluster = cluster
        self.lockWait = lockWait
    }

    var table: String { ClickHouseSQL.identifier(database) + ".schemac_migrations_lock" }
    var onCluster: String { cluster.map { " ON CLUSTER " + ClickHouseSQL.identifier($0) } ?? "" }
    /// Each row reaches a quorum of replicas before the run goes on.
    var writeSettings: [String: String] { cluster == nil ? [:] : ["insert_quorum": "auto", "insert_quorum_parallel": "0"] }

    /// The engine of a table that keeps the row of highest `version` per key.
    func engine(_ version: String) -> String {
        cluster == nil ? "ReplacingMergeTree(\(version))"
            : "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', \(version))"
    }

    func prepare() throws {
        try server.execute("CREATE DATABASE IF NOT EXISTS \(ClickHouseSQL.identifier(database))\(onCluster)", settings: ["database": "default"])
        try server.execute("""
            CREATE TABLE IF NOT EXISTS \(table)\(onCluster) (name String, owner String, expires DateTime64(3), seq UInt64)
            ENGINE = \(engine("seq")) ORDER BY name
            """, settings: ["database": "default"])
    }

    func acquire() throws {
        let deadline = Date().addingTimeInterval(lockWait)
        while true {
            let holder = try server.rows("SELECT owner, expires > now64(3) FROM \(table) FINAL WHERE name = 'lock'", settings: ["database": "default"]).first
            if holder == nil || holder?[1] != "1" || holder?[0] == owner || holder?[0] == "" {
                // After every row written before, whatever the clocks of the machines that wrote them.
                if let highest = try server.rows("SELECT max(seq) FROM \(table)", settings: ["database": "default"]).first?.first.flatMap(UInt64.init) {
                    sequence.atLeast(highest)
                }
                try renew()
                if try server.rows("SELECT owner FROM \(table) FINAL WHERE name = 'lock'", settings: ["database": "default"]).first?.first == owner { return }
            }
            guard Date() < deadline else {
                throw DiagnosticFailure([.migrationLocked("another schemac run holds \(database).schemac_migrations_lock (lease \(holder?[0] ?? "?")); "
                                                          + "waited \(Int(lockWait)) s")])
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
    }

    func renew() throws {
        try server.execute("INSERT INTO \(table) (name, owner, expires, seq) SELECT 'lock', \(ClickHouseSQL.literal(owner)), "
                           + "now64(3) + INTERVAL 10 MINUTE, \(sequence.next())", settings: writeSettings.merging(["database": "default"]) { a, _ in a })
    }

    func release() {
        try? server.execute("INSERT INTO \(table) (name, owner, expires, seq) SELECT 'lock', '', now64(3), \(sequence.next())",
                            settings: writeSettings.merging(["database": "default"]) { a, _ in a })
    }

    /// A number that grows with every row a runner writes: the version the engine keeps the latest row by.
    final class Sequence: @unchecked Sendable {
        private var value = UInt64(Date().timeIntervalSince1970 * 1_000_000)
        private let lock = NSLock()
        func atLeast(_ floor: UInt64) {
            lock.lock()
            value = max(value, floor)
            lock.unlock()
        }

        func next() -> UInt64 {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }
}

extension Commands {
    /// `schemac migrate … --url clickhouse://…`.
    static func migrateClickHouse(_ paths: ProjectPaths, configDiagnostics: [Diagnostic], _ request: MigrateRequest, url: String,
                                  say: @escaping @Sendable (String, Bool) -> Void) -> CommandResult {
        let display = paths.config.clickhouseMigrations
        let folder: MigrationFolder
        switch MigrationFolder.read(paths.root.appendingPathComponent(display), display: display) {
        case .failure(let failure): return CommandResult(diagnostics: configDiagnostics + failure.diagnostics)
        case .success(let read): folder = read
        }
        let cluster = DefinitionsLoader.load(directory: paths.definitionsURL, displayPrefix: paths.definitions).definitions?.clickhouse?.cluster
        do {
            let server = try ClickHousePlanning.connect(url, keepDatabase: true)
            let migrator = ClickHouseMigrator(server: server, folder: folder, cluster: cluster, lockWait: request.lockWait, say: say)
            try migrator.prepare()
            switch request.action {
            case .status:
                let statuses = try migrator.status()
                let broken = statuses.contains { [.changed, .missing, .failed].contains($0.state) }
                let pending = statuses.contains { $0.needsRun }
                return CommandResult(stdout: statuses.map { request.json ? $0.json.text : $0.line + "\n" }.joined(),
                                     diagnostics: configDiagnostics + (broken ? [.migrationRefused("the history and the folder disagree, or a migration failed: see above")] : []),
                                     status: broken ? 1 : (request.detailedExitcode && pending ? 2 : 0))
            case .up(let to, dryRun: true):
                var out = ""
                let history = try migrator.rows()
                for s in MigrationStatus.of(folder, history: history.rows) where s.needsRun && (to.map { s.version <= $0 } ?? true) {
                    guard let file = folder.file(s.version) else { continue }
                    let statements = ClickHouseScript.statements(file.contents)
                    let from = migrator.resumePoint(file, s.row, done: history.done[file.version])
                    out += "-- would apply \(file.name).sql: statements \(from + 1) to \(statements.count)\n"
                    out += statements.dropFirst(from).map { $0.sql + ";\n" }.joined()
                }
                return CommandResult(stdout: out.isEmpty ? "nothing to apply: the database has every migration\n" : out, diagnostics: configDiagnostics)
            case .up(let to, dryRun: false):
                let applied = try migrator.up(to: to)
                return CommandResult(stdout: applied.isEmpty && !request.json ? "nothing to apply: the database has every migration\n" : "",
                                     diagnostics: configDiagnostics)
            case .baseline(let version):
                try migrator.baseline(version)
                return CommandResult(diagnostics: configDiagnostics)
            case .down, .run, .hash:
                return CommandResult(diagnostics: configDiagnostics + [.usage("against ClickHouse, migrate runs status, up and baseline: "
                                                                             + "ClickHouse has no transactions to undo a file with")])
            }
        } catch let failure as DiagnosticFailure {
            return CommandResult(diagnostics: configDiagnostics + failure.diagnostics)
        } catch {
            return CommandResult(diagnostics: configDiagnostics + [.connectionFailed(String(describing: error))])
        }
    }
}
