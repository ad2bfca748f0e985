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
        /// Load the files back and build them on the source's server before
        /// writing: any statement `diff` would still run is a warning.
        public var check = false
        /// The written files on stdout as JSON lines (`{"written": path}`).
        public var json = false

        public init() {}

        enum CodingKeys: String, CodingKey {
            case from, sql, out, force, strict, check, format
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
            check = try c.decodeIfPresent(Bool.self, forKey: .check) ?? false
            json = try c.decodeIfPresent(String.self, forKey: .format) == "json"
        }
    }

    /// `schemac pull`: a database (or SQL files) written as definitions, one
    /// file a schema, with a warning for each object not pulled. Nothing is
    /// written when the files would replace definitions (unless `force`),
    /// when the source cannot be read, or when what would be written does
    /// not load back.
    public static func pull(_ paths: ProjectPaths, configDiagnostics: [Diagnostic] = [], _ request: PullRequest,
                            relativeTo cwd: URL) -> CommandResult {
        var result: CommandResult
        if let from = request.from, case .success(.clickhouse(let url)) = MigrationTarget.parse(from, relativeTo: cwd),
           request.sql.isEmpty, request.devURL == nil {
            result = pullClickHouse(paths, request, url: url, relativeTo: cwd)
            result.diagnostics = configDiagnostics + result.diagnostics
            return result
        }
        switch (request.from, request.sql.isEmpty, request.devURL) {
        case (let from?, true, nil):
            result = PullSource.database(from, only: request.schemas, excluding: paths.config.excludeSchemas) {
                write($0, checkingOn: $1, paths: paths, request, relativeTo: cwd)
            }
        case (nil, false, let dev?):
            let files = request.sql.map { ($0, $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : cwd.appendingPathComponent($0)) }
            result = PullSource.sqlFiles(files, devURL: dev, only: request.schemas, excluding: paths.config.excludeSchemas) {
                write($0, checkingOn: $1, paths: paths, request, relativeTo: cwd)
            }
        default:
            result = CommandResult(diagnostics: [.usage("pull reads --from DATABASE, or --sql FILE… with --dev-url DATABASE")], status: 64)
        }
        result.diagnostics = configDiagnostics + result.diagnostics
        return result
    }

    static func write(_ source: PullSource.Read, checkingOn session: PullSource.Session, paths: ProjectPaths, _ request: PullRequest,
                      relativeTo cwd: URL) -> CommandResult {
        let folder = request.out.map { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : cwd.appendingPathComponent($0) }
            ?? paths.definitionsURL.appendingPathComponent("postgres")
        let display = request.out ?? (paths.definitions.hasSuffix("/") ? paths.definitions : paths.definitions + "/") + "postgres"
        func shown(_ file: GeneratedFile) -> String { display + "/" + file.path }
        let pulled: PostgresPull.Result, files: [GeneratedFile]
        switch render(source) {
        case .failure(let failure): return CommandResult(diagnostics: failure.diagnostics)
        case .success(let rendered): (pulled, files) = rendered
        }
        var skips = pulled.skipped + unheldSkips(source)
        if request.check {
            switch differences(files, shown: shown, source: source, skips: skips, on: session) {
            case .failure(let failure): return CommandResult(diagnostics: failure.diagnostics)
            case .success(let found): skips += found
            }
        }
        let held = filesHolding(Set(pulled.files.map(\.schema)), in: paths, except: files.map { folder.appendingPathComponent($0.path) })
        let existing = files.filter { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0.path).path) }.map(shown)
        if !(existing + held).isEmpty && !request.force {
            return CommandResult(diagnostics: [.pullWouldOverwrite(existing + held)])
        }
        do {
            try OutputWriter.write(files, to: folder)
        } catch {
            return CommandResult(diagnostics: [.writeFailed(String(describing: error))])
        }
        let warnings = skipWarnings(skips, files: files, shown: shown)
        let status: Int32 = request.strict && !warnings.isEmpty ? 1 : 0
        let written = files.map { request.json ? JSONLine([("written", .string(shown($0)))]).text : shown($0) + "\n" }
        return CommandResult(stdout: written.joined(), diagnostics: warnings, status: status)
    }

    /// The project's definitions files, other than `except`, that declare
    /// PostgreSQL objects in `schemas`: loaded with the pulled files, they
    /// would define the same names twice.
    static func filesHolding(_ schemas: Set<String>, in paths: ProjectPaths, except: [URL]) -> [String] {
        guard FileManager.default.fileExists(atPath: paths.definitionsURL.path) else { return [] }
        let replaced = Set(except.map { $0.standardizedFileURL.path })
        let loaded = DefinitionsLoader.load(directory: paths.definitionsURL, displayPrefix: paths.definitions)
        var files: Set<String> = []
        for (name, location) in loaded.definitions?.locations ?? [:] {
            guard let schema = name.split(separator: ".", maxSplits: 1).first.map(String.init), schemas.contains(schema) else { continue }
            let prefix = paths.definitions.hasSuffix("/") ? paths.definitions : paths.definitions + "/"
            let relative = location.file.hasPrefix(prefix) ? String(location.file.dropFirst(prefix.count)) : location.file
            if !replaced.contains(paths.definitionsURL.appendingPathComponent(relative).standardizedFileURL.path) { files.insert(location.file) }
        }
        return files.sorted()
    }

    /// The definitions of what was read, a file a schema, as text.
    static func render(_ source: PullSource.Read) -> Result<(PostgresPull.Result, [GeneratedFile]), DiagnosticFailure> {
        let timer = PhaseTimer()
        let unwritable = Set(source.unheld.filter { $0.kind == "function signature" }.map { u in
            QualifiedName(schema: u.schema, name: String(u.name.dropFirst(u.schema.count + 1).prefix { $0 != "(" }))
        })
        // A schema an extension lives in is the extension's (named above), not one to declare bare.
        let homes = Set(source.unheld.filter { $0.kind == "extension schema" }.map(\.schema))
        var model = source.model
        model.schemas.removeAll { homes.contains($0) && !source.model.namespacesInUse.contains($0) }
        let pulled = PostgresPull.definitions(of: model, schemas: source.schemas, leavingOut: unwritable)
        timer.lap("turn the model into definitions")
        do {
            let files = try pulled.files.map { GeneratedFile(path: "\($0.schema).yaml", contents: try YAMLWriter.text($0.document)) }
            timer.lap("write them as YAML (\(files.count) files)")
            return .success((pulled, files))
        } catch {
            return .failure([.pullInvalid([String(describing: error)])])
        }
    }

    /// `--check`: the files loaded back (an error is pull's own fault) and
    /// what they would still change in their source.
    static func differences(_ files: [GeneratedFile], shown: (GeneratedFile) -> String, source: PullSource.Read, skips: [PullSkip],
                            on session: PullSource.Session) -> Result<[PullSkip], DiagnosticFailure> {
        let timer = PhaseTimer()
        let loaded = DefinitionsLoader.load(files.map { DefinitionSource(displayPath: shown($0), text: $0.contents) })
        if loaded.hasErrors { return .failure([.pullInvalid(loaded.diagnostics.map(\.description))]) }
        timer.lap("load them back")
        do {
            let found = try readBackDifferences(loaded.definitions?.postgres ?? PostgresSchema(), source: source, skips: skips, on: session)
            timer.lap("build them on the server and compare")
            return .success(found)
        } catch {
            return .failure([.connectionFailed(String(describing: error))])
        }
    }

    /// What the pulled definitions would still change in the database they
    /// came from, built on its server as `diff` builds them: a statement
    /// for an object already named as skipped is not said twice.
    static func readBackDifferences(_ pulled: PostgresSchema, source: PullSource.Read, skips: [PullSkip],
                                    on session: PullSource.Session) throws -> [PullSkip] {
        let normalized = try PostgresNormalizer.normalize(pulled, on: session.connection, insideTransaction: session.inTransaction)
        let plan = PostgresPlanner.plan(PostgresDiff.changes(from: source.model, to: normalized.schema))
        let named = skips.map(\.object)
        var differences = normalized.unnormalized.map {
            PullSkip(schema: "", kind: "object", object: $0.target, reason: "the server does not build it as written: \($0.reason)")
        }
        for statement in plan.statements where !named.contains(where: { statement.target.hasPrefix($0) || $0.hasPrefix(statement.target) }) {
            let schema = statement.target.split(separator: ".").first.map(String.init) ?? ""
            differences.append(PullSkip(schema: schema, kind: "difference", object: statement.target,
                                        reason: "the definitions written for it read back otherwise; diff would run \(statement.sql)"))
        }
        return differences
    }

    /// The objects the inspector does not read, and the schemas that hold nothing to write.
    static func unheldSkips(_ source: PullSource.Read) -> [PullSkip] {
        // The generator grants USAGE on a schema to each role granted something in it.
        let granted = Set(source.model.tables.flatMap { t in t.grants.map { "\(t.name.schema)\u{0}\($0.role)" } }
            + source.model.views.flatMap { v in v.grants.map { "\(v.name.schema)\u{0}\($0.role)" } })
        let implied = source.unheld.filter { u in
            guard u.kind == "schema grant", let (role, privileges) = try? PostgresInspector.aclItem(u.detail) else { return false }
            return privileges == "U" && granted.contains("\(u.schema)\u{0}\(role)")
        }
        let skips = source.unheld.filter { !implied.contains($0) }.map {
            PullSkip(schema: $0.schema, kind: $0.kind, object: $0.name, reason: $0.detail)
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
