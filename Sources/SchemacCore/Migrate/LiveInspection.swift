import SchemacMigrate
import Foundation
import Dispatch
import SchemacDiagnostics
import SchemacLoader
import SchemacModel
import SchemacPostgres
import SchemacPostgresDriver

// The libpq driver serves the inspector as its catalog reader.
extension PostgresConnection: CatalogReader {
    public func catalogRows(_ sql: String, _ parameters: [String?]) throws -> TextRows {
        let result = try flatQuery(sql, parameters)
        return TextRows(columns: result.columns, bytes: result.bytes, ends: result.ends)
    }
}
extension PostgresConnection: CatalogSession {}

/// A live database inspected while the definitions load: connecting and
/// inspecting wait on the server, loading on YAML, so they overlap.
///
/// Connections open at once, in the background. `start(schemas:)` begins the
/// inspection as soon as the loader knows which schemas the definitions
/// declare. `finish` normalizes the loaded definitions on a connection of its
/// own while the inspection ends, waits for both, and inspects again should the
/// resolved definitions use a schema the declarations did not show.
public final class LiveInspection: @unchecked Sendable {
    // What follows is touched only on its queue, or after a `sync` on it.
    private let inspection = DispatchQueue(label: "schemac.inspection")
    private var connections: Result<[PostgresConnection], Error>?
    private var inspected: (declared: [String], result: Result<PostgresSchema, Error>)?
    private let excludedSchemas: [String]
    /// The schemas the inspection read, once it has.
    public private(set) var inspectedSchemas: [String] = []
    private let normalization = DispatchQueue(label: "schemac.normalization")
    private var normalizerConnection: Result<PostgresConnection, Error>?
    private var normalized: Result<PostgresNormalizer.Result, Error>?
    private var unmanaged: [UnheldObject] = []
    private var dependencyGraph: ServerDependencies?
    /// The schema of each extension installed outside public, by the words `unheld` says it in.
    private var extensionSchemas: [String: String] = [:]

    /// Texts the server printed in earlier runs, and the project they are kept for.
    private let printedTexts: (cache: DefinitionsCache, project: String)?
    /// Where inspections are kept by the catalog stamp they were read under, and the target they are of.
    private let keptInspections: (cache: DefinitionsCache, target: String)?
    /// Whether the inspection was one kept by an earlier run (the catalogs' stamp unchanged).
    public private(set) var inspectionWasKept = false
    /// Whether the normalized definitions were kept by an earlier run (the same definitions, printed in the same environment).
    public private(set) var normalizedWasKept = false
    /// Tables taken as an earlier run normalized them (all, when `normalizedWasKept`).
    public private(set) var tablesNormalizedBefore = 0

    /// Two connections inspect (the inspector's queries run in two lanes), a
    /// third normalizes. With `printedTexts`, the texts the server printed
    /// for the project before are not built again. With `keepingInspections`,
    /// a target whose catalogs' stamp is one an earlier inspection was read
    /// under is not read again (`diff` only: the runners read afresh).
    public init(target: String, excludingSchemas: [String] = [], printedTexts: (cache: DefinitionsCache, project: String)? = nil,
                keepingInspections: DefinitionsCache? = nil) {
        excludedSchemas = excludingSchemas
        self.printedTexts = printedTexts
        keptInspections = keepingInspections.map { ($0, ConnectionTarget.redacted(target)) }
        inspection.async {
            self.connections = Result { try (0..<2).map { _ in try Self.catalogConnection(target) } }
        }
        normalization.async {
            self.normalizerConnection = Result { try Self.catalogConnection(target) }
        }
    }

    /// A connection that reads the catalogs (and builds the scratch schema).
    private static func catalogConnection(_ target: String) throws -> PostgresConnection {
        let connection = try PostgresConnection(target)
        try connection.turnOffJIT()
        return connection
    }

    /// `server_version_num` of the target (150004 for 15.4).
    public var serverVersion: Int {
        get throws { try inspection.sync { try connections!.get()[0].serverVersion } }
    }

    /// Begins the inspection of `declared` (the schemas the definitions use)
    /// and of the target's other schemas (see `PostgresInspector.schemasToInspect`).
    /// The statements of `plan` whose rows in the target refuse them, each with
    /// why and what to do: checked before anything runs, so that a migration
    /// the data would stop half way is never started.
    public func refusals(_ plan: MigrationPlan, changes: [SchemaChange]) throws -> [String] {
        let renames = PostgresDiff.renames(changes)
        var refused: [String] = []
        try inspection.sync {
            let connection = try connections!.get()[0]
            for statement in plan.statements {
                guard let p = statement.precondition else { continue }
                let rows = try connection.query(p.query(renamedTables: renames.tables, renamedColumns: renames.columns))
                if rows.first?.first == "f" { continue }
                refused.append("\(p.problem): \(p.advice)\n    \(statement.sql)")
            }
        }
        return refused
    }

    public func start(schemas declared: [String]) {
        inspection.async {
            guard case .success(let connections) = self.connections else { return }
            self.inspected = (declared, Result { try self.inspect(connections, declared: declared) })
        }
    }

