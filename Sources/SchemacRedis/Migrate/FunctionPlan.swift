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

    public init(schema: RedisSchema, live: [RedisLiveLibrary], scriptsLoaded: Set<String>, allowDestructive: Bool) {
        let faults = RedisDrift.libraryFaults(schema.libraries, live: live)
        let declaredNames = Set(schema.libraries.map(\.name))
        // A library that holds a declared function of another: FUNCTION LOAD of that one fails until it goes.
        var blocking: [String: [String]] = [:]
        for library in schema.libraries {
            for f in library.functions {
                if let holder = live.first(where: { $0.name != library.name && $0.functions.contains(f.name) }) {
                    blocking[holder.name, default: []].append("\(f.name) (declared in \(library.name))")
                }
            }
        }
        for extra in live where !declaredNames.contains(extra.name) {
            if allowDestructive {
                actions.append(Action(kind: .deleteLibrary, name: extra.name, reason: "in no definitions (functions: \(extra.functions.joined(separator: ", ")))",
                                      command: ["FUNCTION", "DELETE", extra.name]))
            } else if let held = blocking[extra.name] {
                refusals.append("library \(extra.name) on the server holds \(held.joined(separator: ", ")); "
                                + "--allow-destructive deletes it before the declared library is loaded")
            } else {
                notes.append("library \(extra.name) is on the server and in no definitions: left alone (--allow-destructive deletes it)")
            }
        }
        for library in schema.libraries {
            let reasons = faults.filter { $0.library == library.name && $0.kind != .extra }
            guard let first = reasons.first else { continue }
            if let held = blocking[library.name], declaredNames.contains(library.name) {
                // Two declared libraries swapping a function: REPLACE of one fails while the other holds it.
                refusals.append("library \(library.name) on the server holds \(held.joined(separator: ", ")); load it by hand in an order that frees them")
            }
            actions.append(Action(kind: .loadLibrary, name: library.name, reason: first.kind == .missing ? "not on the server" : first.detail,
                                  command: ["FUNCTION", "LOAD", "REPLACE", library.source], sourcePath: library.sourcePath))
        }
        for script in schema.scripts where !scriptsLoaded.contains(script.sha1) {
            actions.append(Action(kind: .loadScript, name: script.name, reason: "not in the server's script cache (\(script.sha1))",
                                  command: ["SCRIPT", "LOAD", script.source], sourcePath: script.sourcePath))
        }
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

    /// One JSON object per action (`kind`: function_load, function_delete, script_load).
    public var json: String {
        actions.map { a in
            JSONLine([("kind", .string(a.kind.rawValue)), ("name", .string(a.name)), ("reason", .string(a.reason)), ("source", .string(a.sourcePath))]).text
        }.joined()
    }
}
