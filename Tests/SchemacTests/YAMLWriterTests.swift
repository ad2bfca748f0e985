import Foundation
import SchemacLoader
import SchemacModel
import XCTest

/// What `pull` will write comes back as written: strings that YAML would
/// read as something else (`yes`, `null`, `~`, numbers, dates, leading
/// `*&!%@`, `: `, ` #`, tabs, newlines, unicode) are pushed through the
/// writer and the real loader and must come back unchanged.
final class YAMLWriterTests: XCTestCase {
    static let pieces = ["yes", "no", "on", "off", "y", "n", "true", "False", "null", "Null", "~", "", " ", "  ", "0", "12", "-3", "0x1F", "0o17",
                         "1e3", ".5", ".inf", "-.Inf", ".NaN", "2026-01-01", "2026-01-01 10:00:00", "<<", "=", "*a", "&b", "!t", "!!str", "%x",
                         "@", "`", "|", ">", "-", "- ", "? ", "?", ":", ": ", " #", "#", "[", "]", "{", "}", ",", "'", "\"", "\\", "\t", "\n",
                         "\r\n", "ü", "日本", "🙂", "\u{85}", "\u{2028}", "a", "word", "two words", "x: y", "a #b", "--- ", "...", "\u{7}"]

    func randomString(_ rng: inout FuzzTests.SplitMix64) -> String {
        let count = Int.random(in: 1...4, using: &rng)
        return (0..<count).map { _ in Self.pieces.randomElement(using: &rng)! }.joined()
    }

    func testRandomStringsComeBackThroughTheLoader() throws {
        var rng = FuzzTests.SplitMix64(state: 13)
        let rounds = Int(ProcessInfo.processInfo.environment["SCHEMAC_YAML_ROUNDS"] ?? "") ?? 400
        for round in 0..<rounds {
            let comment = randomString(&rng), expression = randomString(&rng), columnComment = randomString(&rng)
            let flow = round % 2 == 0
            let document = YAMLValue.mapping([("postgres", .mapping([("tables", .mapping([("notes", .mapping([
                ("comment", .string(comment)),
                ("columns", .mapping([
                    ("id", .mapping([("type", .string("bigint")), ("primary_key", .bool(true))], flow: true)),
                    ("body", .mapping([("type", .string("text?")), ("default_sql", .string(expression)), ("comment", .string(columnComment))],
                                      flow: flow)),
                ])),
            ]))]))]))])
            let text = try YAMLWriter.text(document)
            let result = DefinitionsLoader.load([DefinitionSource(displayPath: "p.yaml", text: text)])
            let table = try XCTUnwrap(result.definitions?.postgres?.tables.first, "round \(round): \(result.diagnostics)\n\(text)")
            XCTAssertEqual(table.comment, comment, "round \(round):\n\(text)")
            XCTAssertEqual(table.columns.last?.defaultSQL, expression, "round \(round):\n\(text)")
            XCTAssertEqual(table.columns.last?.comment, columnComment, "round \(round):\n\(text)")
            XCTAssertEqual(table.columns.first?.nullable, false)
        }
    }

    func testStylesAreTheCallersAndPlainWhereItReadsTheSame() throws {
        let text = try YAMLWriter.text(.mapping([
            ("plain", .string("varchar(255)")), ("word", .string("yes")), ("number", .string("12")), ("count", .int(12)),
            ("flag", .bool(true)), ("short", .mapping([("type", .string("text")), ("nullable", .bool(true))], flow: true)),
            ("list", .sequence([.string("a"), .string("b")], flow: true)),
        ]))
        XCTAssertEqual(text, """
            plain: varchar(255)
            word: "yes"
            number: "12"
            count: 12
            flag: true
            short: {type: text, nullable: true}
            list: [a, b]

            """)
    }
}
