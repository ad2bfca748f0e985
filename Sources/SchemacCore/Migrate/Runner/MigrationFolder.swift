import Foundation
import SchemacDiagnostics
import SchemacModel

/// The migrations folder as the runner reads it: `NNN_description.sql` files
/// in the order of their numbers, each with the `NNN_description.down.sql`
/// that undoes it when there is one, and the integrity file that pins them.
public struct MigrationFolder: Sendable {
    public struct File: Hashable, Sendable {
        /// The number the name starts with.
        public var version: Int
        /// The file name without `.sql`: `003_add_notes`.
        public var name: String
        public var up: URL
        public var down: URL?
        /// SHA-256 of the file's bytes, in hex.
        public var checksum: String
        public var contents: String
    }

    public var folder: URL
    /// As the project shows the folder (`postgresql/migrations`).
    public var display: String
    public var files: [File]

    /// The integrity file beside the migrations, as `atlas.sum` is beside Atlas's.
    public static let integrityFileName = "schemac.sum"

    public static func read(_ folder: URL, display: String) -> Result<MigrationFolder, DiagnosticFailure> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var ups: [Int: [String]] = [:], downs: [String: URL] = [:]
        for name in names where name.hasSuffix(".sql") {
            guard let underscore = name.firstIndex(of: "_"), let n = Int(name[..<underscore]) else { continue }
            if name.hasSuffix(".down.sql") {
                downs[String(name.dropLast(".down.sql".count))] = folder.appendingPathComponent(name)
            } else {
                ups[n, default: []].append(name)
            }
        }
        if let clash = ups.first(where: { $0.value.count > 1 }) {
            return .failure([.migrationRefused("\(display) has two migrations numbered \(clash.key): "
                                               + clash.value.sorted().joined(separator: ", ") + "; renumber one of them")])
        }
        var files: [File] = []
        for (version, list) in ups.sorted(by: { $0.key < $1.key }) {
            let fileName = list[0], url = folder.appendingPathComponent(fileName)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                return .failure([.migrationRefused("cannot read \(display)/\(fileName)")])
            }
            let name = String(fileName.dropLast(".sql".count))
            files.append(File(version: version, name: name, up: url, down: downs[name], checksum: Self.checksum(data),
                              contents: String(decoding: data, as: UTF8.self)))
        }
        return .success(MigrationFolder(folder: folder, display: display, files: files))
    }

    public static func checksum(_ data: Data) -> String {
        Digests.sha256Hex(data)
    }

    public func file(_ version: Int) -> File? { files.first { $0.version == version } }
}

/// `schemac.sum`: a chained hash over the migrations in order. Each line is a
/// file and the hash of the line before it with the file's name and bytes;
/// the first line is the hash of them all. Editing, removing or inserting a
/// migration changes its line and every line after it, so the first line
/// that differs names the migration that was touched.
public enum IntegrityFile {
    public static func text(of folder: MigrationFolder) -> String {
        let entries = chain(folder)
        var out = "h1:\(entries.last?.hash ?? MigrationFolder.checksum(Data()))\n"
        for entry in entries { out += "\(entry.file) h1:\(entry.hash)\n" }
        return out
    }

    static func chain(_ folder: MigrationFolder) -> [(file: String, hash: String)] {
        var previous = "", out: [(String, String)] = []
        for file in folder.files {
            var data = Data((previous + "\n" + file.name + ".sql\n").utf8)
            data.append(Data(file.contents.utf8))
            if let down = file.down, let bytes = FileManager.default.contents(atPath: down.path) {
                data.append(Data("\n\(file.name).down.sql\n".utf8))
                data.append(bytes)
            }
            previous = MigrationFolder.checksum(data)
            out.append((file.name + ".sql", previous))
        }
        return out
    }

    /// Writes the integrity file for the folder as it is now.
    public static func write(_ folder: MigrationFolder) throws {
        _ = try OutputWriter.write([GeneratedFile(path: MigrationFolder.integrityFileName, contents: text(of: folder))], to: folder.folder)
    }

    /// What differs between the folder and its integrity file, each problem
    /// naming the migration; empty when they agree. A folder with migrations
    /// and no integrity file is one problem.
    public static func problems(_ folder: MigrationFolder) -> [String] {
        let url = folder.folder.appendingPathComponent(MigrationFolder.integrityFileName)
        let sumPath = "\(folder.display)/\(MigrationFolder.integrityFileName)"
        guard let recorded = try? String(contentsOf: url, encoding: .utf8) else {
            return folder.files.isEmpty ? [] : ["\(sumPath) is missing: run `schemac migrate hash` to pin the migrations as they are"]
        }
        let lines = recorded.split(separator: "\n").dropFirst().map { line -> (String, String) in
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            return (parts.first ?? "", parts.count > 1 ? parts[1] : "")
        }
        let actual = chain(folder).map { ($0.file, "h1:" + $0.hash) }
        for (index, entry) in actual.enumerated() {
            guard index < lines.count else { return ["\(folder.display)/\(entry.0) is not in \(sumPath): a migration added by hand? run `schemac migrate hash`"] }
            let (file, hash) = lines[index]
            if file != entry.0 {
                return ["\(folder.display)/\(entry.0) is not where \(sumPath) has \(file): a migration added, removed or renamed by hand"]
            }
            if hash != entry.1 { return ["\(folder.display)/\(entry.0) was edited after \(sumPath) pinned it: restore it, or run `schemac migrate hash` if the edit is meant"] }
        }
        if lines.count > actual.count { return ["\(folder.display)/\(lines[actual.count].0) is in \(sumPath) but not in the folder"] }
        if recorded.split(separator: "\n").first.map(String.init) != text(of: folder).split(separator: "\n").first.map(String.init) {
            return ["\(sumPath) has a wrong first line: run `schemac migrate hash`"]
        }
        return []
    }
}