    private func inspect(_ connections: [PostgresConnection], declared: [String]) throws -> PostgresSchema {
        // A stamp that cannot be read (a role without the rights) only means reading the catalogs.
        let environment = keptInspections.flatMap { kept in
            (try? PostgresInspector.catalogStamp(connections)).map {
                [$0, kept.target, declared.sorted().joined(separator: ","), excludedSchemas.joined(separator: ",")].joined(separator: "\u{0}")
            }
        }
        if let environment, let cache = keptInspections?.cache, let body = cache.entry("inspection", environment),
           var d = try? CompactCoding.decoder(body), let kept = try? d.finish(KeptInspection.self) {
            inspectionWasKept = true
            return settle(kept)
        }
        // Schemas an extension lives in too: what else they hold is the definitions' (the schemas themselves stay, with the extension).
        let schemas = try PostgresInspector.schemasToInspect(connections[0], declared: declared, excluding: excludedSchemas, extensionHomes: true)
        // The inventory of what the model does not hold runs on the first lane
        // once its part is read, while the second still prints in table context
        // (after both, it was 235 ms more at 10,000 tables).
        var unheld: [UnheldObject] = []
        let kinds = Self.wholeObjects.union(["extension schema"])
        let schema = try PostgresInspector.inspect(connections, schemas: schemas, thenOnFirstLane: { db in
            unheld = try PostgresInspector.unheld(db, schemas: schemas, kinds: kinds)
        })
        let read = KeptInspection(schemas: schemas, schema: schema, unheld: unheld)
        if let environment, let cache = keptInspections?.cache {
            let kept = UncheckedSendable(read)
            cache.storeEntry("inspection", environment) { CompactCoding.encode(kept.value) }
        }
        return settle(read)
    }

    /// Takes in what an inspection read.
    private func settle(_ read: KeptInspection) -> PostgresSchema {
        inspectedSchemas = read.schemas
        unmanaged = read.unheld.filter { Self.wholeObjects.contains($0.kind) }
        extensionSchemas = Dictionary(read.unheld.filter { $0.kind == "extension schema" }.map { ($0.detail, $0.schema) }, uniquingKeysWith: { a, _ in a })
        return read.schema
    }

    /// What an inspection read: the schemas, what they hold, and what the model does not hold.
    struct KeptInspection: CompactCodable {
        var schemas: [String]
        var schema: PostgresSchema
        var unheld: [UnheldObject]

        init(schemas: [String], schema: PostgresSchema, unheld: [UnheldObject]) {
            self.schemas = schemas
            self.schema = schema
            self.unheld = unheld
        }

        func encode(to e: inout CompactEncoder) { e.write(schemas); e.write(schema); e.write(unheld) }
        init(from d: inout CompactDecoder) throws {
            schemas = try d.read(); schema = try d.read(); unheld = try d.read()
        }
    }

    /// Objects of the target the model does not hold at all (not details
    /// of ones it holds): a diff leaves them as they are, and says so.
    static let wholeObjects: Set<String> = [
        "domain", "composite type", "range type", "base type", "sequence", "rule", "event trigger", "publication", "subscription",
        "foreign server", "exclusion constraint", "constraint trigger", "procedure", "aggregate", "window function", "foreign table",
        "typed table", "inheritance", "collation", "statistics object", "partition index", "partition constraint", "partition trigger",
        "partition policy",
    ]

    /// Tables that inherit (not as partitions), `schema.name`, with the name of the table they inherit from.
    var inheritance: [(child: String, parent: String)] {
        inspection.sync {
            unmanaged.filter { $0.kind == "inheritance" }.map { ($0.name, String($0.detail.dropFirst("inherits ".count))) }
        }
    }

    /// Schemas that hold an extension: never dropped by a plan.
    var extensionHomes: Set<String> { inspection.sync { Set(extensionSchemas.values) } }

    /// The target's normal dependencies, for ordering a plan by them, and
    /// its default privileges; without `graph`, the default privileges only.
    /// Read when first asked for, once a plan has statements: a target in
    /// sync costs no query for it.
    func dependencies(graph: Bool) throws -> ServerDependencies {
        try inspection.sync {
            if let known = dependencyGraph { return known }
            let read = try PostgresInspector.dependencies(try connections!.get()[0], schemas: inspectedSchemas, graph: graph)
            if graph { dependencyGraph = read }
            return read
        }
    }

    /// The same, by the schema that holds them.
    var unmanagedBySchema: [String: [String]] {
        inspection.sync { Dictionary(grouping: unmanaged, by: \.schema).mapValues { $0.map { "\($0.kind) \($0.name)" } } }
    }

    /// What the inspection found and leaves alone, `kind schema.name` each.
    var unmanagedObjects: [String] { inspection.sync { unmanaged.map { "\($0.kind) \($0.name)" } } }

