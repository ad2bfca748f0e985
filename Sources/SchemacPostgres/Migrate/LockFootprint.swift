/// About how many relations one transaction locks, and whether the server's
/// lock table holds that many. Every relation a transaction creates or alters
/// stays locked until it ends, and the shared lock table is sized for
/// `max_locks_per_transaction` per server process (client connections,
/// autovacuum workers, background workers, WAL senders) and prepared
/// transaction: past it, the server answers `out of shared memory` midway
/// through. A schema of thousands of tables in one transaction goes past it
/// on a server with default settings, so schemac says so before it starts.
public enum LockFootprint {
    /// The settings the lock table's size comes from.
    public struct Settings: Sendable, Equatable {
        public var maxLocksPerTransaction = 64
        public var maxConnections = 100
        public var autovacuumMaxWorkers = 3
        public var maxWorkerProcesses = 8
        public var maxWalSenders = 10
        public var maxPreparedTransactions = 0

        public init() {}

        /// The processes and prepared transactions the table has room for.
        public var slots: Int { maxConnections + autovacuumMaxWorkers + 1 + maxWorkerProcesses + maxWalSenders + maxPreparedTransactions }

        /// The relations the lock table is sized for.
        public var capacity: Int { maxLocksPerTransaction * slots }

        /// Past this, a transaction does not fit. The table grows into the
        /// shared memory's spare room, so the server holds more than it is
        /// sized for: with default settings, 2,140 tables of six relations
        /// each (12,840) in one transaction, where the sizing says 7,808.
        public var limit: Int { 2 * capacity }

        /// The `max_locks_per_transaction` that holds `relations` with a
        /// quarter to spare, rounded up to a multiple of 64 (the default).
        public func neededSetting(relations: Int) -> Int {
            let needed = (relations * 5 / 4 + slots - 1) / max(1, slots)
            return max(64, (needed + 63) / 64 * 64)
        }

        /// The query that reads them, in the order `init(row:)` takes.
        public static let query = """
            SELECT current_setting('max_locks_per_transaction'), current_setting('max_connections'), current_setting('autovacuum_max_workers'),
                   current_setting('max_worker_processes'), current_setting('max_wal_senders'), current_setting('max_prepared_transactions')
            """

        public init?(row: [String?]) {
            let values = row.compactMap { $0.flatMap { Int($0) } }
            guard values.count == 6 else { return nil }
            (maxLocksPerTransaction, maxConnections, autovacuumMaxWorkers) = (values[0], values[1], values[2])
            (maxWorkerProcesses, maxWalSenders, maxPreparedTransactions) = (values[3], values[4], values[5])
        }

        /// What to set so that a transaction locking `relations` fits, for a message.
        public func advice(relations: Int) -> String {
            let needed = neededSetting(relations: relations)
            return "it locks about \(relations) relations (tables with their TOAST tables, indexes, sequences) until it commits, and the "
                + "server's lock table is sized for \(capacity): max_locks_per_transaction (\(maxLocksPerTransaction)) × \(slots) (max_connections "
                + "\(maxConnections), background processes, max_prepared_transactions \(maxPreparedTransactions)); set "
                + "max_locks_per_transaction = \(needed) (ALTER SYSTEM SET max_locks_per_transaction = \(needed), then restart the server)"
        }
    }

    /// The relations `statements` lock: a table with its TOAST table and
    /// TOAST index, each index, key constraint and sequence it makes, each
    /// view, and each table an ALTER names that the transaction did not make.
    /// An estimate from the statements' words, on the high side. Read as
    /// ASCII bytes: `schema.sql` of 10,000 tables is estimated as it is rendered.
    public static func relations<S: Sequence>(_ statements: S) -> Int where S.Element == String {
        var total = 0
        var created = Set<String>()
        for var sql in statements {
            sql.withUTF8 { bytes in
                let words = Array(Words(bytes).prefix(8))
                guard words.count >= 2 else { return }
                let keyed = keyPhrases.reduce(0) { $0 + occurrences(of: $1, in: bytes) }
                switch (words[0].upper, words[1].upper) {
                case ("CREATE", "TABLE"), ("CREATE", "UNLOGGED"), ("CREATE", "TEMPORARY"), ("CREATE", "TEMP"):
                    total += 3 + keyed
                    if let name = name(after: "TABLE", in: bytes) { created.insert(name) }
                case ("CREATE", "INDEX"), ("CREATE", "UNIQUE"), ("CREATE", "SEQUENCE"), ("CREATE", "VIEW"), ("CREATE", "OR"):
                    total += 1
                case ("CREATE", "MATERIALIZED"):
                    total += 3
                case ("ALTER", "TABLE"):
                    let table = name(after: "TABLE", in: bytes)
                    total += keyed + (table.map { created.contains($0) } == true ? 0 : 1)
                default:
                    break
                }
            }
        }
        return total
    }

    private static let keyPhrases: [[UInt8]] = ["PRIMARY KEY", "UNIQUE", "SERIAL", "IDENTITY"].map { Array($0.utf8) }

    private static func upper(_ byte: UInt8) -> UInt8 { byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte }

    /// How often `phrase` (upper case) occurs in `bytes`, in any case, not overlapping.
    private static func occurrences(of phrase: [UInt8], in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard phrase.count <= bytes.count else { return 0 }
        var count = 0, i = 0
        let first = phrase[0]
        while i <= bytes.count - phrase.count {
            if upper(bytes[i]) == first, (1..<phrase.count).allSatisfy({ upper(bytes[i + $0]) == phrase[$0] }) {
                count += 1
                i += phrase.count
            } else {
                i += 1
            }
        }
        return count
    }

    /// The words of a statement, split at blanks and `(`.
    private struct Words: Sequence, IteratorProtocol {
        struct Word {
            var bytes: Slice<UnsafeBufferPointer<UInt8>>
            var upper: String { String(decoding: bytes.map(LockFootprint.upper), as: UTF8.self) }
            var text: String { String(decoding: bytes, as: UTF8.self) }
        }
        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0

        init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        static func separates(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) || byte == 0x28 }

        mutating func next() -> Word? {
            while at < bytes.count, Self.separates(bytes[at]) { at += 1 }
            guard at < bytes.count else { return nil }
            let start = at
            while at < bytes.count, !Self.separates(bytes[at]) { at += 1 }
            return Word(bytes: bytes[start..<at])
        }
    }

    /// The (schema-qualified) name after `keyword`, past IF [NOT] EXISTS and ONLY.
    private static func name(after keyword: String, in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var words = Words(bytes)
        while let word = words.next() {
            guard word.upper == keyword else { continue }
            while let next = words.next() {
                if !["IF", "NOT", "EXISTS", "ONLY"].contains(next.upper) { return next.text }
            }
            return nil
        }
        return nil
    }
}
