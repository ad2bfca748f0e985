import Foundation
import SchemacDiagnostics
import SchemacLoader
import SchemacMigrate
import SchemacModel
import SchemacPostgres

/// What a planning call gives: its value when it got that far, and all it
/// had to say (the definitions' diagnostics first). `failed` when there is
/// no value or any error.
public struct Planned<Value: Sendable>: Sendable {
    public var value: Value?
    public var diagnostics: [Diagnostic]
    public var failed: Bool { value == nil || diagnostics.contains { $0.severity == .error } }

    init(_ value: Value?, _ diagnostics: [Diagnostic]) {
        self.value = value
        self.diagnostics = diagnostics
    }
}

/// The flow of `schemac diff` for PostgreSQL, which the command line and the
/// tests share: load the definitions, read the target, compare in the
/// server's spelling, plan, and apply the policy that refuses a plan.
public enum PostgresPlanning {
    public struct Options: Sendable {
        /// Accept statements that lose data (drops, narrowing type changes).
        public var allowDestructive: Bool
        public var cache: DefinitionsCache?
        /// Keep the target's inspection in `cache` by its catalogs' stamp,
        /// and take a kept one whose stamp is the target's (`diff`; a runner
        /// that changes the target reads it afresh).
        public var keepInspections: Bool

        public init(allowDestructive: Bool = false, cache: DefinitionsCache? = nil, keepInspections: Bool = false) {
            self.allowDestructive = allowDestructive
            self.cache = cache
            self.keepInspections = keepInspections
        }
    }

    /// The plan that brings `target` to the project's definitions; nil with
    /// the reasons when the definitions, the target or the policy refuse.
    public static func plan(_ paths: ProjectPaths, configDiagnostics: [Diagnostic] = [], against target: MigrationTarget,
                            options: Options = Options()) -> Planned<MigrationPlan> {
        let planned = plans(paths, configDiagnostics: configDiagnostics, against: target, options: options, down: false)
        return Planned(planned.value?.up, planned.diagnostics)
    }

    /// A plan and the plan back.
    public struct Plans: Sendable {
        public var up: MigrationPlan
        /// From the definitions back to the target as it was, renames undone;
        /// nil when the way back has a change the planner cannot make.
        public var down: MigrationPlan?
        /// Why there is no way back, when there is none.
        public var downUnsupported: [String] = []
        /// Of a live target: its state as inspected.
        public var inspected: PostgresSchema?
        /// Of a live target: the SHA-256 of its state as inspected (the DDL
        /// that would build it), so that a plan reviewed now runs later only
        /// on the same state. Computed when asked for: rendering the DDL of
        /// a large schema costs more than the rest of a diff in sync.
        public var fingerprint: String? { inspected.map(PostgresPlanning.fingerprint) }
    }

    /// The fingerprint of a state: the SHA-256 of the schema file that builds it.
    public static func fingerprint(_ state: PostgresSchema) -> String {
        MigrationFolder.checksum(Data(PostgresRenderer.schemaFile(for: state, sourceFiles: []).utf8))
    }

