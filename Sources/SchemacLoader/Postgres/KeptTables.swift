import SchemacDiagnostics
import SchemacModel
import Yams

/// The PostgreSQL tables of each definitions file as an earlier load resolved
/// them, kept so that a load after an edit resolves only the edited files'
/// tables (at 10,000 tables in 500 files, resolving them is a second; one
/// file's is 2 ms).
///
/// A file's tables are taken when its text is the same and so is all that
/// resolving a table reads besides its own file (`environment`): the enums,
/// domains, functions, extensions and roles resolved before the tables, every
/// table and view name declared, the tenancy setting and the schema of the
/// shared `auto_updated_at` function. What is checked across tables (foreign
/// keys, relation names) is checked again on every load, from what each
/// table left to check (`PendingForeignKey`, `RelationClaim`), which is kept
/// with it. Kept only from loads without a diagnostic.
///
/// A file that holds nothing but PostgreSQL tables (and its default schema)
/// is kept with what collecting it declared (`Summary`): a later load need not
/// compose its YAML at all while its text is the same, and its tables are taken.
struct KeptTables: CompactCodable {
    var environment: String
    var files: [String: File]

    /// One file's tables, what they left to check, and the digest of its text.
    struct File {
        var textDigest: String
        /// Table declarations in the file, resolved or not.
        var declarations: Int
        /// Each resolved table, by its position among the file's declarations.
        var tables: [(offset: Int, table: Table)]
        var foreignKeys: [PendingForeignKey]
        var claims: [RelationClaim]
        /// What collecting the file declared, when it holds only tables.
        var summary: Summary?
    }

    /// The tables a file of nothing but tables declares, in order: all that
    /// collecting it does (`PostgresDeclarations.replay`).
    struct Summary {
        var defaultSchema: String
        var tables: [(name: QualifiedName, line: Int, column: Int, autoUpdatedAt: Bool)]
    }

    init(environment: String, files: [String: File]) {
        self.environment = environment
        self.files = files
    }

    func encode(to e: inout CompactEncoder) {
        let paths = files.keys.sorted()
        e.write(environment)
        e.write(paths)
        for path in paths { encode(files[path]!, to: &e) }
    }

    init(from d: inout CompactDecoder) throws {
        environment = try d.read()
        let paths = try d.read([String].self)
        files = [:]
        for path in paths { files[path] = try Self.decodeFile(path, from: &d) }
    }

    private func encode(_ file: File, to e: inout CompactEncoder) {
        e.write(file.textDigest); e.write(file.declarations)
        e.write(file.tables.map(\.offset)); e.write(file.tables.map(\.table))
        e.write(file.foreignKeys.count)
        for fk in file.foreignKeys {
            e.write(fk.table); e.write(fk.fk); e.write(fk.location.line); e.write(fk.location.column)
            e.write(fk.targetWritten); e.write(fk.targetDefaultSchema); e.write(fk.implicitColumns)
        }
        e.write(file.claims.count)
        for c in file.claims {
            e.write(c.name); e.write(c.display); e.write(c.location.line); e.write(c.location.column); e.write(c.kind)
            switch c.owner {
            case .index(let i): e.write(0); e.write(i)
            case .partition(let i): e.write(1); e.write(i)
            case .constraint: e.write(2); e.write(0)
            }
            e.write(c.declaration); e.write(c.sequence)
        }
        e.write(file.summary?.defaultSchema)
        if let summary = file.summary {
            e.write(summary.tables.map(\.name)); e.write(summary.tables.map(\.line)); e.write(summary.tables.map(\.column))
            e.write(summary.tables.map(\.autoUpdatedAt))
        }
    }

