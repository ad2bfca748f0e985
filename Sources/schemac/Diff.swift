import SchemacMigrate
import ArgumentParser
import Foundation
import SchemacCore
import SchemacDiagnostics
import SchemacLoader
import SchemacModel
import SchemacPostgres
import SchemacPostgresDriver
import SchemacRedis

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the migration that brings TARGET to the definitions.",
        discussion: """
            TARGET is a live PostgreSQL database (anything libpq takes: \
            postgresql://… or postgres://… URIs, key=value strings, PG* \
            environment variables) or a folder of definitions. The target is \
            only read: the desired objects are built in scratch schemas inside \
            a transaction that is always rolled back, so that their SQL text \
            compares in the server's own spelling.
            """)

    enum Format: String, ExpressibleByArgument { case sql, json }

    @OptionGroup var project: ProjectOptions

    @Option(help: "What to migrate from: a database (URI or key=value) or a definitions folder.")
    var against: String

    @Flag(help: "Allow statements that lose data (drops, narrowing type changes).")
    var allowDestructive = false

    @Flag(help: "Exit 0 when in sync, 2 when there are changes, 1 on error.")
    var detailedExitcode = false

    @Option(help: "sql or json.")
    var format: Format = .sql

    @Flag(help: "Save the migration as the next NNN_description.sql in the migrations folder (schemac.yaml postgres.migrations).")
    var write = false

    @Option(help: "The description part of the file --write saves (default: migration).")
    var name: String = "migration"

    @Option(help: "Against redis://: stop the SCAN after this many keys.")
    var scanKeys: Int = 1_000_000

    @Option(help: "Against redis://: stop the SCAN after this many seconds.")
    var scanSeconds: Double = 10

    func run() throws {
        Output.json = format == .json
        if against.hasPrefix("redis://") { return try redisDrift() }
        if against.lowercased().hasPrefix("rediss://") {
            fail("rediss:// (Redis over TLS) is not supported yet: reach the server over redis:// (an SSH tunnel or stunnel on loopback)",
                 id: "unsupported-target")
        }
        // A database is connected to and inspected while the definitions load.
        let live = targetIsDatabase() ? LiveInspection(target: against, excludingSchemas: project.paths().0.config.excludeSchemas) : nil
        let (paths, outcome) = try project.runPipeline(render: false, format: format == .json ? .json : .text) { live?.start(schemas: $0) }
        guard let definitions = outcome.definitions?.postgres else { fail("the definitions have no postgres section", id: "no-postgres-section") }
        let (current, desired) = try states(desired: definitions, paths: paths, live: live,
                                            locations: outcome.definitions?.locations ?? [:])
        // Compared in the server's spelling, written as the definitions say.
        let changes = PostgresDiff.asWritten(PostgresDiff.changes(from: current, to: desired), in: definitions)
        let unsupported = PostgresDiff.unsupported(changes)
        let plan = PostgresPlanner.plan(changes)
        if !unsupported.isEmpty {
            for what in unsupported { Output.say("error", "cannot migrate yet: \(what)", id: "unsupported-change") }
            throw ExitCode(1)
        }
        if let live {
            let refused: [String]
            do { refused = try live.refusals(plan, changes: changes) } catch { fail(String(describing: error), id: "connection-failed") }
            if !refused.isEmpty {
                for r in refused { Output.say("error", "the data refuses this migration: \(r)", id: "data-refuses-migration") }
                throw ExitCode(1)
            }
        }
        let destructive = plan.statements.filter(\.isDestructive)
        if !destructive.isEmpty && !allowDestructive {
            if Output.json {
                for s in destructive {
                    Output.say("error", "\(s.kind.rawValue) \(s.target) loses data: \(s.sql); rerun with --allow-destructive to accept",
                               id: "destructive-change")
                }
            } else {
                var text = "schemac: error: the migration loses data; rerun with --allow-destructive to accept [destructive-change]\n"
                for s in destructive { text += "  \(s.kind.rawValue) \(s.target): \(s.sql)\n" }
                FileHandle.standardError.write(Data(text.utf8))
            }
            throw ExitCode(1)
        }
        let output = format == .json ? PostgresRenderer.migrationJSON(plan) : PostgresRenderer.migration(plan)
        if write {
            if !plan.isEmpty {
                let folder = paths.root.appendingPathComponent(paths.config.migrations)
                do {
                    let file = try MigrationFiles.writeNext(PostgresRenderer.migration(plan), in: folder, description: name)
                    let path = "\(paths.config.migrations)/\(file.name)"
                    if file.written {
                        Output.stdout(Output.json ? JSONLine([("kind", .string("written")), ("path", .string(path))]).text : path + "\n")
                    } else {
                        Output.say("note", "\(path) already holds this migration; nothing written", id: "migration-exists")
                    }
                } catch {
                    fail(String(describing: error), id: "write-failed")
                }
            }
        } else {
            FileHandle.standardOutput.write(Data(output.utf8))
        }
        // Exit here, like clang's -disable-free: releasing the schemas of a
        // thousand tables takes longer than the operating system needs.
        Foundation.exit(detailedExitcode && !plan.isEmpty ? 2 : 0)
    }

    /// The state to migrate from, and the desired state in the same spelling.
    func states(desired: PostgresSchema, paths: ProjectPaths, live: LiveInspection?,
                locations: [String: SourceLocation]) throws -> (PostgresSchema, PostgresSchema) {
        guard let live else {
            if against.hasPrefix("git:") { return (try gitRevisionTarget(String(against.dropFirst(4)), paths: paths), desired) }
            return (try definitionsFolderTarget(targetFolder()!), desired)
        }
        do {
            let schemas = Set(["public"] + desired.namespacesInUse)
            let timer = PhaseTimer()
            let (current, normalized) = try live.finish(schemas: schemas.sorted(), desired: desired)
            let missing = PostgresDiff.unsupported(by: try live.serverVersion, desired)
            if !missing.isEmpty {
                for m in missing { Output.say("error", m, id: "server-unsupported") }
                throw ExitCode(1)
            }
            timer.lap("finish inspecting the target (\(PostgresInspector.queryCount) catalog queries, begun while loading) "
                      + "and normalize the definitions on it (\(normalized.scratchStatements) statements, rolled back)")
            // Such text is compared as written: a difference may be one of spelling only.
            // What the server refuses, a migration would fail on: an error at its
            // place. Unless an extension the migration creates first may supply
            // what is missing: then only the migration can tell.
            let pendingExtensions = Set(desired.extensions).subtracting(current.extensions).sorted()
            var refusedByServer = false
            for what in normalized.unnormalized {
                let owner = what.owner(among: Set(locations.keys))
                let location = owner.flatMap { locations[$0] } ?? SourceLocation.file(paths.definitions)
                Output.diagnostics([.serverRefuses(what.description, pendingExtensions: pendingExtensions, at: location)])
                refusedByServer = refusedByServer || pendingExtensions.isEmpty
            }
            if refusedByServer { throw ExitCode(1) }
            return (current, normalized.schema)
        } catch {
            fail(String(describing: error), id: "connection-failed")
        }
    }

    /// The definitions folder as it was at a git revision: no database at all.
    func gitRevisionTarget(_ revision: String, paths: ProjectPaths) throws -> PostgresSchema {
        func git(_ arguments: [String]) -> (status: Int32, output: Data) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git", "-C", paths.root.path] + arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            do { try process.run() } catch { fail("cannot run git: \(error.localizedDescription)", id: "git-failed") }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, data)
        }
        guard !revision.isEmpty, !revision.hasPrefix("-") else { fail("git:REV needs a revision, e.g. git:HEAD or git:main~1", id: "usage") }
        let prefix = paths.definitions.hasSuffix("/") ? String(paths.definitions.dropLast()) : paths.definitions
        let listing = git(["ls-tree", "-r", "--name-only", "--full-name", revision, "--", prefix])
        guard listing.status == 0 else { fail("git cannot read revision '\(revision)'", id: "git-failed") }
        let files = String(decoding: listing.output, as: UTF8.self).split(separator: "\n").map(String.init)
            .filter { file in [".yaml", ".yml", ".lua"].contains { file.lowercased().hasSuffix($0) } }.sorted()
        // Paths come from the top of the repository; the project may be a folder in it.
        let inRepository = String(decoding: git(["rev-parse", "--show-prefix"]).output, as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let definitionsPath = inRepository + prefix + "/"
        var sources: [DefinitionSource] = [], scripts: [String: String] = [:]
        for file in files {
            let shown = git(["show", "\(revision):\(file)"])
            guard shown.status == 0 else { fail("git cannot read \(file) at '\(revision)'", id: "git-failed") }
            let text = String(decoding: shown.output, as: UTF8.self)
            if file.lowercased().hasSuffix(".lua") {
                // Scripts are named relative to the definitions folder.
                scripts[file.hasPrefix(definitionsPath) ? String(file.dropFirst(definitionsPath.count)) : file] = text
            } else {
                sources.append(DefinitionSource(displayPath: "\(revision):\(file)", text: text))
            }
        }
        let result = DefinitionsLoader.load(sources, scripts: scripts)
        Output.diagnostics(result.diagnostics)
        guard let set = result.definitions else { throw ExitCode(1) }
        return set.postgres ?? .empty
    }

    /// Whether `--against` is a database rather than `git:REV` or a folder.
    /// A drift report of a live Redis server: read only (SCAN, TYPE, PTTL,
    /// SCRIPT EXISTS), bounded by --scan-keys and --scan-seconds.
    func redisDrift() throws {
        let (_, outcome) = try project.runPipeline(render: false, format: format == .json ? .json : .text)
        guard let definitions = outcome.definitions?.redis else { fail("the definitions have no redis section", id: "no-redis-section") }
        let report: RedisDriftReport
        do {
            report = try RedisLive.drift(url: against, schema: definitions,
                                         budget: RedisLive.Budget(maxKeys: scanKeys, seconds: scanSeconds))
        } catch {
            fail("\(error)", id: "connection-failed")
        }
        Output.stdout(Output.json ? report.jsonLines : report.text)
        Foundation.exit(detailedExitcode && report.hasDrift ? 2 : 0)
    }

    func targetIsDatabase() -> Bool {
        !against.hasPrefix("git:") && targetFolder() == nil
    }

    func targetFolder() -> URL? {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let url = against.hasPrefix("/") ? URL(fileURLWithPath: against) : cwd.appendingPathComponent(against)
        var isDirectory: ObjCBool = false
        guard !against.contains("="), !against.contains("://"),
              FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return nil
        }
        return url
    }

    /// The definitions in the folder `--against` names.
    func definitionsFolderTarget(_ url: URL) throws -> PostgresSchema {
        var definitions = url, display = against
        if FileManager.default.fileExists(atPath: url.appendingPathComponent(ProjectConfig.fileName).path) {
            let (paths, diagnostics) = ProjectPaths.load(root: url)
            Output.diagnostics(diagnostics)
            definitions = paths.definitionsURL
            display = against + "/" + paths.definitions
        }
        let result = DefinitionsLoader.load(directory: definitions, displayPrefix: display)
        Output.diagnostics(result.diagnostics)
        guard let set = result.definitions else { throw ExitCode(1) }
        return set.postgres ?? .empty
    }
}
