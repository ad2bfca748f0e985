import Foundation
import SchemacDiagnostics
import Yams

/// `schemac.yaml`: where definitions and output live, and what to generate.
public struct ProjectConfig: Sendable, Equatable {
    public var definitions = "definitions"
    public var output = "generated"
    public var targets: [String]?
    /// `swift.module`; without it, named after the project's folder (see `defaultSwiftModule`).
    public var swiftModule = "Schema"
    public var migrations = "postgresql/migrations"
    /// `clickhouse.migrations`: the folder `migrate --url clickhouse://…` runs.
    public var clickhouseMigrations = "clickhouse/migrations"
    /// Schemas of a live database that `diff` leaves alone (`postgres: {
    /// exclude_schemas: [auth, "tmp_*"] }`): managed by something else.
    public var excludeSchemas: [String] = []
    /// `postgres.lock_timeout` / `postgres.statement_timeout`: what `migrate`
    /// and `apply` set for every statement (`5s`, `1h`), over the file's own.
    public var lockTimeout: String?
    public var statementTimeout: String?
    /// Warning ids `check` and `lint` leave unsaid (`lint: { ignore: [...] }`).
    public var lintIgnore: [String] = []

    public init() {}

    /// Whether `target` is generated: as `targets` says, else every section
    /// the definitions have, and Swift whenever there is SQL to go with.
    public func wants(_ target: String, sectionPresent: Bool) -> Bool {
        if let targets { return targets.contains(target) }
        return sectionPresent
    }

    /// Whether the Swift target is on before the definitions are read (for
    /// the loader's checks): unless `targets` leaves it out.
    public var checksSwift: Bool { targets?.contains("swift") ?? true }

    public static let fileName = "schemac.yaml"
    static let keys = ["definitions", "output", "targets", "swift", "postgres", "clickhouse", "lint"]
    static let targetNames = ["postgres", "clickhouse", "redis", "swift"]

    /// Reads `schemac.yaml` in `root` if there is one; defaults otherwise.
    public static func load(root: URL, displayPrefix: String) -> (ProjectConfig, [Diagnostic]) {
        let url = root.appendingPathComponent(fileName)
        let display = displayPrefix.isEmpty ? fileName : displayPrefix + "/" + fileName
        var defaults = ProjectConfig()
        defaults.swiftModule = defaultSwiftModule(forFolder: root.standardizedFileURL.lastPathComponent)
        guard FileManager.default.fileExists(atPath: url.path) else { return (defaults, []) }
        guard let data = try? Data(contentsOf: url), let text = String(data: data, encoding: .utf8) else {
            return (defaults, [.fileUnreadable("not readable as UTF-8 text", at: .file(display))])
        }
        return parse(text, displayPath: display, defaults: defaults)
    }

    /// The Swift module of a project folder without `swift.module`: its name
    /// in UpperCamelCase with `Schema` after it (`billing-service` →
    /// `BillingServiceSchema`, `api` → `ApiSchema`); a name that does not
    /// start with a letter gets `Project` before it.
    public static func defaultSwiftModule(forFolder folder: String) -> String {
        let words = folder.split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
        var name = words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        if let first = name.first, !first.isLetter { name = "Project" + name }
        return name.hasSuffix("Schema") ? name : name + "Schema"
    }

    public static func parse(_ text: String, displayPath: String, defaults: ProjectConfig = ProjectConfig()) -> (ProjectConfig, [Diagnostic]) {
        var config = defaults
        let reader = NodeReader(file: displayPath)
        guard let root = DefinitionsLoader.parse(DefinitionSource(displayPath: displayPath, text: text), reader) else {
            return (config, reader.diagnostics)
        }
        guard let f = reader.fields(root, "schemac.yaml", allowed: keys) else { return (config, reader.diagnostics) }
        if let n = f["definitions"], let s = reader.name(n, "definitions") { config.definitions = s }
        if let n = f["output"], let s = reader.name(n, "output") { config.output = s }
        if let n = f["targets"], let list = reader.stringList(n, "targets") {
            for t in list where !targetNames.contains(t) {
                reader.report(.invalidValue(t, for: "target", allowed: targetNames, at: reader.location(n)))
            }
            config.targets = list
        }
        if let n = f["swift"], let s = reader.fields(n, "swift", allowed: ["module"]), let m = s["module"] {
            if let name = reader.name(m, "swift.module") { config.swiftModule = name }
        }
        if let n = f["postgres"], let p = reader.fields(n, "postgres", allowed: ["migrations", "exclude_schemas", "lock_timeout", "statement_timeout"]) {
            if let m = p["migrations"], let dir = reader.name(m, "postgres.migrations") { config.migrations = dir }
            if let e = p["exclude_schemas"], let list = reader.stringList(e, "postgres.exclude_schemas", allowSingle: true) {
                config.excludeSchemas = list
            }
            if let t = p["lock_timeout"], let text = reader.name(t, "postgres.lock_timeout") { config.lockTimeout = text }
            if let t = p["statement_timeout"], let text = reader.name(t, "postgres.statement_timeout") { config.statementTimeout = text }
        }
        if let n = f["clickhouse"], let c = reader.fields(n, "clickhouse", allowed: ["migrations"]) {
            if let m = c["migrations"], let dir = reader.name(m, "clickhouse.migrations") { config.clickhouseMigrations = dir }
        }
        if let n = f["lint"], let l = reader.fields(n, "lint", allowed: ["ignore"]), let ignore = l["ignore"],
           let ids = reader.stringList(ignore, "lint.ignore", allowSingle: true) {
            let warnings = DiagnosticID.allCases.map(\.rawValue)
            for id in ids where !warnings.contains(id) {
                reader.report(.invalidValue(id, for: "lint.ignore", allowed: warnings, at: reader.location(ignore)))
            }
            config.lintIgnore = ids
        }
        return (config, reader.diagnostics)
    }
}
