import SchemacModel

/// A stamp of a database's catalogs that changes whenever its schema does,
/// read in one query for a small part of an inspection's cost: `diff` keeps
/// an inspection with the stamp it was read under, and reads the catalogs
/// again only when the stamp differs.
///
/// Every committed change to a catalog row (DDL, a comment, a grant) writes a
/// row version whose `xmin` is the changing transaction's, so a catalog's row
/// count, the sum of its rows' `xmin`s and the sum of a hash of each row's
/// `xmin` change with it: for both sums to stay, the rows a change deletes
/// would need `xmin`s adding up to those of the rows it writes, in plain
/// numbers and in hashes at once, while the rows it writes all carry the
/// changing transaction's own. What changes without a new row version
/// is left out: statistics (ANALYZE), replication progress, large objects,
/// and the flags PostgreSQL updates in place (those of indexes, read by
/// value). Catalogs a role cannot read whole are stamped by the columns the
/// inspector reads (roles, subscriptions). The server's identity and start
/// time, the role and the settings that print text are part of the stamp:
/// a database rebuilt in a new cluster at the same address, by the same
/// statements, has another.
///
/// A stamp is taken before the inspection it keeps: a change committed in
/// between makes the next stamp differ from the kept one.
extension PostgresInspector {
    /// Catalogs whose rows change without any change to the schema.
    static let catalogsChangingWithoutDDL = [
        "pg_statistic", "pg_statistic_ext_data", "pg_subscription_rel", "pg_replication_origin", "pg_largeobject",
        "pg_largeobject_metadata",
    ]

    /// The stamp, as text; it names nothing secret (no password, no data).
    /// With two connections, each reads half of the catalogs (by size): on a
    /// database in sync the stamp is all a diff reads, and a new session
    /// pays for opening each catalog once.
    public static func catalogStamp(_ connections: [CatalogReader]) throws -> String {
        precondition(!connections.isEmpty)
        let rows = try connections[0].query("""
            SELECT c.relname, c.reltuples FROM pg_catalog.pg_class c
             WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind = 'r'
               AND c.relname <> ALL($1::text[]) AND has_table_privilege(c.oid, 'SELECT')
             ORDER BY 2 DESC, 1
            """, [arrayLiteral(catalogsChangingWithoutDDL)])
        let catalogs = rows.compactMap { $0[0] }
        let subscriptionNames = try connections[0].query("SELECT has_column_privilege('pg_catalog.pg_subscription', 'subname', 'SELECT')", [])
            .first?.first == "t"
        // Dealt largest first, alternately: the halves come out about even.
        let lanes = catalogs.count > 1 ? min(connections.count, 2) : 1
        let halves = (0..<lanes).map { lane in catalogs.enumerated().filter { $0.offset % lanes == lane }.map(\.element) }
        let work = UncheckedSendable(connections)
        let parts = parallelMap(Array(0..<lanes)) { lane in
            UncheckedSendable(Result {
                try work.value[lane].query(stampQuery(catalogs: halves[lane], wholeDatabase: lane == 0, subscriptionNames: subscriptionNames,
                                                      subscriptionsReadWhole: catalogs.contains("pg_subscription")), [])
            })
        }
        return try parts.flatMap { try $0.value.get() }.map { $0.map { $0 ?? "-" }.joined(separator: " ") }.sorted().joined(separator: "\n")
    }

    public static func catalogStamp(_ db: CatalogReader) throws -> String { try catalogStamp([db]) }

    /// `wholeDatabase`: with the parts that are not a catalog's (the server, the role, index flags, roles, subscriptions).
    static func stampQuery(catalogs: [String], wholeDatabase: Bool, subscriptionNames: Bool, subscriptionsReadWhole: Bool) -> String {
        var branches = !wholeDatabase ? [] : ["""
            SELECT 'server', current_setting('server_version_num') || ' ' || pg_postmaster_start_time()::text,
                   current_database() || ' ' || (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database())::text,
                   current_user::text || ' ' || current_setting('quote_all_identifiers')
            """]
        // Grouped by xmin first: a catalog's rows carry a few hundred xmins, and
        // turning each row's into a number was most of the stamp's time.
        for catalog in catalogs {
            branches.append("""
                SELECT \(SQL.literal(catalog)), sum(n)::text, sum(x * n)::text, sum(hashint8(x) * n)::text
                  FROM (SELECT xmin::text::bigint AS x, n FROM (SELECT xmin, count(*) AS n FROM pg_catalog.\(SQL.identifier(catalog)) GROUP BY 1) g) s
                """)
        }
        guard wholeDatabase else { return branches.joined(separator: "\nUNION ALL ") }
        // Updated in place (CREATE INDEX CONCURRENTLY, REINDEX): read by value.
        branches.append("""
            SELECT 'index flags', count(*)::text, '',
                   sum(hashint8(indexrelid::bigint * 8 + indisvalid::int * 4 + indisready::int * 2 + indislive::int))::text FROM pg_catalog.pg_index
            """)
        // pg_authid is a superuser's: the role names the inspection prints stand for it.
        branches.append("SELECT 'roles', count(*)::text, '', sum(hashtext(oid::text || ' ' || rolname))::text FROM pg_catalog.pg_roles")
        if subscriptionNames && !subscriptionsReadWhole {
            branches.append("SELECT 'subscriptions', count(*)::text, '', sum(hashtext(oid::text || ' ' || subname))::text FROM pg_catalog.pg_subscription")
        }
        return branches.joined(separator: "\nUNION ALL ")
    }
}
