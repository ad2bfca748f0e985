import Foundation
import SchemacDiagnostics
import SchemacModel
import Yams

/// A definitions file read from disk: its path as shown to people and its text.
public struct DefinitionSource: Sendable {
    public var displayPath: String
    public var text: String

    public init(displayPath: String, text: String) {
        self.displayPath = displayPath
        self.text = text
    }
}

/// Phase durations on stderr when SCHEMAC_TIMINGS is set: where a slow run spends its time.
public final class PhaseTimer {
    private let enabled = ProcessInfo.processInfo.environment["SCHEMAC_TIMINGS"] != nil
    private var last = DispatchTime.now()

    public init() {}

    public func lap(_ phase: String) {
        guard enabled else { return }
        let now = DispatchTime.now()
        let ms = Double(now.uptimeNanoseconds - last.uptimeNanoseconds) / 1e6
        FileHandle.standardError.write(Data("schemac: \(phase): \(String(format: "%.1f", ms)) ms\(Self.residentNote())\n".utf8))
        last = now
    }

    /// `, resident N MiB`: the process's memory now, where the system tells
    /// (`/proc/self/statm` on Linux); memory is a goal beside time.
    private static func residentNote() -> String {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return "" }
        return String(format: ", resident %.0f MiB", pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576)
    }
}

/// The result of loading: the resolved definitions when there were no errors,
/// and every diagnostic of the run.
public struct LoadResult: Sendable {
    public var definitions: DefinitionSet?
    public var diagnostics: [Diagnostic]
    /// The Swift rows' plan, when the Swift checks built it: rendering takes it
    /// rather than building it again (6 % of a generate).
    public var swiftPlan: SwiftPlan?
    /// The tables resolved, file by file, for a later load to take.
    var keptTables: UncheckedSendable<() -> KeptTables>?
    /// Files whose tables were taken as an earlier load resolved them.
    var filesOfTablesTaken = 0
    /// Whether a file left uncomposed could not have its tables taken.
    var fellShort = false
    /// Files whose YAML was not composed (as they were, their tables taken).
    var filesNotComposed = 0

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

public enum DefinitionsLoader {
    /// What becomes of the parsed YAML trees once the model is resolved.
    public enum SyntaxTreeDisposal: Sendable {
        /// Torn down node by node before `load` returns (a library's default).
        case atOnce
        /// Kept until the process exits, left to the operating system like
        /// clang's -disable-free: a one-shot run that ends soon after.
        case keepUntilExit
        /// Torn down on another thread while the caller goes on: a run that
        /// then waits on a server, and whose memory peaks later (the trees of
        /// 9.8 MB of YAML, 10,000 tables, hold 116 MiB).
        case inBackground
    }

    nonisolated(unsafe) public static var syntaxTrees = SyntaxTreeDisposal.atOnce
    nonisolated(unsafe) private static var keptAlive: [Any] = []

    /// Every `*.yaml` / `*.yml` below `directory`, sorted by relative path, each
    /// shown as `displayPrefix/relative/path`; and, from the same walk, every
    /// `*.lua` (script sources, for the cache key: they are read while resolving).
    /// The definition files (`.yaml`, `.yml`) and scripts (`.lua`) under
    /// `base`, relative to it and sorted. A folder that cannot be listed, or
    /// a symbolic link to nothing, is an error rather than a folder with no
    /// definitions: `generate` would otherwise drop the outputs it used to give.
    static func walk(_ base: String, display: (String) -> String, into diagnostics: inout [Diagnostic]) -> [(String, isScript: Bool)] {
        let fm = FileManager.default
        var found: [(String, isScript: Bool)] = []
        var visited = Set<String>()
        func visit(_ rel: String) {
            let path = rel.isEmpty ? base : base + "/" + rel
            guard visited.insert(URL(fileURLWithPath: path).resolvingSymlinksInPath().path).inserted else { return }
            let entries: [String]
            do {
                entries = try fm.contentsOfDirectory(atPath: path)
            } catch {
                diagnostics.append(.folderUnreadable("cannot list this folder: \(reason(error))", at: .file(display(rel))))
                return
            }
            for name in entries.sorted() {
                let child = rel.isEmpty ? name : rel + "/" + name
                var isDirectory: ObjCBool = false
                guard fm.fileExists(atPath: path + "/" + name, isDirectory: &isDirectory) else {
                    diagnostics.append(.folderUnreadable("a symbolic link to nothing", at: .file(display(child))))
                    continue
                }
                if isDirectory.boolValue { visit(child); continue }
                let lower = name.lowercased()
                if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") { found.append((child, false)) }
                if lower.hasSuffix(".lua") { found.append((child, true)) }
            }
        }
        visit("")
        return found.sorted { $0.0 < $1.0 }
    }