    /// The plan, and with `down` the plan back (`diff --write`).
    public static func plans(_ paths: ProjectPaths, configDiagnostics: [Diagnostic] = [], against target: MigrationTarget,
                             options: Options = Options(), down: Bool) -> Planned<Plans> {
        // A database is connected to and inspected while the definitions load.
        let live: LiveInspection?
        if case .postgres(let connection) = target {
            live = LiveInspection(target: connection, excludingSchemas: paths.config.excludeSchemas,
                                  printedTexts: options.cache.map { ($0, paths.definitionsURL.path) },
                                  keepingInspections: options.keepInspections ? options.cache.flatMap { $0.keepsInspections ? $0 : nil } : nil)
        } else {
            live = nil
        }
        let outcome = Pipeline.run(paths, configDiagnostics: configDiagnostics, render: false, cache: options.cache) { live?.start(schemas: $0) }
        var diagnostics = outcome.diagnostics
        guard !outcome.failed else { return Planned(nil, diagnostics) }
        guard let definitions = outcome.definitions?.postgres else { return Planned(nil, diagnostics + [.noSection("postgres")]) }
        let states: TargetStates
        switch read(target, desired: definitions, paths: paths, live: live, locations: outcome.definitions?.locations ?? [:]) {
        case .failure(let failure): return Planned(nil, diagnostics + failure.diagnostics)
        case .success(let read): states = read
        }
        diagnostics += states.warnings
        let timer = PhaseTimer()
        var changes = Self.changes(states, written: definitions)
        timer.lap("compare (\(changes.count) changes)")
        if let homes = live?.extensionHomes, !homes.isEmpty {
            changes.removeAll { if case .dropSchema(let s) = $0 { homes.contains(s) } else { false } }
        }
        var plan = PostgresPlanner.plan(changes), blocked: [String] = []
        if let live, !plan.isEmpty {
            do {
                let revoked = DefaultPrivilegeRevokes.apply(plan, try live.dependencies(graph: false).defaultGrantees)
                // The graph only orders what a plan drops.
                if DependencyOrder.needsGraph(revoked) {
                    var dependencies = try live.dependencies(graph: true)
                    dependencies.addPartitions(of: states.current)
                    let ordered = DependencyOrder.apply(revoked, dependencies)
                    plan = ordered.plan
                    blocked = ordered.blocked
                } else {
                    plan = revoked
                }
            } catch {
                return Planned(nil, diagnostics + [.connectionFailed(String(describing: error))])
            }
        }
        timer.lap("plan and order (\(plan.statements.count) statements)")
        let refusals = refusals(plan, changes: changes, live: live, blocked: blocked, options: options)
        timer.lap("refusals")
        guard refusals.isEmpty else { return Planned(nil, diagnostics + refusals) }
        var plans = Plans(up: plan)
        if case .postgres = target { plans.inspected = states.current }
        if down {
            let back = downChanges(states, up: changes)
            plans.downUnsupported = PostgresDiff.unsupported(back)
            if plans.downUnsupported.isEmpty { plans.down = PostgresPlanner.plan(back) }
        }
        return Planned(plans, diagnostics)
    }

