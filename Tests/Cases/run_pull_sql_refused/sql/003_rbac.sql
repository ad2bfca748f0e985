CREATE ROLE app_user;

\i grants.sql
GRANT SELECT ON teams TO app_user;
