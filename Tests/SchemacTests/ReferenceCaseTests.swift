import Foundation
import XCTest

/// Runs the real pipeline on every case folder and compares the output with the
/// committed expectation byte for byte. `SCHEMAC_RECORD=1 make test` rewrites the
/// expectations instead; review them with `git diff`.
final class ReferenceCaseTests: XCTestCase {
    func testEveryCaseMatchesItsExpectedOutput() throws {
        let cases = try ReferenceCase.all()
        XCTAssertGreaterThanOrEqual(cases.count, 25, "the reference suite must keep at least 25 cases")
        let pinned = Repo.casesRoot.appendingPathComponent("Support.swift.expected")
        var supports = 0
        for c in cases {
            var actual = try c.actualOutput()
            // Support.swift is the same in every module: pinned once, not in each case.
            for key in actual.keys.sorted() where key.hasPrefix("swift/") && key.hasSuffix("/Support.swift") {
                let text = actual.removeValue(forKey: key)!
                supports += 1
                if ReferenceCase.recording {
                    try Data(text.utf8).write(to: pinned)
                } else {
                    let expected = (try? String(contentsOf: pinned, encoding: .utf8)) ?? "<missing Tests/Cases/Support.swift.expected>"
                    if text != expected { XCTFail("\(c.name): \(key) differs from Tests/Cases/Support.swift.expected at \(firstDifference(expected, text))") }
                }
            }
            if ReferenceCase.recording {
                try c.record(actual)
                continue
            }
            let expected = c.expectedOutput()
            XCTAssertFalse(expected.isEmpty, "\(c.name): expected/ is empty; record it with SCHEMAC_RECORD=1")
            for path in Set(expected.keys).union(actual.keys).sorted() {
                switch (expected[path], actual[path]) {
                case let (e?, a?) where e != a:
                    XCTFail("\(c.name): \(path) differs at \(firstDifference(e, a))")
                case (nil, _?):
                    XCTFail("\(c.name): produces \(path), which expected/ does not have")
                case (_?, nil):
                    XCTFail("\(c.name): expected/\(path) is not produced")
                default:
                    break
                }
            }
        }
        XCTAssertGreaterThanOrEqual(supports, 20, "cases that generate Swift")
    }

    /// Every diagnostic id is exercised by some case, so each message is pinned.
    func testEveryDiagnosticIdHasACase() throws {
        var seen = Set<String>()
        for c in try ReferenceCase.all() {
            for line in (c.expectedOutput()["diagnostics.txt"] ?? "").split(separator: "\n") {
                if let open = line.lastIndex(of: "["), line.hasSuffix("]") {
                    seen.insert(String(line[line.index(after: open)..<line.index(before: line.endIndex)]))
                }
            }
        }
        let ids = DiagnosticIDList.all
        let missing = ids.filter { !seen.contains($0) }
        XCTAssertEqual(missing, [], "diagnostic ids without a reference case")
    }
}

import SchemacDiagnostics
enum DiagnosticIDList {
    /// Ids that cannot arise from a case folder alone, and where they are pinned instead.
    static let elsewhere = [
        "file-unreadable": "an unreadable file cannot be committed: CommandTests makes one",
        "server-refuses": "needs a server: LiveSafetyTests",
        "data-refuses-migration": "needs rows in a live database: LiveSafetyTests",
        "server-unsupported": "needs a server older than PostgreSQL 15: TenantIsolationTests checks what it says",
        "pull-unsupported": "needs a database holding what the language cannot: PullTests.testWhatCannotBePulledIsNamed",
        "pull-would-overwrite": "needs a database to pull: PullTests.testPullRefusesToOverwriteUnlessForced",
        "pull-invalid": "only a fault of pull's own makes it; PullTests and PullOutsideTests assert it never appears",
        "migration-failed": "needs a server: MigrateTests.testAFailedStatementIsRecordedAndTheFixedFileApplies",
        "migration-locked": "needs two runners on a server: MigrateTests.testTwoRunnersNeverRunAFileTwice",
        "migration-refused": "needs a history on a server: MigrateTests.testAnEditedMigrationIsReportedByStatusUpAndCheck",
        "migration-edited": "MigrateTests.testAnEditedMigrationIsReportedByStatusUpAndCheck, through check and migrate",
        "unmanaged-objects": "needs a live database holding what schemac does not manage: OutsideDiffTests",
        "no-down-migration": "MigrationTests.testWriteSavesTheNextNumberedMigration writes a migration with no way back",
    ]

    static var all: [String] {
        DiagnosticID.allCases.map(\.rawValue).filter { elsewhere[$0] == nil }.sorted()
    }
}
