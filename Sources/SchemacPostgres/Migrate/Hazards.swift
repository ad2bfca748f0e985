import SchemacMigrate

/// What each hazard risks, said for one PostgreSQL statement: the words a
/// reviewer reads beside the kind (as pg-schema-diff gives them).
enum PostgresHazards {
    static func sentence(_ hazard: HazardKind, of kind: StatementKind, on target: String) -> String {
        switch hazard {
        case .dataLoss: dataLoss(kind, target)
        case .tableRewrite: "rewrites the whole table of \(target) under an ACCESS EXCLUSIVE lock: time and disk in proportion to its size"
        case .longLock: longLock(kind, target)
        case .indexBuild: "builds \(target) by reading the whole table: time and I/O in proportion to its size"
        case .validation: "scans every row to validate \(target); writes go on meanwhile"
        case .failsIfRows: "fails if the table already has rows: the new column \(target) is NOT NULL without a default"
        case .movesRows: "moves the rows that belong in \(target) out of the default partition, with both locked"
        case .hidesRows: hidesRows(kind, target)
        case .breaksClients: "renames \(target): a client that still uses the old name fails until it is deployed with the new one"
        // The kinds of other engines; no PostgreSQL statement carries them.
        case .mutation: "rewrites the data of \(target) in the background"
        case .rebuild: "builds \(target) again and copies every row"
        case .ingestGap: "rows written meanwhile do not reach \(target)"
        }
    }

    private static func dataLoss(_ kind: StatementKind, _ target: String) -> String {
        switch kind {
        case .dropTable: "drops table \(target) and every row in it"
        case .dropColumn: "drops column \(target) and every value in it"
        case .dropSchema: "drops schema \(target)"
        case .dropFunction: "drops function \(target): what calls it fails from then on"
        case .dropEnum, .dropDomain: "drops type \(target)"
        case .dropSequence: "drops sequence \(target) and the value it has reached"
        case .alterColumnType: "converts \(target) to a type that cannot hold every value: what does not fit is cut or refused"
        case .replaceColumn: "drops \(target) and adds it again as generated: the values it holds are replaced"
        default: "loses data of \(target)"
        }
    }

    private static func hidesRows(_ kind: StatementKind, _ target: String) -> String {
        if kind == .forceRowLevelSecurity {
            return "applies the policies of \(target) to its owner too: the owner's sessions (often the application's) see and write "
                + "only the rows the policies let them, none without the settings they read (the tenant, say)"
        }
        return "applies row level security to the rows already in \(target): a session its policies do not let in (one that has not set "
            + "the tenant they read, say) sees none of them from now on, and cannot write them"
    }

    private static func longLock(_ kind: StatementKind, _ target: String) -> String {
        switch kind {
        case .createPartition: "locks the parent table while \(target) is created beside its other partitions"
        case .attachPartition: "locks the parent table while the rows of \(target) are checked against its bound"
        case .renameTable: "takes an ACCESS EXCLUSIVE lock on \(target): brief, but it waits behind every open transaction on it "
            + "and what queues behind it waits too"
        case .createIndex, .addConstraint: "blocks writes to the table of \(target) until the build ends"
        case .dropIndex: "drops \(target) under an ACCESS EXCLUSIVE lock on its partitioned table (which cannot drop it concurrently): brief, "
            + "but it waits behind every open transaction on the table"
        default: "holds a lock on \(target) that blocks reads and writes while it runs"
        }
    }
}
