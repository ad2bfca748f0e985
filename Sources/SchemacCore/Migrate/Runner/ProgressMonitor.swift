import Foundation
import SchemacPostgresDriver

/// The progress of the runner's long statement, read once a second on a
/// connection of its own from the server's progress views (index builds,
/// rewrites by CLUSTER or VACUUM FULL): a terminal sees it, a log does not.
final class ProgressMonitor: @unchecked Sendable {
    private let target: String
    private let backend: String?
    private let report: @Sendable (String) -> Void
    private let stopped = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    init(target: String, backend: String?, report: @escaping @Sendable (String) -> Void) {
        self.target = target
        self.backend = backend
        self.report = report
    }

    static let query = """
        SELECT 'building index: ' || phase || CASE WHEN blocks_total > 0
                   THEN ', ' || round(100.0 * blocks_done / blocks_total) || '% of blocks' ELSE '' END
                   || CASE WHEN tuples_total > 0 THEN ', ' || tuples_done || ' of ' || tuples_total || ' rows' ELSE '' END
          FROM pg_catalog.pg_stat_progress_create_index WHERE pid = $1
        UNION ALL
        SELECT 'rewriting: ' || phase || CASE WHEN heap_blks_total > 0
                   THEN ', ' || round(100.0 * heap_blks_scanned / heap_blks_total) || '% of blocks' ELSE '' END
          FROM pg_catalog.pg_stat_progress_cluster WHERE pid = $1
        """

    func start() {
        guard let backend else { done.signal(); return }
        Thread.detachNewThread { [self] in
            defer { done.signal() }
            // The first look after a second: a short statement shows nothing.
            guard stopped.wait(timeout: .now() + 1) == .timedOut, let db = try? PostgresConnection(target) else { return }
            var shown = false
            repeat {
                if let line = (try? db.query(Self.query, [backend]))?.first?.first ?? nil {
                    report(line)
                    shown = true
                }
            } while stopped.wait(timeout: .now() + 1) == .timedOut
            if shown { report("") }  // the line cleared
        }
    }

    func stop() {
        stopped.signal()
        done.wait()
    }
}