    /// A file's entry; its reader is attached when it is taken (`restored`).
    private static func decodeFile(_ path: String, from d: inout CompactDecoder) throws -> File {
        let placeholder = NodeReader(file: path)
        let digest = try d.read(String.self), declarations = try d.read(Int.self)
        let offsets = try d.read([Int].self), tables = try d.read([Table].self)
        guard offsets.count == tables.count else { throw CompactCoding.Failure(description: "kept tables without their positions") }
        var foreignKeys: [PendingForeignKey] = []
        for _ in 0..<(try d.read(Int.self)) {
            let table = try d.read(QualifiedName.self), fk = try d.read(ForeignKey.self)
            let location = SourceLocation(file: path, line: try d.read(), column: try d.read())
            foreignKeys.append((table, fk, location, placeholder, try d.read(), try d.read(), try d.read()))
        }
        var claims: [RelationClaim] = []
        for _ in 0..<(try d.read(Int.self)) {
            let name = try d.read(QualifiedName.self), display = try d.read(String.self)
            let location = SourceLocation(file: path, line: try d.read(), column: try d.read())
            let kind = try d.read(String.self)
            let ownerKind = try d.read(Int.self), position = try d.read(Int.self)
            let owner: RelationClaim.Owner = switch ownerKind {
            case 0: .index(position)
            case 1: .partition(position)
            default: .constraint
            }
            claims.append(RelationClaim(name: name, display: display, location: location, reader: placeholder, kind: kind, owner: owner,
                                        declaration: try d.read(), sequence: try d.read()))
        }
        var summary: Summary?
        if let defaultSchema = try d.read(String?.self) {
            let names = try d.read([QualifiedName].self), lines = try d.read([Int].self), columns = try d.read([Int].self)
            let flags = try d.read([Bool].self)
            guard lines.count == names.count, columns.count == names.count, flags.count == names.count else {
                throw CompactCoding.Failure(description: "a kept file's summary without its places")
            }
            summary = Summary(defaultSchema: defaultSchema, tables: names.indices.map { (names[$0], lines[$0], columns[$0], flags[$0]) })
        }
        return File(textDigest: digest, declarations: declarations, tables: Array(zip(offsets, tables)),
                    foreignKeys: foreignKeys, claims: claims, summary: summary)
    }
}

extension KeptTables.File {
    /// The file's tables as a load whose declarations of it are `declarations`
    /// (global positions) and whose reader of it is `reader` would resolve them.
    func restored(_ declarations: [Int], _ reader: NodeReader) -> PostgresResolver.FileTables {
        (tables.map { (declarations[$0.offset], $0.table) },
         foreignKeys.map { var fk = $0; fk.reader = reader; return fk },
         claims.map { var c = $0; c.reader = reader; c.declaration = declarations[c.declaration]; return c }, true)
    }

    /// What to keep of a file's tables, resolved at `declarations`.
    init(textDigest: String, declarations: [Int], resolved: PostgresResolver.FileTables, summary: KeptTables.Summary?) {
        let offset = Dictionary(declarations.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        self.init(textDigest: textDigest, declarations: declarations.count,
                  tables: resolved.tables.map { (offset[$0.0]!, $0.1) }, foreignKeys: resolved.pending,
                  claims: resolved.claims.map { var c = $0; c.declaration = offset[c.declaration]!; return c }, summary: summary)
    }
}

extension KeptTables.Summary {
    /// What collecting a file declared, when the file holds nothing but
    /// PostgreSQL tables and its default schema; nil otherwise.
    init?(root: Node, declared: [Declaration]) {
        guard case .mapping(let top) = root, top.count == 1, top.keys.first?.scalar?.string == "postgres",
              case .mapping(let section)? = top.values.first,
              section.keys.allSatisfy({ ["schema", "tables"].contains($0.scalar?.string ?? "") }),
              let defaultSchema = declared.first?.defaultSchema else { return nil }
        self.init(defaultSchema: defaultSchema, tables: declared.map { d in
            (d.name, d.location.line, d.location.column, PostgresResolver.asksForUpdatedAt(d))
        })
    }
}

extension PostgresDeclarations {
    /// Does what collecting a file of tables did, from its summary.
    mutating func replay(_ summary: KeptTables.Summary, _ reader: NodeReader) {
        if firstDefaultSchema == nil { firstDefaultSchema = summary.defaultSchema }
        for t in summary.tables {
            let location = SourceLocation(file: reader.file, line: t.line, column: t.column)
            let display = t.name.display(defaultSchema: summary.defaultSchema)
            guard relationNames.claim(t.name.description, display: display, at: location, reader, kind: "table"),
                  typeNames.claim(t.name.description, display: display, at: location, reader, kind: "type") else { continue }
            tables.append(Declaration(name: t.name, node: Node(""), location: location, reader: reader, defaultSchema: summary.defaultSchema,
                                      autoUpdatedAt: t.autoUpdatedAt))
        }
    }
}

extension PostgresResolver {
    /// One file's tables, by their declarations' positions, and what they left to check.
    typealias FileTables = (tables: [(Int, Table)], pending: [PendingForeignKey], claims: [RelationClaim], taken: Bool)

    /// All that resolving a table reads besides its own file, as a digest.
    func tableEnvironment() -> String {
        var e = CompactCoding.encoder()
        e.write(schema)
        for names in [declaredTables, declaredViews] {
            let sorted = names.sorted { ($0.schema, $0.name) < ($1.schema, $1.name) }
            e.write(sorted.map(\.schema)); e.write(sorted.map(\.name))
        }
        e.write(decls.tenancy.map { [$0.column, $0.setting, $0.location.description] } ?? [])
        e.write(updatedAtFunctionSchema)
        e.write(decls.declaredSchemas.map(\.0))
        e.write(decls.firstDefaultSchema)
        return Digests.sha256Hex(e.bytes)
    }
}
