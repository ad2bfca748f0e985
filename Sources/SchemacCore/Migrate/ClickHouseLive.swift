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
    }

    /// A connection in a session of its own (the desired side's temporary tables live in it).
    static func connect(_ url: String) throws -> ClickHouseConnection {
        let endpoint = try ClickHouseEndpoint(url)
        return ClickHouseConnection(endpoint, sessionID: "schemac-" + UUID().uuidString.lowercased())
    }

    public static func plan(_ paths: ProjectPaths, configDiagnostics: [Diagnostic] = [], url: String, allowDestructive: Bool,
                            allowRecreate: Bool = false, cache: DefinitionsCache? = nil) -> SchemacCore.Planned<Planned> {
        let outcome = Pipeline.run(paths, configDiagnostics: configDiagnostics, render: false, cache: cache)
        guard !outcome.failed else { return .init(nil, outcome.diagnostics) }
        guard let schema = outcome.definitions?.clickhouse else { return .init(nil, outcome.diagnostics + [.noSection("clickhouse")]) }
        var diagnostics = outcome.diagnostics
        let result: ClickHousePlanner.Result
        do {
            let server = try connect(url)
            result = try ClickHousePlanner.plan(schema, on: server, options: .init(allowRecreate: allowRecreate, dropBackups: allowDestructive))
        } catch let error as ClickHouseSchemaError {
            return .init(nil, diagnostics + [.unsupportedChange(error.description)])
        } catch {
            return .init(nil, diagnostics + [.connectionFailed(String(describing: error))])
        }
        if !result.unmanaged.isEmpty { diagnostics.append(.unmanagedObjects(result.unmanaged)) }
        if !result.unsupported.isEmpty { return .init(nil, diagnostics + result.unsupported.map { .unsupportedChange($0) }) }
        let destructive = result.plan.statements.filter(\.isDestructive)
        if !destructive.isEmpty && !allowDestructive {
            return .init(nil, diagnostics + [.destructiveChange(destructive.map { "\($0.kind) \($0.target): \($0.sql)" })])
        }
        return .init(Planned(plan: result.plan, unmanaged: result.unmanaged, database: schema.database), diagnostics)
    }

    /// Runs a plan statement by statement; after one that starts a mutation,
    /// waits for the table's mutations to finish, saying how far they are.
    public static func run(_ plan: MigrationPlan, on server: ClickHouseConnection, database: String,
                           say: @Sendable (String) -> Void, pollSeconds: Double = 0.5) throws {
        for statement in plan.statements {
            say("-- \(statement.kind) \(statement.target)\n")
            // Unqualified names in view queries and expressions resolve in the definitions' database, as after `USE` in schema.sql.
            try server.execute(statement.sql, settings: statement.kind == ClickHouseStatementKind.createDatabase ? [:] : ["database": database])
            guard statement.hazards.contains(where: { $0.kind == .mutation }) else { continue }
            let table = statement.target.split(separator: ".").dropFirst().first.map(String.init) ?? ""
            try waitForMutations(database: database, table: table, on: server, say: say, pollSeconds: pollSeconds)
        }
    }

    static func waitForMutations(database: String, table: String, on server: ClickHouseConnection, say: @Sendable (String) -> Void,
                                 pollSeconds: Double) throws {
        let query = """
            SELECT toString(count()), toString(sum(parts_to_do)), any(latest_fail_reason) FROM system.mutations
            WHERE database = \(ClickHouseSQL.literal(database)) AND table = \(ClickHouseSQL.literal(table)) AND NOT is_done
            """
        var reported = ""
        while true {
            let row = try server.rows(query).first ?? ["0", "0", ""]
            if row[0] == "0" { return }
            if row.count > 2, !row[2].isEmpty {
                throw ClickHouseError(message: "a mutation of \(database).\(table) fails: \(row[2]) (it keeps retrying until it is "
                                      + "killed: KILL MUTATION WHERE database = '\(database)' AND table = '\(table)')")
            }
            let progress = "-- waiting for \(row[0]) mutation(s) of \(database).\(table): \(row[1]) part(s) to go\n"
            if progress != reported { say(progress); reported = progress }
            Thread.sleep(forTimeInterval: pollSeconds)
        }
    }
}