    /// The changes back from the definitions to the target as it was: the
    /// up plan's renames are renames back (not a drop and a create).
    static func downChanges(_ states: TargetStates, up: [SchemaChange]) -> [SchemaChange] {
        var from = states.desired, back = states.current
        for i in from.tables.indices {
            from.tables[i].renamedFrom = nil
            for j in from.tables[i].columns.indices { from.tables[i].columns[j].renamedFrom = nil }
        }
        let renames = PostgresDiff.renames(up)
        let newNames = Dictionary(renames.tables.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        for i in back.tables.indices {
            back.tables[i].renamedFrom = nil
            for j in back.tables[i].columns.indices { back.tables[i].columns[j].renamedFrom = nil }
            let name = back.tables[i].name, newName = newNames[name] ?? name
            back.tables[i].renamedFrom = newName == name ? nil : newName
            for (to, old) in renames.columns[newName] ?? [:] {
                if let j = back.tables[i].columns.firstIndex(where: { $0.name == old }) { back.tables[i].columns[j].renamedFrom = to }
            }
        }
        return PostgresDiff.changes(from: from, to: back)
    }

    /// The changes from the target to the definitions: compared in the
    /// server's spelling, written as the definitions say.
    static func changes(_ states: TargetStates, written: PostgresSchema) -> [SchemaChange] {
        PostgresDiff.asWritten(PostgresDiff.changes(from: states.current, to: states.desired), in: written)
    }

    /// The changes that bring the live database `connection` names to
    /// `desired`, read as `plan` reads a `.postgres` target.
    public static func liveChanges(connection: String, to desired: PostgresSchema,
                                   excludingSchemas: [String] = []) -> Result<[SchemaChange], DiagnosticFailure> {
        let live = LiveInspection(target: connection, excludingSchemas: excludingSchemas)
        live.start(schemas: desired.namespacesInUse)
        return live.states(desired: desired, definitionsFolder: "definitions", locations: [:]).map { changes($0, written: desired) }
    }

    /// What stops a plan, in the order a reviewer fixes it: changes the
    /// planner cannot make, rows that would make a statement fail, and
    /// statements that lose data unless that is allowed.
    static func refusals(_ plan: MigrationPlan, changes: [SchemaChange], live: LiveInspection?, blocked: [String] = [],
                         options: Options) -> [Diagnostic] {
        var unsupported = PostgresDiff.unsupported(changes) + blocked
        if let live {
            // A schema that holds what schemac does not manage cannot be dropped by it: the drop would fail.
            let held = live.unmanagedBySchema
            for case .dropSchema(let schema) in changes {
                guard let objects = held[schema] else { continue }
                unsupported.append("schema \(schema) is not in the definitions, but it holds what schemac does not manage ("
                                   + objects.joined(separator: ", ") + "): drop those first, or keep the schema in the definitions")
            }
            unsupported += inheritanceRefusals(changes, live.inheritance)
        }
        if !unsupported.isEmpty { return unsupported.map { .unsupportedChange($0) } }
        if let live {
            do {
                let refused = try live.refusals(plan, changes: changes)
                if !refused.isEmpty { return refused.map { .dataRefusesMigration($0) } }
            } catch {
                return [.connectionFailed(String(describing: error))]
            }
        }
        let destructive = plan.statements.filter(\.isDestructive)
        if !destructive.isEmpty && !options.allowDestructive {
            return [.destructiveChange(destructive.map { "\($0.kind) \($0.target): \($0.sql)" })]
        }
        return []
    }

    /// A change to the columns of a table that inherits, or is inherited
    /// from (inheritance schemac does not model): it would reach the other
    /// table too, or miss the columns it inherits.
    static func inheritanceRefusals(_ changes: [SchemaChange], _ inheritance: [(child: String, parent: String)]) -> [String] {
        guard !inheritance.isEmpty else { return [] }
        var out: [String] = []
        for change in changes {
            let table: QualifiedName, what: String
            switch change {
            case .addColumn(let t, let c): (table, what) = (t, "a new column \(c.name)")
            case .dropColumn(let t, let c): (table, what) = (t, "dropping column \(c)")
            case .alterColumnType(let t, let c, _): (table, what) = (t, "a new type for column \(c.name)")
            case .renameColumn(let t, let from, _): (table, what) = (t, "renaming column \(from)")
            default: continue
            }
            for link in inheritance where link.child == table.description || link.parent == table.name {
                out.append("table \(link.child) inherits from \(link.parent), which schemac does not model: \(what) of \(table) "
                           + "would reach the other table, or miss what it inherits; change their columns by hand")
            }
        }
        return Array(Set(out)).sorted()
    }

    /// The state to migrate from and the desired state in the same spelling,
    /// with the warnings of reading them.
    struct TargetStates {
        var current: PostgresSchema
        var desired: PostgresSchema
        var warnings: [Diagnostic] = []
    }

    static func read(_ target: MigrationTarget, desired: PostgresSchema, paths: ProjectPaths, live: LiveInspection?,
                     locations: [String: SourceLocation]) -> Result<TargetStates, DiagnosticFailure> {
        switch target {
        case .postgres(let connection):
            // `plan` starts the inspection while the definitions load; a caller that did not gets one now.
            let live = live ?? LiveInspection(target: connection, excludingSchemas: paths.config.excludeSchemas)
            return live.states(desired: desired, definitionsFolder: paths.definitions, locations: locations)
        case .gitRevision(let revision):
            return GitRevision.load(revision, paths: paths).flatMap { postgresSection(of: $0, desired: desired) }
        case .definitionsFolder(let folder, let display):
            return postgresSection(of: DefinitionsFolder.load(folder, display: display), desired: desired)
        case .clickhouse, .redis:
            return .failure([.unsupportedTarget("a migration of the postgres section needs a PostgreSQL target, a definitions folder or git:REV")])
        }
    }

    /// The PostgreSQL part of definitions read as a target: empty when they
    /// have none; their diagnostics said, their errors fatal.
    static func postgresSection(of result: LoadResult, desired: PostgresSchema) -> Result<TargetStates, DiagnosticFailure> {
        guard let set = result.definitions, !result.diagnostics.contains(where: { $0.severity == .error }) else {
            return .failure(DiagnosticFailure(result.diagnostics))
        }
        return .success(TargetStates(current: set.postgres ?? .empty, desired: desired, warnings: result.diagnostics))
    }
}

/// A folder of definitions used as a target; a project folder (with
/// `schemac.yaml`) is read through its configuration.
enum DefinitionsFolder {
    static func load(_ url: URL, display: String) -> LoadResult {
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent(ProjectConfig.fileName).path) else {
            return DefinitionsLoader.load(directory: url, displayPrefix: display)
        }
        let (paths, configDiagnostics) = ProjectPaths.load(root: url)
        var result = DefinitionsLoader.load(directory: paths.definitionsURL, displayPrefix: display + "/" + paths.definitions)
        result.diagnostics = configDiagnostics + result.diagnostics
        return result
    }
}
