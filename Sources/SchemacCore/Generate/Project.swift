import Foundation
import SchemacDiagnostics
import SchemacLoader
import SchemacModel
import SchemacPostgres
import SchemacClickHouse
import SchemacSwift
import SchemacRedis

/// Where a run reads and writes, after `schemac.yaml` and command-line options.
public struct ProjectPaths: Sendable {
    /// Folder `schemac.yaml` is read from and relative paths start at.
    public var root: URL
    public var definitions: String
    public var output: String
    public var config: ProjectConfig

    public var definitionsURL: URL { resolve(definitions) }
    public var outputURL: URL { resolve(output) }

    func resolve(_ path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : root.appendingPathComponent(path)
    }

    /// Reads `schemac.yaml` in `root`; explicit options win over it.
    public static func load(root: URL, definitions: String? = nil, output: String? = nil) -> (ProjectPaths, [Diagnostic]) {
        let (config, diagnostics) = ProjectConfig.load(root: root, displayPrefix: "")
        let paths = ProjectPaths(root: root, definitions: relative(definitions ?? config.definitions, to: root),
                                 output: relative(output ?? config.output, to: root), config: config)
        return (paths, diagnostics)
    }

    /// An absolute path as seen from `root` (`../shared/defs`), so that what
    /// files name (the source list in headers) is the same wherever schemac runs.
    static func relative(_ path: String, to root: URL) -> String {
        guard path.hasPrefix("/") else { return path }
        let target = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().pathComponents
        let base = root.standardizedFileURL.resolvingSymlinksInPath().pathComponents
        let common = zip(target, base).prefix { $0 == $1 }.count
        guard common > 1 || base.count == 1 else { return path }
        let parts = Array(repeating: "..", count: base.count - common) + target[common...]
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }
}

/// A file `generate` writes, relative to the output folder.
public struct GeneratedFile: Equatable, Sendable {
    public var path: String
    public var contents: String

    public init(path: String, contents: String) {
        self.path = path
        self.contents = contents
    }
}

/// The pipeline: definitions on disk → resolved model → rendered files.
public enum Pipeline {
    public struct Outcome: Sendable {
        public var files: [GeneratedFile]
        public var diagnostics: [Diagnostic]
        /// The resolved definitions, when they had no errors.
        public var definitions: DefinitionSet?
        public var failed: Bool { diagnostics.contains { $0.severity == .error } }
        /// Whether the run fails: on an error, or with `strict` on anything at all.
        public func fails(strict: Bool) -> Bool { failed || strict && !diagnostics.isEmpty }
    }

    /// `swiftPlan`: the loader's, when it built one for its checks (it is the
    /// plan of these definitions).
    public static func render(_ definitions: DefinitionSet, config: ProjectConfig = ProjectConfig(), swiftPlan: SwiftPlan? = nil) -> [GeneratedFile] {
        // The targets share nothing: each renders on a core of its own (the
        // PostgreSQL schema and the Swift rows take about as long at 10,000 tables).
        let targets: [(DefinitionSet, ProjectConfig) -> [GeneratedFile]] = [
            postgresFiles, clickhouseFiles, redisFiles, { swiftFiles($0, $1, plan: swiftPlan) },
        ]
        return parallelMap(targets) { $0(definitions, config) }.flatMap { $0 }
    }

    static func postgresFiles(_ definitions: DefinitionSet, _ config: ProjectConfig) -> [GeneratedFile] {
        guard let pg = definitions.postgres, config.wants("postgres", sectionPresent: true) else { return [] }
        return [GeneratedFile(path: "postgres/schema.sql", contents: PostgresRenderer.schemaFile(for: pg, sourceFiles: definitions.sourceFiles))]
    }

    static func clickhouseFiles(_ definitions: DefinitionSet, _ config: ProjectConfig) -> [GeneratedFile] {
        guard let ch = definitions.clickhouse, config.wants("clickhouse", sectionPresent: true) else { return [] }
        return [GeneratedFile(path: "clickhouse/schema.sql", contents: ClickHouseRenderer.schemaFile(for: ch, sourceFiles: definitions.sourceFiles))]
    }

    static func redisFiles(_ definitions: DefinitionSet, _ config: ProjectConfig) -> [GeneratedFile] {
        guard let redis = definitions.redis, config.wants("redis", sectionPresent: true) else { return [] }
        return RedisRenderer.files(redis, sourceFiles: definitions.sourceFiles).map { GeneratedFile(path: "redis/\($0.name)", contents: $0.contents) }
    }

    static func swiftFiles(_ definitions: DefinitionSet, _ config: ProjectConfig, plan: SwiftPlan?) -> [GeneratedFile] {
        let hasTables = !(definitions.postgres?.tables.isEmpty ?? true) || !(definitions.postgres?.enums.isEmpty ?? true)
            || !(definitions.clickhouse?.tables.isEmpty ?? true) || !(definitions.redis?.keys.isEmpty ?? true)
        guard config.wants("swift", sectionPresent: hasTables) else { return [] }
        let declaredIn = definitions.locations.mapValues(\.file)
        return SwiftRenderer.files(plan ?? SwiftPlan(definitions), sourceFiles: definitions.sourceFiles, declaredIn: declaredIn).map {
            GeneratedFile(path: "swift/\(config.swiftModule)/\($0.name)", contents: $0.contents)
        }
    }

    /// Loads and renders; files are empty when there is any error.
    /// `render: false` only loads (for `diff`); `onDeclared` is the loader's.
    /// `lint` adds a reviewer's warnings (`check`, `lint`); warnings whose id
    /// `schemac.yaml` lists under `lint.ignore` are left out.
    public static func run(_ paths: ProjectPaths, configDiagnostics: [Diagnostic] = [], render shouldRender: Bool = true,
                           cache: DefinitionsCache? = nil, lint: Bool = false, onDeclared: (([String]) -> Void)? = nil) -> Outcome {
        let timer = PhaseTimer()
        let result = DefinitionsLoader.load(directory: paths.definitionsURL, displayPrefix: paths.definitions, cache: cache,
                                            checkSwift: paths.config.checksSwift, lint: lint, onDeclared: onDeclared)
        timer.lap("load definitions (total)")
        defer { if shouldRender { timer.lap("render output") } }
        let ignored = Set(paths.config.lintIgnore)
        let diagnostics = configDiagnostics + result.diagnostics.filter { $0.severity != .warning || !ignored.contains($0.id.rawValue) }
        guard let definitions = result.definitions, !diagnostics.contains(where: { $0.severity == .error }) else {
            return Outcome(files: [], diagnostics: diagnostics, definitions: nil)
        }
        return Outcome(files: shouldRender ? render(definitions, config: paths.config, swiftPlan: result.swiftPlan) : [], diagnostics: diagnostics, definitions: definitions)
    }
}
