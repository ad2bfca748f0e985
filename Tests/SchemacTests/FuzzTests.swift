import Foundation
import SchemacCore
import SchemacDiagnostics
import SchemacLoader
import XCTest

/// Bad input never crashes: mutated documents (truncated, shuffled, wrong kinds,
/// random bytes) each give either clean output or diagnostics in the one-line
/// format, and never a trap. `SCHEMAC_FUZZ_COUNT` and `SCHEMAC_FUZZ_SEED` tune it.
final class FuzzTests: XCTestCase {
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static var count: Int { Int(ProcessInfo.processInfo.environment["SCHEMAC_FUZZ_COUNT"] ?? "") ?? 2000 }
    static var seed: UInt64 { UInt64(ProcessInfo.processInfo.environment["SCHEMAC_FUZZ_SEED"] ?? "") ?? 20261123 }

    /// Every definitions file in the repository, with its siblings, as seeds.
    func corpus() throws -> [[DefinitionSource]] {
        var sets: [[DefinitionSource]] = []
        var dirs = [Repo.root.appendingPathComponent("definitions"), Repo.root.appendingPathComponent("examples/attribution/definitions")]
        dirs += try ReferenceCase.all().map { $0.directory.appendingPathComponent("definitions") }
        for dir in dirs {
            let found = DefinitionsLoader.sources(in: dir, displayPrefix: "definitions").sources
            if !found.isEmpty { sets.append(found) }
        }
        return sets
    }

    static let fragments = ["[1, 2]", "{a: b}", "", "~", "true", "-1", "\"", "'", "{", "]", "&a", "*a", "<<: *a", "!!binary x",
                            "numeric(15,2)", "{ type: numeric(15,2) }", "text?", "\t", "- x", ": :", "%TAG", "\u{0}", "\u{FEFF}", "é", "🙂"]

    static func mutate(_ text: String, _ rng: inout SplitMix64) -> String {
        var lines = text.components(separatedBy: "\n")
        switch Int.random(in: 0..<9, using: &rng) {
        case 0: // truncate anywhere
            let bytes = Array(text.utf8)
            return String(decoding: bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)), as: UTF8.self)
        case 1: // shuffle a few lines
            for _ in 0..<Int.random(in: 1...4, using: &rng) where lines.count > 1 {
                lines.swapAt(Int.random(in: 0..<lines.count, using: &rng), Int.random(in: 0..<lines.count, using: &rng))
            }
        case 2: // replace a value by one of another kind
            let i = Int.random(in: 0..<lines.count, using: &rng)
            if let colon = lines[i].firstIndex(of: ":") {
                lines[i] = String(lines[i][...colon]) + " " + fragments.randomElement(using: &rng)!
            }
        case 3: // random bytes
            var bytes = Array(text.utf8)
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let at = Int.random(in: 0...bytes.count, using: &rng)
                bytes.insert(UInt8.random(in: 0...255, using: &rng), at: at)
            }
            return String(decoding: bytes, as: UTF8.self)
        case 4: // delete lines
            for _ in 0..<Int.random(in: 1...3, using: &rng) where !lines.isEmpty {
                lines.remove(at: Int.random(in: 0..<lines.count, using: &rng))
            }
        case 5: // duplicate a line (duplicate keys and names)
            let i = Int.random(in: 0..<lines.count, using: &rng)
            lines.insert(lines[i], at: i)
        case 6: // re-indent
            let i = Int.random(in: 0..<lines.count, using: &rng)
            lines[i] = String(repeating: " ", count: Int.random(in: 0...8, using: &rng)) + lines[i].trimmingCharacters(in: .whitespaces)
        case 7: // rename a word (unknown keys, missing references)
            let i = Int.random(in: 0..<lines.count, using: &rng)
            var chars = Array(lines[i])
            if !chars.isEmpty {
                let at = Int.random(in: 0..<chars.count, using: &rng)
                chars[at] = "abcxyz_.(),[]{}:#".randomElement(using: &rng)!
            }
            lines[i] = String(chars)
        default: // insert a fragment
            let i = Int.random(in: 0...lines.count, using: &rng)
            lines.insert(String(repeating: " ", count: Int.random(in: 0...6, using: &rng)) + fragments.randomElement(using: &rng)!, at: i)
        }
        return lines.joined(separator: "\n")
    }

    static let diagnosticShape = try! NSRegularExpression(pattern: #"^[^\n]+:[0-9]+:[0-9]+: (error|warning|note): [^\n]+ \[[a-z-]+\]$"#)

    func testMutatedDocumentsNeverCrash() throws {
        let corpus = try corpus()
        XCTAssertFalse(corpus.isEmpty)
        var rng = SplitMix64(state: Self.seed)
        var invalid = 0, valid = 0
        var invalidSamples: [[DefinitionSource]] = []
        for n in 0..<Self.count {
            var set = corpus[n % corpus.count]
            let which = Int.random(in: 0..<set.count, using: &rng)
            set[which].text = Self.mutate(set[which].text, &rng)
            let result = DefinitionsLoader.load(set)
            for d in result.diagnostics {
                let line = d.description
                let range = NSRange(line.startIndex..., in: line)
                XCTAssertNotNil(Self.diagnosticShape.firstMatch(in: line, range: range),
                                "seed \(Self.seed) document \(n): malformed diagnostic: \(line)")
            }
            if result.hasErrors {
                invalid += 1
                XCTAssertNil(result.definitions, "seed \(Self.seed) document \(n): errors but definitions returned")
                if invalidSamples.count < 20 && n % 7 == 0 { invalidSamples.append(set) }
            } else {
                valid += 1
                let definitions = try XCTUnwrap(result.definitions, "seed \(Self.seed) document \(n): no errors but no definitions")
                _ = Pipeline.render(definitions)
            }
        }
        XCTAssertGreaterThan(invalid, Self.count / 4, "the mutations should mostly produce invalid documents")
        print("fuzz: seed \(Self.seed), \(Self.count) documents, \(invalid) invalid, \(valid) still valid")

        // A sample through the real binary: exit status 1, diagnostics on stderr, no signal, nothing written.
        let binary = try Repo.binary
        for (i, set) in invalidSamples.enumerated() {
            let dir = try Repo.temporaryDirectory("fuzz")
            defer { try? FileManager.default.removeItem(at: dir) }
            for source in set {
                let url = dir.appendingPathComponent(source.displayPath)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(source.text.utf8).write(to: url)
            }
            let run = try Shell.run(binary, ["generate"], cwd: dir)
            XCTAssertFalse(run.signalled, "sample \(i): schemac crashed: \(run.stderr)")
            XCTAssertEqual(run.status, 1, "sample \(i): \(run.stderr)")
            XCTAssertFalse(run.stderr.isEmpty)
            XCTAssertFalse(run.stderr.contains("Fatal error"), run.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("generated").path), "sample \(i) wrote output")
        }
    }
}
