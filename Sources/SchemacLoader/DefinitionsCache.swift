import Foundation
import SchemacModel

/// Resolved definitions kept between runs, like a compiler's module cache:
/// composing and resolving a thousand tables of YAML is most of a `diff`, and
/// the same definitions are usually diffed again and again (against staging,
/// then production; in the pre-commit hook).
///
/// An entry is found by a 128-bit digest (SHA-256) of everything it was made from: every
/// file's path and bytes, the cache format, and the schemac executable itself
/// (its path, size and modification time), so that a rebuilt schemac never
/// reads what an older one wrote. Only loads without a single diagnostic are
/// kept. An entry that cannot be read is ignored and replaced.
///
/// Where: `$SCHEMAC_CACHE_DIR`, else `$XDG_CACHE_HOME/schemac`, else
/// `~/.cache/schemac`. `SCHEMAC_CACHE=off` turns it off.
///
/// It also keeps what `diff` read of a database, by the stamp of the
/// catalogs it read it under (see `PostgresInspector.catalogStamp`):
/// `SCHEMAC_INSPECTION_CACHE=off` turns that part off alone.
public struct DefinitionsCache: Sendable {
    public let directory: URL
    /// Whether `diff` keeps inspections.
    public var keepsInspections = true
    /// Entries kept; the oldest beyond this are removed when one is added.
    static let capacity = 32
    /// Inspections and normalized definitions kept: each is of one state of
    /// a database, and a database that changes leaves its old ones behind.
    static let keptStates = 8

    public init(directory: URL) {
        self.directory = directory
    }

    /// The cache the environment asks for, or nil when it is turned off.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> DefinitionsCache? {
        func off(_ name: String) -> Bool { env[name].map { ["off", "0", "no", "false"].contains($0.lowercased()) } ?? false }
        if off("SCHEMAC_CACHE") { return nil }
        var cache: DefinitionsCache
        if let dir = env["SCHEMAC_CACHE_DIR"], !dir.isEmpty {
            cache = DefinitionsCache(directory: URL(fileURLWithPath: dir))
        } else if let xdg = env["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            cache = DefinitionsCache(directory: URL(fileURLWithPath: xdg).appendingPathComponent("schemac"))
        } else if let home = env["HOME"], home.hasPrefix("/") {
            cache = DefinitionsCache(directory: URL(fileURLWithPath: home).appendingPathComponent(".cache/schemac"))
        } else {
            return nil
        }
        cache.keepsInspections = !off("SCHEMAC_INSPECTION_CACHE")
        return cache
    }

    /// The key of an entry made from `sources`.
    public static func key(for sources: [DefinitionSource], tool: String = toolIdentity) -> String {
        var digest = Digests.Running()
        func feed(_ text: String) {
            // Each text ends in a NUL, so that no two lists of texts feed the same bytes.
            digest.add(text)
            digest.add("\u{0}")
        }
        feed("schemac definitions cache \(CompactCoding.formatVersion)")
        feed(tool)
        for s in sources {
            feed(s.displayPath)
            feed(s.text)
        }
        return Digests.hex(digest.finish().prefix(16))
    }

    /// This executable as a file: path, size, modification time.
    public static let toolIdentity: String = {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first ?? ""
        let attributes = (try? FileManager.default.attributesOfItem(atPath: path)) ?? [:]
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
        return "\(path) \(size) \(modified)"
    }()

    func file(_ key: String) -> URL { directory.appendingPathComponent("definitions-\(key).bin") }

    /// The entry, if there is a sound one. `onDeclared` hears the schemas it
    /// uses before the rest is decoded (an entry starts with them), so that a
    /// caller inspecting a database need not wait.
    public func load(_ key: String, onDeclared: (([String]) -> Void)? = nil) -> DefinitionSet? {
        guard let data = FileManager.default.contents(atPath: file(key).path), let body = Self.verified([UInt8](data)),
              var d = try? CompactCoding.decoder(body), let schemas = try? d.read([String].self) else { return nil }
        onDeclared?(schemas)
        return try? d.finish(DefinitionSet.self)
    }

    /// The schemas `load` announces: those the loader would have declared.
    static func declaredSchemas(_ set: DefinitionSet) -> [String] {
        Array(Set(["public"] + (set.postgres?.namespacesInUse ?? []) + (set.postgres?.schemas ?? []))).sorted()
    }

    /// Whether entries are encoded and written on a queue of their own while
    /// the run goes on: the executable's choice, which then waits for them
    /// before it exits (`finishWrites`). A test reading an entry back right
    /// after storing it has them written at once.
    nonisolated(unsafe) public static var writesInBackground = false
    private static let writes = DispatchGroup()
    private static let writer = DispatchQueue(label: "schemac.cache-writes")

    /// Waits for the entries being written in the background.
    public static func finishWrites() { writes.wait() }

    private func writing(_ write: @escaping @Sendable () -> Void) {
        guard Self.writesInBackground else { return write() }
        Self.writer.async(group: Self.writes, execute: write)
    }

    /// Writes the entry atomically; a cache that cannot be written is no error.
    public func store(_ set: DefinitionSet, _ key: String) {
        writing { self.write(set, key) }
    }

    private func write(_ set: DefinitionSet, _ key: String) {
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
            let temporary = directory.appendingPathComponent(".definitions-\(key)-\(UInt32.random(in: 0...UInt32.max)).tmp")
            var e = CompactCoding.encoder()
            e.write(Self.declaredSchemas(set))
            e.write(set)
            try Data(Self.sealed(e.bytes)).write(to: temporary)
            if rename(temporary.path, file(key).path) != 0 { try? fm.removeItem(at: temporary) }
            prune()
        } catch {
            return
        }
    }

    /// An entry's bytes with their hash after them: a damaged entry, even one
    /// that would decode to other definitions, is then a miss.
    static func sealed(_ body: [UInt8]) -> [UInt8] {
        body + withUnsafeBytes(of: checksum(body[...]).littleEndian, Array.init)
    }

    /// The body of a sealed entry whose hash holds, nil otherwise.
    static func verified(_ entry: [UInt8]) -> [UInt8]? {
        guard entry.count >= 8 else { return nil }
        let body = entry[..<(entry.count - 8)]
        let stored = entry[(entry.count - 8)...].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return stored == checksum(body) ? Array(body) : nil
    }

    /// The first 8 bytes of the body's SHA-256.
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var digest = Digests.Running()
        bytes.withUnsafeBytes { digest.add($0) }
        return digest.finish().prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    private func prune(_ prefix: String = "definitions-", keeping capacity: Int = Self.capacity) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory.path) else { return }
        let entries = names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".bin") }.map { directory.appendingPathComponent($0) }
        guard entries.count > capacity else { return }
        let dated = entries.map { url in (url, (try? fm.attributesOfItem(atPath: url.path)[.modificationDate] as? Date) ?? .distantPast) }
        for (url, _) in dated.sorted(by: { $0.1 > $1.1 }).dropFirst(capacity) { try? fm.removeItem(at: url) }
    }
}

