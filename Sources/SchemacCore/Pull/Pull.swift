import Foundation
import SchemacDiagnostics
import SchemacLoader
import SchemacModel
import SchemacPostgres

extension Commands {
    /// What `schemac pull` is asked.
    public struct PullRequest: Sendable, Decodable {
        /// `--from`: a database to read.
        public var from: String?
        /// `--sql`: files to run on `devURL` instead, in order.
        public var sql: [String] = []
        public var devURL: String?
        /// `--schema`: only these; else every schema that holds user objects.
        public var schemas: [String] = []
        /// `--out`: the folder the files go to; else `<definitions>/postgres`.
        public var out: String?
        /// Replace definitions files that already hold the schemas.
        public var force = false
        /// Any object not pulled fails the run.
        public var strict = false

        public init() {}

        enum CodingKeys: String, CodingKey {
            case from, sql, out, force, strict
            case devURL = "dev_url", schemas = "schema"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            from = try c.decodeIfPresent(String.self, forKey: .from)
            sql = try c.decodeIfPresent([String].self, forKey: .sql) ?? []
            devURL = try c.decodeIfPresent(String.self, forKey: .devURL)
            schemas = try c.decodeIfPresent([String].self, forKey: .schemas) ?? []
            out = try c.decodeIfPresent(String.self, forKey: .out)
            force = try c.decodeIfPresent(Bool.self, forKey: .force) ?? false
            strict = try c.decodeIfPresent(Bool.self, forKey: .strict) ?? false
        }
    }

    /// `schemac pull`: a database (or SQL files) written as definitions, one
    /// file a schema, with a warning for each object not pulled. Nothing is
    /// written when the files would replace definitions (unless `force`),
    /// when the source cannot be read, or when what would be written does
    /// not load back.
    public static func pull(_ paths: ProjectPaths, configDiagnostics: [Diagnostic] = [], _ request: PullRequest,
                            relativeTo cwd: URL) -> CommandResult {
        let read: Result<PullSource.Read, DiagnosticFailure>
        switch (request.from, request.sql.isEmpty, request.devURL) {
        case (let from?, true, nil):
            read = PullSource.database(from, only: request.schemas, excluding: paths.config.excludeSchemas)
        case (nil, false, let dev?):
            let files = request.sql.map { ($0, $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : cwd.appendingPathComponent($0)) }
            read = PullSource.sqlFiles(files, devURL: dev, only: request.schemas, excluding: paths.config.excludeSchemas)
        default:
            return CommandResult(diagnostics: configDiagnostics + [.usage("pull reads --from DATABASE, or --sql FILE… with --dev-url DATABASE")], status: 64)
        }
        switch read {
        case .failure(let failure): return CommandResult(diagnostics: configDiagnostics + failure.diagnostics)
        case .success(let source): return write(source, paths: paths, configDiagnostics: configDiagnostics, request, relativeTo: cwd)
        }
    }

    static func write(_ source: PullSource.Read, paths: ProjectPaths, configDiagnostics: [Diagnostic], _ request: PullRequest,
                      relativeTo cwd: URL) -> CommandResult {
        let folder = request.out.map { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : cwd.appendingPathComponent($0) }
            ?? paths.definitionsURL.appendingPathComponent("postgres")
        let display = request.out ?? (paths.definitions.hasSuffix("/") ? paths.definitions : paths.definitions + "/") + "postgres"
        let pulled = PostgresPull.definitions(of: source.model, schemas: source.schemas)
        var files: [GeneratedFile] = []
        do {
            for file in pulled.files { files.append(GeneratedFile(path: "\(file.schema).yaml", contents: try YAMLWriter.text(file.document))) }
        } catch {
            return CommandResult(diagnostics: configDiagnostics + [.pullInvalid([String(describing: error)])])
        }
        func shown(_ file: GeneratedFile) -> String { display + "/" + file.path }
        let loaded = DefinitionsLoader.load(files.map { DefinitionSource(displayPath: shown($0), text: $0.contents) })
        if loaded.hasErrors { return CommandResult(diagnostics: configDiagnostics + [.pullInvalid(loaded.diagnostics.map(\.description))]) }
        let existing = files.filter { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0.path).path) }
        if !existing.isEmpty && !request.force {
            return CommandResult(diagnostics: configDiagnostics + [.pullWouldOverwrite(existing.map(shown))])
        }
        do {
            try OutputWriter.write(files, to: folder)
        } catch {
            return CommandResult(diagnostics: configDiagnostics + [.writeFailed(String(describing: error))])
        }
        let warnings = skipWarnings(pulled.skipped + unheldSkips(source), files: files, shown: shown)
        let status: Int32 = request.strict && !warnings.isEmpty ? 1 : 0
        return CommandResult(stdout: files.map { shown($0) + "\n" }.joined(), diagnostics: configDiagnostics + warnings, status: status)
    }

    /// The objects the inspector does not read, and the schemas that hold nothing to write.
    static func unheldSkips(_ source: PullSource.Read) -> [PullSkip] {
        var skips = source.unheld.map { PullSkip(schema: $0.schema, kind: $0.kind, object: $0.name, reason: $0.detail) }
        let used = Set(source.model.namespacesInUse)
        for s in source.schemas where s != "public" && !used.contains(s) && source.model.schemas.contains(s) {
            skips.append(PullSkip(schema: s, kind: "schema", object: s, reason: "it holds no object the definitions hold, and the language makes a schema for its objects"))
        }
        return skips
    }

    /// A warning for each skip, at the file its schema's objects went to
    /// (the first file for what belongs to the whole database).
    static func skipWarnings(_ skips: [PullSkip], files: [GeneratedFile], shown: (GeneratedFile) -> String) -> [Diagnostic] {
        skips.sorted().map { skip in
            let file = files.first { $0.path == "\(skip.schema).yaml" } ?? files.first
            let location = file.map { SourceLocation.wholeFile(shown($0)) }
            var d = Diagnostic.pullUnsupported(kind: skip.kind, object: skip.object, reason: skip.reason, at: location ?? .wholeFile("definitions"))
            if location == nil { d.location = nil }
            return d
        }
    }
}
