import Foundation
import SchemacDiagnostics
import SchemacModel

/// What schemac says, in one of two forms for every command:
///
/// - text: diagnostics as `file:line:column: severity: message [id]`, other
///   messages as `schemac: severity: message [id]`, on stderr;
/// - json (`--format json`): one JSON object a line and nothing else, on stderr
///   with the keys `file`, `line`, `column` (null when the message has no place),
///   `severity`, `id` and `message`; what a command prints on stdout is JSON
///   lines as well (a migration's statements, a drift report's findings).
enum Output {
    nonisolated(unsafe) static var json = false

    static func diagnostics(_ diagnostics: [Diagnostic]) {
        var text = ""
        for d in diagnostics {
            text += json
                ? line(file: d.location.file, line: d.location.line, column: d.location.column, severity: d.severity.rawValue,
                       id: d.id.rawValue, message: d.message)
                : d.description + "\n"
        }
        if !text.isEmpty { FileHandle.standardError.write(Data(text.utf8)) }
    }

    /// A message with no place in a file.
    static func say(_ severity: String, _ message: String, id: String) {
        let text = json ? line(file: nil, line: nil, column: nil, severity: severity, id: id, message: message)
            : "schemac: \(severity): \(message) [\(id)]\n"
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func line(file: String?, line: Int?, column: Int?, severity: String, id: String, message: String) -> String {
        JSONLine([("file", .string(file)), ("line", .int(line)), ("column", .int(column)), ("severity", .string(severity)),
                  ("id", .string(id)), ("message", .string(message))]).text
    }

    static func stdout(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

/// Reports an error with no place in a file and exits 1.
func fail(_ message: String, id: String) -> Never {
    Output.say("error", message, id: id)
    Foundation.exit(1)
}
