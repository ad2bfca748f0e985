import SchemacModel

/// The inspector's catalog queries. Each is independent of the others, so they
/// run side by side when the inspector has more than one connection.
public enum CatalogQuery: Int, CaseIterable, Sendable {
    case schemas, extensions, roles, enums, domains, sequences, functions, extensionRelations, tables, columns, columnTypes, defaults
    case constraints, opclasses, indexes, policies, triggers, partitions, views, grants, viewReads

    /// The queries that print expressions in a table's context: they open
    /// every table they read.
    static let printedInTableContext: [CatalogQuery] = [.constraints, .indexes, .policies]

    /// Whether `$1` is the schemas inspected (a text[] literal).
    var takesSchemas: Bool {
        switch self {
        case .schemas, .enums, .domains, .sequences, .functions, .tables, .columns, .defaults, .constraints, .indexes, .policies, .triggers, .partitions, .views,
             .grants, .viewReads: true
        default: false
        }
    }

    /// `serverVersion` (`server_version_num`): a column a newer server added
    /// is read by name there, and is NULL before it.
    func sql(scratch: Bool, serverVersion: Int) -> String {
        typealias I = PostgresInspector
        // PostgreSQL 15 on. Read by name: through to_jsonb of the row (which needs
        // no version) it cost 110 ms at 10,000 tables, the row holding node trees.
        let hasNullsNotDistinct = serverVersion >= 150000
        // A relation's or column's comment, looked up by pg_description's unique
        // index row by row (obj_description would run a query of its own each
        // time). Not joined: on a database just built, before autovacuum has
        // analyzed the catalogs, the planner takes pg_description for the few
        // rows it held when the database was made and joins it by a nested loop
        // that reads it whole for every row: 15 s for the index query, 12 s for
        // the scratch read-back's columns at 10,000 tables. The lookups cost
        // about 100 ms more at 100,000 columns, whatever the figures say.
        func comment(_ oid: String, subid: String = "0") -> String {
            "(SELECT ds.description FROM pg_description ds WHERE ds.objoid = \(oid) AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = \(subid))"
        }
        func notExtensions(_ catalog: String, _ oid: String) -> String { scratch ? "true" : "NOT \(I.extensionMember(catalog, oid))" }
        let relationFilter = "n.nspname = ANY($1::text[]) AND NOT c.relispartition"
        // Whether the relation `c` (in the schema `n`) is a table read here.
        func isReadTable(_ c: String, _ n: String) -> String {
            "\(c).relkind IN ('r', 'p') AND \(n).nspname = ANY($1::text[]) AND NOT \(c).relispartition"
        }
        // Tables of the schemas, extensions' tables among them: the rows of
        // those are dropped by the reader, which is cheaper than excluding them
        // in every query (that reads all of pg_depend each time).
        let tableFilter = """
            SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE \(isReadTable("c", "n"))
            """
        let inTables = scratch ? "= ANY(ARRAY(\(tableFilter)))" : "IN (\(tableFilter))"
        let materializedViews = "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'm' AND \(relationFilter)"
        // One list, so that the indexes are looked up by it rather than all read and filtered.
        let inTablesOrMaterializedViews = scratch ? "= ANY(ARRAY(\(tableFilter) UNION ALL \(materializedViews)))"
            : "IN (\(tableFilter) UNION ALL \(materializedViews))"
        return switch self {
        case .schemas:
            "SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[]) ORDER BY 1"
        case .extensionRelations:
            "SELECT objid FROM pg_depend WHERE classid = 'pg_class'::regclass AND deptype = 'e'"
        case .extensions:
            "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1"
        case .roles:
            "SELECT oid, rolname FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY 2"
        case .enums:
            """
            SELECT n.nspname AS schema, t.typname AS name,
                   (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)::text AS labels,
                   obj_description(t.oid, 'pg_type') AS comment
              FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE t.typtype = 'e' AND n.nspname = ANY($1::text[]) AND \(notExtensions("pg_type", "t.oid"))
             ORDER BY 1, 2
            """
        case .domains:
            // The base type as the columns' types are described (an array by its element).
            """
            SELECT n.nspname AS schema, t.typname AS name, t.typnotnull AS not_null, pg_get_expr(t.typdefaultbin, 0) AS default_sql,
                   format_type(t.typbasetype, t.typtypmod) AS formatted_type, et.oid IS NOT NULL AS is_array,
                   coalesce(et.typtype, bt.typtype) AS base_typtype, coalesce(etn.nspname, btn.nspname) AS base_schema,
                   coalesce(et.typname, bt.typname) AS base_name,
                   (SELECT json_agg(json_build_array(c.conname, pg_get_constraintdef(c.oid, true)) ORDER BY c.conname)
                      FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c')::text AS checks,
                   obj_description(t.oid, 'pg_type') AS comment
              FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
              JOIN pg_type bt ON bt.oid = t.typbasetype JOIN pg_namespace btn ON btn.oid = bt.typnamespace
              LEFT JOIN pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A' LEFT JOIN pg_namespace etn ON etn.oid = et.typnamespace
             WHERE t.typtype = 'd' AND n.nspname = ANY($1::text[]) AND \(notExtensions("pg_type", "t.oid"))
             ORDER BY 1, 2
            """
        case .sequences:
            // An identity column's sequence is its column's (deptype 'i');
            // the column a serial's sequence is OWNED BY, deptype 'a'.
            """
            SELECT n.nspname AS schema, c.relname AS name, format_type(s.seqtypid, NULL) AS type, s.seqstart AS start,
                   s.seqincrement AS increment, s.seqmin AS min, s.seqmax AS max, s.seqcache AS cache, s.seqcycle AS cycle,
                   tn.nspname AS owner_schema, tc.relname AS owner_table, a.attname AS owner_column,
                   obj_description(c.oid, 'pg_class') AS comment
              FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
              LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
                                   AND d.deptype = 'a' AND d.refobjsubid > 0
              LEFT JOIN pg_class tc ON tc.oid = d.refobjid LEFT JOIN pg_namespace tn ON tn.oid = tc.relnamespace
              LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
             WHERE n.nspname = ANY($1::text[]) AND \(notExtensions("pg_class", "c.oid"))
               AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = 'pg_class'::regclass AND i.objid = c.oid AND i.deptype = 'i')
             ORDER BY 1, 2
            """
        case .functions:
            """
            SELECT n.nspname AS schema, p.proname AS name, pg_get_function_arguments(p.oid) AS arguments,
                   pg_get_function_result(p.oid) AS result, l.lanname AS language, p.prosrc AS body,
                   -- A SQL-standard body (PostgreSQL 14 on) is in prosqlbody, read through to_jsonb so older servers need no other query.
                   CASE WHEN to_jsonb(p) ->> 'prosqlbody' IS NOT NULL THEN pg_get_functiondef(p.oid) END AS standard_definition,
                   p.provolatile AS volatility, p.prosecdef AS security_definer, p.proisstrict AS strict,
                   p.proparallel AS parallel, p.proleakproof AS leakproof, p.procost::text AS cost, p.prorows::text AS rows, p.proretset AS returns_set,
                   p.proconfig::text AS settings, p.prokind = 'p' AS is_procedure, obj_description(p.oid, 'pg_proc') AS comment
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
             WHERE n.nspname = ANY($1::text[]) AND p.prokind IN ('f', 'p') AND \(notExtensions("pg_proc", "p.oid"))
             ORDER BY 1, 2, 3
            """
        case .tables:
            """
            SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relrowsecurity AS row_security,
                   c.relforcerowsecurity AS force_row_security, \(comment("c.oid")) AS comment,
                   CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p') AND \(relationFilter)
             ORDER BY 2, 3
            """
        case .columns:
            // Types and defaults are read by queries of their own: joined here,
            // they are joined to every attribute of the catalogs before the
            // table filter applies, which costs more than the two queries.
            """
            SELECT a.attrelid AS relid, a.attname AS name, a.attnotnull AS not_null, a.attidentity AS identity,
                   a.attgenerated AS generated, \(comment("a.attrelid", subid: "a.attnum")) AS comment, a.attndims > 0 AS declared_array,
                   a.atttypid AS type_oid, format_type(a.atttypid, a.atttypmod) AS formatted_type, a.attnum
              FROM pg_attribute a
             WHERE a.attrelid \(inTables) AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attrelid, a.attnum
            """
        case .columnTypes:
            // Every type, a few thousand short rows: cheaper than finding the
            // ones the columns use. An array is described by its element.
            """
            SELECT t.oid, et.oid IS NOT NULL AS is_array, coalesce(et.typtype, t.typtype) AS typtype,
                   coalesce(etn.nspname, tn.nspname) AS schema, coalesce(et.typname, t.typname) AS name
              FROM pg_type t JOIN pg_namespace tn ON tn.oid = t.typnamespace
              LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
              LEFT JOIN pg_namespace etn ON etn.oid = et.typnamespace
            """
        case .defaults:
            // A default cannot name a column, so it is printed without its
            // table: opening every table's descriptor would cost more than the
            // rest of the inspection. A generation expression is printed in it.
            """
            SELECT d.adrelid AS relid, d.adnum AS attnum,
                   pg_get_expr(d.adbin, CASE WHEN EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = d.adrelid AND a.attnum = d.adnum
                                                                                        AND a.attgenerated <> '') THEN d.adrelid ELSE 0 END)
                     AS expression
              FROM pg_attrdef d
             WHERE d.adrelid \(inTables)
             ORDER BY d.adrelid, d.adnum
            """
        case .constraints:
            // A foreign key to a table read here is named from that table; one to
            // any other table (another schema's, an extension's) has its table
            // and referenced columns named by the query. Those tables are found
            // once (`ext`) and joined by hash: a lateral lookup per constraint
            // cost half a second at 10,000 tables. Whether a referenced table is
            // one read here is asked of its own row (kind, schema), and `keyed`
            // holds only the columns read (not the node trees): 170 ms less of 400.
            """
            WITH keyed AS (
              SELECT con.oid, con.conrelid, con.conname, con.contype, con.conkey, con.confrelid, con.confkey, con.confdeltype,
                     con.confupdtype, con.condeferrable, con.conindid, con.convalidated
                FROM pg_constraint con
               WHERE con.conrelid \(inTables) AND con.contype IN ('p', 'u', 'c', 'f', 'x') AND con.conislocal
            ), ext AS (
              SELECT fc.oid, fn.nspname, fc.relname
                FROM (SELECT DISTINCT confrelid FROM keyed WHERE contype = 'f') f
                JOIN pg_class fc ON fc.oid = f.confrelid JOIN pg_namespace fn ON fn.oid = fc.relnamespace
               WHERE NOT (\(isReadTable("fc", "fn")))
                  OR \(I.extensionMember("pg_class", "fc.oid"))
            )
            SELECT con.conrelid AS relid, con.conname AS name, con.contype AS kind, con.conkey AS key_numbers,
                   ext.nspname AS referenced_schema, ext.relname AS referenced_table, con.confrelid AS referenced_relid,
                   con.confkey AS referenced_numbers, con.confdeltype AS on_delete, con.confupdtype AS on_update,
                   con.condeferrable AS deferrable,
                   CASE WHEN con.contype IN ('c', 'x') THEN pg_get_constraintdef(con.oid, true) END AS check_definition,
                   \(hasNullsNotDistinct
                       ? "CASE WHEN con.contype = 'u' THEN (SELECT i.indnullsnotdistinct FROM pg_index i WHERE i.indexrelid = con.conindid) END"
                       : "NULL::boolean") AS nulls_not_distinct,
                   CASE WHEN ext.oid IS NOT NULL THEN
                     (SELECT json_agg(a.attname ORDER BY k.i) FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                        JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n)::text END AS referenced_columns,
                   con.conindid AS index_oid, con.convalidated AS validated
              FROM keyed con LEFT JOIN ext ON ext.oid = con.confrelid AND con.contype = 'f'
             ORDER BY con.conrelid, con.conname
            """
        case .opclasses:
            "SELECT oid, opcname AS name FROM pg_opclass WHERE NOT opcdefault"
        case .indexes:
            """
            SELECT i.indrelid AS relid, ic.relname AS name, am.amname AS method, i.indisunique AS is_unique,
                   pg_get_expr(i.indpred, i.indrelid, true) AS predicate, i.indnkeyatts AS key_count,
                   i.indkey AS attnums, i.indclass AS opclasses, i.indoption AS options,
                   CASE WHEN i.indexprs IS NOT NULL OR mv.oid IS NOT NULL THEN
                     (SELECT json_agg(pg_get_indexdef(i.indexrelid, k, true) ORDER BY k) FROM generate_series(1, i.indnatts) k)::text END
                     AS printed_keys,
                   \(comment("i.indexrelid")) AS comment, i.indexrelid AS index_oid,
                   \(hasNullsNotDistinct ? "i.indisunique AND i.indnullsnotdistinct" : "NULL::boolean") AS nulls_not_distinct
              FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
              -- A materialized view's columns are not read: its keys are named by printing them.
              LEFT JOIN (\(materializedViews)) mv ON mv.oid = i.indrelid
             WHERE i.indrelid \(inTablesOrMaterializedViews)
             ORDER BY i.indrelid, ic.relname
            """
        case .policies:
            """
            SELECT p.polrelid AS relid, p.polname AS name, p.polcmd AS command, p.polpermissive AS permissive,
                   p.polroles AS roles, pg_get_expr(p.polqual, p.polrelid, true) AS using,
                   pg_get_expr(p.polwithcheck, p.polrelid, true) AS with_check
              FROM pg_policy p
             WHERE p.polrelid \(inTables)
             ORDER BY p.polrelid, p.polname
            """
        case .triggers:
            """
            SELECT t.tgrelid AS relid, t.tgname AS name, t.tgtype AS type_bits, fn.nspname AS function_schema,
                   f.proname AS function_name, encode(t.tgargs, 'hex') AS arguments_hex,
                   CASE WHEN t.tgqual IS NOT NULL THEN pg_get_triggerdef(t.oid, true) END AS definition
              FROM pg_trigger t JOIN pg_proc f ON f.oid = t.tgfoid JOIN pg_namespace fn ON fn.oid = f.pronamespace
             WHERE t.tgrelid \(inTables) AND NOT t.tgisinternal AND t.tgparentid = 0
             ORDER BY t.tgrelid, t.tgname
            """
        case .partitions:
            """
            SELECT i.inhparent AS parent, n.nspname AS schema, c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
              FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE i.inhparent \(inTables) AND c.relispartition
             ORDER BY i.inhparent, n.nspname, c.relname
            """
        case .views:
            """
            SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind = 'm' AS materialized,
                   pg_get_viewdef(c.oid, true) AS definition, \(comment("c.oid")) AS comment,
                   coalesce((SELECT lower(split_part(o, '=', 2)) IN ('true', 'on', 'yes', '1')
                               FROM unnest(c.reloptions) o WHERE o LIKE 'security\\_invoker=%'), false) AS security_invoker
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('v', 'm') AND \(relationFilter)
             ORDER BY 2, 3
            """
        case .viewReads:
            // A view's rewrite rule depends on each column it reads.
            """
            SELECT DISTINCT v.oid AS view_oid, rn.nspname AS schema, rc.relname AS table_name, a.attname AS column_name
              FROM pg_class v JOIN pg_namespace n ON n.oid = v.relnamespace
              JOIN pg_rewrite r ON r.ev_class = v.oid
              JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
                              AND d.refobjid <> v.oid
              JOIN pg_class rc ON rc.oid = d.refobjid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
              LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid AND d.refobjsubid > 0
             WHERE v.relkind IN ('v', 'm') AND n.nspname = ANY($1::text[])
            """
        case .grants:
            // The access lists as stored; read by `grants(_:)`, which is cheaper
            // than exploding and aggregating them here.
            """
            SELECT c.oid, c.relowner AS owner, c.relacl::text[] AS acl
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname = ANY($1::text[]) AND c.relacl IS NOT NULL
            """
        }
    }
}
