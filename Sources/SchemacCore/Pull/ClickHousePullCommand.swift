import Foundation
import SchemacClickHouse
import SchemacClickHouseDriver
import SchemacDiagnostics
import SchemacLoader
import SchemacModel

extension Commands {
    /// `schemac pull --from clickhouse://…/DATABASE`: the database written as
    /// the `clickhouse:` section (`<definitions>/clickhouse/DATABASE.yaml`),
    /// loaded back with the project's other definitions and planned against
    /// the server it came from: whatever the section cannot say, or says
    /// otherwise than the server holds it, is a located warning.
    static func pullClickHouse(_ paths: ProjectPaths, _ request: PullRequest, url: String, relativeTo cwd: URL) -> CommandResult {
        let server: ClickHouseConnection, database: String
        do {
            server = try ClickHousePlanning.connect(url)
            guard let named = try ClickHouseEndpoint(url).database else {
                return CommandResult(diagnostics: [.usage("pull --from clickhouse://… needs the database to read: clickhouse://host/DATABASE")], status: 64)
            }
            database = named
        } catch {
            return CommandResult(diagnostics: [.connectionFailed(String(describing: error))])
        }
        let folder = request.out.map { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : cwd.appendingPathComponent($0) }
            ?? paths.definitionsURL.appendingPathComponent("clickhouse")
        let display = (request.out ?? (paths.definitions.hasSuffix("/") ? paths.definitions : paths.definitions + "/") + "clickhouse") + "/\(database).yaml"
        let target = folder.appendingPathComponent("\(database).yaml")
        let others = otherDefinitions(paths, except: target)
        do {
            let live = try ClickHouseInspector.inspect(database: database, on: server)
            guard live.databaseExists else { return CommandResult(diagnostics: [.connectionFailed("the server has no database \(database)")]) }
            let postgresTables = Set((DefinitionsLoader.load(others.sources, baseDirectory: paths.definitionsURL).definitions?.postgres?.tables ?? []).map(\.name.description))
            let pulled = ClickHousePulled.schema(live, parseType: ClickHousePull.type, postgresTables: postgresTables)
            let text = try YAMLWriter.text(ClickHousePull.document(pulled.schema))
            let loaded = DefinitionsLoader.load(others.sources + [DefinitionSource(displayPath: display, text: text)], baseDirectory: paths.definitionsURL)
            guard !loaded.hasErrors, let back = loaded.definitions?.clickhouse else {
                return CommandResult(diagnostics: [.pullInvalid(loaded.diagnostics.filter { $0.severity == .error }.map(\.description))])
            }
            var skips = pulled.skipped
            let again = try ClickHousePlanner.plan(back, on: server)
            skips += again.unsupported.map { ClickHousePulled.Skip(kind: "difference", object: database, reason: $0) }
            let named = Set(skips.map(\.object))
            for statement in again.plan.statements where !named.contains(where: { statement.target.hasPrefix($0) }) {
                skips.append(.init(kind: "difference", object: statement.target,
                                   reason: "the definitions written for it read back otherwise; diff would run \(statement.sql)"))
            }
            let existing = FileManager.default.fileExists(atPath: target.path) ? [display] : []
            if !(existing + others.holdingClickHouse).isEmpty && !request.force {
                return CommandResult(diagnostics: [.pullWouldOverwrite(existing + others.holdingClickHouse)])
            }
            try OutputWriter.write([GeneratedFile(path: "\(database).yaml", contents: text)], to: folder)
            let warnings = skips.map { Diagnostic.pullUnsupported(kind: $0.kind, object: $0.object, reason: $0.reason, at: .wholeFile(display)) }
            return CommandResult(stdout: request.json ? JSONLine([("written", .string(display))]).text : display + "\n", diagnostics: warnings,
                                 status: request.strict && !warnings.isEmpty ? 1 : 0)
        } catch let error as ClickHouseSchemaError {
            return CommandResult(diagnostics: [.pullInvalid([error.description])])
        } catch let error as ClickHouseError {
            return CommandResult(diagnostics: [.connectionFailed(error.description)])
        } catch {
            return CommandResult(diagnostics: [.writeFailed(String(describing: error))])
        }
    }

    /// The project's definitions files but `except`, and those of them that
    /// already hold a `clickhouse:` section (which the pulled one would repeat).
    static func otherDefinitions(_ paths: ProjectPaths, except: URL) -> (sources: [DefinitionSource], holdingClickHouse: [String]) {
        let root = paths.definitionsURL
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return ([], []) }
        var sources: [DefinitionSource] = [], holding: [String] = []
        let prefix = paths.definitions.hasSuffix("/") ? paths.definitions : paths.definitions + "/"
        while let relative = walker.nextObject() as? String {
            let url = root.appendingPathComponent(relative)
            guard relative.hasSuffix(".yaml") || relative.hasSuffix(".yml"), url.standardizedFileURL.path != except.standardizedFileURL.path,
                  let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            if text.split(separator: "\n").contains(where: { $0.hasPrefix("clickhouse:") }) {
                holding.append(prefix + relative)
                continue
            }
            sources.append(DefinitionSource(displayPath: prefix + relative, text: text))
        }
        return (sources.sorted { $0.displayPath < $1.displayPath }, holding.sorted())
    }
}
