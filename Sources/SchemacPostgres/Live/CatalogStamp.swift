import SchemacModel

/// A stamp of a database's catalogs that changes whenever its schema does,
/// read in one query for a small part of an inspection's cost: `diff` keeps
/// an inspection with the stamp it was read under, and reads the catalogs
/// again only when the stamp differs.
///
/// Every committed change to a catalog row (DDL, a comment, a grant) writes a
/// row version whose `xmin` is the changing transaction's, so a catalog's row
/// count, the sum of its rows' `xmin`s and the sum of a hash of each row
/// version (its place and `xmin`) change with it: a transaction cannot
/// delete rows and insert as many whose `xmin`s add up to theirs, since its
/// rows all carry its own, newer one. What changes without a new row version
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
    public static func catalogStamp(_ db: CatalogReader) throws -> String {
        let catalogs = try db.query("""
            SELECT c.relname FROM pg_catalog.pg_class c
             WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind = 'r'
               AND c.relname <> ALL($1::text[]) AND has_table_privilege(c.oid, 'SELECT')
             ORDER BY 1
            """, [arrayLiteral(catalogsChangingWithoutDDL)]).compactMap { $0[0] }
        let subscriptionNames = try db.query("SELECT has_column_privilege('pg_catalog.pg_subscription', 'subname', 'SELECT')", [])
        return try db.query(stampQuery(catalogs: catalogs, subscriptionNames: subscriptionNames.first?.first == "t"), [])
            .map { $0.map { $0 ?? "-" }.joined(separator: " ") }.joined(separator: "\n")
    }

    static func stampQuery(catalogs: [String], subscriptionNames: Bool) -> String {
        var branches = ["""
            SELECT 'server', current_setting('server_version_num') || ' ' || pg_postmaster_start_time()::text,
                   current_database() || ' ' || (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database())::text,
                   current_user::text || ' ' || current_setting('quote_all_identifiers')
            """]
        for catalog in catalogs {
            branches.append("""
                SELECT \(SQL.literal(catalog)), count(*)::text, sum(xmin::text::bigint)::text,
                       sum(hashtext(ctid::text || xmin::text))::text FROM pg_catalog.\(SQL.identifier(catalog))
                """)
        }
        // Updated in place (CREATE INDEX CONCURRENTLY, REINDEX): read by value.
        branches.append("""
            SELECT 'index flags', count(*)::text, '',
                   sum(hashtext(indexrelid::text || indisvalid::text || indisready::text || indislive::text))::text FROM pg_catalog.pg_index
            """)
        // pg_authid is a superuser's: the role names the inspection prints stand for it.
        branches.append("SELECT 'roles', count(*)::text, '', sum(hashtext(oid::text || ' ' || rolname))::text FROM pg_catalog.pg_roles")
        if subscriptionNames && !catalogs.contains("pg_subscription") {
            branches.append("SELECT 'subscriptions', count(*)::text, '', sum(hashtext(oid::text || ' ' || subname))::text FROM pg_catalog.pg_subscription")
        }
        return branches.joined(separator: "\nUNION ALL ")
    }
}
