import SchemacModel

/// The definitions as an earlier run normalized them, with a digest of each
/// table's definition as it was then: a later run in the same printing
/// environment (`PostgresNormalizer.printingEnvironment`) takes every table
/// whose definition is unchanged from it, and has the server print only the
/// rest. After an edit of one table of 10,000, the scratch build and its
/// reading back are one table's, not 10,000's.
///
/// A table is taken only when what the server prints for it depends on
/// nothing but the table and that environment: none of its texts names
/// another relation (`ScratchBuild.PlacementAnalysis.dependsOnOthers`).
/// What is not tables (enums, views, functions, ...) is taken only when all
/// of it is unchanged; otherwise every table is printed again.
public struct KeptNormalization: CompactCodable, Sendable {
    /// `schema.name` of each desired table, and the digest of its definition.
    var tables: [String]
    var digests: [String]
    /// The digest of all the desired schema holds besides its tables.
    var restDigest: String
    var normalized: PostgresSchema

    public func encode(to e: inout CompactEncoder) { e.write(tables); e.write(digests); e.write(restDigest); e.write(normalized) }
    public init(from d: inout CompactDecoder) throws {
        tables = try d.read(); digests = try d.read(); restDigest = try d.read(); normalized = try d.read()
    }

    init(desired: Digested, normalized: PostgresSchema) {
        tables = desired.names
        digests = desired.digests
        restDigest = desired.restDigest
        self.normalized = normalized
    }

    /// The desired schema's digests, table by table.
    struct Digested {
        var names: [String]
        var digests: [String]
        var restDigest: String

        init(_ desired: PostgresSchema) {
            names = desired.tables.map(\.name.description)
            // On all cores: at 10,000 tables, encoding and hashing is a tenth of a second on one.
            digests = parallelMap(desired.tables) { Digests.sha256Hex(CompactCoding.encode($0)) }
            var rest = desired
            rest.tables = []
            restDigest = Digests.sha256Hex(CompactCoding.encode(rest))
        }
    }
}

extension PostgresNormalizer {
    /// A normalization, what of it was taken from a kept one, and what to keep of it.
    public struct KeptResult {
        public var result: Result
        /// Tables taken as an earlier run normalized them, of all the desired tables.
        public var tablesTaken: Int
        /// Whether the whole normalization was taken, with no statement run.
        public var wholeTaken: Bool
        /// What a later run may take from this one; nil when the server
        /// refused something (a refusal is said again, not kept).
        public var keep: KeptNormalization?
    }

    /// Normalizes `desired` on `db`, taking from `kept` every table it can.
    /// `kept` must come from a run in the same printing environment.
    public static func normalize(_ desired: PostgresSchema, on db: CatalogSession, printedBefore: [String: [String?]],
                                 keeping kept: KeptNormalization?) throws -> KeptResult {
        let digested = KeptNormalization.Digested(desired)
        guard let kept, kept.restDigest == digested.restDigest else {
            return settle(try normalize(desired, on: db, printedBefore: printedBefore), digested, taken: 0, whole: false)
        }
        if kept.tables == digested.names, kept.digests == digested.digests {
            return settle(Result(schema: kept.normalized, unnormalized: [], scratchStatements: 0), digested,
                          taken: desired.tables.count, whole: true)
        }
        let keptDigest = Dictionary(zip(kept.tables, kept.digests), uniquingKeysWith: { a, _ in a })
        let keptTable = Dictionary(kept.normalized.tables.map { ($0.name.description, $0) }, uniquingKeysWith: { a, _ in a })
        let placement = ScratchBuild.placement(desired)
        var taken: [String: Table] = [:]
        for (table, digest) in zip(desired.tables, digested.digests) {
            let name = table.name.description
            guard keptDigest[name] == digest, let normalized = keptTable[name], !placement.dependsOnOthers.contains(table.name.name),
                  !placement.inPlace.contains(table.name.name) else { continue }
            taken[name] = normalized
        }
        var part = desired
        part.tables = desired.tables.filter { taken[$0.name.description] == nil }
        var result = try normalize(part, on: db, printedBefore: printedBefore, namespaces: desired.namespacesInUse)
        let normalizedPart = Dictionary(result.schema.tables.map { ($0.name.description, $0) }, uniquingKeysWith: { a, _ in a })
        result.schema.tables = desired.tables.map { t in
            let name = t.name.description
            return taken[name] ?? normalizedPart[name] ?? t
        }
        // The texts of the tables taken were not built: those known before are kept for a later edit of them.
        result.printed = printedBefore.merging(result.printed) { _, now in now }
        return settle(result, digested, taken: taken.count, whole: false)
    }

    private static func settle(_ result: Result, _ digested: KeptNormalization.Digested, taken: Int, whole: Bool) -> KeptResult {
        let keep = result.unnormalized.isEmpty ? KeptNormalization(desired: digested, normalized: result.schema) : nil
        return KeptResult(result: result, tablesTaken: taken, wholeTaken: whole, keep: keep)
    }
}