    /// Why a file could not be read, in words (errno's, where there is one).
    public static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = (ns.userInfo[NSUnderlyingErrorKey] as? Error).map({ $0 as NSError }), underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code))).lowercased()
        }
        if ns.domain == NSCocoaErrorDomain {
            switch ns.code {
            case NSFileReadNoPermissionError: return "permission denied"
            case NSFileReadNoSuchFileError, NSFileNoSuchFileError: return "no such file or directory"
            default: break
            }
        }
        return ns.localizedDescription
    }

    public static func sources(in directory: URL, displayPrefix: String)
        -> (sources: [DefinitionSource], diagnostics: [Diagnostic], scripts: [DefinitionSource]) {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            let exists = fm.fileExists(atPath: directory.path)
            return ([], [.noDefinitionsFolder(directory: displayPrefix, isFile: exists, at: .file(displayPrefix))], [])
        }
        let base = directory.standardizedFileURL.path
        var diagnostics: [Diagnostic] = []
        func display(_ rel: String) -> String { displayPrefix.isEmpty ? rel : rel.isEmpty ? displayPrefix : displayPrefix + "/" + rel }
        let found = walk(base, display: display, into: &diagnostics)
        var sources: [DefinitionSource] = []
        var scripts: [DefinitionSource] = []
        for (rel, isScript) in found {
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: base + "/" + rel))
                if isScript {
                    scripts.append(DefinitionSource(displayPath: "\u{0}lua/" + rel, text: String(decoding: data, as: UTF8.self)))
                    continue
                }
                guard let text = String(data: data, encoding: .utf8) else {
                    diagnostics.append(.fileUnreadable("not valid UTF-8", at: .file(display(rel))))
                    continue
                }
                sources.append(DefinitionSource(displayPath: display(rel), text: text))
            } catch {
                diagnostics.append(.fileUnreadable(reason(error), at: .file(display(rel))))
            }
        }
        if sources.isEmpty && diagnostics.isEmpty {
            diagnostics.append(.noDefinitions(directory: displayPrefix, at: .file(displayPrefix)))
        }
        return (sources, diagnostics, scripts.sorted { $0.displayPath < $1.displayPath })
    }

    /// Loads a definitions folder from disk, through `cache` when there is one.
    /// `checkSwift` also checks that every table and enum makes Swift (names
    /// that do not collide, types with a mapping), as the Swift target needs.
    public static func load(directory: URL, displayPrefix: String, cache: DefinitionsCache? = nil, checkSwift: Bool = false,
                            lint: Bool = false, onDeclared: (([String]) -> Void)? = nil) -> LoadResult {
        let found = sources(in: directory, displayPrefix: displayPrefix)
        // What is checked is part of what an entry says: a Swift-checked load is another entry.
        var keyed = found.sources + found.scripts
        if checkSwift { keyed.append(DefinitionSource(displayPath: "\u{0}swift", text: "")) }
        if lint { keyed.append(DefinitionSource(displayPath: "\u{0}lint", text: "")) }
        let key = cache != nil && found.diagnostics.isEmpty ? DefinitionsCache.key(for: keyed) : nil
        if let key, let cache, let cached = cache.load(key, onDeclared: onDeclared) {
            return LoadResult(definitions: cached, diagnostics: [])
        }
        // The tables an earlier load of this folder resolved, for the files that are as they were.
        let tablesEntry = directory.standardizedFileURL.path + "\u{0}" + displayPrefix
        let timer = PhaseTimer()
        let kept = key == nil ? nil : cache?.entry("tables", tablesEntry).flatMap { try? CompactCoding.decode(KeptTables.self, from: $0) }
        if let kept { timer.lap("read the tables an earlier load kept (\(kept.files.count) files)") }
        var result = load(found.sources, checkSwift: checkSwift, lint: lint, baseDirectory: directory, onDeclared: onDeclared,
                          keptTables: key == nil ? nil : .some(kept))
        result.diagnostics = (found.diagnostics + result.diagnostics)
        if !found.diagnostics.isEmpty { result.definitions = nil }
        result.diagnostics = sortedDiagnostics(result.diagnostics)
        if let key, let cache, let definitions = result.definitions, result.diagnostics.isEmpty {
            cache.store(definitions, key)
            if let tables = result.keptTables { cache.storeEntry("tables", tablesEntry) { CompactCoding.encode(tables.value()) } }
        }
        result.keptTables = nil
        return result
    }


    /// A definitions file as JSON (merge keys applied), or nil when its YAML
    /// does not parse: for checking files against the language's JSON Schema.
    public static func jsonDocument(_ source: DefinitionSource) -> String? {
        let reader = NodeReader(file: source.displayPath)
        return parse(source, reader).map { JSONText.document($0, reader) }
    }

    /// Parses and resolves definitions given as text: the whole front end, no disk.
    /// `onDeclared` hears the PostgreSQL schemas the definitions declare objects
    /// in as soon as they are known, before the model is resolved: enough for a
    /// caller to start inspecting a database meanwhile.
    /// `baseDirectory` is where script sources are read from (the definitions folder).
    /// `scripts` are script texts by path relative to the definitions, when
    /// they are not on disk.
    /// `keptTables`: when not nil, the tables are kept file by file
    /// (`LoadResult.keptTables`), and those of an earlier load (the inner
    /// value) taken where they can be.
    public static func load(_ sources: [DefinitionSource], checkSwift: Bool = false, lint: Bool = false, baseDirectory: URL? = nil,
                            scripts: [String: String] = [:], onDeclared: (([String]) -> Void)? = nil) -> LoadResult {
        load(sources, checkSwift: checkSwift, lint: lint, baseDirectory: baseDirectory, scripts: scripts, onDeclared: onDeclared, keptTables: nil)
    }

    static func load(_ sources: [DefinitionSource], checkSwift: Bool = false, lint: Bool = false, baseDirectory: URL? = nil,
                     scripts: [String: String] = [:], onDeclared: (([String]) -> Void)? = nil, keptTables: KeptTables??) -> LoadResult {
        func pass(_ keeping: TablesKeeping?, announcing: (([String]) -> Void)?) -> LoadResult {
            loadPass(sources, checkSwift: checkSwift, lint: lint, baseDirectory: baseDirectory, scripts: scripts, onDeclared: announcing,
                     keeping: keeping)
        }
        guard let keptTables else { return pass(nil, announcing: onDeclared) }
        let digests = parallelMap(sources) { Digests.sha256Hex($0.text.utf8) }
        var keeping = TablesKeeping(kept: keptTables, digests: Dictionary(zip(sources.map(\.displayPath), digests), uniquingKeysWith: { a, _ in a }))
        // Lint reads every table's YAML: for it, every file is composed.
        if let kept = keptTables, !lint {
            for (path, file) in kept.files where file.summary != nil && keeping.digests[path] == file.textDigest {
                keeping.summarized[path] = file.summary
            }
        }
        let result = pass(keeping, announcing: onDeclared)
        // A file left uncomposed whose tables could not be taken, or a
        // diagnostic (which may want to point into such a file): made again
        // with every file composed, so that what is said is what a load afresh says.
        guard !keeping.summarized.isEmpty, result.fellShort || !result.diagnostics.isEmpty else { return result }
        keeping.summarized = [:]
        return pass(keeping, announcing: nil)
    }

    /// What a pass of the front end takes from the tables an earlier load
    /// kept: each file's digest, and the files it does not compose.
    struct TablesKeeping {
        var kept: KeptTables?
        var digests: [String: String]
        var summarized: [String: KeptTables.Summary] = [:]
    }

    static func loadPass(_ sources: [DefinitionSource], checkSwift: Bool, lint: Bool, baseDirectory: URL?,
                         scripts: [String: String], onDeclared: (([String]) -> Void)?, keeping: TablesKeeping?) -> LoadResult {
        var diagnostics: [Diagnostic] = []
        var declarations = PostgresDeclarations()
        var sawPostgres = false
        var readers: [NodeReader] = []
        var clickhouse = ClickHouseResolver()
        var redis = RedisResolver()
        let timer = PhaseTimer()
        let summarized = keeping?.summarized ?? [:]
        let parsedFiles = parseAll(sources, skipping: summarized)
        timer.lap("compose YAML (\(sources.count - summarized.count) files" + (summarized.isEmpty ? ")" : "; \(summarized.count) more as they were, not composed)"))
        for (reader, parsed) in parsedFiles {
            readers.append(reader)
            if let summary = summarized[reader.file] {
                sawPostgres = true
                declarations.replay(summary, reader)
                continue
            }
            guard let root = parsed else { continue }
            guard let top = reader.fields(root, "a definitions file", allowed: DefinitionSections.keys.names) else { continue }
            if let pg = top["postgres"] {
                sawPostgres = true
                declarations.collect(pg, reader)
            }
            if let ch = top["clickhouse"] { clickhouse.collect(ch, reader) }
            if let r = top["redis"] { redis.collect(r, reader) }
        }
        timer.lap("collect declarations")
        if let onDeclared { onDeclared(declarations.schemas) }
        var postgres: PostgresSchema?
        var tablesToKeep: (() -> KeptTables)?
        var filesTaken = 0, fellShort = false
        if sawPostgres {
            var resolver = PostgresResolver(declarations)
            if let keeping {
                resolver.keptTables = keeping.kept
                resolver.fileDigests = keeping.digests
                resolver.summarizedFiles = Set(summarized.keys)
                resolver.fileSummaries = summaries(parsedFiles, declarations).merging(summarized) { a, _ in a }
            }
            postgres = resolver.resolve()
            tablesToKeep = resolver.tablesToKeep
            filesTaken = resolver.filesOfTablesTaken
            fellShort = resolver.fellShort
        }
        let clickhouseSchema = clickhouse.resolve(postgres: postgres)
        let redisSchema = redis.resolve(baseDirectory: baseDirectory, scripts: scripts)
        if lint {
            LintChecks.report(postgres: postgres, clickhouse: clickhouseSchema, declarations: declarations, clickhouseTables: clickhouse.tableNodes)
        }
        var swiftPlan: SwiftPlan?
        if checkSwift {
            let plan = SwiftPlan(DefinitionSet(sourceFiles: [], postgres: postgres, clickhouse: clickhouseSchema, redis: redisSchema))
            SwiftChecks.report(plan, postgres: declarations, clickhouse: clickhouse, fallback: readers.first)
            swiftPlan = plan
        }
        timer.lap("resolve model")
        for reader in readers { diagnostics += reader.diagnostics }
        diagnostics = sortedDiagnostics(diagnostics)
        let failed = diagnostics.contains { $0.severity == .error }
        var set = DefinitionSet(sourceFiles: sources.map(\.displayPath), postgres: postgres, clickhouse: clickhouseSchema, redis: redisSchema)
        for d in declarations.tables + declarations.views + declarations.functions + declarations.enums + declarations.domains + declarations.sequences where set.locations[d.name.description] == nil {
            set.locations[d.name.description] = d.location
        }
        dispose(UncheckedSendable((parsedFiles, declarations, clickhouse, redis)))
        return LoadResult(definitions: failed ? nil : set, diagnostics: diagnostics, swiftPlan: failed ? nil : swiftPlan,
                          keptTables: diagnostics.isEmpty ? tablesToKeep.map(UncheckedSendable.init) : nil, filesOfTablesTaken: filesTaken,
                          fellShort: fellShort, filesNotComposed: summarized.count)
    }

    /// What collecting each composed file of nothing but tables declared.
    private static func summaries(_ parsed: [(NodeReader, Node?)], _ declarations: PostgresDeclarations) -> [String: KeptTables.Summary] {
        let byFile = Dictionary(grouping: declarations.tables, by: { $0.reader.file })
        var summaries: [String: KeptTables.Summary] = [:]
        for (reader, root) in parsed {
            guard let root, let declared = byFile[reader.file], let summary = KeptTables.Summary(root: root, declared: declared) else { continue }
            summaries[reader.file] = summary
        }
        return summaries
    }

    private static func dispose(_ trees: UncheckedSendable<some Any>) {
        switch syntaxTrees {
        case .atOnce: break
        case .keepUntilExit: keptAlive.append(trees.value)
        case .inBackground: DispatchQueue.global(qos: .utility).async { withExtendedLifetime(trees) {} }
        }
    }

    /// Composes every file's YAML, on all cores: files are independent, and
    /// composing is most of the cost of a large definitions set.
    /// Files in `skipping` are not composed: their node is nil.
    static func parseAll(_ sources: [DefinitionSource], skipping: [String: KeptTables.Summary] = [:]) -> [(NodeReader, Node?)] {
        // Each file has its own reader: workers share nothing.
        parallelMap(sources) { source in
            let reader = NodeReader(file: source.displayPath)
            return (reader, skipping[source.displayPath] != nil ? nil : parse(source, reader))
        }
    }

    static func sortedDiagnostics(_ d: [Diagnostic]) -> [Diagnostic] {
        var bag = DiagnosticBag()
        var seen = Set<Diagnostic>()
        for x in d where seen.insert(x).inserted { bag.add(x) }
        return bag.sorted
    }

    /// One YAML document of a file; an empty file is an empty document.
    static func parse(_ source: DefinitionSource, _ reader: NodeReader) -> Node? {
        do {
            // A resolver and constructor of the file's own: every node's tag holds
            // both, and the shared ones had the workers contend for their counts.
            // (`removing` is Yams' public way to a new resolver; `basic` has no rules.)
            var documents = try Yams.compose_all(yaml: source.text, Resolver.basic.removing(.str), Constructor()).makeIterator()
            guard let first = documents.next() else {
                if let error = documents.error { throw error }
                return nil
            }
            if let second = documents.next() {
                reader.report(.yamlSyntax("a definitions file holds one YAML document; a second one starts here", at: reader.location(second)))
                return nil
            }
            if let error = documents.error { throw error }
            if reader.isNull(first) { return nil }
            return first
        } catch let error as YamlError {
            reader.report(yamlDiagnostic(error, file: source.displayPath, text: source.text))
            return nil
        } catch {
            reader.report(.yamlSyntax(String(describing: error), at: .file(source.displayPath)))
            return nil
        }
    }

    /// Yams stops at a repeated key and marks only its first occurrence; find the
    /// second in the same mapping so the message can name both places.
    static func duplicateKeyDiagnostic(_ key: String, first: Mark, file: String, text: String) -> Diagnostic {
        let firstLocation = SourceLocation(file: file, line: first.line, column: first.column)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        let spellings = [key, "\"\(key)\"", "'\(key)'"].map { Array($0.unicodeScalars) }
        func keyAt(_ line: [Unicode.Scalar], _ column: Int) -> Bool {
            spellings.contains { spelling in
                guard column + spelling.count <= line.count, Array(line[column..<(column + spelling.count)]) == spelling else { return false }
                var i = column + spelling.count
                while i < line.count, line[i] == " " { i += 1 }
                return i < line.count && line[i] == ":"
            }
        }
        let indent = first.column - 1
        if first.line - 1 < lines.count {
            // A flow mapping on the same line: the next occurrence after the first.
            let line = lines[first.line - 1]
            var c = indent + 1
            while c < line.count {
                if (line[c - 1] == " " || line[c - 1] == "{" || line[c - 1] == ",") && keyAt(line, c) {
                    return .duplicateName("key", key, firstAt: firstLocation, at: SourceLocation(file: file, line: first.line, column: c + 1))
                }
                c += 1
            }
            // A block mapping: the next line at the same indentation, before the mapping ends.
            var n = first.line
            while n < lines.count {
                let line = lines[n]
                let leading = line.prefix { $0 == " " }.count
                let isBlank = leading == line.count || line[leading] == "#"
                if !isBlank {
                    if leading < indent { break }
                    if leading == indent, keyAt(line, indent) {
                        return .duplicateName("key", key, firstAt: firstLocation, at: SourceLocation(file: file, line: n + 1, column: indent + 1))
                    }
                }
                n += 1
            }
        }
        return Diagnostic(.error, .duplicateName, "key '\(key)' is defined more than once in this mapping", at: firstLocation)
    }

    /// Our words for the YAML library's commonest messages, where we can tell
    /// what happened: a tab where indentation goes, nesting past the limit.
    static func plainWording(_ problem: String, line: Int, column: Int, text: String) -> String? {
        if problem.contains("Maximum nesting level") {
            return "values nest too deeply here (more than the YAML reader's limit of levels); definitions need a few"
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard line >= 1, line <= lines.count else { return nil }
        let here = lines[line - 1]
        let indentation = here.prefix { $0 == " " || $0 == "\t" }
        if indentation.contains("\t"), problem.contains("cannot start any token") || problem.contains("tab") || column <= indentation.count + 1 {
            return "a tab indents this line; YAML indents with spaces only"
        }
        if problem.contains("cannot start any token"), column >= 1, column <= here.count,
           here[here.index(here.startIndex, offsetBy: column - 1)] == "\t" {
            return "a tab here cannot start a value; YAML separates with spaces"
        }
        return nil
    }

    static func yamlDiagnostic(_ error: YamlError, file: String, text: String) -> Diagnostic {
        func problem(_ context: YamlError.Context?, _ problem: String) -> String {
            guard let context else { return problem }
            return "\(problem) (\(context.text))"
        }
        switch error {
        case .scanner(let context, let p, let mark, _), .parser(let context, let p, let mark, _), .composer(let context, let p, let mark, _):
            let at = SourceLocation(file: file, line: mark.line, column: mark.column)
            if let plain = plainWording(p, line: mark.line, column: mark.column, text: text) { return .yamlSyntax(plain, at: at) }
            return .yamlSyntax(problem(context, p), at: at)
        case .duplicatedKeysInMapping(let keys, let context):
            return duplicateKeyDiagnostic(keys.first ?? "", first: context.mark, file: file, text: text)
        case .reader(let p, let offset, _, _):
            var line = 1, column = 1
            if let offset {
                for (i, ch) in text.utf8.enumerated() {
                    if i >= offset { break }
                    if ch == 10 { line += 1; column = 1 } else { column += 1 }
                }
            }
            return .yamlSyntax(p, at: SourceLocation(file: file, line: line, column: column))
        default:
            return .yamlSyntax(String(describing: error), at: .file(file))
        }
    }
}
