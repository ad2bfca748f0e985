import Foundation
import SchemacClickHouse
import SchemacClickHouseDriver
import SchemacDiagnostics
import SchemacLoader
import SchemacMigrate
import SchemacModel

extension ClickHouseConnection: ClickHouseQuerying {}

/// The flow of `schemac diff` and `schemac apply` against a ClickHouse
/// server: the definitions loaded, the database read from the system
/// tables, the desired side spelled by the engine, the plan, the policy.
public enum ClickHousePlanning {
    public struct Planned: Sendable {
        public var plan: MigrationPlan
        public var unmanaged: [String]
        public var database: String
        public var cluster: String?
    }

    /// A connection in a session of its own (the desired side's temporary
    /// tables live in it). Planning names its databases in every statement,
    /// so the URL's database (which may not exist yet) is set aside unless
    /// `keepDatabase`.
    static func connect(_ url: String, keepDatabase: Bool = false) throws -> ClickHouseConnection {
        var endpoint = try ClickHouseEndpoint(url)
        if !keepDatabase { endpoint.database = nil }
        return ClickHouseConnection(endpoint, sessionID: "schemac-" + UUID().uuidString.lowercased())
    }

    public static func plan(_ paths: ProjectPaths, configDiagnostics: [Diagnostic] = [], url: String, allowDestructive: Bool,
                            allowRecreate: Bool = false, dropBackups: Bool? = nil, cache: DefinitionsCache? = nil) -> SchemacCore.Planned<Planned> {
        let outcome = Pipeline.run(paths, configDiagnostics: configDiagnostics, render: false, cache: cache)
        guard !outcome.failed else { return .init(nil, outcome.diagnostics) }
        guard let schema = outcome.definitions?.clickhouse else { return .init(nil, outcome.diagnostics + [.noSection("clickhouse")]) }
        var diagnostics = outcome.diagnostics
        let result: ClickHousePlanner.Result
        let server: ClickHouseConnection
        do {
            server = try connect(url)
            if let cluster = schema.cluster, let problem = try clusterProblem(cluster, on: server) {
                return .init(nil, diagnostics + [.unsupportedTarget(problem)])
            }
            result = try ClickHousePlanner.plan(schema, on: server, options: .init(allowRecreate: allowRecreate, dropBackups: dropBackups ?? allowDestructive))
        } catch let error as ClickHouseSchemaError {
            return .init(nil, diagnostics + [.unsupportedChange(error.description)])
        } catch {
            return .init(nil, diagnostics + [.connectionFailed(String(describing: error))])
        }
        if !result.unmanaged.isEmpty { diagnostics.append(.unmanagedObjects(result.unmanaged)) }
        if !result.unsupported.isEmpty { return .init(nil, diagnostics + result.unsupported.map { .unsupportedChange($0) }) }
        do {
            let (refused, unchecked) = try preconditions(result.plan, on: server)
            diagnostics += unchecked
            if !refused.isEmpty { return .init(nil, diagnostics + refused) }
        } catch {
            return .init(nil, diagnostics + [.connectionFailed(String(describing: error))])
        }
        let destructive = result.plan.statements.filter(\.isDestructive)
        if !destructive.isEmpty && !allowDestructive {
            return .init(nil, diagnostics + [.destructiveChange(destructive.map { "\($0.kind) \($0.target): \($0.sql)" })])
        }
        return .init(Planned(plan: result.plan, unmanaged: result.unmanaged, database: schema.database, cluster: schema.cluster), diagnostics)
    }

    /// What keeps the server from running the plan for `cluster`: the
    /// cluster unknown to it (`system.clusters`), or the macros the
    /// Replicated engines' paths name missing (`system.macros`).
    static func clusterProblem(_ cluster: String, on server: ClickHouseConnection) throws -> String? {
        guard try server.rows("SELECT count() FROM system.clusters WHERE cluster = \(ClickHouseSQL.literal(cluster))").first?.first != "0" else {
            return "the definitions name cluster \(cluster), which the server does not know (system.clusters): define it in the server's "
                + "remote_servers, or target a server of that cluster"
        }
        let macros = Set(try server.rows("SELECT macro FROM system.macros").compactMap(\.first))
        let missing = ["shard", "replica"].filter { !macros.contains($0) }
        guard missing.isEmpty else {
            return "the Replicated tables of cluster \(cluster) name the macros {shard} and {replica}, and the server has no "
                + missing.map { "{\($0)}" }.joined(separator: " and ") + " (system.macros): define them in its configuration"
        }
        return nil
    }