    private func normalize(_ desired: PostgresSchema, on connection: PostgresConnection) throws -> PostgresNormalizer.Result {
        guard let (cache, project) = printedTexts else { return try PostgresNormalizer.normalize(desired, on: connection) }
        let environment = try PostgresNormalizer.printingEnvironment(desired, on: connection) + "\u{0}" + project
        let before = cache.printedTexts(environment)
        // With the inspection kept, so is the normalization: a table whose
        // definition is unchanged prints as it did in the same environment.
        guard keptInspections != nil else {
            let result = try PostgresNormalizer.normalize(desired, on: connection, printedBefore: before)
            if result.printed != before { cache.storePrintedTexts(result.printed, environment) }
            return result
        }
        let kept = cache.entry("normalized", environment).flatMap { body -> KeptNormalization? in
            guard var d = try? CompactCoding.decoder(body) else { return nil }
            return try? d.finish(KeptNormalization.self)
        }
        let normalized = try PostgresNormalizer.normalize(desired, on: connection, printedBefore: before, keeping: kept)
        (normalizedWasKept, tablesNormalizedBefore) = (normalized.wholeTaken, normalized.tablesTaken)
        guard !normalized.wholeTaken else { return normalized.result }
        if normalized.result.printed != before { cache.storePrintedTexts(normalized.result.printed, environment) }
        if let keep = normalized.keep { cache.storeEntry("normalized", environment) { CompactCoding.encode(keep) } }
        return normalized.result
    }

    /// The live schema and the desired one normalized on the server. Throws
    /// a connection's error as a `PostgresError`.
    public func finish(schemas: [String], desired: PostgresSchema) throws -> (live: PostgresSchema, normalized: PostgresNormalizer.Result) {
        normalization.async {
            guard case .success(let connection) = self.normalizerConnection else { return }
            self.normalized = Result { try self.normalize(desired, on: connection) }
        }
        inspection.sync {}
        let connections = try connections!.get()
        let live: PostgresSchema
        if let inspected, Set(inspected.declared + ["public"]) == Set(schemas + ["public"]) {
            live = try inspected.result.get()
        } else {
            live = try inspection.sync { try inspect(connections, declared: schemas) }
        }
        normalization.sync {}
        _ = try normalizerConnection!.get()
        return (live, try normalized!.get())
    }
}

extension LiveInspection {
    /// The live schema and the definitions normalized on its server, or why
    /// not: the connection failed, the server lacks what the definitions
    /// need, or it refuses to build some of them (each at its place in the
    /// definitions; a warning only while extensions the migration creates
    /// first may supply what is missing).
    func states(desired: PostgresSchema, definitionsFolder: String,
                locations: [String: SourceLocation]) -> Result<PostgresPlanning.TargetStates, DiagnosticFailure> {
        let timer = PhaseTimer()
        let current: PostgresSchema, normalized: PostgresNormalizer.Result, serverVersion: Int
        do {
            (current, normalized) = try finish(schemas: Set(["public"] + desired.namespacesInUse).sorted(), desired: desired)
            serverVersion = try self.serverVersion
        } catch {
            return .failure([.connectionFailed(String(describing: error))])
        }
        let missing = PostgresDiff.unsupported(by: serverVersion, desired)
        if !missing.isEmpty { return .failure(DiagnosticFailure(missing.map { .serverUnsupported($0) })) }
        let inspected = inspectionWasKept ? "take the inspection an earlier run kept (the target's catalogs' stamp unchanged)"
            : "finish inspecting the target (\(PostgresInspector.queryCount) catalog queries, begun while loading)"
        timer.lap(inspected + (normalizedWasKept ? " and the definitions as an earlier run normalized them on it"
            : " and normalize the definitions on it (\(normalized.scratchStatements) statements, rolled back"
              + (tablesNormalizedBefore > 0 ? "; \(tablesNormalizedBefore) of \(desired.tables.count) tables as an earlier run normalized them)" : ")")))
        let pendingExtensions = Set(desired.extensions).subtracting(current.extensions).sorted()
        let refused = normalized.unnormalized.map { what in
            let place = what.owner(among: Set(locations.keys)).flatMap { locations[$0] } ?? SourceLocation.file(definitionsFolder)
            return Diagnostic.serverRefuses(what.description, pendingExtensions: pendingExtensions, at: place)
        }
        if refused.contains(where: { $0.severity == .error }) { return .failure(DiagnosticFailure(refused)) }
        // A diff installs the extensions the definitions list and never drops one (what depends on it may hold data).
        let schemas = inspection.sync { extensionSchemas }
        let extraExtensions = Set(current.extensions).subtracting(desired.extensions).sorted().map { name -> String in
            let schema = schemas.first { $0.key.contains("extension \(name),") }?.value
            return "extension \(name)" + (schema.map { " (and schema \($0), which holds it)" } ?? "")
        }
        let unmanaged = unmanagedObjects + extraExtensions
        let leftAlone = unmanaged.isEmpty ? [] : [Diagnostic.unmanagedObjects(unmanaged)]
        return .success(PostgresPlanning.TargetStates(current: current, desired: normalized.schema, warnings: refused + leftAlone))
    }
}
