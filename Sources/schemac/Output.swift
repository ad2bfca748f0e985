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
        for d in diagnostics { text += json ? jsonLine(d) : d.description + "\n" }
        if !text.isEmpty { FileHandle.standardError.write(Data(text.utf8)) }
    }

    /// A diagnostic as one JSON object; `notes` only when it has some.
    static func jsonLine(_ d: Diagnostic) -> String {
        var fields: [(String, JSONLine.Value)] = [
            ("file", .string(d.location?.file)), ("line", .int(d.location?.line)), ("column", .int(d.location?.column)),
            ("severity", .string(d.severity.rawValue)), ("id", .string(d.id.rawValue)), ("message", .string(d.message)),
        ]
        if !d.notes.isEmpty { fields.append(("notes", .strings(d.notes))) }
        return JSONLine(fields).text
    }

    static func stdout(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

/// Reports what stops the run and exits 1.
func fail(_ diagnostics: Diagnostic...) -> Never {
    Output.diagnostics(diagnostics)
    Foundation.exit(1)
}