    /// The rows a plan's statements need, checked on the server before
    /// anything runs: the values of a column that changes type must convert
    /// (`accurateCastOrNull`). What the engine cannot check is a warning.
    static func preconditions(_ plan: MigrationPlan, on server: ClickHouseConnection) throws -> (refused: [Diagnostic], unchecked: [Diagnostic]) {
        var refused: [Diagnostic] = [], unchecked: [Diagnostic] = []
        for statement in plan.statements {
            guard let p = statement.precondition, case .castable(let column, let from, let to) = p.kind else { continue }
            var inner = to
            for wrapper in ["Nullable(", "LowCardinality("] where inner.hasPrefix(wrapper) { inner = String(inner.dropFirst(wrapper.count).dropLast()) }
            if inner.hasPrefix("Nullable(") { inner = String(inner.dropFirst(9).dropLast()) }
            let c = ClickHouseSQL.identifier(column)
            let sql = "SELECT countIf(NOT isNull(\(c)) AND isNull(accurateCastOrNull(\(c), \(ClickHouseSQL.literal(inner))))) "
                + "FROM \(ClickHouseSQL.identifier(p.table.schema)).\(ClickHouseSQL.identifier(p.table.name))"
            do {
                let count = try server.rows(sql).first?.first ?? "0"
                if count != "0" {
                    refused.append(.dataRefusesMigration("\(count) value(s) of column \(column) of \(p.table) do not convert from \(from) to \(to), "
                                                         + "and the mutation would retry them for ever: \(p.advice)"))
                }
            } catch let error as ClickHouseError where error.code != nil {
                unchecked.append(Diagnostic(.warning, .dataRefusesMigration, "cannot check that every value of column \(column) of \(p.table) "
                                            + "converts from \(from) to \(to) (\(error.message)): a value that does not stops the mutation", at: nil))
            }
        }
        return (refused, unchecked)
    }

    /// Runs a plan statement by statement; after one that starts a mutation,
    /// waits for the table's mutations to finish, saying how far they are.
    public static func run(_ plan: MigrationPlan, on server: ClickHouseConnection, database: String,
                           say: @Sendable (String) -> Void, pollSeconds: Double = 0.5, afterEach: () throws -> Void = {}) throws {
        for statement in plan.statements {
            defer { try? afterEach() }
            say("-- \(statement.kind) \(statement.target)\n")
            // Unqualified names in view queries and expressions resolve in the definitions' database, as after `USE` in schema.sql.
            try server.execute(statement.sql, settings: statement.kind == ClickHouseStatementKind.createDatabase ? [:] : ["database": database])
            guard statement.hazards.contains(where: { $0.kind == .mutation }) else { continue }
            let table = statement.target.split(separator: ".").dropFirst().first.map(String.init) ?? ""
            try waitForMutations(database: database, table: table, on: server, say: say, pollSeconds: pollSeconds)
        }
    }

    /// Waits until the mutations of `table` (of every table of `database`, of
    /// every database, when nil) are done; a mutation that fails stops the wait.
    static func waitForMutations(database: String?, table: String?, on server: ClickHouseConnection, say: @Sendable (String) -> Void,
                                 pollSeconds: Double) throws {
        let filter = [database.map { "database = \(ClickHouseSQL.literal($0))" }, table.map { "table = \(ClickHouseSQL.literal($0))" }]
            .compactMap { $0 }.map { $0 + " AND " }.joined()
        let query = """
            SELECT toString(count()), toString(sum(parts_to_do)), any(latest_fail_reason), any(concat(database, '.', table)) FROM system.mutations
            WHERE \(filter)NOT is_done
            """
        var reported = ""
        while true {
            let row = try server.rows(query).first ?? ["0", "0", ""]
            if row[0] == "0" { return }
            let where_ = row.count > 3 ? row[3] : "?"
            if row.count > 2, !row[2].isEmpty {
                throw ClickHouseError(message: "a mutation of \(where_) fails: \(row[2]) (it keeps retrying until it is killed: "
                                      + "KILL MUTATION WHERE concat(database, '.', table) = '\(where_)')")
            }
            let progress = "-- waiting for \(row[0]) mutation(s) of \(where_): \(row[1]) part(s) to go\n"
            if progress != reported { say(progress); reported = progress }
            Thread.sleep(forTimeInterval: pollSeconds)
        }
    }
}