/// Texts as a PostgreSQL server printed them for `diff` (what the scratch
/// build of `PostgresNormalizer` printed, by the key of what it built), kept
/// so that the next run builds only texts it has not seen. `environment`
/// names all that printing depends on besides the text (the server, its
/// settings and objects, the definitions' types and functions, the project);
/// the entry's name is a digest of it and of this executable.
extension DefinitionsCache {
    public func printedTexts(_ environment: String) -> [String: [String?]] {
        guard let body = entry("printed", environment), var d = try? CompactCoding.decoder(body), let keys = try? d.read([String].self),
              let texts = try? d.finish([[String?]].self), keys.count == texts.count else { return [:] }
        return Dictionary(zip(keys, texts), uniquingKeysWith: { a, _ in a })
    }

    /// Writes the texts atomically, in place of the entry's old ones.
    public func storePrintedTexts(_ texts: [String: [String?]], _ environment: String) {
        storeEntry("printed", environment) {
            let keys = texts.keys.sorted()
            var e = CompactCoding.encoder()
            e.write(keys)
            e.write(keys.map { texts[$0]! })
            return e.bytes
        }
    }

    /// The body of the entry of `kind` made in `environment`, nil when there
    /// is none or it is damaged.
    public func entry(_ kind: String, _ environment: String) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: entryFile(kind, environment).path) else { return nil }
        return Self.verified([UInt8](data))
    }

    /// Writes an entry atomically, in place of an older one of the same
    /// environment; a cache that cannot be written is no error.
    public func storeEntry(_ body: [UInt8], _ kind: String, _ environment: String) {
        writing { self.writeEntry(body, kind, environment) }
    }

    /// The same, the body encoded where the entry is written (in the background, when writes are).
    public func storeEntry(_ kind: String, _ environment: String, encoding body: @escaping @Sendable () -> [UInt8]) {
        writing { self.writeEntry(body(), kind, environment) }
    }

    private func writeEntry(_ body: [UInt8], _ kind: String, _ environment: String) {
        let fm = FileManager.default
        let target = entryFile(kind, environment)
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
            let temporary = directory.appendingPathComponent(".\(target.lastPathComponent)-\(UInt32.random(in: 0...UInt32.max)).tmp")
            try Data(Self.sealed(body)).write(to: temporary)
            if rename(temporary.path, target.path) != 0 { try? fm.removeItem(at: temporary) }
            prune(kind + "-", keeping: kind == "printed" ? Self.capacity : Self.keptStates)
        } catch {
            return
        }
    }

    func entryFile(_ kind: String, _ environment: String) -> URL {
        var digest = Digests.Running()
        let format = kind == "printed" ? "schemac printed texts" : "schemac \(kind)"
        for part in ["\(format) \(CompactCoding.formatVersion)", Self.toolIdentity, environment] {
            digest.add(part)
            digest.add("\u{0}")
        }
        return directory.appendingPathComponent("\(kind)-\(Digests.hex(digest.finish().prefix(16))).bin")
    }
}
