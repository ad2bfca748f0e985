import Foundation
import SchemacDiagnostics
import SchemacModel
import Yams

/// Pass two: every declaration resolved into the model, references checked
/// against the whole set of definitions.
typealias PendingForeignKey = (table: QualifiedName, fk: ForeignKey, location: SourceLocation, reader: NodeReader, targetWritten: String,
                                targetDefaultSchema: String, implicitColumns: Bool)

struct RelationClaim {
    enum Owner {
        /// The index at this position of the table's indexes.
        case index(Int)
        case partition(Int)
        case constraint
    }

    var name: QualifiedName
    var display: String
    var location: SourceLocation
    var reader: NodeReader
    var kind: String
    var owner: Owner
    var declaration: Int
    var sequence: Int
}

struct PostgresResolver {
    var decls: PostgresDeclarations
    var schema = PostgresSchema()
    var enumsByName: [QualifiedName: EnumType] = [:]
    var domainsByName: [QualifiedName: Domain] = [:]
    var functionsByName: [QualifiedName: Function] = [:]
    var roleSet: Set<String> = []
    /// Foreign keys are checked once every table's columns are known.
    var pendingForeignKeys: [PendingForeignKey] = []
    /// Position in `decls.tables` of the table being resolved.
    var currentDeclaration = 0
    var tableIndex: [QualifiedName: Int] = [:]
    /// Names tables take in their schema's relation namespace (indexes, partitions,
    /// constraint indexes), checked after every file's tables are resolved.
    var relationClaims: [RelationClaim] = []
    /// Schema of the shared auto_updated_at trigger function: that of the first
    /// table (in declaration order) that asks for it.
    var updatedAtFunctionSchema: String?

    static let sharedUpdatedAtFunction = Function.updatedAtHelperName

    /// Every table name declared, resolved or not, for reference lookups.
    let declaredTables: Set<QualifiedName>
    let declaredViews: Set<QualifiedName>
    /// Tables, partitions and views a view's query may name.
    var knownRelations: Set<QualifiedName> = []
    /// Tables under row level security, which a view must read as its invoker.
    var rowSecureTables: Set<QualifiedName> = []
    /// The views each view reads, and where its query is.
    var viewDependencies: [QualifiedName: (reads: [QualifiedName], location: SourceLocation)] = [:]
    /// Views whose security_invoker the definitions set themselves.
    var explicitSecurityInvoker: Set<QualifiedName> = []
    /// Types already parsed, by default schema and spelling: most columns repeat a few types.
    var typeCache: [String: PostgresType] = [:]
    /// The digest of each file's text by its display path, when resolved
    /// tables are kept between loads; what an earlier load kept; and what
    /// this one keeps.
    var fileDigests: [String: String]?
    var keptTables: KeptTables?
    /// Files whose YAML was not composed (their tables must be taken), and
    /// the summary of each file of nothing but tables.
    var summarizedFiles: Set<String> = []
    var fileSummaries: [String: KeptTables.Summary] = [:]
    private(set) var tablesToKeep: (() -> KeptTables)?
    /// Whether a file in `summarizedFiles` could not be taken: the load must be made again with every file composed.
    private(set) var fellShort = false
    private(set) var filesOfTablesTaken = 0

    init(_ decls: PostgresDeclarations) {
        self.decls = decls
        self.declaredTables = Set(decls.tables.map(\.name))
        self.declaredViews = Set(decls.views.map(\.name))
    }

    mutating func resolve() -> PostgresSchema {
        schema.extensions = decls.extensions.map(\.0)
        schema.roles = decls.roles.map(\.0)
        roleSet = Set(schema.roles)
        for d in decls.enums { resolveEnum(d) }
        resolveDomains()
        for d in decls.functions { resolveFunction(d) }
        updatedAtFunctionSchema = decls.tables.first(where: Self.asksForUpdatedAt)?.name.schema
        resolveTables()
        if fellShort { return schema }
        for d in decls.sequences { resolveSequence(d) }
        if let fnSchema = updatedAtFunctionSchema,
           schema.tables.contains(where: { $0.triggers.contains { $0.function.name == Self.sharedUpdatedAtFunction && $0.function.schema == fnSchema } }) {
            schema.functions.append(Self.updatedAtFunction(schema: fnSchema))
        }
        checkForeignKeys()
        knownRelations = declaredTables.union(declaredViews).union(schema.tables.flatMap { $0.partitions.map(\.name) })
        rowSecureTables = Set(schema.tables.filter(\.rowLevelSecurity).map(\.name))
        for d in decls.views { resolveView(d) }
        checkViewCycles()
        inheritSecurityInvoker()
        schema.schemas = Set(schema.namespacesInUse + decls.declaredSchemas.map(\.0)).subtracting(PostgresSchema.builtinSchemas).sorted()
        return schema
    }

