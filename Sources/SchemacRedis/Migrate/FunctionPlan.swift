import SchemacModel

/// What `schemac apply --against redis://…` does: load each declared library
/// the server lacks or holds other code for (`FUNCTION LOAD REPLACE`, atomic
/// per library), load each script not in the cache (`SCRIPT LOAD`), and,
/// only when destruction is allowed, delete the libraries no definitions
/// declare. It never touches a key.
public struct RedisFunctionPlan: Sendable, Equatable {
    public struct Action: Sendable, Equatable {
        public enum Kind: String, Sendable {
            case loadLibrary = "function_load"
            case deleteLibrary = "function_delete"
            case loadScript = "script_load"
        }
        public var kind: Kind
        /// The library or script.
        public var name: String
        /// Why: what the server holds now.
        public var reason: String
        /// The command, as an argument vector.
        public var command: [String]
        /// The Lua file the command sends, for showing it without its text.
        public var sourcePath: String?
    }

    public var actions: [Action] = []
    /// Why the plan cannot run as it stands (a declared function held by a
    /// library the plan may not delete).
    public var refusals: [String] = []
    /// What is left alone, said once.
    public var notes: [String] = []

    public var isEmpty: Bool { actions.isEmpty }

    /// Libraries are managed only when the definitions declare some: a
    /// project of keys alone leaves a shared server's libraries to others.
    public init(schema: RedisSchema, live: [RedisLiveLibrary], scriptsLoaded: Set<String>, allowDestructive: Bool) {
        if !schema.libraries.isEmpty { planLibraries(schema.libraries, live: live, allowDestructive: allowDestructive) }
        for script in schema.scripts where !scriptsLoaded.contains(script.sha1) {
            actions.append(Action(kind: .loadScript, name: script.name, reason: "not in the server's script cache (\(script.sha1))",
                                  command: ["SCRIPT", "LOAD", script.source], sourcePath: script.sourcePath))
        }
    }

    /// Loads in an order that works: a function moves from one library to
    /// another only once the library that holds it on the server has been
    /// loaded without it (or, undeclared, deleted). Deletes that free nothing
    /// come last, so that a failed load leaves the most in place.
    private mutating func planLibraries(_ declared: [RedisFunctionLibrary], live: [RedisLiveLibrary], allowDestructive: Bool) {
        let faults = RedisDrift.libraryFaults(declared, live: live)
        let declaredNames = Set(declared.map(\.name))
        let toLoad = declared.filter { l in faults.contains { $0.library == l.name && $0.kind != .extra } }
        // What each load waits for: the libraries that hold, on the server, a function it registers.
        var after: [String: Set<String>] = [:], freedBy: [String: [String]] = [:]
        for library in toLoad {
            for f in library.registered {
                for holder in live where holder.name != library.name && holder.functions.contains(f) {
                    after[library.name, default: []].insert(holder.name)
                    freedBy[holder.name, default: []].append("\(f) (declared in \(library.name))")
                }
            }
        }
        var deletes: [String: Action] = [:]
        for extra in live where !declaredNames.contains(extra.name) {
            if allowDestructive {
                deletes[extra.name] = Action(kind: .deleteLibrary, name: extra.name,
                                             reason: "in no definitions (functions: \(extra.functions.joined(separator: ", ")))",
                                             command: ["FUNCTION", "DELETE", extra.name])
            } else if let held = freedBy[extra.name] {
                refusals.append("library \(extra.name) on the server holds \(held.joined(separator: ", ")); "
                                + "--allow-destructive deletes it before the declared library is loaded")
            } else {
                notes.append("library \(extra.name) is on the server and in no definitions: left alone (--allow-destructive deletes it)")
            }
        }
        var done = Set<String>(), pending = toLoad
        while !pending.isEmpty {
            guard let next = pending.firstIndex(where: { l in
                (after[l.name] ?? []).allSatisfy { done.contains($0) || !declaredNames.contains($0) }
            }) else {
                refusals.append("libraries \(pending.map(\.name).joined(separator: ", ")) swap functions on the server, so no order of "
                                + "FUNCTION LOAD works: delete one of them by hand (FUNCTION DELETE), then apply")
                return
            }
            let library = pending.remove(at: next)
            for holder in (after[library.name] ?? []).sorted() where !declaredNames.contains(holder) {
                if let delete = deletes.removeValue(forKey: holder) { actions.append(delete) }
            }
            let reason = faults.first { $0.library == library.name }.map { $0.kind == .missing ? "not on the server" : $0.detail } ?? ""
            actions.append(Action(kind: .loadLibrary, name: library.name, reason: reason,
                                  command: ["FUNCTION", "LOAD", "REPLACE", library.source], sourcePath: library.sourcePath))
            done.insert(library.name)
        }
        actions += deletes.keys.sorted().compactMap { deletes[$0] }
    }

    /// The plan for people: a comment and the command per action, the Lua by its file.
    public var text: String {
        var out = ""
        for a in actions {
            out += "-- \(a.kind == .loadScript ? "script" : "library") \(a.name): \(a.reason)\n"
            let shown = a.sourcePath.map { Array(a.command.dropLast()) + ["<\($0)>"] } ?? a.command
            out += shown.joined(separator: " ") + "\n"
        }
        for n in notes { out += "-- note: \(n)\n" }
        return out
    }

    /// One JSON object per action (`kind`: function_load, function_delete,
    /// script_load), then one per note (`kind`: note).
    public var json: String {
        actions.map { a in
            JSONLine([("kind", .string(a.kind.rawValue)), ("name", .string(a.name)), ("reason", .string(a.reason)), ("source", .string(a.sourcePath))]).text
        }.joined() + notes.map { JSONLine([("kind", .string("note")), ("message", .string($0))]).text }.joined()
    }
}
