import Foundation
import SchemacLoader
import SchemacModel

/// Writes generated files so that a reader sees either the old output or the new,
/// never a mixture: every file is staged next to its destination first, and only
/// when all are staged are they renamed into place.
public enum OutputWriter {
    public struct WriteError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Files that differ from what is on disk (missing ones included), and
    /// files schemac wrote before that it no longer writes.
    public static func staleFiles(_ files: [GeneratedFile], in output: URL) -> [String] {
        changedFiles(files, in: output) + orphans(files, in: output)
    }

    /// Files whose contents differ from what is on disk (missing ones included),
    /// compared on both cores: at 10,000 tables that is 10,000 files and 56 MB.
    static func changedFiles(_ files: [GeneratedFile], in output: URL) -> [String] {
        let root = output.path
        let same = parallelMap(files) { holds($0.contents, at: root + "/" + $0.path) }
        return zip(files, same).filter { !$1 }.map(\.0.path)
    }

    /// Whether the file at `path` holds exactly `contents`: its size is
    /// compared first, so a changed file of another size is not read.
    static func holds(_ contents: String, at path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var info = stat()
        var contents = contents
        return contents.withUTF8 { expected in
            guard fstat(fd, &info) == 0, Int(info.st_size) == expected.count else { return false }
            guard let wanted = expected.baseAddress else { return true }
            // One byte more than expected, to see a file that grew since fstat.
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: expected.count + 1, alignment: 1)
            defer { buffer.deallocate() }
            var filled = 0
            while filled <= expected.count {
                let n = read(fd, buffer.baseAddress! + filled, expected.count + 1 - filled)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                filled += n
            }
            return filled == expected.count && memcmp(buffer.baseAddress!, wanted, expected.count) == 0
        }
    }

    /// The paths of the files under `root`, relative to it, its folders walked
    /// with readdir (FileManager's enumerator spends most of a comparison's
    /// time on URLs and NSStrings at 10,000 files).
    static func filesUnder(_ root: String) -> [String] {
        var out: [String] = []
        var pending = [""]
        while let folder = pending.popLast() {
            guard let dir = opendir(folder.isEmpty ? root : root + "/" + folder) else { continue }
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                guard name != ".", name != ".." else { continue }
                let path = folder.isEmpty ? name : folder + "/" + name
                if isFolder(entry.pointee.d_type, at: root + "/" + path) { pending.append(path) } else { out.append(path) }
            }
        }
        return out
    }

    /// A directory entry's type, asked of the file system where readdir does not say it.
    private static func isFolder(_ type: UInt8, at path: String) -> Bool {
        if Int(type) == Int(DT_DIR) { return true }
        guard Int(type) == Int(DT_UNKNOWN) else { return false }
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Files under `output` that carry schemac's header but are not among
    /// `files`: what a dropped table left (a Swift struct of it would still
    /// compile). Files without the header are someone else's and stay.
    public static func orphans(_ files: [GeneratedFile], in output: URL) -> [String] {
        let wanted = Set(files.map(\.path))
        var out: [String] = []
        for rel in filesUnder(output.path) {
            guard !wanted.contains(rel), [".sql", ".swift", ".json", ".md"].contains(where: rel.hasSuffix),
                  let handle = FileHandle(forReadingAtPath: output.appendingPathComponent(rel).path) else { continue }
            let head = String(decoding: handle.readData(ofLength: 200), as: UTF8.self)
            try? handle.close()
            if GeneratedHeader.marks(head) { out.append(rel) }
        }
        return out.sorted()
    }

    /// Writes the files that changed; returns their paths.
    @discardableResult
    public static func write(_ files: [GeneratedFile], to output: URL) throws -> [String] {
        let fm = FileManager.default
        let orphaned = orphans(files, in: output)
        let changed = Set(changedFiles(files, in: output))
        var staged: [(temp: URL, final: URL)] = []
        do {
            for file in files where changed.contains(file.path) {
                let final = output.appendingPathComponent(file.path)
                try fm.createDirectory(at: final.deletingLastPathComponent(), withIntermediateDirectories: true)
                let temp = final.deletingLastPathComponent()
                    .appendingPathComponent(".\(final.lastPathComponent).schemac-\(ProcessInfo.processInfo.processIdentifier).tmp")
                do {
                    try Data(file.contents.utf8).write(to: temp)
                } catch {
                    throw WriteError(description: "cannot write \(temp.path): \(DefinitionsLoader.reason(error))")
                }
                staged.append((temp, final))
            }
        } catch {
            for s in staged { try? fm.removeItem(at: s.temp) }
            if let e = error as? WriteError { throw e }
            throw WriteError(description: "cannot write to \(output.path): \(DefinitionsLoader.reason(error))")
        }
        for s in staged {
            // rename(2) replaces the destination atomically.
            if rename(s.temp.path, s.final.path) != 0 {
                let reason = String(cString: strerror(errno))
                for rest in staged { try? fm.removeItem(at: rest.temp) }
                throw WriteError(description: "cannot move \(s.temp.path) into place: \(reason)")
            }
        }
        for rel in orphaned { try? fm.removeItem(at: output.appendingPathComponent(rel)) }
        return (staged.map { $0.final.path } + orphaned.map { output.appendingPathComponent($0).path }).sorted()
    }
}