    /// Resolves the tables of each file on a core of its own (a file's diagnostics
    /// go to its own reader), then merges in declaration order and settles the
    /// relation names they claimed, so output and diagnostics do not depend on
    /// which worker finished first.
    mutating func resolveTables() {
        var groups: [[Int]] = []
        var groupOfFile: [ObjectIdentifier: Int] = [:]
        for (i, d) in decls.tables.enumerated() {
            let file = ObjectIdentifier(d.reader)
            if let g = groupOfFile[file] { groups[g].append(i) } else {
                groupOfFile[file] = groups.count
                groups.append([i])
            }
        }
        let environment = fileDigests.map { _ in tableEnvironment() }
        let kept = keptTables.flatMap { $0.environment == environment ? $0.files : nil } ?? [:]
        let base = UncheckedSendable(self)
        let results = parallelMap(groups) { group -> FileTables in
            let reader = base.value.decls.tables[group[0]].reader
            if let file = kept[reader.file], file.textDigest == base.value.fileDigests?[reader.file], file.declarations == group.count {
                return file.restored(group, reader)
            }
            if base.value.summarizedFiles.contains(reader.file) { return ([], [], [], false) }
            var worker = base.value
            var tables: [(Int, Table)] = []
            for i in group {
                worker.currentDeclaration = i
                if let t = worker.resolveTable(worker.decls.tables[i]) { tables.append((i, t)) }
            }
            return (tables, worker.pendingForeignKeys, worker.relationClaims, false)
        }
        filesOfTablesTaken = groups.indices.filter { results[$0].taken }.count
        fellShort = zip(groups, results).contains { group, result in
            !result.taken && summarizedFiles.contains(decls.tables[group[0]].reader.file)
        }
        if fellShort { return }
        if let environment, let digests = fileDigests {
            // Made when it is written, in the background where writes are.
            let paths = groups.map { decls.tables[$0[0]].reader.file }, summaries = fileSummaries
            tablesToKeep = {
                var files: [String: KeptTables.File] = [:]
                for (path, (group, resolved)) in zip(paths, zip(groups, results)) {
                    guard let digest = digests[path] else { continue }
                    files[path] = KeptTables.File(textDigest: digest, declarations: group, resolved: resolved, summary: summaries[path])
                }
                return KeptTables(environment: environment, files: files)
            }
        }
        var byDeclaration: [Int: Table] = [:]
        for r in results {
            for (i, t) in r.tables { byDeclaration[i] = t }
            pendingForeignKeys += r.pending
        }
        // Claims in declaration order; a losing index or partition is dropped.
        var losers: [Int: (indexes: [Int], partitions: [Int])] = [:]
        for claim in results.flatMap(\.claims).sorted(by: { ($0.declaration, $0.sequence) < ($1.declaration, $1.sequence) }) {
            guard byDeclaration[claim.declaration] != nil else { continue }
            if !decls.relationNames.claim(claim.name.description, display: claim.display, at: claim.location, claim.reader, kind: claim.kind) {
                switch claim.owner {
                case .index(let position): losers[claim.declaration, default: ([], [])].indexes.append(position)
                case .partition(let position): losers[claim.declaration, default: ([], [])].partitions.append(position)
                case .constraint: break
                }
            }
        }
        for i in byDeclaration.keys.sorted() {
            var table = byDeclaration[i]!
            if let lost = losers[i] {
                for p in lost.indexes.sorted(by: >) { table.indexes.remove(at: p) }
                for p in lost.partitions.sorted(by: >) { table.partitions.remove(at: p) }
            }
            tableIndex[table.name] = schema.tables.count
            schema.tables.append(table)
        }
    }

    static func asksForUpdatedAt(_ d: Declaration) -> Bool {
        if let known = d.autoUpdatedAt { return known }
        if case .mapping(let m) = d.node { return m.pairsInPlace.contains { $0.key.scalar?.string == "auto_updated_at" } }
        return false
    }

    /// Records a relation name for `resolveTables` to check.
    mutating func claimRelation(_ name: QualifiedName, display: String, at location: SourceLocation, _ reader: NodeReader,
                                kind: String = "relation", owner: RelationClaim.Owner) {
        relationClaims.append(RelationClaim(name: name, display: display, location: location, reader: reader, kind: kind,
                                            owner: owner, declaration: currentDeclaration, sequence: relationClaims.count))
    }

    /// One trigger function serves every `auto_updated_at`: the column to stamp is
    /// its argument, so tables may name the column as they like.
    static func updatedAtFunction(schema: String) -> Function {
        Function(
            name: QualifiedName(schema: schema, name: sharedUpdatedAtFunction),
            returns: "trigger",
            language: "plpgsql",
            body: """
                BEGIN
                    NEW := jsonb_populate_record(NEW, jsonb_build_object(TG_ARGV[0], now()));
                    RETURN NEW;
                END;
                """,
            comment: "Sets the column named by the trigger's argument to now() on every update (schemac auto_updated_at).")
    }
}
